#!/usr/bin/env node
// Measures the anomaly framework (collector/stack/prometheus/rules/shop-anomaly.rules.yml) on the
// scenarios issue 8 measured grafana/promql-anomaly-detection against, and writes
// bench/alerting/RESULTS.md. Same data as the unit tests (scripts/alerting/anomaly-scenarios.mjs:
// a daily sine 10 ± 5 per minute, noise σ = 1, 26 h of warm-up, seeded).
//   node bench/alerting/measure.mjs [--out FILE] [--details]
// How: promtool is the only Prometheus rule engine here without a server, and it reports values
// only where an expectation fails. So this writes a probe test that expects ShopAnomaly *silent*
// at every minute around each anomaly and over the normal days, runs Debian's promtool, and
// reads each failure as "firing at minute t". Minute-exact, and the same engine as production.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HORIZON, WARMUP, WEEK_HORIZON, WEEK_JUDGED_FROM, scenarios, weeklyScenarios } from '../../scripts/alerting/anomaly-scenarios.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RULES = path.join(ROOT, 'collector', 'stack', 'prometheus', 'rules', 'shop-anomaly.rules.yml');
const { values: opts } = parseArgs({ options: { out: { type: 'string', default: path.join(ROOT, 'bench', 'alerting', 'RESULTS.md') }, details: { type: 'boolean', default: false } } });

const LABELS = 'anomaly_type="rate",service="shop-api",component="shop-api"';
const firingSel = (name) => `ALERTS{alertname="ShopAnomaly",alertstate="firing",anomaly_name="${name}"}`;
const num = (v) => (v === null ? '_' : String(Math.round(v * 1000) / 1000));

function probe(list, from, horizon) {
  const out = ['rule_files: [ shop-anomaly.rules.yml ]', 'evaluation_interval: 1m', 'group_eval_order: [ shop-anomaly-config, shop-anomaly ]', 'tests:', '  - interval: 1m', '    input_series:'];
  for (const s of list) out.push(`      - series: 'shop:anomaly:input{anomaly_name="${s.name}",${LABELS}}'`, `        values: '${s.values.map(num).join(' ')}'`);
  out.push('    promql_expr_test:');
  for (const s of list) {
    // Every judged minute, for every series: the alert's state at each (firing = a failed expectation).
    for (let t = from; t < horizon; t++) out.push(`      - expr: '${firingSel(s.name)}'`, `        eval_time: ${t}m`, '        exp_samples: []');
  }
  return out.join('\n') + '\n';
}

/** "2d1h31m" → minutes. */
const minutes = (d) => [...d.matchAll(/(\d+)([dhms])/g)].reduce((acc, [, n, u]) => acc + Number(n) * { d: 1440, h: 60, m: 1, s: 1 / 60 }[u], 0);

