// The main bench's winston figure, alone and in parts: CPU per winston call inside a request span
// of the bench app (POST /log-burst?n=N), (CPU of L requests with N calls − CPU of L requests with
// none) / (L·N), as bench/run.mjs measures it, for bare and shop-otel with one part off at a
// time; alternating rounds, medians. Needs the services; starts its own receiver.
//   node bench/micro/log-burst.mjs [rounds]      BENCH_BEFORE_DIST=<dist> adds an older build (inside the
//   repository, e.g. node_modules/.dist-before, so that it resolves the same packages), BENCH_CONFIGS='a;b' only those rows,
//   LOG_BURST_NODE_FLAGS Node flags for every row. Each row's second line splits the figure by thread.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuByThreadMs, cpuFineMs } from '../lib/proc.mjs';
import { sequential } from '../lib/load.mjs';
import { alternatingRounds, dropBroker, prepareTable, rowsFromEnv, spawnVariantApp, startCountingReceiver } from '../lib/harness.mjs';
import { freePort } from '../../scripts/pipeline/ports.mjs';
import { otlpEnv } from '../variants.mjs';

const ROUNDS = Number(process.argv[2] ?? 3);
const L = 40;
const N = 250;
// LOG_BURST_WARM: warm-up requests of N calls before the measured blocks (V8 still compiles the
// log path for a while: bench/micro/jit-trace.mjs counts it).
const WARM = Number(process.env.LOG_BURST_WARM ?? 10);
const receiver = await startCountingReceiver();
const table = `logburst_${process.pid}`;
const db = await prepareTable(table);
const otel = otlpEnv(receiver.url);
const reg = ['--import', 'shop-otel/register'];
const configs = {
  bare: { args: [], env: {} },
  'shop-otel': { args: reg, env: otel },
  'shop-otel, redaction off': { args: reg, env: { ...otel, SHOP_OTEL_REDACT: 'false' } },
  'shop-otel, no log export (correlation only)': { args: reg, env: { ...otel, OTEL_LOGS_EXPORTER: 'none' } },
  'shop-otel, winston not instrumented': { args: reg, env: { ...otel, OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'winston' } },
  // LOG_BURST_EXTRA='{"label": {...env}}': extra shop-otel rows (e.g. one instrumentation off).
  ...rowsFromEnv('LOG_BURST_EXTRA', '{}', { args: reg, env: otel }),
  ...(process.env.BENCH_BEFORE_DIST
    ? {
        'older build': { args: ['--import', pathToFileURL(path.join(process.env.BENCH_BEFORE_DIST, 'register.mjs')).href], env: otel },
        'older build, redaction off': { args: ['--import', pathToFileURL(path.join(process.env.BENCH_BEFORE_DIST, 'register.mjs')).href], env: { ...otel, SHOP_OTEL_REDACT: 'false' } },
      }
    : {}),
};
// BENCH_CONFIGS='name;name': only these rows (bare is always measured: it is the baseline).
if (process.env.BENCH_CONFIGS) {
  const keep = new Set(['bare', ...process.env.BENCH_CONFIGS.split(';').map((s) => s.trim())]);
  for (const k of Object.keys(configs)) if (!keep.has(k)) delete configs[k];
}
// LOG_BURST_NODE_FLAGS='--single-threaded-gc …': Node flags for every row, bare included (e.g. to
// move V8's garbage collection from its worker threads onto the main thread, where the by-thread
// line below and the CPU profiler see it).
const nodeFlags = (process.env.LOG_BURST_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const res = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
try {
  for (const [round, name] of alternatingRounds(Object.keys(configs), ROUNDS)) {
    const c = configs[name];
    const app = await spawnVariantApp({ name, args: [...nodeFlags, ...c.args], port: await freePort(), env: { TABLE: table, EXCHANGE: `logburst.${process.pid}`, QUEUE: `logburst.${process.pid}`, OTEL_SERVICE_NAME: 'log-burst', ...c.env } });
    const base = app.base;
    await sequential(base, 'POST', `/log-burst?n=${N}`, WARM, 15); // warm-up (JIT)
    await sleep(1500);
    const ta0 = cpuByThreadMs(app.proc.pid);
    const a0 = cpuFineMs(app.proc.pid);
    await sequential(base, 'POST', '/log-burst?n=0', L, 15);
    await sleep(1500);
    const a1 = cpuFineMs(app.proc.pid);
    const ta1 = cpuByThreadMs(app.proc.pid);
    const before = (await receiver.counts()).logs;
    const tb0 = cpuByThreadMs(app.proc.pid);
    const b0 = cpuFineMs(app.proc.pid);
    await sequential(base, 'POST', `/log-burst?n=${N}`, L, 15);
    await sleep(1500);
    const b1 = cpuFineMs(app.proc.pid);
    const tb1 = cpuByThreadMs(app.proc.pid);
    // Per thread name: the same difference, µs per call (main: what the CPU profiler sees).
    const threads = {};
    for (const k of new Set([...Object.keys(tb1), ...Object.keys(ta1)])) threads[k] = (((tb1[k] ?? 0) - (tb0[k] ?? 0) - ((ta1[k] ?? 0) - (ta0[k] ?? 0))) * 1000) / (L * N);
    const us = ((b1 - b0 - (a1 - a0)) * 1000) / (L * N);
    const exported = ((await receiver.counts()).logs - before) / (L * N);
    res[name].push({ us, exported, threads });
    await app.stop();
    process.stderr.write(`log-burst: round ${round + 1} ${name}: ${us.toFixed(2)} µs/call, ${(exported * 100).toFixed(0)} % exported\n`);
  }
} finally {
  await receiver.stop?.();
  await db.drop().catch(() => undefined);
  await dropBroker(`logburst.${process.pid}`).catch(() => undefined);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bare = median(res.bare.map((r) => r.us));
console.log(`node ${process.version}, ${ROUNDS} alternating rounds, ${L} requests × ${N} winston calls after ${WARM} of them; medians`);
for (const [name, rs] of Object.entries(res)) {
  const us = median(rs.map((r) => r.us));
  console.log(`${name.padEnd(46)} ${us.toFixed(2)} µs/call${name === 'bare' ? ' (baseline)' : ` (+${(us - bare).toFixed(2)})`}, ${(median(rs.map((r) => r.exported)) * 100).toFixed(0)} % exported; runs ${rs.map((r) => r.us.toFixed(1)).join(' ')}`);
  const names = [...new Set(rs.flatMap((r) => Object.keys(r.threads)))];
  console.log(`${''.padEnd(46)} by thread (medians, µs/call): ${names.map((t) => `${t} ${median(rs.map((r) => r.threads[t] ?? 0)).toFixed(2)}`).join(', ')}`);
}
process.exit(0);
