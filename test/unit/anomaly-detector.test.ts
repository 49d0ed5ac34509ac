import { describe, expect, it } from 'vitest';
import { StreamingDetector } from '../../src/anomaly/detector';

/** Deterministic noise in [−1, 1). */
function noise(i: number): number {
  let h = Math.imul(i + 1, 2654435761) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 2246822519) >>> 0;
  return ((h >>> 8) / 2 ** 24) * 2 - 1;
}
/** A daily cycle at 5-minute resolution (288 points a day) with 5 % noise. */
const seasonal = (i: number) => 100 + 40 * Math.sin((2 * Math.PI * i) / 288) + 5 * noise(i);
/** Points 5 minutes apart from Monday 2024-01-01 00:00 UTC, as the CLI and the service pass them. */
const T0 = Date.UTC(2024, 0, 1);
const at = (i: number) => T0 + i * 300_000;
const run = (values: number[]) => {
  const d = new StreamingDetector();
  return values.map((v, i) => d.update(v, at(i)));
};
const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), 0);
const HIGH = 0.25; // the alert rule's threshold, and about the NAB-optimal one on the development subset

describe('streaming detector on synthetic series', () => {
  const days = 16; // more than two weeks: the weekly profile is learnt too
  const base = Array.from({ length: days * 288 }, (_, i) => seasonal(i));

  it('a seasonal pattern with noise does not alarm after the warm-up', () => {
    const scores = run(base);
    expect(max(scores.slice(2 * 288))).toBeLessThan(HIGH);
  });

  it('a spike scores high at once, and only around it', () => {
    const when = 15 * 288 + 100;
    const values = base.map((v, i) => (i === when ? v + 150 : v));
    const scores = run(values);
    expect(scores[when]).toBeGreaterThan(0.9);
    expect(max(scores.slice(2 * 288, when))).toBeLessThan(HIGH);
  });

  it('a level shift scores high when it happens, then the new level is learnt', () => {
    const shift = 6 * 288;
    const values = base.map((v, i) => (i >= shift ? v + 60 : v));
    const scores = run(values);
    expect(max(scores.slice(shift, shift + 6))).toBeGreaterThan(0.5);
    expect(max(scores.slice(2 * 288, shift))).toBeLessThan(HIGH);
    expect(max(scores.slice(shift + 3 * 288))).toBeLessThan(HIGH); // three days later: normal again
  });

  it('a missing daily peak (values inside the usual range, at the wrong time of day) alarms', () => {
    const from = 15 * 288 + 30; // the rising half of the cycle, flattened for 5 hours
    const values = base.map((v, i) => (i >= from && i < from + 60 ? 100 + 2 * noise(i) : v));
    const scores = run(values);
    expect(max(scores.slice(from, from + 60))).toBeGreaterThan(HIGH);
    expect(max(scores.slice(2 * 288, from))).toBeLessThan(HIGH);
  });

  it('without timestamps it still scores (pattern novelty and range break alone)', () => {
    const d = new StreamingDetector();
    const scores = base.map((v, i) => d.update(i === 3000 ? v + 150 : v));
    expect(scores[3000]).toBeGreaterThan(0.9);
    expect(max(scores.slice(2 * 288, 3000))).toBeLessThan(HIGH);
  });

  it('a constant series and a noiseless one score 0 without NaN; any score is in [0, 1]', () => {
    const flat = run(Array.from({ length: 3000 }, () => 45));
    expect(flat.every((s) => s === 0)).toBe(true);
    const clean = run(Array.from({ length: 3000 }, (_, i) => 20 + 60 * Math.max(0, Math.sin((2 * Math.PI * i) / 288))));
    expect(clean.every((s) => Number.isFinite(s) && s >= 0 && s <= 1)).toBe(true);
    expect(max(clean.slice(600))).toBeLessThan(HIGH);
    const wild = run(Array.from({ length: 3000 }, (_, i) => (i % 97 === 0 ? 1e12 : noise(i) * 1e-9)));
    expect(wild.every((s) => Number.isFinite(s) && s >= 0 && s <= 1)).toBe(true);
    const d = new StreamingDetector();
    expect(d.update(Number.NaN, T0)).toBe(0);
    expect(d.seen).toBe(0);
  });

  it("a point's score depends only on it and the points before it", () => {
    const full = run(base.slice(0, 2000));
    const prefix = run(base.slice(0, 1500));
    expect(prefix).toEqual(full.slice(0, 1500));
  });

  it('state is bounded, and a restored state continues exactly where it left off', () => {
    const d = new StreamingDetector();
    const bytes = d.stateBytes;
    for (let i = 0; i < 2000; i++) d.update(base[i], at(i));
    expect(d.stateBytes).toBe(bytes);
    expect(bytes).toBeLessThan(64 * 1024);
    const copy = StreamingDetector.fromJSON(JSON.parse(JSON.stringify(d.toJSON())));
    for (let i = 2000; i < base.length; i++) expect(copy.update(base[i], at(i))).toBe(d.update(base[i], at(i)));
    expect(copy.level).toBe(d.level);
    expect(copy.expected).toBe(d.expected);
  });
});
