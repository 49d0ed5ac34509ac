// Where a variant's CPU goes, on the CPU: Linux `perf` samples the bench app's threads (every
// thread, kernel time included) while it serves the order mix at a fixed rate, bare and shop-otel
// one after the other, and attributes each main-thread sample to the innermost frame of the app's
// own JavaScript that is not Node's: telemetry code (@opentelemetry/*, shop-otel's dist/, the
// *-in-the-middle hooks), entered where (the outermost telemetry frame of that run), or a
// package of the app's. Samples in builtins, V8's runtime, libc and the kernel count for the
// JavaScript frame that called them.
//
// Why besides cpu-profile.mjs: V8's profiler samples the main thread on a wall-clock timer, so a
// thread preempted in a system call (a socket write that wakes RabbitMQ on a busy 2-core machine)
// keeps being sampled in that call, and V8's worker threads (its compilers and GC helpers) are not
// in its profile at all. `perf` counts what ran on a CPU, and every thread. Needs `perf`
// (Debian: apt-get install linux-perf) and kernel.perf_event_paranoid ≤ 2 (the default) for a
// child process of one's own; node's --perf-basic-prof names the JIT's frames.
//   node bench/micro/cpu-perf.mjs [rate] [requests] [warm-up] [rounds] ['{"label": {...env}}']
//   (the warm-up: BENCH_WARM_S, 11, seconds at saturation, then that many requests at the rate,
//   as harness.mjs warmUp; each extra label is shop-otel with that environment added, e.g.
//   '{"no-export": {"OTEL_TRACES_EXPORTER": "none"}}')
//   CPU_PERF_FREQ: samples per second (1999); CPU_PERF_ENTRIES: telemetry entries listed (16);
//   BENCH_BEFORE_DIST=<dist>: an older build as a third variant (inside the repository, e.g.
//   node_modules/.dist-before); CPU_PERF_FUNCS=N: the N telemetry functions most often innermost
//   (builtins and the runtime they call included; TurboFan's inlined callees count as the caller);
//   CPU_PERF_DETAIL=<text>: under the entries whose name contains it, the innermost functions and
//   the entry's callees ("=<name>": the entry of exactly that name, e.g. "= (bundle)" for an
//   anonymous function); CPU_PERF_PACKAGE=<text>: in the app's packages whose name contains it
//   (or "no JavaScript frame"), the frames where the variants differ most; CPU_PERF_WORKERS=1:
//   V8's worker threads by job (compilation, GC). Rounds alternate the variants; each figure is
//   the mean of the rounds (every round's samples together), the totals per round are listed too.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { fixedRate } from '../lib/load.mjs';
import { alternatingRounds, dropBroker, warmUp, prepareTable, spawnVariantApp, startCountingReceiver } from '../lib/harness.mjs';
import { freePort } from '../../scripts/pipeline/ports.mjs';
import { otlpEnv, ROOT } from '../variants.mjs';

const [RATE = 800, COUNT = 12000, WARM = 4000, ROUNDS = 1] = process.argv.slice(2, 6).map(Number);
const FREQ = Number(process.env.CPU_PERF_FREQ ?? 1999);
const TOP = Number(process.env.CPU_PERF_ENTRIES ?? 16);
const FUNCS = Number(process.env.CPU_PERF_FUNCS ?? 0);
const DETAIL = process.env.CPU_PERF_DETAIL;
const PACKAGE = process.env.CPU_PERF_PACKAGE;
const WORKERS = process.env.CPU_PERF_WORKERS === '1';
if (spawnSync('perf', ['--version']).status !== 0) {
  console.error('cpu-perf: `perf` is not installed (Debian: apt-get install linux-perf)');
  process.exit(2);
}
const receiver = await startCountingReceiver();
const table = `cpuperf_${process.pid}`;
const db = await prepareTable(table);
const dir = mkdtempSync(path.join(os.tmpdir(), 'shop-otel-perf-'));
const otel = otlpEnv(receiver.url);
const variants = {
  bare: { args: [], env: {} },
  'shop-otel': { args: ['--import', 'shop-otel/register'], env: otel },
  // Each extra label: shop-otel with that environment added (an ablation: what a part costs).
  ...Object.fromEntries(Object.entries(JSON.parse(process.argv[6] ?? '{}')).map(([k, env]) => [k, { args: ['--import', 'shop-otel/register'], env: { ...otel, ...env } }])),
  ...(process.env.BENCH_BEFORE_DIST ? { 'older build': { args: ['--import', pathToFileURL(path.resolve(process.env.BENCH_BEFORE_DIST, 'register.mjs')).href], env: otel } } : {}),
};

