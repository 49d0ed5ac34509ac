// The anomaly framework's test data (shop-anomaly.rules.yml): seasonal, noisy "normal" series
// and the anomalies issue 8 measured grafana/promql-anomaly-detection against, as per-minute
// values of `shop:anomaly:input`. Deterministic: a seeded PRNG, so the generated test files are
// reproducible (test/unit/alert-rules.test.ts checks they are up to date). Used by
// gen-anomaly-tests.mjs (the promtool tests) and bench/alerting/measure.mjs (RESULTS.md).

/** mulberry32: a small, well-known 32-bit PRNG; enough for test noise, and seedable. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal noise (Box–Muller) from a uniform PRNG. */
export function gaussian(rand) {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export const DAY = 1440; // minutes
export const WARMUP = 26 * 60; // 26 h of history before anything is judged
export const HORIZON = WARMUP + 22 * 60; // then 22 h of judged data: 48 h in all

/** The normal traffic: a daily sine 10 ± 5 per minute, noise σ = 1, never below 0. */
export function seasonal(minutes, { seed, phase = 0, mean = 10, amplitude = 5, sigma = 1 }) {
  const rand = prng(seed);
  return Array.from({ length: minutes }, (_, t) => Math.max(0, mean + amplitude * Math.sin((2 * Math.PI * t) / DAY + phase) + sigma * gaussian(rand)));
}

/** The minute of the judged window (with 4 h to spare) where a sine of `phase` is lowest: the hardest place to see a rise. */
export function troughAfterWarmup(phase) {
  let best = WARMUP + 60;
  for (let t = best; t <= HORIZON - 240; t++) if (Math.sin((2 * Math.PI * t) / DAY + phase) < Math.sin((2 * Math.PI * best) / DAY + phase)) best = t;
  return best;
}

const scale = (values, from, minutes, factor) => values.map((v, t) => (t >= from && t < from + minutes ? v * factor : v));

/**
 * The scenarios: each a series, the minute its anomaly starts, and what must happen:
 *   quiet: no ShopAnomaly firing for it in the judged window (26 h .. 48 h);
 *   catch: an anomaly of `minutes` from `start`: firing with `direction` within `within` minutes
 *          of `start`, and `keep`: still firing
 *          at each of those minutes after `start` (no early resolve); never before `start`.
 * `grafana` is what issue 8 measured for grafana/promql-anomaly-detection's default strategy.
 */
export function scenarios() {
  const list = [];
  const add = (s) => list.push(s);
  const PH = [0, 1.3, 2.9, 4.4];
  // Normal days: three independent noisy seasonal series, judged for 22 h after 26 h of warm-up.
  PH.slice(0, 3).forEach((phase, i) => add({ name: `normal_${i + 1}`, what: `normal: daily sine 10 ± 5/min, noise σ=1 (phase ${phase})`, values: seasonal(HORIZON, { seed: 101 + i, phase }), quiet: true, grafana: 'quiet for 22 h' }));
  {
    const phase = PH[3];
    const start = troughAfterWarmup(phase) + 20;
    add({ name: 'burst_x10_5m', minutes: 5, what: '×10 for 5 minutes (an attack on order creation)', values: scale(seasonal(HORIZON, { seed: 201, phase }), start, 5, 10), start, direction: 'up', within: 4, grafana: 'missed' });
  }
  {
    const phase = PH[1];
    const start = troughAfterWarmup(phase) - 240; // on the rising flank, level ≈ 7
    add({ name: 'drop_to_zero', minutes: 30, what: 'drop to zero for 30 minutes (an outage)', values: seasonal(HORIZON, { seed: 202, phase }).map((v, t) => (t >= start && t < start + 30 ? 0 : v)), start, direction: 'down', within: 4, keep: [10, 20, 29], grafana: 'never fires (its selectors keep only values > 0)' });
  }
  {
    const phase = PH[2];
    const start = troughAfterWarmup(phase) - 30; // the hour around the trough: ×1.6 of ~5/min
    add({ name: 'rise_x1_6_1h', minutes: 60, what: '×1.6 for one hour, at the daily trough', values: scale(seasonal(HORIZON, { seed: 203, phase }), start, 60, 1.6), start, direction: 'up', within: 20, keep: [30, 50], grafana: 'caught' });
  }
  {
    const phase = PH[0];
    const start = troughAfterWarmup(phase);
    add({ name: 'rise_x2_10m', minutes: 10, what: '×2 for 10 minutes, at the daily trough', values: scale(seasonal(HORIZON, { seed: 204, phase }), start, 10, 2), start, direction: 'up', within: 5, grafana: 'caught' });
    add({ name: 'rise_x3_10m', minutes: 10, what: '×3 for 10 minutes, at the daily trough', values: scale(seasonal(HORIZON, { seed: 205, phase }), start, 10, 3), start, direction: 'up', within: 4, grafana: 'caught' });
  }
  {
    const phase = PH[1];
    const start = troughAfterWarmup(phase) + 360; // the daily mean: ~10/min → 13/min
    add({ name: 'rise_x1_3_1h', minutes: 60, what: '+30 % for one hour (under the ±50 % floor of the reference)', values: scale(seasonal(HORIZON, { seed: 206, phase }), start, 60, 1.3), start, direction: 'up', within: 20, keep: [40], grafana: 'cannot alert (bands at least ±50 %)' });
    add({ name: 'fall_40pct_1h', minutes: 60, what: '−40 % for one hour', values: scale(seasonal(HORIZON, { seed: 207, phase }), start, 60, 0.6), start, direction: 'down', within: 20, keep: [40], grafana: 'cannot alert (bands at least ±50 %)' });
  }
  {
    const phase = PH[2];
    const start = WARMUP + 120;
    add({ name: 'sustained_x10_3h', minutes: 180, what: '×10 for three hours', values: scale(seasonal(HORIZON, { seed: 208, phase }), start, 180, 10), start, direction: 'up', within: 4, keep: [30, 60, 90, 120, 150, 178], grafana: 'resolves while still ×10' });
  }
  {
    // Sparse: mostly zero, now and then a few events: never judged, whatever its spikes.
    const rand = prng(209);
    add({ name: 'sparse', what: 'sparse: 0 most minutes, a spike of 1–20 in 5 % of them', values: Array.from({ length: HORIZON }, () => (rand() < 0.05 ? 1 + Math.floor(rand() * 20) : 0)), quiet: true, grafana: 'filter undone: sparse series let back in' });
  }
  {
    // Below the minimum volume: a trickle with a ×10 burst is not worth a page.
    const start = WARMUP + 300;
    add({ name: 'low_volume', what: 'low volume: 0.5 ± 0.2/min with a ×10 burst (below min_volume)', values: scale(seasonal(HORIZON, { seed: 210, mean: 0.5, amplitude: 0.2, sigma: 0.1 }), start, 5, 10), quiet: true, grafana: '—' });
  }
  {
    // The series vanishes (the service stopped counting): a drop to zero, for an hour.
    const phase = PH[3];
    const start = WARMUP + 400;
    add({ name: 'vanishes', minutes: 45, what: 'the input disappears for 45 minutes (a service that stopped)', values: seasonal(HORIZON, { seed: 211, phase }).map((v, t) => (t >= start && t < start + 45 ? null : v)), start, direction: 'down', within: 9, keep: [20, 40], grafana: 'never fires' });
  }
  return list;
}

// Weekly seasonality: a shop busy on weekdays (10 ± 5/min), quiet at weekends (4 ± 2/min), the
// daily trough at 04:00. Minute 0 is a Saturday; 9½ days, so the second weekend and the Monday
// after it are judged with a 1-week reference (the first weekend has none: not judged).
export const WEEK_HORIZON = 9 * DAY + 12 * 60;
export const WEEK_JUDGED_FROM = 7 * DAY; // the second Saturday, 00:00

export function weekly(minutes, seed) {
  const rand = prng(seed);
  const phase = (3 * Math.PI) / 2 - (2 * Math.PI * 240) / DAY;
  return Array.from({ length: minutes }, (_, t) => {
    const weekend = Math.floor(t / DAY) % 7 < 2;
    const [mean, amplitude] = weekend ? [4, 2] : [10, 5];
    return Math.max(0, mean + amplitude * Math.sin((2 * Math.PI * t) / DAY + phase) + gaussian(rand));
  });
}

export function weeklyScenarios() {
  const sunday = 8 * DAY + 4 * 60; // the second Sunday, at the daily trough (≈ 2/min)
  const monday = 9 * DAY + 10 * 60; // the Monday after, 10:00 (≈ 12/min, the day after a quiet Sunday)
  return [
    { name: 'weekly_normal', what: 'weekdays 10 ± 5/min, weekends 4 ± 2/min, noise σ=1: the second weekend and the Monday after', values: weekly(WEEK_HORIZON, 301), quiet: true, grafana: '—' },
    { name: 'weekly_burst', what: '×10 for 5 minutes on a Sunday night', values: weekly(WEEK_HORIZON, 302).map((v, t) => (t >= sunday && t < sunday + 5 ? v * 10 : v)), start: sunday, minutes: 5, direction: 'up', within: 4, grafana: '—' },
    { name: 'weekly_drop', what: 'drop to zero for 30 minutes on the Monday after the weekend', values: weekly(WEEK_HORIZON, 303).map((v, t) => (t >= monday && t < monday + 30 ? 0 : v)), start: monday, minutes: 30, direction: 'down', within: 4, keep: [20], grafana: '—' },
  ];
}
