// What the build's patches of @opentelemetry/sdk-trace, sql-common and context-async-hooks
// (scripts/bundle/otel-patches.mjs) save, in process, each against the installed code; alternating
// rounds, medians. No services needed.
//   node bench/micro/span-start.mjs [rounds]
// - span: startSpan of a pg query span (six attributes) under a parent, then end(), the SDK's
//   Tracer with a no-op processor and the no-op meter (as sdk.ts built it before src/trace/), and
//   shop-otel's own tracer and span (src/trace/, `npm run build` first: dist/) with the same settings;
// - sqlcommenter: addSqlCommenterComment on the bench app's SELECT;
// - baggage: the business IDs' baggage header (no baggage came with the request), built as a
//   baggage for W3CBaggagePropagator or written directly (`npm run build` first: dist/);
// - bind: context.bind() of a two-argument callback (pg's), then one call.
import { createRequire } from 'node:module';
import { loadPackageModule } from '../../scripts/bundle/otel-patches.mjs';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { RandomIdGenerator, AlwaysOnSampler, ParentBasedSampler } = require('@opentelemetry/sdk-trace');

const ROUNDS = Number(process.argv[2] ?? 9);
const N = 100_000;
const tracerOf = (patched) =>
  new (loadPackageModule('@opentelemetry/sdk-trace', 'Tracer.cjs', patched).Tracer)(
    { name: '@opentelemetry/instrumentation-pg', version: '0.77.0' },
    {
      sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
      spanLimits: { attributeCountLimit: 128, attributeValueLengthLimit: 8192, eventCountLimit: 128, linkCountLimit: 128, attributePerEventCountLimit: 128, attributePerLinkCountLimit: 128 },
      resource: { attributes: {} },
      idGenerator: new RandomIdGenerator(),
      spanProcessor: { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} },
      meterProvider: { getMeter: () => api.createNoopMeter() },
    },
  );
const { ShopTracer } = require('../../dist/trace/tracer.js');
const shopTracer = () => {
  const t = tracerOf(true);
  return new ShopTracer(t.instrumentationScope, { resource: t._resource, sampler: t._sampler, spanLimits: t._spanLimits, idGenerator: t._idGenerator, spanProcessor: t._spanProcessor });
};
const parent = api.trace.setSpan(api.ROOT_CONTEXT, api.trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 }));
const spanRun = (tracer) => () => {
  let sink = 0;
  for (let i = 0; i < N; i++) {
    const span = tracer.startSpan('pg.query:SELECT shop', { kind: 2, attributes: { 'db.system.name': 'postgresql', 'db.namespace': 'shop', 'server.port': 5432, 'server.address': '127.0.0.1', 'db.operation.name': 'SELECT', 'db.query.text': 'SELECT id, customer_id, status, items, total FROM bench_orders WHERE id = $1' } }, parent);
    span.end();
    sink += span.attributes['server.port'];
  }
  return sink;
};
const sqlRun = (sql) => () => {
  const span = api.trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
  let sink = 0;
  for (let i = 0; i < N; i++) sink += sql.addSqlCommenterComment(span, 'SELECT id, customer_id, status, items, total FROM bench_orders WHERE id = $1').length;
  return sink;
};
const bindRun = (Manager) => {
  const manager = new Manager().enable();
  const ctx = api.ROOT_CONTEXT.setValue(Symbol('x'), 1);
  return () => {
    let sink = 0;
    for (let i = 0; i < N; i++) sink += manager.bind(ctx, function callback(err, res) { return res; })(null, i);
    return sink;
  };
};
// The business IDs' baggage header for a request with an order and a customer ID and no incoming baggage (business-ids/propagator.ts).
const { W3CBaggagePropagator } = require('@opentelemetry/core');
const { idsBaggageHeader } = require('../../dist/business-ids/propagator.js');
const baggageRun = (direct) => () => {
  const w3c = new W3CBaggagePropagator();
  const setter = { set: (c, k, v) => (c[k] = v) };
  let sink = 0;
  for (let i = 0; i < N; i++) {
    const carrier = {};
    if (direct) setter.set(carrier, 'baggage', idsBaggageHeader('ord-1234', 1764547200000, 'cust-0042', undefined));
    else w3c.inject(api.propagation.setBaggage(parent, api.propagation.createBaggage().setEntry('shop.order.id', { value: 'ord-1234' }).setEntry('shop.order.since', { value: '1764547200000' }).setEntry('shop.customer.id', { value: 'cust-0042' })), carrier, setter);
    sink += carrier.baggage.length;
  }
  return sink;
};
const groups = {
  span: {
    'sdk-trace as installed': spanRun(tracerOf(false)),
    'sdk-trace patched': spanRun(tracerOf(true)),
    "shop-otel's ShopTracer": spanRun(shopTracer()),
  },
  sqlcommenter: {
    'sql-common as installed': sqlRun(loadPackageModule('@opentelemetry/sql-common', 'index.cjs', false)),
    'sql-common patched': sqlRun(loadPackageModule('@opentelemetry/sql-common', 'index.cjs', true)),
  },
  baggage: { 'W3CBaggagePropagator (a baggage built)': baggageRun(false), 'idsBaggageHeader': baggageRun(true) },
  bind: {
    'context-async-hooks as installed': bindRun(loadPackageModule('@opentelemetry/context-async-hooks', 'AsyncLocalStorageContextManager.cjs', false).AsyncLocalStorageContextManager),
    'context-async-hooks patched': bindRun(loadPackageModule('@opentelemetry/context-async-hooks', 'AsyncLocalStorageContextManager.cjs', true).AsyncLocalStorageContextManager),
  },
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`node ${process.version}, ${ROUNDS} alternating rounds × ${N} calls; medians, ns per call`);
for (const [group, variants] of Object.entries(groups)) {
  const res = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const names = Object.keys(variants);
    for (const name of r % 2 ? names.reverse() : names) {
      const t0 = process.hrtime.bigint();
      const sink = variants[name]();
      res[name].push(sink > 0 ? Number(process.hrtime.bigint() - t0) / N : NaN);
    }
  }
  for (const [name, xs] of Object.entries(res)) console.log(`${group.padEnd(12)} ${name.padEnd(42)} ${median(xs).toFixed(0).padStart(5)} ns; runs ${xs.map((x) => x.toFixed(0)).join(' ')}`);
}
