/**
 * A streaming, unsupervised anomaly detector for one series: `update(value) → score ∈ [0, 1]`.
 *
 * The score of a point depends only on that point and the ones before it (never on the series'
 * length or overall range), and the state is a few fixed-size typed arrays (`stateBytes`).
 * Three stages (what each gained is measured on the NAB development subset by bench/anomaly and
 * written beside DEFAULT_OPTIONS):
 *
 * 1. Pattern novelty at several time scales (novelty.ts): the recent shape of the series against
 *    every earlier shape in a bounded memory, in units of the range seen so far (online min/max).
 *    KNN-CAD's and ARTime's idea: a pattern seen before is close to some neighbour; a spike, a
 *    level shift, a changed daily shape is not.
 * 2. Surprise of that novelty (surprise.ts): HTM's anomaly likelihood, which puts every series on
 *    one scale so that one threshold serves all.
 * 3. One alarm per event: a score that does not exceed the (slowly decaying) peak of the recent
 *    scores is damped, so an event is reported at its onset and its tail does not count as false
 *    positives — ARTime and CAD OSE do the same, with a fixed mask.
 *
 * A constant series has zero range: novelty is 0 and so is the score until the value moves; a
 * noiseless one has zero spread of novelty, so the spread has a floor (`minSpread`).
 */
import { ScaleNovelty, type NoveltyState } from './novelty';
import { SeasonalResidual, type SeasonalState } from './seasonal';
import { Surprise, type SurpriseState } from './surprise';

export interface DetectorOptions {
  /** Block lengths (points) of the time scales; one novelty and one surprise per scale. */
  scales: number[];
  /** Block means per shape. */
  window: number;
  /** Block means per shape, per scale (overrides `window`). */
  windows?: number[];
  /** Most recent shapes not searched at coarse scales. */
  coarseExclusion: number;
  /** Block means remembered per scale (bounds memory and CPU). */
  history: number;
  /** Points before the first score other than 0. */
  warmup: number;
  /** Novelty values averaged by the surprise stage. */
  shortWindow: number;
  /** Time constant (novelty values) of the long-run mean and variance of novelty. */
  longWindow: number;
  /** Floor of the novelty's spread, in units of the range. */
  minSpread: number;
  /** Points over which the recent peak of scores decays to 0 (stage 3). */
  quietPeriod: number;
  /** Factor applied to a score that does not beat the recent peak. */
  damp: number;
  /** Range break: a value beyond the min/max seen so far by x·range scores 1 − e^(−rangeK·x). */
  rangeK: number;
  seasonal: boolean;
  seasonalMemory: number;
  seasonalShort: number;
  recordPower: number;
  recordDecay: number;
  recordFloor: number;
}

export const DEFAULT_OPTIONS: Readonly<DetectorOptions> = Object.freeze({
  scales: [1, 6, 24],
  window: 3,
  coarseExclusion: 1,
  history: 900,
  warmup: 100,
  shortWindow: 1,
  longWindow: 1500,
  minSpread: 0.01,
  quietPeriod: 50,
  damp: 0.25,
  rangeK: 10,
  seasonal: false,
  seasonalMemory: 10,
  seasonalShort: 3,
  recordPower: 0,
  recordDecay: 3000,
  recordFloor: 0.05,
});

/** Serialisable state of one detector (JSON-safe). */
export interface DetectorState {
  v: 1;
  options: DetectorOptions;
  count: number;
  min: number | null;
  max: number | null;
  recentPeak: number;
  held: number[];
  level: number;
  record: number;
  scales: Array<{ novelty: NoveltyState; surprise: SurpriseState }>;
}

export class StreamingDetector {
  readonly options: DetectorOptions;
  private count = 0;
  private min = Infinity;
  private max = -Infinity;
  private recentPeak = 0;
  private readonly novelty: ScaleNovelty[];
  private readonly surprise: Surprise[];
  /** Last surprise per scale, held between that scale's block ends. */
  private readonly held: Float64Array;
  private lastLevel = 0;
  private record = 0;
  private readonly seasonal: SeasonalResidual;
  private readonly seasonalSurprise: Surprise;
  private seasonalHeld = 0;