function run(list, from, horizon) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'anomaly-measure-'));
  try {
    copyFileSync(RULES, path.join(dir, 'shop-anomaly.rules.yml'));
    writeFileSync(path.join(dir, 'probe.test.yml'), probe(list, from, horizon));
    const started = Date.now();
    const r = spawnSync('promtool', ['test', 'rules', 'probe.test.yml'], { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const seconds = (Date.now() - started) / 1000;
    if (!/FAILED|SUCCESS/.test(r.stdout + r.stderr)) throw new Error(`promtool did not run: ${r.stdout}${r.stderr}`);
    // Each failure: expr: "ALERTS{…anomaly_name=\"X\"}", time: 1d2h3m, … got: {… direction="up" …}
    const firing = new Map(list.map((s) => [s.name, new Map()]));
    const text = r.stdout + r.stderr;
    for (const m of text.matchAll(/anomaly_name=\\"([^\\]+)\\"\}", time: ([0-9dhms]+),[\s\S]*?got: ([^\n]*)/g)) {
      const dir2 = /direction="(up|down)"/.exec(m[3])?.[1] ?? '?';
      firing.get(m[1])?.set(minutes(m[2]), dir2);
    }
    return { list, firing, seconds, from, horizon };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function table({ list, firing, from, horizon }) {
  const rows = [];
  let falseMinutes = 0;
  let judged = 0;
  for (const s of list) {
    const f = firing.get(s.name);
    const at = [...f.keys()].sort((a, b) => a - b);
    if (s.quiet) {
      judged += horizon - from;
      falseMinutes += at.length;
      rows.push({ s, verdict: at.length ? `**fired** ${at.length} min` : 'quiet', first: '—', held: '—', resolved: '—' });
      continue;
    }
    const before = at.filter((t) => t < s.start);
    judged += s.start - from;
    falseMinutes += before.length;
    const during = at.filter((t) => t >= s.start && t < s.start + s.minutes + 15);
    const first = during.find((t) => f.get(t) === s.direction);
    const inside = Array.from({ length: s.minutes }, (_, i) => s.start + i).filter((t) => t >= (first ?? Infinity));
    const held = inside.length ? inside.filter((t) => f.get(t) === s.direction).length / inside.length : 0;
    const lastFiring = at.filter((t) => t >= s.start).pop();
    rows.push({
      s,
      verdict: first === undefined ? '**missed**' : `caught (${s.direction})`,
      first: first === undefined ? '—' : `${first - s.start} min`,
      held: first === undefined ? '—' : `${Math.round(held * 100)} %`,
      resolved: lastFiring === undefined ? '—' : `${lastFiring + 1 - (s.start + s.minutes)} min after it ended`,
      before: before.length,
    });
  }
  return [
    '| scenario | promql-anomaly-detection (issue 8) | this framework | first firing after start | firing while it lasts | resolves |',
    '|---|---|---|---|---|---|',
    ...rows.map(({ s, verdict, first, held, resolved }) => `| ${s.what} | ${s.grafana} | ${verdict} | ${first} | ${held} | ${resolved} |`),
    '',
    `False alarms: ${falseMinutes} firing minutes in ${judged} judged minutes of normal data (the normal series over`,
    'the judged window, and every anomalous series before its anomaly).',
  ];
}

function report(daily, week) {
  return [
    '# The anomaly framework against the weaknesses issue 8 measured',
    '',
    'Written by `node bench/alerting/measure.mjs` (Debian\'s promtool 2.42 evaluating',
    '`collector/stack/prometheus/rules/shop-anomaly.rules.yml` minute by minute; this run took',
    `${Math.round(daily.seconds + week.seconds)} s). Data: \`scripts/alerting/anomaly-scenarios.mjs\`, the issue\'s set-up: a daily sine`,
    '10 ± 5 per minute with Gaussian noise σ = 1 (seeded), 26 h of warm-up, then 22 h judged; each',
    'anomaly injected into its own series, at the hardest time of day where it matters (a rise at the',
    'daily trough). The grafana/promql-anomaly-detection column is what issue 8 reports for its default',
    'strategy on the same set-up (not re-run here: we keep no copy of its rules).',
    '',
    ...table(daily),
    '',
    '## Weekly seasonality',
    '',
    'Weekdays 10 ± 5 per minute, weekends 4 ± 2, noise σ = 1; judged from the second Saturday (the',
    'first with a 1-week reference) to the Monday noon after the second weekend.',
    '',
    ...table(week),
    '',
    'Reading it: "firing while it lasts" is the share of the anomaly\'s minutes, from the first firing',
    'one, in which the alert fired with the right direction (100 % = no early resolve). The alert',
    'resolves `keep_firing_for` (10 min) after the level is back, a few minutes later where the noise',
    'still crosses the sustained band while the 15-minute mean is high; the unit tests',
    '(`shop-anomaly-seasonal*.test.yml`, generated from the same scenarios) pin the detection bounds.',
    '',
  ].join('\n');
}

const daily = run(scenarios(), WARMUP, HORIZON);
const week = run(weeklyScenarios(), WEEK_JUDGED_FROM, WEEK_HORIZON);
if (opts.details) {
  // Each scenario's firing minutes (relative to its start) and direction, on stderr.
  for (const r of [daily, week]) for (const s of r.list) console.error(s.name, JSON.stringify([...r.firing.get(s.name)].map(([t, d]) => `${t - (s.start ?? r.from)}${d[0]}`)));
}
writeFileSync(opts.out, report(daily, week));
console.log(`measure: wrote ${path.relative(process.cwd(), opts.out)} (promtool ${Math.round(daily.seconds + week.seconds)} s)`);
