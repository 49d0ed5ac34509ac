/**
 * A streaming, unsupervised anomaly detector for one series:
 * `update(value, epochMs?) → score ∈ [0, 1]`.
 *
 * The score of a point depends only on that point and the ones before it (never on the series'
 * length or overall range: ranges are online min/max), and the state is a few fixed-size typed
 * arrays (`stateBytes`, about 35 KB with the defaults). Four signals, each turned into a
 * "surprise" on one common scale, the largest wins; then one alarm per event.
 *
 * What each choice gained, measured on the NAB development subset (bench/anomaly; standard
 * profile, thresholds optimised over the subset; Numenta HTM scores 70.2 there):
 *
 * | step                                                                     | standard |
 * | ------------------------------------------------------------------------ | -------: |
 * | pattern novelty, 1 scale (shape of the last 3 points, 1-NN), surprise    |     47.6 |
 * | + range break (a value beyond the min/max seen so far)                   |     58.1 |
 * | + novelty at 3 time scales (1, 6, 24 points), knobs searched (400 runs)  |     61.7 |
 * | + seasonal residual (half-hour-of-day and -of-week profiles)             |     73.3 |
 * | scales 6 and 24 only (the 1-point scale added false positives): defaults |     74.1 |
 * Taking one part out of the defaults: the seasonal residual −8.6 (65.6), the range break −11.4
 * (62.8), one alarm per event (damp 1) −0.2 (73.9, one false positive more).
 * Tried and dropped: log of the novelty (−28), novelty bounded by its running mean (−10), novelty
 * as a ratio to its running peak (−5), scores relative to the series' own record (+0.2 for a knob),
 * longer shapes at coarse scales (−2 … −7), a longer warm-up or a ramp of the first 600 scores
 * (+0.3 for a knob), clipping outliers out of the surprise's running variance (−6 … −34: heavy
 * tails are real, the inflated spread after an event is what keeps its tail quiet).
 *
 * 1. Pattern novelty (novelty.ts): at each time scale (blocks of 6 and 24 points), the shape of
 *    the last 3 block means against every earlier shape in a bounded ring, nearest-neighbour
 *    distance in units of the range seen so far. KNN-CAD's and ARTime's idea: a pattern seen
 *    before is close to some neighbour; a spike, a level shift, a changed shape is not.
 * 2. Range break: a value beyond everything seen, by x times the range, scores 1 − e^(−10·x).
 * 3. Seasonal residual (seasonal.ts): the distance to what this half-hour of the day and of the
 *    week usually holds (needs timestamps; HTM encodes time of day for the same reason): a missing
 *    daily peak or a holiday is a normal shape at an abnormal time.
 * 4. Surprise (surprise.ts) — HTM's anomaly likelihood: each raw signal against its own long-run
 *    mean and spread, through the Gaussian tail, log-scaled; this puts every series on one scale so
 *    one threshold serves all. Then one alarm per event: a score that does not beat the slowly
 *    decaying peak of recent scores is damped (ARTime and CAD OSE mask after a detection, too).
 *
 * A constant series has zero range: every signal is 0 and so is the score; a noiseless one has
 * zero spread of novelty, so the spread has a floor (`minSpread`).
 */
import { ScaleNovelty, type NoveltyState } from './novelty';
import { SeasonalResidual, type SeasonalState } from './seasonal';
import { Surprise, type SurpriseState } from './surprise';

export interface DetectorOptions {
  /** Block lengths (points) of the time scales of pattern novelty. */
  scales: number[];
  /** Block means per shape. */
  window: number;
  /** Block means remembered per scale (bounds memory and CPU). */
  history: number;
  /** Points before the first score other than 0. */
  warmup: number;
  /** Time constant (values) of each signal's long-run mean and variance (surprise). */
  longWindow: number;
  /** Floor of a signal's spread, in units of the range. */
  minSpread: number;
  /** Range break: a value beyond the min/max seen so far by x·range scores 1 − e^(−rangeK·x). */
  rangeK: number;
  /** Seasonal residual on (when timestamps are given). */
  seasonal: boolean;
  /** Samples per profile bucket that its mean remembers. */
  seasonalMemory: number;
  /** Residuals averaged before their surprise (one odd point is not an odd half-hour). */
  seasonalShort: number;
  /** Points over which the peak of recent scores decays to 0 (one alarm per event). */
  quietPeriod: number;
  /** Factor applied to a score that does not beat that peak. */
  damp: number;
}

export const DEFAULT_OPTIONS: Readonly<DetectorOptions> = Object.freeze({
  scales: [6, 24],
  window: 3,
  history: 900,
  warmup: 100,
  longWindow: 1500,
  minSpread: 0.01,
  rangeK: 10,
  seasonal: true,
  seasonalMemory: 10,
  seasonalShort: 3,
  quietPeriod: 50,
  damp: 0.25,
});

/** Serialisable state of one detector (JSON-safe). */
export interface DetectorState {
  v: 2;
  options: DetectorOptions;
  count: number;
  min: number | null;
  max: number | null;
  recentPeak: number;
  level: number;
  lastMs: number | null;
  stepMs: number;
  scales: Array<{ novelty: NoveltyState; surprise: SurpriseState; held: number }>;
  seasonal: { profile: SeasonalState; surprise: SurpriseState; held: number };
}

export class StreamingDetector {
  readonly options: DetectorOptions;
  private count = 0;
  private min = Infinity;
  private max = -Infinity;
  private recentPeak = 0;
  private lastLevel = 0;
  private lastMs = NaN;
  private stepMs = 0;
  private readonly novelty: ScaleNovelty[];
  private readonly surprise: Surprise[];
  /** Last surprise per scale, held between that scale's block ends. */
  private readonly held: Float64Array;
  private readonly seasonal: SeasonalResidual;
  private readonly seasonalSurprise: Surprise;
  private seasonalHeld = 0;

