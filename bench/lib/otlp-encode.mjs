// A minimal OTLP protobuf encoder for the collector load: spans and log records shaped like the
// bench service's (HTTP server span, pg query, amqp publish; a correlated winston record).
import { randomBytes } from 'node:crypto';

function varint(n) {
  const out = [];
  while (n > 127) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
const key = (field, wire) => varint(field * 8 + wire);
const len = (field, buf) => Buffer.concat([key(field, 2), varint(buf.length), buf]);
const str = (field, s) => len(field, Buffer.from(s, 'utf8'));
const vint = (field, n) => Buffer.concat([key(field, 0), varint(n)]);
function fixed64(field, bigint) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(bigint);
  return Buffer.concat([key(field, 1), b]);
}
const anyStr = (s) => str(1, s);
const anyInt = (n) => vint(3, n);
const kv = (k, v) => len(9, Buffer.concat([str(1, k), len(2, typeof v === 'number' ? anyInt(v) : anyStr(v))]));
const kvAt = (field, k, v) => len(field, Buffer.concat([str(1, k), len(2, typeof v === 'number' ? anyInt(v) : anyStr(v))]));

const resource = len(1, Buffer.concat([kvAt(1, 'service.name', 'bench-orders'), kvAt(1, 'host.name', 'bench'), kvAt(1, 'process.pid', 4242), kvAt(1, 'telemetry.sdk.language', 'nodejs'), kvAt(1, 'telemetry.distro.name', 'shop-otel')]));

function span(traceId, i) {
  const now = BigInt(Date.now()) * 1_000_000n;
  const kinds = [
    ['POST /orders', 2, [['http.request.method', 'POST'], ['http.route', '/orders'], ['http.response.status_code', 201], ['url.path', '/orders'], ['shop.order.id', 'ord_abc123'], ['shop.customer.id', 'cust-0042']]],
    ['INSERT shop', 3, [['db.system.name', 'postgresql'], ['db.namespace', 'shop'], ['db.query.text', 'INSERT INTO bench_orders (id, customer_id, status, email, items, total) VALUES ($1, $2, $3, $4, $5, $6)'], ['shop.order.id', 'ord_abc123']]],
    ['publish bench.events', 4, [['messaging.system', 'rabbitmq'], ['messaging.destination.name', 'bench.events'], ['messaging.rabbitmq.destination.routing_key', 'order.created'], ['shop.order.id', 'ord_abc123']]],
  ];
  const [name, kind, attrs] = kinds[i % 3];
  return len(2, Buffer.concat([len(1, traceId), len(2, randomBytes(8)), str(5, name), vint(6, kind), fixed64(7, now), fixed64(8, now + 1_500_000n), ...attrs.map(([k, v]) => kv(k, v))]));
}

function logRecord(traceId) {
  const now = BigInt(Date.now()) * 1_000_000n;
  const attrs = [['orderId', 'ord_abc123'], ['customerId', 'cust-0042'], ['items', 2], ['shop.order.id', 'ord_abc123'], ['shop.customer.id', 'cust-0042'], ['shop.component', 'shop-api']];
  return len(2, Buffer.concat([fixed64(1, now), vint(2, 9), str(3, 'info'), len(5, anyStr('order created')), ...attrs.map(([k, v]) => kvAt(6, k, v)), len(9, traceId), len(10, randomBytes(8)), fixed64(11, now)]));
}

/** ExportTraceServiceRequest with n spans (in traces of three spans). */
export function tracesRequest(n) {
  const spans = [];
  let traceId;
  for (let i = 0; i < n; i++) {
    if (i % 3 === 0) traceId = randomBytes(16);
    spans.push(span(traceId, i));
  }
  const scope = len(1, Buffer.concat([str(1, 'bench'), str(2, '1.0.0')]));
  return len(1, Buffer.concat([resource, len(2, Buffer.concat([scope, ...spans]))]));
}

/** ExportLogsServiceRequest with n log records. */
export function logsRequest(n) {
  const records = [];
  for (let i = 0; i < n; i++) records.push(logRecord(randomBytes(16)));
  const scope = len(1, Buffer.concat([str(1, 'winston'), str(2, '3.17.0')]));
  return len(1, Buffer.concat([resource, len(2, Buffer.concat([scope, ...records]))]));
}
