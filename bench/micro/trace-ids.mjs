// Trace and span IDs: the SDK's RandomIdGenerator (Math.random into a shared Buffer, then
// toString('hex')) against IDs sliced from a pooled hex string of crypto-random bytes (tried in the
// ninth pass as the tracer's generator and not kept: bench/RESULTS.md, "Trace IDs from a pool").
// ns per ID, each ID used as a Map key as a span's would be; alternating rounds, medians; and
// shop-otel's HexIdGenerator (src/trace/ids.ts: Math.random as the SDK's, hex by String.fromCharCode;
// `npm run build` first). No services needed.
//   node bench/micro/trace-ids.mjs [rounds]
import { randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { ROOT } from '../variants.mjs';

const { RandomIdGenerator } = createRequire(`${ROOT}/package.json`)('@opentelemetry/sdk-trace');
const ROUNDS = Number(process.argv[2] ?? 5);
const N = 1_000_000;
const sdk = new RandomIdGenerator();
const POOL_BYTES = 8192;
let pool = '';
let at = 0;
function pooled(chars) {
  if (at + chars > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES)).toString('hex');
    at = 0;
  }
  const id = pool.slice(at, at + chars);
  at += chars;
  return id;
}
const { HexIdGenerator } = createRequire(`${ROOT}/package.json`)('./dist/trace/ids.js');
const ours = new HexIdGenerator();
const variants = {
  'SDK RandomIdGenerator': (m, i) => m.set(sdk.generateSpanId(), i).set(sdk.generateTraceId(), i),
  'HexIdGenerator': (m, i) => m.set(ours.generateSpanId(), i).set(ours.generateTraceId(), i),
  'pooled crypto hex': (m, i) => m.set(pooled(16), i).set(pooled(32), i),
};
const res = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
const seen = new Map();
for (let r = 0; r < ROUNDS + 1; r++) {
  for (const [name, f] of Object.entries(variants)) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      f(seen, i);
      if (seen.size > 100) seen.clear();
    }
    if (r > 0) res[name].push(Number(process.hrtime.bigint() - t) / N / 2); // two IDs per iteration; round 0 warms up
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`node ${process.version}, ${ROUNDS} rounds of ${N} span + trace ID pairs, medians`);
for (const [name, xs] of Object.entries(res)) console.log(`${name.padEnd(22)} ${median(xs).toFixed(0)} ns per ID; rounds ${xs.map((x) => x.toFixed(0)).join(' ')}`);
