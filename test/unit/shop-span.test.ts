import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, diag, DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';
import { hrTimeToMilliseconds, suppressTracing, TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SamplingDecision, TracerProvider, type IdGenerator, type ReadableSpan, type Sampler, type SpanLimits, type SpanProcessor, type TracerProviderOptions } from '@opentelemetry/sdk-trace';
import { ShopSpan } from '../../src/trace/span';
import { SHOP_TRACERS, ShopTracer, ShopTracerProvider } from '../../src/trace/tracer';

// shop-otel's tracer and span (src/trace/) against the SDK's Tracer and SpanImpl: the same script
// of calls on each, with the same IDs, sampler and limits, must give the same spans (every field a
// processor or exporter reads), the same diagnostics, and times from the same clocks.

class CountingIds implements IdGenerator {
  private n = 0;
  generateTraceId(): string {
    return (++this.n).toString(16).padStart(32, '0');
  }
  generateSpanId(): string {
    return (++this.n).toString(16).padStart(16, '0');
  }
}

// Drops "dropped*", records without sampling "record-only*", adds an attribute and a trace state to "sampler-adds*".
const sampler: Sampler = {
  shouldSample: (_ctx, _traceId, name) => {
    if (name.startsWith('dropped')) return { decision: SamplingDecision.NOT_RECORD };
    if (name.startsWith('record-only')) return { decision: SamplingDecision.RECORD, traceState: new TraceState('s=recorded') };
    if (name.startsWith('sampler-adds')) return { decision: SamplingDecision.RECORD_AND_SAMPLED, attributes: { 'sampler.added': 'yes', 'sampler.long': 'L'.repeat(40) } };
    return { decision: SamplingDecision.RECORD_AND_SAMPLED };
  },
  toString: () => 'script-sampler',
};

const REMOTE = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: new TraceState('v=1') };
const T0: [number, number] = [1767323045, 123_456_789];
// Made once: both runs record the same exceptions (stack traces included).
const TYPE_ERROR = new TypeError('bad type');
const CODED = Object.assign(new Error('with code'), { code: 'E42' });

interface Run {
  spans: ReadableSpan[];
  started: number;
  diagnostics: string[];
  returned: Span[];
}

