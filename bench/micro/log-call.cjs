// Micro-benchmark: CPU per winston call inside an active span, with shop-otel started in this
// process (exporting to the bench receiver: BENCH_RECEIVER=http://127.0.0.1:PORT), the export
// of the records included (forceFlush before the clock stops). Usage:
//   node bench/micro/log-call.cjs [bare|otel] [calls]     (env as for shop-otel, e.g. SHOP_OTEL_REDACT=false)
'use strict';
const mode = process.argv[2] ?? 'otel';
const calls = Number(process.argv[3] ?? 20000);
let sdk;
if (mode !== 'bare') {
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT ??= process.env.BENCH_RECEIVER ?? 'http://127.0.0.1:4999';
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOG_LEVEL ??= 'warn';
  sdk = require('../../dist/sdk.js').start();
}
const winston = require('winston');
const { Writable } = require('node:stream');
const { trace, context } = require('@opentelemetry/api');
const sink = new Writable({ write(_c, _e, cb) { cb(); } });
const logger = winston.createLogger({ level: 'info', format: winston.format.json(), transports: [new winston.transports.Stream({ stream: sink })] });
const tracer = trace.getTracer('micro');

async function run(n) {
  const span = tracer.startSpan('request');
  const t0 = process.cpuUsage();
  const batch = 500;
  for (let i = 0; i < n; i += batch) {
    context.with(trace.setSpan(context.active(), span), () => {
      for (let j = 0; j < batch; j++) logger.info('burst record', { seq: i + j, customerId: 'cust-0042', orderId: 'ord_abc123' });
    });
    await new Promise((r) => setImmediate(r)); // let the batch processor export, as between requests
  }
  span.end();
  if (sdk) await sdk.forceFlush();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / n;
}

(async () => {
  await run(calls); // warm-up (JIT)
  const xs = [];
  for (let r = 0; r < 5; r++) xs.push(await run(calls));
  xs.sort((a, b) => a - b);
  console.log(`${mode}${process.env.MICRO_LABEL ? ` ${process.env.MICRO_LABEL}` : ''}: ${xs[2].toFixed(2)} µs CPU per call (median of 5 × ${calls}; min ${xs[0].toFixed(2)})`);
  if (sdk) await sdk.shutdown();
  process.exit(0);
})();