  constructor(options: Partial<DetectorOptions> = {}) {
    const o = (this.options = { ...DEFAULT_OPTIONS, ...options, scales: [...(options.scales ?? DEFAULT_OPTIONS.scales)] });
    // The finest shape overlaps the current one for `window` points at block length 1: skip those.
    this.novelty = o.scales.map((b) => new ScaleNovelty(b, o.window, o.history, b === 1 ? o.window : 1));
    this.surprise = o.scales.map(() => new Surprise(1, o.longWindow, o.minSpread));
    this.held = new Float64Array(o.scales.length);
    this.seasonal = new SeasonalResidual(o.seasonalMemory);
    this.seasonalSurprise = new Surprise(o.seasonalShort, o.longWindow, o.minSpread);
  }

  /** Restores a detector from `toJSON()` output (throws on a state of another version or shape). */
  static fromJSON(state: DetectorState): StreamingDetector {
    if (state?.v !== 2) throw new Error('unknown detector state version');
    const d = new StreamingDetector(state.options);
    if (state.scales.length !== d.novelty.length) throw new Error('detector state of a different shape');
    d.count = state.count;
    d.min = state.min ?? Infinity;
    d.max = state.max ?? -Infinity;
    d.recentPeak = state.recentPeak;
    d.lastLevel = state.level;
    d.lastMs = state.lastMs ?? NaN;
    d.stepMs = state.stepMs;
    state.scales.forEach((s, i) => {
      d.novelty[i].restore(s.novelty);
      d.surprise[i].restore(s.surprise);
      d.held[i] = s.held;
    });
    d.seasonal.restore(state.seasonal.profile);
    d.seasonalSurprise.restore(state.seasonal.surprise);
    d.seasonalHeld = state.seasonal.held;
    return d;
  }

  /** Bytes of state held: typed arrays (fixed at construction) plus a few numbers per stage. */
  get stateBytes(): number {
    let b = 10 * 8 + this.held.byteLength + this.seasonal.bytes + this.seasonalSurprise.bytes;
    for (const n of this.novelty) b += n.bytes;
    for (const s of this.surprise) b += s.bytes;
    return b;
  }

  /** Points learnt. */
  get seen(): number {
    return this.count;
  }

  /**
   * The last point's score before the one-alarm-per-event damping, each signal's surprise held
   * until its next update: how anomalous the series is *now*, high for as long as an event lasts.
   * The service exposes this (an alert wants a sustained level); `update` returns the onset score
   * that NAB measures.
   */
  get level(): number {
    return this.lastLevel;
  }

  /**
   * What the detector expects for the next point: the seasonal profile of its half-hour (one
   * step after the last timestamp) once learnt, else what followed the nearest earlier pattern at
   * the finest scale. NaN before anything was learnt.
   */
  get expected(): number {
    if (this.options.seasonal && Number.isFinite(this.lastMs)) {
      const e = this.seasonal.expectAt(this.lastMs + this.stepMs);
      if (Number.isFinite(e)) return e;
    }
    return this.novelty[0]?.expected ?? NaN;
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
    // Range break.
    const prevRange = this.max - this.min;
    if (warm && prevRange > 0) {
      const excess = Math.max(value - this.max, this.min - value, 0) / prevRange;
      if (excess > 0) score = 1 - Math.exp(-o.rangeK * excess);
    }
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const range = this.max - this.min;
    let level = score;
    // Pattern novelty per scale (fresh at each block end, held in between).
    for (let i = 0; i < this.novelty.length; i++) {
      const nov = this.novelty[i];
      const raw = nov.push(value, range);
      if (this.count % nov.block === 0) {
        const s = (this.held[i] = this.surprise[i].push(raw, warm));
        if (s > score) score = s;
      }
      if (this.held[i] > level) level = this.held[i];
    }
    // Seasonal residual.
    if (o.seasonal && epochMs !== undefined && Number.isFinite(epochMs)) {
      if (Number.isFinite(this.lastMs) && epochMs > this.lastMs) this.stepMs = epochMs - this.lastMs;
      this.lastMs = epochMs;
      const raw = this.seasonal.push(value, epochMs, range);
      const s = (this.seasonalHeld = this.seasonalSurprise.push(raw, warm));
      if (s > score) score = s;
    }
    if (this.seasonalHeld > level) level = this.seasonalHeld;
    this.lastLevel = level;
    // One alarm per event.
    const peak = this.recentPeak;
    this.recentPeak = Math.max(score, peak * (1 - 1 / o.quietPeriod));
    if (score <= peak) score *= o.damp;
    return score;
  }

  toJSON(): DetectorState {
    return {
      v: 2,
      options: { ...this.options, scales: [...this.options.scales] },
      count: this.count,
      min: Number.isFinite(this.min) ? this.min : null,
      max: Number.isFinite(this.max) ? this.max : null,
      recentPeak: this.recentPeak,
      level: this.lastLevel,
      lastMs: Number.isFinite(this.lastMs) ? this.lastMs : null,
      stepMs: this.stepMs,
      scales: this.novelty.map((n, i) => ({ novelty: n.toJSON(), surprise: this.surprise[i].toJSON(), held: this.held[i] })),
      seasonal: { profile: this.seasonal.toJSON(), surprise: this.seasonalSurprise.toJSON(), held: this.seasonalHeld },
    };
  }
}
