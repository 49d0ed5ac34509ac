import { describe, expect, it } from 'vitest';
import { context, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Context, type Link } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SamplingDecision, TracerProvider, type ReadableSpan, type Sampler, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { encodeTraceRequest } from '../../src/pipeline/otlp-trace-encoder';
import { ShopSpan } from '../../src/trace/span';
import { ShopTracerProvider } from '../../src/trace/tracer';

// Spans made by the SDK itself (SpanImpl through a Tracer), as the exporter receives them.
const REMOTE = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true };
const T0: [number, number] = [1767323045, 123_456_789];

function collector(out: ReadableSpan[]): SpanProcessor {
  return { onStart: () => {}, onEnd: (s) => void out.push(s), forceFlush: async () => {}, shutdown: async () => {} };
}

// Samples everything, but only records (trace flags 0) the spans named "record-only*", and gives
// those a trace state of its own.
const sampler: Sampler = {
  shouldSample: (_ctx, _traceId, name) =>
    name.startsWith('record-only') ? { decision: SamplingDecision.RECORD, traceState: new TraceState('sampler=recorded') } : { decision: SamplingDecision.RECORD_AND_SAMPLED },
  toString: () => 'test-sampler',
};

const everyValue = {
  str: 'plain',
  empty: '',
  nonAscii: 'grüße 🎉 ñ',
  long: 'x'.repeat(20_000),
  longNonAscii: 'é'.repeat(9_000) + '🎉'.repeat(100),
  // Around the writer's length-prefix guesses (3 bytes per UTF-16 unit reserved, moved back).
  ascii127: 'a'.repeat(127),
  ascii128: 'a'.repeat(128),
  nonAscii42: 'ü'.repeat(42),
  nonAscii43: 'ü'.repeat(43),
  nonAscii6000: 'ü'.repeat(6_000),
  loneSurrogate: 'a\ud800b',
  int: 42,
  zero: 0,
  neg: -5,
  negBig: -(2 ** 40),
  big: 2 ** 40,
  maxSafe: Number.MAX_SAFE_INTEGER,
  two63: 2 ** 63,
  minus63: -(2 ** 63),
  float: 1.5,
  negFloat: -0.25,
  negZero: -0,
  nan: Number.NaN,
  inf: Infinity,
  negInf: -Infinity,
  t: true,
  f: false,
  strs: ['a', 'ü', ''],
  ints: [1, -2, 2 ** 40, 2 ** 63],
  floats: [0.5, Number.NaN, -Infinity],
  bools: [true, false],
  emptyList: [],
  withNulls: ['a', null, 'b'],
};