/** The script: every API call a span offers, at and past every limit, on one provider. */
function script(Provider: new (o: TracerProviderOptions) => TracerProvider, limits: SpanLimits): Run {
  const spans: ReadableSpan[] = [];
  let started = 0;
  const diagnostics: string[] = [];
  const log = (level: string) => (message: string) => void diagnostics.push(`${level} ${message}`);
  diag.setLogger({ error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug'), verbose: () => {} }, { logLevel: DiagLogLevel.DEBUG, suppressOverrideMessage: true });
  const processor: SpanProcessor = { onStart: () => void started++, onEnd: (s) => void spans.push(s), forceFlush: async () => {}, shutdown: async () => {} };
  const provider = new Provider({ resource: resourceFromAttributes({ 'service.name': 'script' }), sampler, idGenerator: new CountingIds(), spanLimits: limits, spanProcessors: [processor] });
  const tracer = provider.getTracer('script-scope', '1.2.3', { schemaUrl: 'https://example.com/schema' });
  const returned: Span[] = [];
  const keep = (s: Span) => (returned.push(s), s);
  const under = (s: Span): Context => trace.setSpan(ROOT_CONTEXT, s);

  const root = keep(tracer.startSpan('root', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', n: 1, ok: true, gone: undefined } }, ROOT_CONTEXT));
  root.setAttribute('url.path', '/orders/1');
  root.setAttribute('n', 2); // overwrite
  root.setAttributes({ a: 'x', b: 3, c: false, u: undefined as never });
  root.setAttribute('', 'empty key');
  root.setAttribute('obj', { nested: [1, 'a'] } as never);
  root.setAttribute('list', ['a', 'b'] as never);
  root.setAttribute('mixed', [1, 'a'] as never);
  root.setAttribute('long', 'z'.repeat(50));
  root.setAttribute('nullish', null as never);
  root.setAttribute('sym', Symbol('s') as never);
  for (let i = 0; i < 12; i++) root.setAttribute(`fill.${i}`, i);
  root.setAttribute('n', 3); // overwrite past the limit
  root.addEvent('plain');
  root.addEvent('with attrs', { a: 1, b: 'two', c: [1, 2], d: { nested: true } as never, e: 'y'.repeat(40) });
  root.addEvent('at a time', [T0[0], 5]);
  root.addEvent('attrs and time', { k: 'v' }, new Date('2026-01-02T03:04:05.678Z'));
  for (let i = 0; i < 6; i++) root.addEvent(`event ${i}`, { i });
  root.recordException(TYPE_ERROR);
  root.recordException(CODED);
  root.recordException('a string');
  root.recordException({} as never);
  root.setStatus({ code: SpanStatusCode.ERROR, message: 42 as never });
  root.setStatus({ code: SpanStatusCode.UNSET });
  root.updateName('root renamed');

  const child = keep(tracer.startSpan('child', { kind: SpanKind.CLIENT, attributes: { 'db.query.text': 'q'.repeat(40), list: ['x', 'y'], bad: { o: 1 } as never, '': 'no key' } }, under(root)));
  child.setStatus({ code: SpanStatusCode.OK });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'after OK: ignored' });
  child.end();
  child.end(); // twice
  child.setAttribute('after', 'end');
  child.addEvent('after end');
  child.updateName('after end');

  const links: Link[] = [1, 2, 3, 4].map((i) => ({ context: { ...REMOTE, spanId: `e7ad6b716920333${i}` }, attributes: { a: i, b: 'two', c: true, d: 'd'.repeat(40) } }));
  const linked = keep(tracer.startSpan('linked', { kind: SpanKind.CONSUMER, links, attributes: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])) }, trace.setSpanContext(ROOT_CONTEXT, REMOTE)));
  linked.addLink({ context: { ...REMOTE, spanId: 'a7ad6b7169203332' }, attributes: { x: 1 } });
  linked.addLinks([{ context: { ...REMOTE, spanId: 'a7ad6b7169203333' } }]);
  linked.end([T0[0] + 1, 0]);

  // Explicit times: HrTime, epoch ms, Date, performance.now()-relative; an end before the start.
  keep(tracer.startSpan('hr start', { startTime: T0 }, ROOT_CONTEXT)).end([T0[0] + 2, 999_999_999]);
  keep(tracer.startSpan('ms start', { startTime: 1767323045123 }, ROOT_CONTEXT)).end(1767323046123);
  keep(tracer.startSpan('date start', { startTime: new Date('2026-01-02T03:04:05.678Z') }, ROOT_CONTEXT)).end(new Date('2026-01-02T03:04:06.000Z'));
  keep(tracer.startSpan('backwards', { startTime: T0 }, ROOT_CONTEXT)).end([T0[0] - 1, 0]);

  // Sampling: dropped (non-recording), recorded only (trace state), attributes from the sampler.
  const dropped = keep(tracer.startSpan('dropped', {}, ROOT_CONTEXT));
  dropped.end();
  keep(tracer.startSpan('record-only', {}, trace.setSpanContext(ROOT_CONTEXT, REMOTE))).end();
  keep(tracer.startSpan('sampler-adds', { attributes: { own: 'one' } }, ROOT_CONTEXT)).end();
  keep(tracer.startSpan('sampler-adds to many', { attributes: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'])) }, ROOT_CONTEXT)).end();
  // Suppressed tracing, `root`, no attributes at all, odd attributes arguments.
  keep(tracer.startSpan('suppressed', {}, suppressTracing(ROOT_CONTEXT))).end();
  keep(tracer.startSpan('forced root', { root: true }, under(root))).end();
  keep(tracer.startSpan('no options')).end();
  keep(tracer.startSpan('odd attributes', { attributes: 'not an object' as never }, ROOT_CONTEXT)).end();
  keep(tracer.startSpan('null attributes', { attributes: null as never }, ROOT_CONTEXT)).end();
  // startActiveSpan: the span is the active one inside, and what fn returns comes back.
  const back = tracer.startActiveSpan('active', (s) => {
    keep(s);
    const inner = keep(tracer.startSpan('inside active'));
    inner.end();
    s.end();
    return trace.getSpan(context.active()) === s ? 'active' : 'not active';
  });
  diagnostics.push(`startActiveSpan returned ${back}`);

  root.end();
  diag.disable();
  return { spans, started, diagnostics, returned };
}

/** What processors and exporters read of a span, times left out (compared on their own). */
function view(s: ReadableSpan) {
  const c = s.spanContext();
  return {
    name: s.name,
    kind: s.kind,
    context: { traceId: c.traceId, spanId: c.spanId, traceFlags: c.traceFlags, traceState: c.traceState?.serialize() },
    parent: s.parentSpanContext && { ...s.parentSpanContext, traceState: s.parentSpanContext.traceState?.serialize() },
    attributes: s.attributes,
    events: s.events.map((e) => ({ name: e.name, attributes: e.attributes, dropped: e.droppedAttributesCount })),
    links: s.links.map((l) => ({ spanId: l.context.spanId, attributes: l.attributes, dropped: l.droppedAttributesCount })),
    status: s.status,
    dropped: [s.droppedAttributesCount, s.droppedEventsCount, s.droppedLinksCount],
    ended: s.ended,
    resource: s.resource.attributes,
    scope: s.instrumentationScope,
  };
}

const LIMITS: SpanLimits[] = [
  { attributeCountLimit: 12, attributeValueLengthLimit: 16, eventCountLimit: 5, linkCountLimit: 3, attributePerEventCountLimit: 3, attributePerLinkCountLimit: 2 },
  {},
  { attributeCountLimit: 0, eventCountLimit: 0, linkCountLimit: 0 },
];

describe("shop-otel's tracer and span (src/trace/)", () => {
  afterEach(() => diag.disable());
  // startActiveSpan's span is active inside only with a context manager.
  beforeAll(() => void context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  afterAll(() => context.disable());

  for (const limits of LIMITS) {
    it(`make the SDK's spans for the same calls (limits ${JSON.stringify(limits)})`, () => {
      const before = Date.now();
      const sdk = script(TracerProvider, limits);
      const ours = script(ShopTracerProvider, limits);
      const after = Date.now();
      // The script really reaches what it means to.
      expect(ours.spans.every((s) => s instanceof ShopSpan)).toBe(true);
      expect(sdk.spans.some((s) => s instanceof ShopSpan)).toBe(false);
      expect(ours.spans.length).toBe(sdk.spans.length);
      expect(ours.spans.length).toBeGreaterThan(15);
      expect(ours.started).toBe(sdk.started);
      expect(ours.returned.map((s) => s.isRecording())).toEqual(sdk.returned.map((s) => s.isRecording()));
      expect(ours.returned.map((s) => s.spanContext())).toEqual(sdk.returned.map((s) => s.spanContext()));
      expect(ours.spans.map(view)).toEqual(sdk.spans.map(view));
      expect(ours.diagnostics).toEqual(sdk.diagnostics);
      expect(ours.diagnostics).toContain('startActiveSpan returned active');

      for (let i = 0; i < ours.spans.length; i++) {
        const [a, b] = [ours.spans[i], sdk.spans[i]];
        const explicit = /start$|^linked$/.test(a.name) || a.name === 'backwards';
        if (/ start$|^backwards$/.test(a.name)) {
          // Given times: exactly the SDK's arithmetic.
          expect(a.startTime, a.name).toEqual(b.startTime);
          expect(a.endTime, a.name).toEqual(b.endTime);
          expect(a.duration, a.name).toEqual(b.duration);
        } else {
          // Times from the clocks: inside the run, the duration the difference of the two.
          const start = hrTimeToMilliseconds(a.startTime);
          expect(start, a.name).toBeGreaterThanOrEqual(before);
          expect(start, a.name).toBeLessThanOrEqual(after);
          if (!explicit) {
            expect(hrTimeToMilliseconds(a.endTime)).toBeLessThanOrEqual(after + 1);
            expect(hrTimeToMilliseconds(a.duration)).toBeGreaterThanOrEqual(0);
            expect(hrTimeToMilliseconds(a.endTime) - start).toBeCloseTo(hrTimeToMilliseconds(a.duration), 3);
          }
        }
        // Event times: the given ones equal, the others inside the run.
        a.events.forEach((e, j) => {
          if (e.name === 'at a time' || e.name === 'attrs and time') expect(e.time).toEqual(b.events[j].time);
          else expect(hrTimeToMilliseconds(e.time)).toBeGreaterThanOrEqual(before);
        });
      }
    });
  }

  it('are what ShopTracerProvider hands out (it found the SDK\'s tracer options)', () => {
    const provider = new ShopTracerProvider({});
    expect(provider[SHOP_TRACERS]).toBe(true);
    const tracer = provider.getTracer('x', '1');
    expect(tracer).toBeInstanceOf(ShopTracer);
    expect(provider.getTracer('x', '1')).toBe(tracer);
    expect(provider.getTracer('x', '2')).not.toBe(tracer);
    expect(tracer.startSpan('s')).toBeInstanceOf(ShopSpan);
  });

  it('keep the attributes object the processors stamp after the end (the business IDs)', () => {
    const ended: ReadableSpan[] = [];
    const provider = new ShopTracerProvider({ spanProcessors: [{ onStart: () => {}, onEnd: (s) => void ended.push(s), forceFlush: async () => {}, shutdown: async () => {} }] });
    const span = provider.getTracer('x').startSpan('s', { attributes: { a: 1 } as Attributes });
    span.end();
    (ended[0].attributes as Record<string, unknown>)['shop.order.id'] = 'ord-1';
    expect(ended[0].attributes).toEqual({ a: 1, 'shop.order.id': 'ord-1' });
  });
});
