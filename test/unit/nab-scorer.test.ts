import { describe, expect, it } from 'vitest';
// @ts-expect-error — plain ESM module of the benchmark, no type declarations
import { nabScore, optimiseThreshold, probationaryPeriod, scaledSigmoid } from '../../bench/anomaly/nab-scorer.mjs';

const STANDARD = { tp: 1, fp: 0.11, fn: 1 };
const ts = (i: number) => `2014-01-01 00:${String(i).padStart(2, '0')}:00`;

/** 20 rows; probation = floor(0.15·20) = 3 rows; one window, rows 10…13 (width 4). */
function series(scores: Record<number, number>) {
  const timestamps = Array.from({ length: 20 }, (_, i) => ts(i));
  return { timestamps, scores: timestamps.map((_, i) => scores[i] ?? 0), windows: [[`${ts(10)}.000000`, `${ts(13)}.000000`]] };
}

describe('NAB scorer (bench/anomaly/nab-scorer.mjs), against values worked out by hand', () => {
  it('scaled sigmoid and probationary period', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.986614, 6); // 2/(1+e^-5) − 1
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(3.01)).toBe(-1);
    expect(probationaryPeriod(20)).toBe(3);
    expect(probationaryPeriod(10_000)).toBe(750);
  });

  it('a TP inside the window, FPs before and after it, a detection in the probation ignored; best threshold and normalisation', () => {
    // row 1: probation (ignored); row 5: FP before any window (−0.11); row 11: TP at y = −3/4;
    // row 15: FP 2 rows after the window, y = 2/3.
    const s = series({ 1: 0.9, 5: 0.8, 11: 0.7, 15: 0.6 });
    const tp11 = (2 / (1 + Math.exp(-3.75)) - 1) / (2 / (1 + Math.exp(-5)) - 1); // 0.966994
    const fp15 = 0.11 * (2 / (1 + Math.exp(5 * (2 / 3))) - 1); // −0.102422
    expect(tp11).toBeCloseTo(0.966994, 5);
    expect(fp15).toBeCloseTo(-0.102422, 5);
    const best = optimiseThreshold([s], STANDARD);
    // θ = 0.9 scores nothing (row 1 is in the probation): a tie with "no detection", the higher θ (1.1) kept;
    // θ = 0.8: −1 − 0.11; θ = 0.7: −0.11 + 0.966994 = 0.856994 (the best); θ = 0.6 adds the FP after the window.
    expect(best.threshold).toBe(0.7);
    expect(best.raw).toBeCloseTo(-0.11 + tp11, 9);
    expect(best).toMatchObject({ tp: 1, fp: 1, fn: 0, windows: 1 });

    // The null detector (0.5 everywhere) does best detecting every scored row: the window's first row
    // (worth exactly 1), 7 FPs before it (rows 3…9), 6 after (rows 14…19) at 0.11·σ((i − 13)/3).
    let after = 0;
    for (let i = 14; i <= 19; i++) after += 0.11 * (2 / (1 + Math.exp((5 * (i - 13)) / 3)) - 1);
    const nullRaw = 1 - 7 * 0.11 + after;
    expect(nullRaw).toBeCloseTo(-0.3857, 3);
    const r = nabScore([s], STANDARD);
    expect(r.nullRaw).toBeCloseTo(nullRaw, 9);
    expect(r.score).toBeCloseTo((100 * (-0.11 + tp11 - nullRaw)) / (1 - nullRaw), 9);
  });

  it('a window counts once, at its earliest detection; a missed window costs A_FN; two series share one threshold', () => {
    const a = series({ 12: 0.9, 13: 0.9, 11: 0.5 });
    const b = series({}); // its window is missed at any θ above 0
    const r = optimiseThreshold([a, b], STANDARD);
    // θ = 0.9: window a detected at row 12 (y = −2/4), window b missed (−1). θ = 0 would detect
    // both windows at their first row but pay 2 × 13 FPs: 2 · (1 − 7·0.11 − 0.6157) = −0.77, worse.
    const tp12 = (2 / (1 + Math.exp(-2.5)) - 1) / (2 / (1 + Math.exp(-5)) - 1);
    const tp11 = (2 / (1 + Math.exp(-3.75)) - 1) / (2 / (1 + Math.exp(-5)) - 1);
    // θ = 0.5: row 11 is earlier, worth more; still one window, counted once.
    expect(r.threshold).toBe(0.5);
    expect(r.raw).toBeCloseTo(tp11 - 1, 9);
    expect(tp11).toBeGreaterThan(tp12);
    expect(r).toMatchObject({ tp: 1, fn: 1, fp: 0, windows: 2 });
  });
});
