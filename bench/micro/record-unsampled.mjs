// Micro-benchmark: what recording the spans the sampler drops costs (policy/sampling.ts makes the
// policy's events independent of sampling by recording every span; only sampled ones are
// exported). CPU per span — start, three attributes, end — for a sampler that drops every span,
// with and without RecordEverythingSampler, through a processor that looks at each ended span as
// the policy's does and a BatchSpanProcessor that exports nothing unsampled. Usage:
//   node bench/micro/record-unsampled.mjs [spans]        (after `npm run build`)
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { trace, context } = require('@opentelemetry/api');
const { TracerProvider, TraceIdRatioBasedSampler, BatchSpanProcessor } = require('@opentelemetry/sdk-trace');
const { RecordEverythingSampler } = require('../../dist/policy/sampling.js');

const n = Number(process.argv[2] ?? 200_000);
const exporter = { export: (spans, done) => done({ code: 0 }), shutdown: async () => {} };
let seen = 0;
const policyLike = { onStart() {}, onEnd(span) { if (span.attributes['http.response.status_code'] === 401) seen++; }, forceFlush: async () => {}, shutdown: async () => {} };

function measure(sampler) {
  const provider = new TracerProvider({ sampler, spanProcessors: [policyLike, new BatchSpanProcessor({ exporter })] });
  const tracer = provider.getTracer('micro');
  const run = (count) => {
    for (let i = 0; i < count; i++) {
      const span = tracer.startSpan('GET /orders/:orderId', { attributes: { 'http.request.method': 'GET' } }, context.active());
      span.setAttribute('http.route', '/orders/:orderId');
      span.setAttribute('http.response.status_code', i % 10 === 0 ? 401 : 200);
      span.end();
    }
  };
  run(20_000); // warm-up
  seen = 0;
  const t0 = process.cpuUsage();
  run(n);
  const t = process.cpuUsage(t0);
  return { ns: ((t.user + t.system) * 1000) / n, seen };
}

const rounds = 5;
const results = { dropped: [], recorded: [] };
for (let r = 0; r < rounds; r++) {
  results.dropped.push(measure(new TraceIdRatioBasedSampler(0)));
  results.recorded.push(measure(new RecordEverythingSampler(new TraceIdRatioBasedSampler(0))));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const d = median(results.dropped.map((x) => x.ns));
const rec = median(results.recorded.map((x) => x.ns));
console.log(`node ${process.version}, ${n} spans x ${rounds} alternating rounds, CPU ns per span (median)`);
console.log(`sampler drops the span (not recorded):   ${d.toFixed(0)} ns; the policy saw ${results.dropped[0].seen} of ${n / 10} auth failures`);
console.log(`recorded anyway (RecordEverythingSampler): ${rec.toFixed(0)} ns; the policy saw ${results.recorded[0].seen} of ${n / 10}`);
console.log(`difference: +${(rec - d).toFixed(0)} ns per unsampled span`);
void trace;
