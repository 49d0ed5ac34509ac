// Where a variant's CPU goes: runs the bench app under shop-otel (or any preload) with
// --cpu-prof at a fixed rate, then attributes every sample to the innermost stack frame that
// belongs to telemetry code (@opentelemetry/*, shop-otel's dist/, *-in-the-middle) or, if there is
// none, to the app and its libraries. Needs the services; starts its own receiver.
//   node bench/micro/cpu-profile.mjs [rate] [requests] [-- preload args...]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixedRate, request, sequential } from '../lib/load.mjs';
import { ROOT } from '../variants.mjs';
import { freePort } from '../../scripts/pipeline/ports.mjs';
const APP_PORT = await freePort();

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const preload = dash >= 0 ? argv.slice(dash + 1) : ['--import', 'shop-otel/register'];
const [rate = 300, count = 3000] = (dash >= 0 ? argv.slice(0, dash) : argv).map(Number);
const dir = mkdtempSync(path.join(os.tmpdir(), 'shop-otel-prof-'));
const recv = spawn(process.execPath, [path.join(ROOT, 'bench/lib/receiver.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((r) => recv.stdout.once('data', (d) => r(Number(/receiver (\d+)/.exec(String(d))[1]))));
const env = { PATH: process.env.PATH, PORT: String(APP_PORT), DATABASE_URL: 'postgres://shop:shop@127.0.0.1:5432/shop', AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: 'profile', ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('SHOP_OTEL_') || k.startsWith('OTEL_'))) };
const app = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${process.env.BENCH_PROFILE_INTERVAL_US ?? 1000}`, ...preload, path.join(ROOT, 'bench/app/server.cjs')], { cwd: ROOT, env, stdio: 'ignore' });
while ((await request(`http://127.0.0.1:${APP_PORT}`, 'GET', '/health')).status !== 200) await sleep(10);
// BENCH_PROFILE_LOGS=1: the winston path instead (POST /log-burst?n=250, paced as bench/run.mjs does).
const drive = process.env.BENCH_PROFILE_LOGS ? (n) => sequential(`http://127.0.0.1:${APP_PORT}`, 'POST', '/log-burst?n=250', Math.max(1, Math.round(n / 250)), 15) : (n) => fixedRate(`http://127.0.0.1:${APP_PORT}`, rate, n);
await drive(Math.max(Math.round(rate * 2), process.env.BENCH_PROFILE_LOGS ? 2500 : 0)); // warm-up
await sleep(300);
const startedAt = performance.now();
await drive(count);
const measuredUs = (performance.now() - startedAt) * 1000;
await sleep(1000);
app.kill('SIGTERM'); // the app closes its connections and exits: the profile is written
await new Promise((r) => app.once('exit', r));
const tailUs = (performance.now() - startedAt) * 1000 - measuredUs;
recv.kill();

const p = JSON.parse(readFileSync(path.join(dir, readdirSync(dir)[0]), 'utf8'));
// BENCH_PROFILE_SAVE=<file>: keep the profile (for Chrome's DevTools or a script of one's own).
if (process.env.BENCH_PROFILE_SAVE) writeFileSync(process.env.BENCH_PROFILE_SAVE, JSON.stringify(p));
rmSync(dir, { recursive: true, force: true });
const nodes = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const OURS = pathToFileURL(path.join(ROOT, 'dist')).href + '/';
const telemetry = (u) => u.startsWith(OURS) || /node_modules\/(@opentelemetry\/|import-in-the-middle|require-in-the-middle|shimmer)/.test(u);
// dist/bundle.js holds our modules and the OpenTelemetry packages: esbuild marks where each
// module starts (`// node_modules/<pkg>/…` or `// dist/<file>`); a frame in it is named by those.
const BUNDLE = `${OURS}bundle.js`;
const bundleStarts = [];
try {
  readFileSync(path.join(ROOT, 'dist/bundle.js'), 'utf8').split('\n').forEach((line, i) => {
    const m = /^\/\/ (node_modules\/\S+|dist\/\S+|src\/\S+)$/.exec(line);
    if (m) bundleStarts.push([i, m[1]]);
  });
} catch {
  // no bundle: frames name their files
}
const inBundle = (line) => {
  let lo = 0;
  let hi = bundleStarts.length - 1;
  let found = 'bundle.js';
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (bundleStarts[mid][0] <= line) {
      found = bundleStarts[mid][1];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found.startsWith('node_modules/') ? found.match(/node_modules\/((@[^/]+\/)?[^/]+)/)[1] : `shop-otel ${found.replace(/^(dist|src)\//, '')}`;
};
let frameLine = 0;
const pkg = (u) => (u === BUNDLE ? inBundle(frameLine) : u.startsWith(OURS) ? `shop-otel ${u.slice(OURS.length)}` : u.match(/node_modules\/((@[^/]+\/)?[^/]+)/)?.[1] ?? u);
// Only the samples of the measured phase (after start-up and warm-up): the profile ends when the
// app exits, so the phase is [end − tail − measured, end − tail], tail being the pause and the exit
// after it (the exit's own latency makes the window start a little late, never early).
const fromT = p.endTime - tailUs - measuredUs;
const toT = p.endTime - tailUs + 100_000; // the last batch's export
let t = p.startTime;
const by = new Map();
let total = 0;
let tel = 0;
let gc = 0;
const fns = new Map();
const entries = new Map();
const other = new Map();
// BENCH_PROFILE_INCLUSIVE=f,g: each named function's inclusive samples (its callees included,
// counted once per sample however deep it recurses); BENCH_PROFILE_TREE=f[:depth]: the call
// paths under f, by callee, inclusive: both in the measured phase, in µs per request (per
// winston call with BENCH_PROFILE_LOGS). BENCH_PROFILE_LINES=f: f's own ticks by source line.
const inclusiveNames = (process.env.BENCH_PROFILE_INCLUSIVE ?? '').split(',').filter(Boolean);
const inclusive = new Map();
const [treeFn, treeDepth = '3'] = (process.env.BENCH_PROFILE_TREE ?? '').split(':');
const tree = new Map();
const linesFn = process.env.BENCH_PROFILE_LINES;
const lineHits = new Map();
const frameName = (f) => `${f.functionName || '(anonymous)'}:${f.lineNumber + 1}${f.url === BUNDLE ? '' : `@${f.url.split('/').pop()}`}`;
p.samples.forEach((s, i) => {
  t += p.timeDeltas[i];
  if (t < fromT || t > toT) return;
  const n = nodes.get(s);
  if (n.callFrame.functionName === '(idle)') return;
  total++;
  if (inclusiveNames.length > 0 || treeFn) {
    const chain = [];
    for (let x = s; x !== undefined; x = parent.get(x)) chain.push(nodes.get(x).callFrame);
    for (const name of inclusiveNames) if (chain.some((f) => f.functionName === name)) inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
    const at = treeFn ? chain.findIndex((f) => f.functionName === treeFn) : -1;
    if (at >= 0) {
      const below = chain.slice(0, at).reverse();
      tree.set('', (tree.get('') ?? 0) + 1);
      for (let d = 1; d <= Math.min(Number(treeDepth), below.length); d++) {
        const k = below.slice(0, d).map(frameName).join(' > ');
        tree.set(k, (tree.get(k) ?? 0) + 1);
      }
    }
  }

  if (n.callFrame.functionName === '(garbage collector)') gc++;
  for (let x = s; x !== undefined; x = parent.get(x)) {
    const u = nodes.get(x).callFrame.url;
    if (!u || u.startsWith('node:')) continue;
    frameLine = nodes.get(x).callFrame.lineNumber;
    if (!telemetry(u)) other.set(pkg(u), (other.get(pkg(u)) ?? 0) + 1);
    if (telemetry(u)) {
      tel++;
      const k = pkg(u);
      by.set(k, (by.get(k) ?? 0) + 1);
      const f = `${k.replace(/^@opentelemetry\//, '')} ${nodes.get(x).callFrame.functionName || '(anonymous)'}:${nodes.get(x).callFrame.lineNumber + 1}`;
      fns.set(f, (fns.get(f) ?? 0) + 1);
    }
    // The entry into telemetry code: the outermost telemetry frame above this one, before the
    // app's or a library's code (node: frames in between do not stop the walk).
    if (telemetry(u)) {
      let entry = x;
      for (let y = parent.get(x); y !== undefined; y = parent.get(y)) {
        const yu = nodes.get(y).callFrame.url;
        if (!yu || yu.startsWith('node:')) continue;
        if (!telemetry(yu)) break;
        entry = y;
      }
      const f = nodes.get(entry).callFrame;
      frameLine = f.lineNumber;
      const k = `${pkg(f.url).replace(/^@opentelemetry\//, '')} ${f.functionName || '(anonymous)'}`;
      entries.set(k, (entries.get(k) ?? 0) + 1);
    }
    break;
  }
});
console.log(`${preload.join(' ')}: ${total} busy samples in the measured phase; telemetry code innermost in ${((tel / total) * 100).toFixed(1)} %`);
console.log(`garbage collector: ${((gc / total) * 100).toFixed(1)} %`);
for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${((v / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
console.log('not telemetry (innermost package):');
for (const [k, v] of [...other].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`${((v / total) * 100).toFixed(1).padStart(5)} %  ${k.replace(/^.*\/(bench\/app\/)/, '$1')}`);
// BENCH_PROFILE_FUNCS=N: the N telemetry functions most often innermost (node: callees included).
const topFns = Number(process.env.BENCH_PROFILE_FUNCS ?? 0);
if (topFns > 0) {
  console.log('functions:');
  for (const [k, v] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, topFns)) console.log(`${((v / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
}
// BENCH_PROFILE_ENTRIES=N: the N entries into telemetry code (the outermost telemetry frame the
// app, a library or Node entered), each with the samples whose innermost frame is telemetry code
// under it, per request: what each hook costs, its span's start and end included.
const topEntries = Number(process.env.BENCH_PROFILE_ENTRIES ?? 0);
if (topEntries > 0) {
  const usPerSample = Number(process.env.BENCH_PROFILE_INTERVAL_US ?? 1000) / count;
  console.log(`entries into telemetry code (samples, µs per ${process.env.BENCH_PROFILE_LOGS ? 'winston call' : 'request'}):`);
  for (const [k, v] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, topEntries)) console.log(`${((v / total) * 100).toFixed(1).padStart(5)} %  ${(v * usPerSample).toFixed(1).padStart(6)} µs  ${k}`);
}
const usPer = Number(process.env.BENCH_PROFILE_INTERVAL_US ?? 1000) / count;
const per = process.env.BENCH_PROFILE_LOGS ? 'winston call' : 'request';
if (inclusiveNames.length > 0) {
  console.log(`inclusive (µs per ${per}, every function of that name):`);
  for (const name of inclusiveNames) console.log(`${((inclusive.get(name) ?? 0) * usPer).toFixed(1).padStart(6)} µs  ${name}`);
}
if (treeFn) {
  console.log(`under ${treeFn}: ${((tree.get('') ?? 0) * usPer).toFixed(1)} µs per ${per}; callee paths of at least 0.3 µs:`);
  for (const [k, v] of [...tree].filter(([k, v]) => k && v * usPer >= 0.3).sort((a, b) => (a[0] < b[0] ? -1 : 1))) console.log(`${(v * usPer).toFixed(1).padStart(6)} µs  ${k}`);
}
if (linesFn) {
  // V8 records a node's ticks per source line for the whole profile (not per sample, so not for
  // the measured phase alone), lines of the callees it inlined included: shares, not µs.
  for (const n of p.nodes) if (n.callFrame.functionName === linesFn) for (const tick of n.positionTicks ?? []) lineHits.set(tick.line, (lineHits.get(tick.line) ?? 0) + tick.ticks);
  const all = [...lineHits.values()].reduce((a, b) => a + b, 0) || 1;
  // Lines of the frame's script: for dist/bundle.js, the bundle's own.
  let source = [];
  try {
    source = readFileSync(path.join(ROOT, 'dist/bundle.js'), 'utf8').split('\n');
  } catch {
    // no bundle: line numbers only
  }
  console.log(`${linesFn}'s own ticks by line (whole profile, ${all} ticks; inlined callees' lines included):`);
  for (const [line, v] of [...lineHits].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${((v / all) * 100).toFixed(1).padStart(5)} %  ${line}  ${(source[line - 1] ?? '').trim().slice(0, 110)}`);
}