const OURS = [` ${ROOT}/dist/`, ...(process.env.BENCH_BEFORE_DIST ? [` ${path.resolve(process.env.BENCH_BEFORE_DIST)}/`] : [])];
const TELEMETRY = { test: (frame) => OURS.some((o) => frame.includes(o)) || /node_modules\/(@opentelemetry\/|import-in-the-middle|require-in-the-middle|shimmer)/.test(frame) };
const isNodeInternal = (frame) => / node:/.test(frame);
// A frame's function and file (bundle.js frames by function name alone: line numbers differ between builds).
const short = (frame) => frame.replace(/^JS:[*+~^']*/, '').replace(/ \/\S*\/(bundle\.js|node_modules\/)/, ' $1').replace(/^(\S*) bundle\.js:\d+:\d+$/, '$1 (bundle)');

/** `perf script` output: one block per sample, "comm" then the stack, innermost first. */
function attribute(script, requests) {
  const us = 1e6 / FREQ / requests;
  const by = new Map();
  const add = (k, n = 1) => by.set(k, (by.get(k) ?? 0) + n);
  for (const block of script.split(/\n(?=\S)/)) {
    const lines = block.split('\n');
    const stack = lines.slice(1).map((l) => l.trim().replace(/^[0-9a-f]+ /, '')).filter(Boolean);
    if (stack.length === 0) continue;
    add('total');
    const thread = lines[0].trim();
    if (thread !== 'MainThread') {
      add(`thread ${thread}`);
      // What V8's threads do: the outermost V8 function of the sample's stack below the thread's
      // own loop and task machinery (a compile job, a GC job).
      if (WORKERS) {
        const job = stack.findLast((f) => /v8::internal::|Builtins_/.test(f) && !/TaskQueue|Worker|Thread|Platform|DefaultJob|Run\b/.test(f)) ?? stack.at(-1);
        add(`worker ${short(job).slice(0, 110)}`);
      }
      continue;
    }
    add('thread main');
    const inner = stack.findIndex((f) => f.startsWith('JS:') && !isNodeInternal(f));
    if (inner >= 0 && TELEMETRY.test(stack[inner])) {
      let entry = inner;
      for (let j = inner + 1; j < stack.length; j++) {
        if (!stack[j].startsWith('JS:') || isNodeInternal(stack[j])) continue;
        if (!TELEMETRY.test(stack[j])) break;
        entry = j;
      }
      add('telemetry');
      add(`entry ${short(stack[entry])}`);
      add(`fn ${short(stack[inner])}`);
      if (DETAIL && (DETAIL.startsWith('=') ? short(stack[entry]) === DETAIL.slice(1) : short(stack[entry]).includes(DETAIL))) {
        add(`detail innermost ${short(stack[inner])}`);
        const below = stack.slice(0, entry).filter((f) => f.startsWith('JS:'));
        if (below.length > 0) add(`detail callee ${short(below.at(-1))}`);
        if (below.length > 1) add(`detail callee ${short(below.at(-1))} > ${short(below.at(-2))}`);
      }
    } else {
      add('not telemetry');
      const frame = inner >= 0 ? stack[inner] : '';
      const pkg = frame === '' ? '(no JavaScript frame of the app: event loop, Node, V8, kernel)' : (frame.match(/node_modules\/((@[^/]+\/)?[^/]+)/)?.[1] ?? (frame.includes('/bench/app/') ? 'the app' : short(frame)));
      add(`package ${pkg}`);
      if (PACKAGE && pkg.includes(PACKAGE)) {
        // The package's innermost frame, and what ran below it (the innermost frame of all, and
        // the outermost frame below the package's: the builtin or Node function it called).
        add(`pkgdetail ${frame === '' ? '-' : short(frame)} | ${short(stack[0])}`);
        const below = inner >= 0 ? stack.slice(0, inner) : stack;
        add(`pkgdetail ${frame === '' ? '-' : short(frame)} > ${below.length > 0 ? short(below.at(-1)) : '(itself)'}`);
      }
    }
  }
  return new Map([...by].map(([k, v]) => [k, v * us]));
}

const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
try {
  for (const [round, name] of alternatingRounds(Object.keys(variants), ROUNDS)) {
    const v = variants[name];
    const app = await spawnVariantApp({ name, args: ['--perf-basic-prof', ...v.args], port: await freePort(), env: { TABLE: table, EXCHANGE: `cpuperf.${process.pid}`, QUEUE: `cpuperf.${process.pid}`, OTEL_SERVICE_NAME: 'cpu-perf', ...v.env } });
    const data = path.join(dir, `${name}.data`);
    try {
      await warmUp(app.base, RATE, WARM); // JIT and pools settled: the steady state (harness.mjs)
      const perf = spawn('perf', ['record', '-q', '-F', String(FREQ), '-g', '-o', data, '-p', String(app.proc.pid)], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 300)); // perf attached
      await fixedRate(app.base, RATE, COUNT);
      perf.kill('SIGINT');
      await new Promise((r) => perf.once('exit', r));
    } finally {
      await app.stop();
    }
    const script = spawnSync('perf', ['script', '-i', data, '-F', 'comm,ip,sym'], { encoding: 'utf8', maxBuffer: 1 << 30 }).stdout;
    rmSync(`/tmp/perf-${app.proc.pid}.map`, { force: true });
    // The samples span the phase plus perf's attach and detach (~0.3 s without requests): µs per
    // request slightly high for both variants alike.
    samples[name].push(attribute(script, COUNT));
    process.stderr.write(`cpu-perf: round ${round + 1} ${name}: ${samples[name].at(-1).get('total').toFixed(1)} µs per request on the CPU\n`);
  }
} finally {
  await receiver.stop?.();
  await db.drop().catch(() => undefined);
  await dropBroker(`cpuperf.${process.pid}`).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}

// The mean over the rounds, per key.
const mean = (runs) => {
  const out = new Map();
  for (const run of runs) for (const [k, v] of run) out.set(k, (out.get(k) ?? 0) + v / runs.length);
  return out;
};
const res = Object.fromEntries(Object.entries(samples).map(([k, runs]) => [k, mean(runs)]));
const names = Object.keys(res);
const f = (x) => (x ?? 0).toFixed(1).padStart(9);
console.log(`on-CPU µs per request at ${RATE} req/s (${COUNT} requests after ${WARM}; perf at ${FREQ} Hz; mean of ${ROUNDS} round(s)):`);
console.log(`${names.map((n) => n.padStart(9).slice(-9)).join(' ')}`);
for (const k of ['total', 'thread main', 'thread V8Worker', 'not telemetry', 'telemetry']) console.log(`${names.map((n) => f(res[n].get(k))).join(' ')}  ${k}`);
console.log(`${names.map((n) => `${(res[n].get('total') / res.bare.get('total')).toFixed(3).padStart(8)}×`).join(' ')}  ratio to bare; rounds: ${names.map((n) => samples[n].map((r) => r.get('total').toFixed(0)).join('/')).join(', ')}`);
const keysOf = (prefix) => [...new Set(names.flatMap((n) => [...res[n].keys()]))].filter((k) => k.startsWith(prefix));
const spread = (k) => Math.max(...names.map((n) => res[n].get(k) ?? 0)) - Math.min(...names.map((n) => res[n].get(k) ?? 0));
console.log('not telemetry, by package (the largest differences):');
for (const k of keysOf('package ').sort((a, b) => spread(b) - spread(a)).slice(0, 8)) console.log(`${names.map((n) => f(res[n].get(k))).join(' ')}  ${k.slice(8)}`);
console.log('telemetry, by entry:');
const bySo = (a, b) => (res[names[1]].get(b) ?? 0) - (res[names[1]].get(a) ?? 0);
for (const k of keysOf('entry ').sort(bySo).slice(0, TOP)) console.log(`${names.map((n) => f(res[n].get(k))).join(' ')}  ${k.slice(6)}`);
if (FUNCS > 0) {
  console.log('telemetry, by innermost function:');
  for (const k of keysOf('fn ').sort(bySo).slice(0, FUNCS)) console.log(`${names.map((n) => f(res[n].get(k))).join(' ')}  ${k.slice(3)}`);
}
if (DETAIL) {
  console.log(`under the entries named "${DETAIL}" (at least 0.2 µs):`);
  for (const k of keysOf('detail ').sort(bySo)) if (Math.max(...names.map((n) => res[n].get(k) ?? 0)) >= 0.2) console.log(`${names.map((n) => f(res[n].get(k))).join(' ')}  ${k.slice(7)}`);
}
if (WORKERS) {
  console.log("V8's worker threads, by job (the outermost V8 function of each sample), the largest differences:");
  for (const k of keysOf('worker ').sort((a, b) => spread(b) - spread(a)).slice(0, 25)) console.log(`${names.map((n) => f(res[n].get(k))).join(' ')}  ${k.slice(7)}`);
}
if (PACKAGE) {
  console.log(`in the packages named "${PACKAGE}", the largest differences (innermost package frame | innermost frame, and > the call below it):`);
  for (const k of keysOf('pkgdetail ').sort((a, b) => spread(b) - spread(a)).slice(0, 40)) console.log(`${names.map((n) => f(res[n].get(k))).join(' ')}  ${k.slice(10)}`);
}
process.exit(0);
