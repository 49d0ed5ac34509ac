// What V8's compiler threads do during a measured phase: the bench app under shop-otel (or bare)
// with --trace-opt --trace-deopt, a warm-up, then the phase; the optimisations started and the
// deoptimisations during the phase, by function. Why: `log-burst.mjs` splits its figure by thread,
// and most of what exported winston calls add ran on V8's worker threads even with
// --single-threaded-gc (so not the garbage collector): compilation, which in a steady state means
// code that is optimised, thrown away and optimised again.
//   node bench/micro/jit-trace.mjs [bare|shop-otel] [warm-up requests] [measured requests]
//   JIT_TRACE_PATH='/log-burst?n=250' (default): the POST to send
//   JIT_TRACE_RATE=<req/s>: the bench's order mix at that fixed rate instead (the CPU figure's load)
import { setTimeout as sleep } from 'node:timers/promises';
import { fixedRate, sequential } from '../lib/load.mjs';
import { dropBroker, prepareTable, spawnVariantApp, startCountingReceiver } from '../lib/harness.mjs';
import { freePort } from '../../scripts/pipeline/ports.mjs';
import { otlpEnv } from '../variants.mjs';

const variant = process.argv[2] ?? 'shop-otel';
const WARM = Number(process.argv[3] ?? 10);
const MEASURED = Number(process.argv[4] ?? 40);
const PATH = process.env.JIT_TRACE_PATH ?? '/log-burst?n=250';
const receiver = await startCountingReceiver();
const table = `jittrace_${process.pid}`;
const db = await prepareTable(table);
const otel = otlpEnv(receiver.url);
let phase = 'start';
const seen = { start: [], warm: [], measured: [], after: [] };
let partial = '';
const app = await spawnVariantApp({
  name: variant,
  args: ['--trace-opt', '--trace-deopt', ...(variant === 'bare' ? [] : ['--import', 'shop-otel/register'])],
  port: await freePort(),
  env: { TABLE: table, EXCHANGE: `jittrace.${process.pid}`, QUEUE: `jittrace.${process.pid}`, OTEL_SERVICE_NAME: 'jit-trace', ...(variant === 'bare' ? {} : otel) },
  onStdout: (d) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop();
    for (const l of lines) if (l.startsWith('[')) seen[phase].push(l);
  },
});
try {
  const RATE = Number(process.env.JIT_TRACE_RATE ?? 0);
  const run = (n) => (RATE > 0 ? fixedRate(app.base, RATE, n) : sequential(app.base, 'POST', PATH, n, 15));
  phase = 'warm';
  await run(WARM);
  await sleep(1500);
  phase = 'measured';
  await run(MEASURED);
  await sleep(1500);
  phase = 'after';
} finally {
  await app.stop();
  await receiver.stop?.();
  await db.drop().catch(() => undefined);
  await dropBroker(`jittrace.${process.pid}`).catch(() => undefined);
}
// "[compiling method 0x… <JSFunction name (sfi = …)> (target TURBOFAN) …]", "[bailout (kind: deopt-eager): begin … <JSFunction name …> … reason: …]"
const fn = (l) => /<JSFunction ([^ >]*)/.exec(l)?.[1] || '(anonymous)';
// "[marking dependent code 0x… (sfi 0x…) (opt id N) for deoptimization, reason: field-type]": optimised code thrown away (a lazy deoptimisation) because what it assumed changed.
const kind = (l) =>
  l.includes('bailout') ? `deopt: ${/reason: ([^)\]]*)/.exec(l)?.[1] ?? '?'}` : l.startsWith('[compiling method') ? `compile ${/target (\w+)/.exec(l)?.[1] ?? ''}` : l.startsWith('[marking dependent code') ? `invalidated: ${/reason: ([^\]]*)/.exec(l)?.[1] ?? '?'}` : null;
for (const p of ['warm', 'measured']) {
  const counts = new Map();
  let total = 0;
  for (const l of seen[p]) {
    const k = kind(l);
    if (!k) continue;
    total++;
    const key = `${k} ${fn(l)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  console.log(`${variant}, ${p} phase (${p === 'warm' ? WARM : MEASURED} requests of ${process.env.JIT_TRACE_RATE ? `the order mix at ${process.env.JIT_TRACE_RATE} req/s` : PATH}): ${total} compilations and deoptimisations`);
  for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.JIT_TRACE_TOP ?? 25))) console.log(`  ${String(n).padStart(4)}  ${k}`);
}
process.exit(0);
