/**
 * How surprising a novelty value is for its series: the mean of the last few novelty values
 * against the long-run mean and spread of novelty (exponentially weighted, so bounded state),
 * through the Gaussian upper tail, log-scaled so that a tail of 1e-30 scores 1 and one of ½ or more
 * scores 0. This is Numenta's "anomaly likelihood" (HTM) in O(1) per point: it puts a noisy and a
 * clean series on one scale, so one threshold serves both.
 */
export interface SurpriseState {
  shortWindow: number;
  recent: number[];
  sum: number;
  seen: number;
  mean: number;
  variance: number;
}

const LOG_FLOOR = Math.log(2e-30);

/** Upper tail of the standard normal, Q(z) (Abramowitz–Stegun 7.1.26 via erfc; |error| < 1.5e-7). */
export function normalTail(z: number): number {
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = y * Math.exp(-x * x);
  return x >= 0 ? erfc / 2 : 1 - erfc / 2;
}

export class Surprise {
  private readonly recent: Float64Array;
  private sum = 0;
  private seen = 0;
  private mean = 0;
  private variance = 0;

  constructor(
    readonly shortWindow: number,
    private readonly longWindow: number,
    private readonly minSpread: number,
  ) {
    this.recent = new Float64Array(shortWindow);
  }

  get bytes(): number {
    return this.recent.byteLength + 6 * 8;
  }

  /** Scores `raw` against what came before it (0 until `warm` values were seen), then learns it. */
  push(raw: number, warm: boolean): number {
    const n = this.seen;
    const slot = n % this.shortWindow;
    this.sum += raw - this.recent[slot];
    this.recent[slot] = raw;
    const short = this.sum / Math.min(n + 1, this.shortWindow);
    let score = 0;
    if (warm) {
      const spread = Math.max(Math.sqrt(this.variance), this.minSpread);
      const z = (short - this.mean) / spread;
      // 0 for novelty at or below its mean (a tail of ½ or more), 1 for a tail of 1e-30 or less.
      if (z > 0) score = Math.min(1, Math.max(0, Math.log(2 * Math.max(normalTail(z), 1e-30)) / LOG_FLOOR));
    }
    const alpha = 1 / Math.min(n + 1, this.longWindow);
    const delta = raw - this.mean;
    this.mean += alpha * delta;
    this.variance = (1 - alpha) * (this.variance + alpha * delta * delta);
    this.seen = n + 1;
    return score;
  }

  toJSON(): SurpriseState {
    const recent: number[] = [];
    for (let i = Math.max(0, this.seen - this.shortWindow); i < this.seen; i++) recent.push(this.recent[i % this.shortWindow]);
    return { shortWindow: this.shortWindow, recent, sum: this.sum, seen: this.seen, mean: this.mean, variance: this.variance };
  }

  restore(s: SurpriseState): void {
    if (s.shortWindow !== this.shortWindow) throw new Error('surprise state of a different shape');
    this.recent.fill(0);
    for (let j = 0; j < s.recent.length; j++) this.recent[(s.seen - s.recent.length + j) % this.shortWindow] = s.recent[j];
    this.sum = s.sum;
    this.seen = s.seen;
    this.mean = s.mean;
    this.variance = s.variance;
  }
}
