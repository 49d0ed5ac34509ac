// The OTLP trace encoder alone: µs per span to encode batches of 512 spans shaped like the bench
// app's (per POST /orders: an http SERVER span with ~12 http attributes and the business IDs, a
// pg CLIENT span with db attributes, an amqplib PRODUCER span; interleaved with the other
// requests' spans, as a batch span processor sees them), upstream's ProtobufTraceSerializer
// against ours (dist/pipeline/otlp-trace-encoder.js); alternating, medians of 7.
//   npm run build && node bench/micro/trace-encode.mjs [rounds]
import { createRequire } from 'node:module';
import { ROOT } from '../variants.mjs';
const require = createRequire(`${ROOT}/package.json`);
const { ProtobufTraceSerializer } = require('@opentelemetry/otlp-transformer');
const { TracerProvider } = require('@opentelemetry/sdk-trace');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { context, trace, SpanKind, SpanStatusCode } = require('@opentelemetry/api');
const { encodeTraceRequest } = require(`${ROOT}/dist/pipeline/otlp-trace-encoder.js`);

const collected = [];
const collector = { onStart: () => {}, onEnd: (s) => void collected.push(s), forceFlush: async () => {}, shutdown: async () => {} };
const resource = resourceFromAttributes({ 'service.name': 'bench-orders', 'service.version': '1.0.0', 'host.name': 'bench', 'process.pid': process.pid, 'process.runtime.name': 'nodejs', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.distro.name': 'shop-otel' });
const provider = new TracerProvider({ resource, spanProcessors: [collector] });
const http = provider.getTracer('@opentelemetry/instrumentation-http', '0.301.0');
const pg = provider.getTracer('@opentelemetry/instrumentation-pg', '0.77.0');
const amqp = provider.getTracer('@opentelemetry/instrumentation-amqplib', '0.71.0');

// Requests overlap: start a few, then end their spans (children first), so the batch interleaves traces.
const open = [];
for (let i = 0; collected.length < 512; i++) {
  const orderId = `ord_${(100000 + i).toString(36)}`;
  const customerId = `cust-${String(i % 97).padStart(4, '0')}`;
  const ids = { 'shop.order.id': orderId, 'shop.customer.id': customerId };
  const server = http.startSpan('POST /orders', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'POST', 'url.scheme': 'http', 'url.path': '/orders', 'server.address': '127.0.0.1', 'server.port': 3000,
      'network.peer.address': '127.0.0.1', 'network.peer.port': 40000 + (i % 2000), 'network.protocol.version': '1.1', 'user_agent.original': 'bench-load/1.0',
      'client.address': '127.0.0.1', 'http.request.body.size': 96,
    },
  });
  const ctx = trace.setSpan(context.active(), server);
  const db = pg.startSpan('INSERT shop', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.namespace': 'shop', 'db.query.text': 'INSERT INTO bench_orders (id, customer_id, status, email, items, total) VALUES ($1, $2, \'created\', $3, $4, $5)', 'db.operation.name': 'INSERT', 'server.address': '127.0.0.1', 'server.port': 5432, 'db.client.connection.pool.name': 'postgresql://127.0.0.1:5432/shop', ...ids } }, ctx);
  const pub = amqp.startSpan('publish bench.events', { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'bench.events', 'messaging.operation.type': 'send', 'messaging.rabbitmq.destination.routing_key': 'order.created', 'messaging.message.id': `msg-${orderId}`, 'network.protocol.name': 'amqp', 'server.address': '127.0.0.1', 'server.port': 5672, ...ids } }, ctx);
  open.push({ server, db, pub, ids });
  if (open.length === 4) {
    for (const r of open) r.db.end();
    for (const r of open) r.pub.end();
    for (const r of open) {
      r.server.setAttributes({ 'http.route': '/orders', 'http.response.status_code': 201, ...r.ids });
      r.server.setStatus({ code: SpanStatusCode.UNSET });
      r.server.end();
    }
    open.length = 0;
  }
}
const batch = collected.slice(0, 512);
const a = Buffer.from(encodeTraceRequest(batch));
const b = Buffer.from(ProtobufTraceSerializer.serializeRequest(batch));
if (!a.equals(b)) throw new Error('the encoders disagree on this batch');

const rounds = Number(process.argv[2] ?? 7);
const encoders = { upstream: (x) => ProtobufTraceSerializer.serializeRequest(x), ours: (x) => encodeTraceRequest(x) };
const res = { upstream: [], ours: [] };
for (let round = 0; round < rounds; round++) {
  for (const [name, enc] of Object.entries(encoders)) {
    for (let i = 0; i < 30; i++) enc(batch);
    const t0 = process.cpuUsage();
    const n = 200;
    for (let i = 0; i < n; i++) enc(batch);
    const t = process.cpuUsage(t0);
    res[name].push((t.user + t.system) / (n * batch.length));
  }
}
const median = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
console.log(`node ${process.version}, batches of ${batch.length} spans (${a.length} bytes), µs of CPU per span, medians of ${rounds}`);
for (const [name, xs] of Object.entries(res)) console.log(`${name.padEnd(9)} ${median(xs).toFixed(3)} µs/span; runs ${xs.map((x) => x.toFixed(3)).join(' ')}`);
