/**
 * Seasonal residual: how far a value is from what this time of day (and this time of the week)
 * usually holds. One exponentially weighted mean per half-hour of the day (48) and per half-hour
 * of the week (336); the residual is the smaller of the two distances, in units of the range, so
 * a value is unusual only if both the daily and the weekly profile disagree (a quiet Sunday is not
 * unusual for the weekly profile; a new hour of the day is not unusual for either once learnt).
 * Needs timestamps; bounded state (two fixed tables).
 */
export interface SeasonalState {
  day: number[];
  dayN: number[];
  week: number[];
  weekN: number[];
}

const BUCKET_S = 1800;
const DAY = 86400 / BUCKET_S;
const WEEK = 7 * DAY;

export class SeasonalResidual {
  private readonly day = new Float64Array(DAY);
  private readonly dayN = new Float64Array(DAY);
  private readonly week = new Float64Array(WEEK);
  private readonly weekN = new Float64Array(WEEK);

  /** What the profiles expect at the last bucket pushed (weekly once seen, else daily; NaN before). */
  expected = NaN;

  constructor(private readonly memory: number) {}

  /** What the profiles hold for the bucket of `epochMs` (weekly once seen, else daily; NaN when neither). */
  expectAt(epochMs: number): number {
    const s = Math.floor(epochMs / 1000 / BUCKET_S);
    const d = ((s % DAY) + DAY) % DAY;
    const w = (((s + 3 * DAY) % WEEK) + WEEK) % WEEK;
    if (this.weekN[w] >= 1) return this.week[w];
    if (this.dayN[d] >= 1) return this.day[d];
    return NaN;
  }

  get bytes(): number {
    return 2 * (DAY + WEEK) * 8;
  }

  /** The residual of `value` at `epochMs` (0 until both profiles have seen this bucket), then learns it. */
  push(value: number, epochMs: number, range: number): number {
    const s = Math.floor(epochMs / 1000 / BUCKET_S);
    const d = ((s % DAY) + DAY) % DAY;
    // 1970-01-01 was a Thursday: shift so that bucket 0 of the week is Monday 00:00.
    const w = (((s + 3 * DAY) % WEEK) + WEEK) % WEEK;
    let r = 0;
    if (range > 0 && this.dayN[d] >= 2 && this.weekN[w] >= 1) {
      r = Math.min(Math.abs(value - this.day[d]), Math.abs(value - this.week[w])) / range;
    }
    this.day[d] += (value - this.day[d]) / Math.min(++this.dayN[d], this.memory);
    this.week[w] += (value - this.week[w]) / Math.min(++this.weekN[w], this.memory);
    return r;
  }

  toJSON(): SeasonalState {
    return { day: Array.from(this.day), dayN: Array.from(this.dayN), week: Array.from(this.week), weekN: Array.from(this.weekN) };
  }

  restore(s: SeasonalState): void {
    this.day.set(s.day);
    this.dayN.set(s.dayN);
    this.week.set(s.week);
    this.weekN.set(s.weekN);
  }
}
