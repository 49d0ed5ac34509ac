// NAB v1.1 scoring (numenta/NAB nab/sweeper.py, optimizer.py, scorer.py, runner.py), as described in
// /work/shared/nab-dev/README.md: probationary period, the scaled sigmoid inside and after windows,
// one threshold per profile optimised over the whole corpus, normalisation null → 0, perfect → 100.
//
// Written here rather than run from NAB's Python: the benchmark must run where only Node is, and
// the threshold sweep below is one sort (O(n log n)) instead of NAB's per-threshold rescoring.
// test/unit/nab-scorer.test.ts pins it on hand-computed cases; bench/anomaly/run.mjs checks it
// reproduces NAB's own score of Numenta's HTM outputs on the development subset.

/** NAB's scaled sigmoid: 2 / (1 + e^(5x)) − 1, and −1 past x = 3 (sweeper.py). */
export function scaledSigmoid(x) {
  if (x > 3) return -1;
  return 2 / (1 + Math.exp(5 * x)) - 1;
}

/** `P = min(floor(0.15·n), 750)`: rows 0…P−1 are not scored. */
export function probationaryPeriod(n) {
  return Math.min(Math.floor(0.15 * n), 750);
}

/**
 * The scored rows of one series for one profile.
 * @param {{ timestamps: string[], scores: ArrayLike<number>, windows: Array<[string, string]> }} series
 *   windows as [start, end] timestamps (NAB writes `2014-04-10 16:15:00.000000`; the fraction is ignored)
 * @param {{ tp: number, fp: number, fn: number }} weights
 * @returns {{ rows: Array<{ score: number, value: number, window: number }>, windows: number }}
 *   `window` is the index of the window the row lies in (−1 outside every window); `value` what a
 *   detection at that row is worth (TP inside a window, FP cost outside).
 */
export function scoredRows(series, weights) {
  const { timestamps, scores } = series;
  const n = timestamps.length;
  const index = new Map();
  for (let i = 0; i < n; i++) index.set(timestamps[i], i);
  const spans = series.windows.map(([s, e]) => {
    const a = index.get(s.slice(0, 19));
    const b = index.get(e.slice(0, 19));
    if (a === undefined || b === undefined) throw new Error(`window ${s} … ${e} is not made of rows of the series`);
    return [a, b];
  }).sort((x, y) => x[0] - y[0]);
  const probation = probationaryPeriod(n);
  const tpNorm = scaledSigmoid(-1);
  const rows = [];
  let w = 0; // the first window that has not ended before row i
  for (let i = 0; i < n; i++) {
    while (w < spans.length && spans[w][1] < i) w++;
    if (i < probation) continue;
    let value;
    let window = -1;
    if (w < spans.length && spans[w][0] <= i) {
      const [s, e] = spans[w];
      const width = e - s + 1;
      value = (weights.tp * scaledSigmoid(-(e - i + 1) / width)) / tpNorm;
      window = w;
    } else if (w === 0) {
      value = -weights.fp;
    } else {
      const [s, e] = spans[w - 1];
      const width = e - s + 1;
      value = weights.fp * scaledSigmoid((i - e) / (width - 1));
    }
    rows.push({ score: scores[i], value, window });
  }
  return { rows, windows: spans.length };
}

/**
 * The best raw score over every threshold for a corpus, one profile.
 * @param {Array<{ timestamps: string[], scores: ArrayLike<number>, windows: Array<[string, string]> }>} corpus
 * @param {{ tp: number, fp: number, fn: number }} weights
 * @returns {{ threshold: number, raw: number, tp: number, fp: number, fn: number, windows: number }}
 */
export function optimiseThreshold(corpus, weights) {
  const all = [];
  let windowCount = 0;
  for (const series of corpus) {
    const { rows, windows } = scoredRows(series, weights);
    for (const r of rows) all.push({ score: r.score, value: r.value, window: r.window < 0 ? -1 : windowCount + r.window });
    windowCount += windows;
  }
  // Sweep from the highest score down: at each distinct score every row with score ≥ θ detects.
  all.sort((a, b) => b.score - a.score);
  const best = new Float64Array(windowCount).fill(NaN); // best TP value per window so far
  let raw = -weights.fn * windowCount;
  let detectedWindows = 0;
  let fpCount = 0;
  let result = { threshold: 1.1, raw, tp: 0, fp: 0, fn: windowCount, windows: windowCount };
  let i = 0;
  while (i < all.length) {
    const theta = all[i].score;
    for (; i < all.length && all[i].score === theta; i++) {
      const r = all[i];
      if (r.window < 0) {
        raw += r.value;
        fpCount++;
      } else if (Number.isNaN(best[r.window])) {
        best[r.window] = r.value;
        raw += weights.fn + r.value;
        detectedWindows++;
      } else if (r.value > best[r.window]) {
        raw += r.value - best[r.window];
        best[r.window] = r.value;
      }
    }
    // Ties keep the higher threshold (NAB keeps the first best it meets, sweeping downwards).
    if (raw > result.raw + 1e-12) {
      result = { threshold: theta, raw, tp: detectedWindows, fp: fpCount, fn: windowCount - detectedWindows, windows: windowCount };
    }
  }
  return result;
}

/**
 * NAB's normalised score of a corpus for one profile, with the null detector (constant 0.5)
 * scored by the same code.
 */
export function nabScore(corpus, weights) {
  const best = optimiseThreshold(corpus, weights);
  const nullCorpus = corpus.map((s) => ({ ...s, scores: new Float64Array(s.timestamps.length).fill(0.5) }));
  const nul = optimiseThreshold(nullCorpus, weights);
  const perfect = weights.tp * best.windows;
  const score = best.windows === 0 ? 0 : (100 * (best.raw - nul.raw)) / (perfect - nul.raw);
  return { ...best, nullRaw: nul.raw, perfect, score };
}

/** NAB's profiles.json → weights. */
export function profileWeights(profiles) {
  const out = {};
  for (const [name, p] of Object.entries(profiles)) {
    out[name] = { tp: p.CostMatrix.tpWeight, fp: p.CostMatrix.fpWeight, fn: p.CostMatrix.fnWeight };
  }
  return out;
}
