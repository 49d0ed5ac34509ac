// `npm run bench:anomaly [-- --data DIR] [-- --out DIR]`: the detector on NAB (default: the
// development subset in ../shared/nab-dev), scored with NAB's method (nab-scorer.mjs) for the three
// profiles; the scorer checked against NAB's own score of Numenta HTM's published outputs when the
// directory has them (reference/numenta); throughput on one core and memory per series. Writes
// bench/anomaly/RESULTS.md (and, with --out, NAB-format result CSVs, to score with NAB's own code).
//
// DIR is laid out like NAB: data/<category>/<name>.csv, windows.json (labels/combined_windows.json),
// profiles.json (config/profiles.json).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { nabScore, profileWeights } from './nab-scorer.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const { values: args } = parseArgs({ options: { data: { type: 'string' }, out: { type: 'string' }, results: { type: 'string' } } });
const dir = path.resolve(args.data ?? path.join(root, '..', 'shared', 'nab-dev'));
const { StreamingDetector, DEFAULT_OPTIONS, parseSeriesCsv } = await import(path.join(root, 'dist', 'anomaly', 'index.js'));

const windows = JSON.parse(readFileSync(path.join(dir, 'windows.json'), 'utf8'));
const profiles = profileWeights(JSON.parse(readFileSync(path.join(dir, 'profiles.json'), 'utf8')));
const series = Object.keys(windows).sort().map((rel) => {
  const points = parseSeriesCsv(readFileSync(path.join(dir, 'data', rel), 'utf8'));
  return { rel, timestamps: points.map((p) => p.timestamp), ms: points.map((p) => p.ms), values: points.map((p) => p.value), windows: windows[rel] };
});
const totalPoints = series.reduce((n, s) => n + s.values.length, 0);

// 1. Scores.
const scoreCorpus = (options) => series.map((s) => {
  const d = new StreamingDetector(options);
  const scores = new Float64Array(s.values.length);
  for (let i = 0; i < s.values.length; i++) scores[i] = d.update(s.values[i], s.ms[i]);
  return { ...s, scores };
});
const corpus = scoreCorpus();
const ours = Object.fromEntries(Object.entries(profiles).map(([name, w]) => [name, nabScore(corpus, w)]));
if (args.out) {
  for (const s of corpus) {
    const file = path.join(args.out, s.rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, ['timestamp,value,anomaly_score', ...s.timestamps.map((t, i) => `${t},${s.values[i]},${s.scores[i]}`)].join('\n') + '\n');
  }
}

// 2. The scorer against NAB's own numbers for HTM's outputs (when present).
let reference;
if (existsSync(path.join(dir, 'reference', 'numenta'))) {
  const htm = series.map((s) => {
    const text = gunzipSync(readFileSync(path.join(dir, 'reference', 'numenta', `${s.rel}.gz`))).toString('utf8');
    const rows = text.split(/\r?\n/).filter(Boolean).slice(1).map((l) => l.split(','));
    return { ...s, timestamps: rows.map((r) => r[0]), scores: rows.map((r) => Number(r[2])) };
  });
  reference = Object.fromEntries(Object.entries(profiles).map(([name, w]) => [name, nabScore(htm, w)]));
  // NAB's own code gives these for HTM's outputs on the development subset (its README).
  if (path.basename(dir) === 'nab-dev') {
    const want = { standard: 70.23, reward_low_FP_rate: 64.38, reward_low_FN_rate: 74.2 };
    for (const [name, w] of Object.entries(want)) {
      if (Math.abs(reference[name].score - w) > 0.006) {
        console.error(`nab-scorer: HTM ${name} ${reference[name].score.toFixed(3)}, NAB's own code ${w}: the scorer is wrong`);
        process.exit(1);
      }
    }
  }
  // Leave one series out (standard profile): is the lead over HTM carried by one series?
  reference.jackknife = corpus.map((s, k) => ({
    without: s.rel,
    ours: nabScore(corpus.filter((_, i) => i !== k), profiles.standard).score,
    htm: nabScore(htm.filter((_, i) => i !== k), profiles.standard).score,
  }));
}

// Sensitivity: every knob halved and doubled, the others at their defaults (standard profile).
const KNOBS = ['window', 'history', 'warmup', 'longWindow', 'minSpread', 'rangeK', 'seasonalMemory', 'seasonalShort', 'quietPeriod', 'damp'];
const sensitivity = KNOBS.map((knob) => {
  const at = (f) => {
    const v = DEFAULT_OPTIONS[knob] * f;
    const value = Number.isInteger(DEFAULT_OPTIONS[knob]) ? Math.max(1, Math.round(v)) : v;
    return { value, score: nabScore(scoreCorpus({ [knob]: value }), profiles.standard).score };
  };
  return { knob, value: DEFAULT_OPTIONS[knob], half: at(0.5), double: at(2) };
});

