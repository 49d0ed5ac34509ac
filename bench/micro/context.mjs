// What the context manager costs per request-shaped unit of work, on the Node that runs it:
//   bash scripts/with-node.sh 24 node bench/micro/context.mjs            (AsyncContextFrame, the default on 24)
//   bash scripts/with-node.sh 24 node --no-async-context-frame bench/micro/context.mjs   (async_hooks-based ALS)
//   bash scripts/with-node.sh 22 node bench/micro/context.mjs
// One unit = context.with() a span-carrying context, three awaits, a promise chain and a
// context.active() after each: what an instrumented request does around its handlers. The
// baseline is the same work in a process with no context manager at all (an enabled
// AsyncLocalStorage slows every promise of the process, not only those inside with()): `none`.
// `safe`: shop-otel's SafeContextManager (src/safe-context-manager.ts, `npm run build` first), the
// ALS manager with a check of what with() is given.
//   node bench/micro/context.mjs [none|als|safe] [units]
import { context, trace, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

const MODE = process.argv[2] ?? 'als';
const N = Number(process.argv[3] ?? 200_000);
const ROUNDS = 7;
const key = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });

async function unit(withCtx) {
  const step = async () => (withCtx ? context.active() : ROOT_CONTEXT);
  const body = async () => {
    await step();
    await step();
    await step();
    return Promise.resolve(1).then(() => (withCtx ? context.active() : ROOT_CONTEXT));
  };
  return withCtx ? context.with(key, body) : body();
}

async function run(withCtx) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i += 100) await Promise.all(Array.from({ length: 100 }, () => unit(withCtx)));
  return Number(process.hrtime.bigint() - t0) / N;
}

if (MODE === 'als') context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
if (MODE === 'safe') {
  const { createRequire } = await import('node:module');
  const { SafeContextManager } = createRequire(import.meta.url)('../../dist/safe-context-manager.js');
  context.setGlobalContextManager(new SafeContextManager().enable());
}
const withCtx = MODE === 'als' || MODE === 'safe';
const times = [];
await run(withCtx); // warm-up
for (let r = 0; r < ROUNDS; r++) times.push(await run(withCtx));
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
const frames = flags.includes('--no-async-context-frame') ? 'off' : Number(process.versions.node.split('.')[0]) >= 24 || flags.includes('--experimental-async-context-frame') ? 'on' : 'off';
console.log(JSON.stringify({ node: process.version, asyncContextFrame: frames, mode: MODE, nsPerUnit: Math.round(med(times)) }));
