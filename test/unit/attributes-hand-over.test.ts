import { afterEach, describe, expect, it } from 'vitest';
import { type Attributes, type Span } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SamplingDecision, TracerProvider, type ReadableSpan, type Sampler, type SpanLimits, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { handOverAttributes } from '../../src/trace/hand-over';
import { ShopTracerProvider } from '../../src/trace/tracer';

// An attributes object handed over by its maker (src/trace/hand-over.ts) becomes the span's own
// when the span would keep it unchanged; anything else is copied and cleaned as the SDK does, and
// the spans are the SDK's either way.

const sampler = (add?: Attributes): Sampler => ({ shouldSample: () => ({ decision: SamplingDecision.RECORD_AND_SAMPLED, attributes: add }), toString: () => 'test' });

function tracers(limits: SpanLimits = {}, add?: Attributes) {
  const ended: ReadableSpan[] = [];
  const processor: SpanProcessor = { onStart: () => {}, onEnd: (s) => void ended.push(s), forceFlush: async () => {}, shutdown: async () => {} };
  const options = { resource: resourceFromAttributes({ 'service.name': 'hand-over' }), sampler: sampler(add), spanLimits: limits, spanProcessors: [processor] };
  return { shop: new ShopTracerProvider(options).getTracer('t'), sdk: new TracerProvider(options).getTracer('t'), ended };
}

const plain = (): Attributes => ({ 'http.request.method': 'GET', 'server.port': 8080, 'network.peer.port': 51000, ok: true });

let open: Span[] = [];
afterEach(() => {
  for (const s of open) s.end();
  open = [];
});
const start = (t: ReturnType<typeof tracers>['shop'], attributes: Attributes | undefined) => {
  const s = t.startSpan('s', { attributes });
  open.push(s);
  return s as unknown as ReadableSpan;
};

describe('attributes handed over to a span', () => {
  it('a plain object handed over is the span\'s own, with the same attributes as the SDK gives', () => {
    const { shop, sdk } = tracers();
    const given = plain();
    const span = start(shop, handOverAttributes(given));
    expect(span.attributes).toBe(given);
    expect(span.attributes).toEqual(start(sdk, plain()).attributes);
  });

  it('an object not handed over, or handed over before, is copied', () => {
    const { shop } = tracers();
    const given = plain();
    expect(start(shop, given).attributes).not.toBe(given);
    handOverAttributes(given);
    expect(start(shop, given).attributes).toBe(given);
    // The hand-over ended with that start.
    expect(start(shop, given).attributes).not.toBe(given);
    // A start with other attributes ends it too.
    const other = plain();
    handOverAttributes(other);
    start(shop, plain());
    expect(start(shop, other).attributes).not.toBe(other);
  });

  it('undefined values, values past the length limit and too many attributes: copied and cleaned as the SDK does', () => {
    const limits = { attributeValueLengthLimit: 5, attributeCountLimit: 3 };
    const cases: Attributes[] = [
      { a: 'x', b: undefined, c: 1 },
      { a: 'long value', b: 2 },
      { a: 1, b: 2, c: 3, d: 4 },
      { a: [1, 2], b: 'x' },
    ];
    for (const c of cases) {
      const { shop, sdk } = tracers(limits);
      const given = { ...c };
      const ours = start(shop, handOverAttributes(given));
      const theirs = start(sdk, { ...c });
      expect(ours.attributes).not.toBe(given);
      expect(ours.attributes).toEqual(theirs.attributes);
      expect(ours.droppedAttributesCount).toBe(theirs.droppedAttributesCount);
      expect(given).toEqual(c); // the maker's object as it was
    }
  });

  it("a sampler's attributes go onto a copy: the maker's object is left as it was", () => {
    const { shop, sdk } = tracers({}, { 'sampler.added': 'yes', 'http.request.method': 'POST' });
    const given = plain();
    const ours = start(shop, handOverAttributes(given));
    expect(given).toEqual(plain());
    expect(ours.attributes).not.toBe(given);
    expect(ours.attributes).toEqual(start(sdk, plain()).attributes);
  });

  it('the count limit holds for attributes set later on a span that kept the object', () => {
    const { shop, sdk, ended } = tracers({ attributeCountLimit: 5 });
    const given = plain();
    const ours = shop.startSpan('s', { attributes: handOverAttributes(given) });
    const theirs = sdk.startSpan('s', { attributes: plain() });
    expect((ours as unknown as ReadableSpan).attributes).toBe(given);
    for (const s of [ours, theirs]) {
      s.setAttribute('fifth', 5);
      s.setAttribute('sixth', 6);
      s.setAttribute('ok', false); // an existing key: replaced, not counted
      s.end();
    }
    expect(ended[0].attributes).toEqual(ended[1].attributes);
    expect(ended[0].droppedAttributesCount).toBe(1);
    expect(ended[1].droppedAttributesCount).toBe(1);
  });
});
