// amqplib's encoding of a message's properties with trace-context headers, in process: what the
// headers object handed to channel.publish costs amqplib (Args.publish makes it the prototype of
// the table it encodes, Object.create(options.headers), then walks it with for…in). Rows: a fresh
// headers object per publish (instrumentation-amqplib's `options.headers ?? {}`), one carrier whose
// keys are deleted after each publish, one carrier whose keys stay (its values overwritten; what
// src/instrumentations/amqp-publish.ts does), and no headers (bare). µs of CPU per publish's
// Args.publish + encodeProperties, 3 rounds of 200 000.
//   node bench/micro/amqp-headers.cjs
'use strict';
const path = require('node:path');
const ROOT = path.join(__dirname, '..', '..');
const Args = require(path.join(ROOT, 'node_modules/amqplib/lib/api_args.js'));
const defs = require(path.join(ROOT, 'node_modules/amqplib/lib/defs.js'));
const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const bag = 'shop.order_id=ord-123,shop.customer_id=cust-42';
const N = 200_000;
function run(mk, done) {
  const t = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const h = mk();
    const fields = Args.publish('bench.events', 'order.created', { headers: h, persistent: false });
    defs.encodeProperties(defs.BasicProperties, 1, 100, fields);
    done(h);
  }
  const u = process.cpuUsage(t);
  return (u.user + u.system) / N;
}
const deleted = {};
const kept = {};
const rows = {
  'fresh headers object per publish': [() => ({ traceparent: tp, baggage: bag }), () => {}],
  'one carrier, keys deleted after': [() => { deleted.traceparent = tp; deleted.baggage = bag; return deleted; }, (h) => { for (const k in h) delete h[k]; }],
  'one carrier, keys kept': [() => { kept.traceparent = tp; kept.baggage = bag; return kept; }, (h) => { for (const k in h) h[k] = undefined; }],
  'no headers (bare)': [() => undefined, () => {}],
};
const res = Object.fromEntries(Object.keys(rows).map((k) => [k, []]));
for (let r = 0; r < 3; r++) for (const [name, [mk, done]] of Object.entries(rows)) res[name].push(run(mk, done));
console.log(`node ${process.version}, µs of CPU per publish's property encoding, 3 rounds of ${N}`);
for (const [name, xs] of Object.entries(res)) console.log(`${name.padEnd(34)} ${xs.map((x) => x.toFixed(2)).join(' ')}`);
