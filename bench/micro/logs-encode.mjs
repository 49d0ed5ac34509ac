// The OTLP logs encoder alone: µs per record to encode batches of 512 winston-shaped records
// (the bench app's: body, seq, customerId, business IDs, trace context), upstream's
// ProtobufLogsSerializer against ours (dist/pipeline/otlp-logs-encoder.js); alternating, medians of 7.
//   node bench/micro/logs-encode.mjs
import { createRequire } from 'node:module';
import { ROOT } from '../variants.mjs';
const require = createRequire(`${ROOT}/package.json`);
const { ProtobufLogsSerializer } = require('@opentelemetry/otlp-transformer');
const { LoggerProvider } = require('@opentelemetry/sdk-logs');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { context, trace } = require('@opentelemetry/api');
const { encodeLogsRequest } = require(`${ROOT}/dist/pipeline/otlp-logs-encoder.js`);

const collected = [];
const collector = { onEmit: (r) => void collected.push(r), forceFlush: async () => {}, shutdown: async () => {} };
const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'log-burst', 'process.pid': process.pid, 'host.name': 'bench' }), processors: [collector] });
const logger = provider.getLogger('@opentelemetry/winston-transport', '0.34.0');
const ctx = trace.setSpanContext(context.active(), { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
for (let i = 0; i < 512; i++) logger.emit({ severityNumber: 9, severityText: 'info', body: 'burst record', attributes: { seq: i, customerId: 'cust-0042', 'shop.customer.id': 'cust-0042' }, context: ctx });
const batch = collected;
const encoders = { upstream: (b) => ProtobufLogsSerializer.serializeRequest(b), ours: (b) => encodeLogsRequest(b) };
const res = { upstream: [], ours: [] };
for (let round = 0; round < 7; round++) {
  for (const [name, enc] of Object.entries(encoders)) {
    for (let i = 0; i < 50; i++) enc(batch);
    const t0 = process.cpuUsage();
    const n = 400;
    for (let i = 0; i < n; i++) enc(batch);
    const t = process.cpuUsage(t0);
    res[name].push((t.user + t.system) / (n * batch.length));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`node ${process.version}, batches of ${batch.length} records, µs of CPU per record, medians of 7`);
for (const [name, xs] of Object.entries(res)) console.log(`${name.padEnd(9)} ${median(xs).toFixed(3)} µs/record; runs ${xs.map((x) => x.toFixed(3)).join(' ')}`);
