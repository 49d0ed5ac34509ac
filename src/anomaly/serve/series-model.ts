/**
 * One live series: its detector, and the expected value and band shown beside it. The expected
 * value of a point is what the detector's memory predicted *before* seeing it (the value that
 * followed the nearest earlier pattern); the band is that ± `width` mean absolute prediction
 * errors (exponentially weighted over the last ~100 points).
 */
import { StreamingDetector, type DetectorState } from '../detector';

export interface SeriesLabels {
  series: string;
  service: string;
  component: string;
}

export interface SeriesModelState {
  labels: SeriesLabels;
  lastTs: number;
  prediction: number;
  mae: number;
  errors: number;
  detector: DetectorState;
}

const MAE_WINDOW = 100;

export class SeriesModel {
  lastTs = -Infinity;
  value = NaN;
  expected = NaN;
  score = 0;
  /** Steps since the series last had a point. */
  idle = 0;
  private prediction = NaN;
  private mae = 0;
  private errors = 0;

  constructor(
    readonly key: string,
    readonly labels: SeriesLabels,
    readonly detector: StreamingDetector = new StreamingDetector(),
  ) {}

  static fromJSON(key: string, s: SeriesModelState): SeriesModel {
    const m = new SeriesModel(key, s.labels, StreamingDetector.fromJSON(s.detector));
    m.lastTs = s.lastTs;
    m.prediction = s.prediction;
    m.mae = s.mae;
    m.errors = s.errors;
    return m;
  }

  /** Learns one point (ignored unless newer than the last); returns whether it was new. */
  observe(ts: number, value: number): boolean {
    if (!(ts > this.lastTs) || !Number.isFinite(value)) return false;
    this.lastTs = ts;
    this.idle = 0;
    const expected = Number.isFinite(this.prediction) ? this.prediction : value;
    this.errors++;
    this.mae += (Math.abs(value - expected) - this.mae) / Math.min(this.errors, MAE_WINDOW);
    this.detector.update(value, ts * 1000);
    this.score = this.detector.level;
    this.value = value;
    this.expected = expected;
    this.prediction = this.detector.expected;
    return true;
  }

  band(width: number): [number, number] {
    return [this.expected - width * this.mae, this.expected + width * this.mae];
  }

  toJSON(): SeriesModelState {
    return {
      labels: this.labels,
      lastTs: this.lastTs,
      prediction: Number.isFinite(this.prediction) ? this.prediction : 0,
      mae: this.mae,
      errors: this.errors,
      detector: this.detector.toJSON(),
    };
  }
}