/** The spans of the script below, made by the SDK's tracer or (ShopTracerProvider) shop-otel's own (src/trace/). */
async function spans(Provider: typeof TracerProvider = TracerProvider): Promise<ReadableSpan[]> {
  const out: ReadableSpan[] = [];
  const resA = resourceFromAttributes({ 'service.name': 'enc', 'process.pid': 4242, 'a.float': 1.5, 'a.list': ['x', 'y'], 'ü.ñ': 'grüße 🎉' }, { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' });
  const resB = resourceFromAttributes({ 'service.name': 'other' });
  const pa = new Provider({ resource: resA, sampler, spanProcessors: [collector(out)] });
  const pb = new Provider({ resource: resB, spanProcessors: [collector(out)], spanLimits: { attributeCountLimit: 3, eventCountLimit: 2, linkCountLimit: 1, attributePerEventCountLimit: 1, attributePerLinkCountLimit: 1 } });
  const http = pa.getTracer('@opentelemetry/instrumentation-http', '0.301.0');
  const pg = pa.getTracer('@opentelemetry/instrumentation-pg', '0.77.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.27.0' });
  const bare = pa.getTracer('bare-scope');
  const other = pb.getTracer('other-scope', '1.0.0');
  const root = context.active();
  const under = (parent: { spanContext(): unknown } | undefined): Context => (parent ? trace.setSpan(root, parent as never) : root);

  // A request: a SERVER span under a remote parent with a trace state, children of every kind.
  const remote = trace.setSpanContext(root, { ...REMOTE, traceState: new TraceState('vendor=abc,other=x-1') });
  const server = http.startSpan('GET /orders/:id', { kind: SpanKind.SERVER, startTime: T0, attributes: { 'http.request.method': 'GET', 'url.path': '/orders/42', 'http.response.status_code': 200, 'shop.order.id': 'ord-42' } }, remote);
  const db = pg.startSpan('pg.query:SELECT', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM orders WHERE id = $1' } }, under(server));
  db.setStatus({ code: SpanStatusCode.OK });
  db.end();
  const produce = bare.startSpan('orders publish', { kind: SpanKind.PRODUCER }, under(server));
  produce.addEvent('published');
  produce.addEvent('with attributes', { 'messaging.message.id': 'm-1', n: 3, ok: true, list: ['a', 'b'] }, [T0[0] + 1, 5]);
  produce.end();
  const consume = bare.startSpan('orders process', { kind: SpanKind.CONSUMER, links: [{ context: produce.spanContext(), attributes: { 'messaging.operation': 'process', 'x.n': 7 } }] }, root);
  consume.addLink({ context: { ...REMOTE, spanId: 'a7ad6b7169203332', traceState: new TraceState('linked=1') } });
  consume.addLink({ context: { traceId: '1af7651916cd43dd8448eb211c80319d', spanId: 'c7ad6b7169203333', traceFlags: TraceFlags.NONE, isRemote: false } });
  consume.end();
  const internal = bare.startSpan('compute', { kind: SpanKind.INTERNAL, attributes: everyValue as Attributes }, under(server));
  internal.setAttribute('bytes', new Uint8Array([0, 1, 255]) as never);
  internal.setAttribute('emptyBytes', new Uint8Array(0) as never);
  internal.setAttribute('nested', { a: [1, 'b', { c: null }], d: { e: 'ü' }, empty: {} } as never);
  internal.setAttribute('nullValue', null as never);
  internal.recordException(new Error('boom'));
  internal.recordException('a string exception');
  internal.setStatus({ code: SpanStatusCode.ERROR, message: 'it failed: ünïcode' });
  internal.end();
  server.setStatus({ code: SpanStatusCode.ERROR });
  server.end([T0[0] + 2, 999_999_999]);
  // Root spans: no parent, a long name, an explicit Date start; the record-only (trace flags 0)
  // spans with the sampler's trace state; a remote parent that is not sampled.
  http.startSpan('n'.repeat(300) + 'ü', { root: true, startTime: new Date('2026-01-02T03:04:05.678Z') }).end();
  http.startSpan('record-only root', { kind: SpanKind.SERVER }).end();
  const ro = http.startSpan('record-only parent');
  http.startSpan('child of record-only', {}, under(ro)).end();
  ro.end();
  http.startSpan('under unsampled remote', { kind: SpanKind.SERVER }, trace.setSpanContext(root, { ...REMOTE, traceFlags: TraceFlags.NONE, spanId: 'd7ad6b7169203334' })).end();

  // The small limits: dropped attributes, events (and their attributes), links (and theirs).
  const links: Link[] = [1, 2, 3].map((i) => ({ context: { ...REMOTE, spanId: `e7ad6b716920333${i}` }, attributes: { a: i, b: 'two', c: true } }));
  const limited = other.startSpan('limited', { kind: SpanKind.CLIENT, links, attributes: { a1: 1, a2: 2, a3: 3, a4: 4, a5: 5 } });
  limited.setAttribute('a6', 'dropped');
  for (let i = 0; i < 5; i++) limited.addEvent(`event ${i}`, { first: i, second: 'dropped' });
  limited.recordException(new TypeError('limited boom'));
  limited.end();

  // Interleaved resources and scopes (grouped in order of first appearance), then a crowd.
  for (let i = 0; i < 600; i++) {
    const tracer = [http, pg, bare, other][i % 4];
    const s = tracer.startSpan(`op ${i}`, { kind: (i % 5) as SpanKind, attributes: { i, s: 'ß'.repeat(i % 50), 'shop.customer.id': `cust-${i % 7}` } }, i % 3 === 0 ? under(server) : root);
    if (i % 11 === 0) s.addEvent('tick', { i });
    s.end();
  }
  expect(out.length).toBe(611);
  return out;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function expectUpstreamBytes(batch: ReadableSpan[]): void {
  const ours = encodeTraceRequest(batch);
  const theirs = ProtobufTraceSerializer.serializeRequest(batch)!;
  // Readable first: the lengths, then where the bytes part.
  expect(ours.length).toBe(theirs.length);
  expect(firstDifference(ours, theirs)).toBe(-1);
  expect(Buffer.from(ours).equals(Buffer.from(theirs))).toBe(true);
}

describe('the OTLP trace encoder', () => {
  it('writes exactly the bytes of upstream\'s ProtobufTraceSerializer', async () => {
    const ss = await spans();
    // The shapes really are there.
    const internal = ss.find((s) => s.name === 'compute')!;
    expect(internal.attributes.bytes).toBeInstanceOf(Uint8Array);
    expect(internal.events.map((e) => e.name)).toEqual(['exception', 'exception']);
    const limited = ss.find((s) => s.name === 'limited')!;
    expect([limited.droppedAttributesCount, limited.droppedEventsCount, limited.droppedLinksCount]).toEqual([3, 4, 2]);
    expect(limited.events[0].droppedAttributesCount).toBe(1);
    expect(limited.links[0].droppedAttributesCount).toBe(2);
    expect(ss.find((s) => s.name === 'record-only root')!.spanContext().traceFlags).toBe(TraceFlags.NONE);
    expect(ss.find((s) => s.name === 'GET /orders/:id')!.parentSpanContext?.isRemote).toBe(true);

    expectUpstreamBytes(ss);
    // Sub-batches after the larger one (the buffer is reused), each alone and again.
    for (const batch of [ss.slice(0, 1), ss.slice(1, 4), ss.slice(4, 6), ss.slice(6, 14), ss.slice(0, 14), ss.slice(14, 15), ss.slice(100, 611), ss]) {
      expectUpstreamBytes(batch);
      expectUpstreamBytes(batch);
    }
    for (const s of ss.slice(0, 14)) expectUpstreamBytes([s]);
    expect(encodeTraceRequest([]).length).toBe(0);
  });

  it("writes exactly upstream's bytes for shop-otel's own spans too (src/trace/span.ts)", async () => {
    const ss = await spans(ShopTracerProvider);
    expect(ss.every((s) => s instanceof ShopSpan)).toBe(true);
    expectUpstreamBytes(ss);
    for (const batch of [ss.slice(0, 14), ss.slice(100, 611)]) expectUpstreamBytes(batch);
  });

  it('writes scope attributes and dropped counts as upstream does (no SDK tracer sets them)', async () => {
    const ss = (await spans()).slice(0, 3);
    const scope = { name: 'with-attributes', version: '2.0.0', schemaUrl: 'https://example.com/schema', attributes: { 'scope.attr': 'v', n: 1 }, droppedAttributesCount: 2 };
    const withScope = ss.map((s) => Object.create(s, { instrumentationScope: { value: scope } }) as ReadableSpan);
    expectUpstreamBytes(withScope);
    expectUpstreamBytes([...withScope, ...ss]);
  });

  it('writes a batch over 2 MB (four-byte length prefixes), then small ones again', async () => {
    const out: ReadableSpan[] = [];
    const tracer = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'big' }), spanProcessors: [collector(out)] }).getTracer('big');
    tracer.startSpan('huge', { attributes: { blob: 'b'.repeat(2_200_000), text: 'ü'.repeat(300_000) } }).end();
    tracer.startSpan('small').end();
    expectUpstreamBytes(out);
    expectUpstreamBytes(out.slice(1));
    expectUpstreamBytes(out);
  });

  it('hands out a copy: a later batch does not change an earlier one', async () => {
    const ss = await spans();
    const first = encodeTraceRequest(ss.slice(0, 1));
    const copy = Buffer.from(first);
    encodeTraceRequest(ss.slice(1, 3));
    expect(Buffer.from(first).equals(copy)).toBe(true);
  });
});
