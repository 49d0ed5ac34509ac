// What the build's patches of @opentelemetry/core (scripts/bundle/otel-patches.mjs) save, in process:
// the attribute work of one span start as the SDK does it — cleanSimpleAttributes (the sampler's
// copy), cleanAttributes (the span's, with limits) and one setAttribute per attribute — on an HTTP
// server span's eleven attributes, core's module as installed against the same module patched;
// alternating rounds, medians. No services needed.
//   node bench/micro/core-attributes.mjs [rounds]
import { loadCoreModule } from '../../scripts/bundle/otel-patches.mjs';

const ROUNDS = Number(process.argv[2] ?? 9);
const N = 200_000;
const variants = { 'core as installed': loadCoreModule('common/attributes.cjs', false), 'core patched': loadCoreModule('common/attributes.cjs', true) };
const attrs = { 'http.request.method': 'POST', 'url.scheme': 'http', 'url.path': '/orders', 'server.address': '127.0.0.1', 'server.port': 38080, 'network.peer.address': '127.0.0.1', 'network.peer.port': 51234, 'user_agent.original': 'bench', 'network.protocol.version': '1.1', 'client.address': '127.0.0.1', 'http.route': '/orders' };
const limits = { attributeCountLimit: 128, attributeValueLengthLimit: Infinity };
function run(core) {
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    sink += core.cleanSimpleAttributes(attrs, limits).droppedAttributesCount;
    sink += core.cleanAttributes(attrs, limits).droppedAttributesCount;
    const into = {};
    let count = 0;
    for (const key of Object.keys(attrs)) if (core.maybeAddAttribute({ key, value: attrs[key], attributes: into, limits, currentAttributesCount: count }) === 3) count++;
    sink += count;
  }
  const ns = Number(process.hrtime.bigint() - t0) / N;
  return sink > 0 ? ns : NaN;
}
const res = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) {
  const names = Object.keys(variants);
  for (const name of r % 2 ? names.reverse() : names) res[name].push(run(variants[name]));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`node ${process.version}, ${ROUNDS} alternating rounds × ${N} span starts (11 attributes); medians`);
for (const [name, xs] of Object.entries(res)) console.log(`${name.padEnd(20)} ${median(xs).toFixed(0)} ns per span start; runs ${xs.map((x) => x.toFixed(0)).join(' ')}`);