  constructor(options: Partial<DetectorOptions> = {}) {
    const o = (this.options = { ...DEFAULT_OPTIONS, ...options, scales: [...(options.scales ?? DEFAULT_OPTIONS.scales)] });
    this.novelty = o.scales.map((b, i) => {
      const w = o.windows?.[i] ?? o.window;
      return new ScaleNovelty(b, w, o.history, b === 1 ? w : o.coarseExclusion);
    });
    this.held = new Float64Array(o.scales.length);
    this.seasonal = new SeasonalResidual(o.seasonalMemory);
    this.seasonalSurprise = new Surprise(o.seasonalShort, o.longWindow, o.minSpread);
    this.surprise = o.scales.map(() => new Surprise(o.shortWindow, o.longWindow, o.minSpread));
  }

  /** Restores a detector from `toJSON()` output. */
  static fromJSON(state: DetectorState): StreamingDetector {
    if (state?.v !== 1) throw new Error('unknown detector state version');
    const d = new StreamingDetector(state.options);
    d.count = state.count;
    d.min = state.min ?? Infinity;
    d.max = state.max ?? -Infinity;
    d.recentPeak = state.recentPeak;
    state.held.forEach((x, i) => (d.held[i] = x));
    d.lastLevel = state.level;
    d.record = state.record;
    state.scales.forEach((s, i) => {
      d.novelty[i].restore(s.novelty);
      d.surprise[i].restore(s.surprise);
    });
    return d;
  }

  /** Bytes of state held (typed arrays plus a few numbers per stage). */
  get stateBytes(): number {
    let b = 8 * 8 + this.held.byteLength;
    for (const n of this.novelty) b += n.bytes;
    for (const s of this.surprise) b += s.bytes;
    return b;
  }

  /** Points seen. */
  get seen(): number {
    return this.count;
  }

  /**
   * The last point's score before stage 3 (one alarm per event), each scale's surprise held until
   * its next block: how anomalous the series is *now*, which stays high while an event lasts. The
   * service exposes this (an alert wants a sustained level); `update` returns the onset score
   * that NAB measures.
   */
  get level(): number {
    return this.lastLevel;
  }

  /** What the finest scale's memory expects as the next value (NaN before any). */
  get expected(): number {
    return this.novelty[0].expected;
  }

  /** The range seen so far, [min, max]. */
  get range(): [number, number] {
    return [this.min, this.max];
  }

  /** Scores one point; a value that is not finite scores 0 and is not learnt. */
  update(value: number, epochMs?: number): number {
    if (!Number.isFinite(value)) return 0;
    const o = this.options;
    this.count++;
    const warm = this.count > o.warmup;
    let score = 0;
    // A value outside everything seen so far, by a share of the range seen so far.
    const prevRange = this.max - this.min;
    if (warm && o.rangeK > 0 && prevRange > 0) {
      const excess = Math.max(value - this.max, this.min - value, 0) / prevRange;
      if (excess > 0) score = 1 - Math.exp(-o.rangeK * excess);
    }
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const range = this.max - this.min;
    let level = score;
    for (let i = 0; i < this.novelty.length; i++) {
      const nov = this.novelty[i];
      const fresh = this.count % nov.block === 0;
      const raw = nov.push(value, range);
      if (fresh) {
        const s = (this.held[i] = this.surprise[i].push(raw, warm));
        if (s > score) score = s;
      }
      if (this.held[i] > level) level = this.held[i];
    }
    if (o.seasonal && epochMs !== undefined && Number.isFinite(epochMs)) {
      const raw = this.seasonal.push(value, epochMs, range);
      const s = (this.seasonalHeld = this.seasonalSurprise.push(raw, warm));
      if (s > score) score = s;
      if (s > level) level = s;
    }
    this.lastLevel = level;
    if (o.recordPower > 0) {
      const best = this.record;
      this.record = Math.max(best * (1 - 1 / o.recordDecay), score);
      if (warm) score *= Math.min(1, score / Math.max(best, o.recordFloor)) ** o.recordPower;
    }
    const peak = this.recentPeak;
    this.recentPeak = Math.max(score, peak * (1 - 1 / o.quietPeriod));
    if (score <= peak) score *= o.damp;
    return score;
  }

  toJSON(): DetectorState {
    return {
      v: 1,
      options: { ...this.options, scales: [...this.options.scales], ...(this.options.windows ? { windows: [...this.options.windows] } : {}) },
      count: this.count,
      min: Number.isFinite(this.min) ? this.min : null,
      max: Number.isFinite(this.max) ? this.max : null,
      recentPeak: this.recentPeak,
      held: Array.from(this.held),
      level: this.lastLevel,
      record: this.record,
      scales: this.novelty.map((n, i) => ({ novelty: n.toJSON(), surprise: this.surprise[i].toJSON() })),
    };
  }
}