// 3. Throughput: every series through fresh detectors, best of 5 rounds (one core: this loop).
const rounds = [];
for (let r = 0; r < 5; r++) {
  const t0 = process.hrtime.bigint();
  let sink = 0;
  for (const s of series) {
    const d = new StreamingDetector();
    for (let i = 0; i < s.values.length; i++) sink += d.update(s.values[i], s.ms[i]);
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  rounds.push(totalPoints / secs);
  if (sink < 0) console.log(sink);
}
rounds.sort((a, b) => b - a);
const pps = rounds[0];
const ppsMedian = rounds[2];

// 4. Memory per series: the state's own byte count (fixed at construction), and the heap of 500
// detectors after 5 000 points each.
const stateBytes = new StreamingDetector().stateBytes;
globalThis.gc?.();
const used = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
const heap0 = used();
const many = [];
for (let k = 0; k < 500; k++) {
  const d = new StreamingDetector();
  for (let i = 0; i < 5000; i++) d.update(Math.sin(i / 20) + ((i * 7919 + k) % 13) / 13, i * 300_000);
  many.push(d);
}
globalThis.gc?.();
const heapPerSeries = (used() - heap0) / many.length;
const stateJson = JSON.stringify(many[0].toJSON()).length;

const f = (x) => x.toFixed(2);
function jackknifeTable(rows) {
  const wins = rows.filter((r) => r.ours > r.htm).length;
  const gaps = rows.map((r) => r.ours - r.htm).sort((a, b) => a - b);
  return `
### Leave one series out (standard profile)

Each series left out in turn, thresholds re-optimised on the other ${rows.length - 1} (the detector's options stay as chosen
on all ${rows.length}: this shows the lead is not carried by one series; it does not validate the choice of options):
this detector scores above HTM in ${wins} of ${rows.length} cases; its lead ranges from ${f(gaps[0])} to ${f(gaps[gaps.length - 1])} points (median ${f(gaps[Math.floor(gaps.length / 2)])}).

| left out | this detector | HTM |
| --- | ---: | ---: |
${rows.map((r) => `| ${r.without} | ${f(r.ours)} | ${f(r.htm)} |`).join('\n')}
`;
}
const line = (name, r) => `| ${name} | ${f(r.standard.score)} | ${f(r.reward_low_FP_rate.score)} | ${f(r.reward_low_FN_rate.score)} | ${r.standard.threshold.toFixed(4)} | ${r.standard.tp}/${r.standard.windows} | ${r.standard.fp} |`;
const md = `# Anomaly detector on NAB: results

Generated by \`npm run bench:anomaly\` (bench/anomaly/run.mjs) on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}.
Corpus: \`${path.relative(root, dir) || dir}\`, ${series.length} series, ${totalPoints} points, ${ours.standard.windows} windows.
Thresholds optimised per profile over this corpus alone (NAB's method, nab-scorer.mjs).

| detector | standard | low FP | low FN | θ (standard) | windows detected | false positives (standard) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${line('shop-otel (this detector, defaults)', ours)}
${reference ? `${line('Numenta HTM (NAB\'s published outputs, scored by nab-scorer.mjs)', reference)}\n` : ''}
${reference ? `NAB's own code gives HTM 70.23 / 64.38 / 74.20 on the development subset (its README): the scorer reproduces it.\n` : ''}${reference ? jackknifeTable(reference.jackknife) : ''}
## Sensitivity (standard profile)

Each knob halved and doubled, the others at their defaults: a flat optimum is what lets the options
chosen on ${series.length} series carry over to others.

| option | default | halved | doubled |
| --- | ---: | ---: | ---: |
${sensitivity.map((r) => `| \`${r.knob}\` | ${r.value} (${f(ours.standard.score)}) | ${r.half.value}: ${f(r.half.score)} | ${r.double.value}: ${f(r.double.score)} |`).join('\n')}

## Throughput and memory

| measure | value |
| --- | ---: |
| points per second, one core (best of 5 rounds; median) | ${Math.round(pps).toLocaleString('en')} (${Math.round(ppsMedian).toLocaleString('en')}) |
| state per series, bytes (fixed at construction: typed arrays) | ${stateBytes.toLocaleString('en')} |
| heap and array buffers per series, bytes (500 detectors after 5 000 points each) | ${Math.round(heapPerSeries).toLocaleString('en')} |
| saved state per series, bytes of JSON | ${stateJson.toLocaleString('en')} |

Options: \`${JSON.stringify(DEFAULT_OPTIONS)}\`
`;
const resultsFile = args.results ?? path.join(here, 'RESULTS.md');
writeFileSync(resultsFile, md);
process.stdout.write(md);
