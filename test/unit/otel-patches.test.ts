import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
// @ts-expect-error a plain .mjs module of the build, no types
import { API_PATCHES, CONTEXT_PATCHES, CORE_PATCHES, SDK_TRACE_PATCHES, SQL_COMMON_PATCHES, coreSource, loadCoreModule, loadPackageModule, packageSource, patchCoreSource, patchSource } from '../../scripts/bundle/otel-patches.mjs';

// The build's source patches of OpenTelemetry packages (scripts/bundle/otel-patches.mjs): each
// applies to the installed package, and the patched module answers exactly as the original does:
// core's attribute checks for every kind of value (primitives, null, undefined, bytes, arrays,
// nested and cyclic objects, class instances, functions, symbols, bigints), with and without
// limits; the API's contexts; sdk-trace's spans for any attributes, limits and sampler, and its
// tracer metrics; sql-common's comment; context-async-hooks' bound functions.
const require = createRequire(import.meta.url);
type Fn = (...args: never[]) => unknown;
type Attrs = Record<'isAnyValue' | 'isAttributeValue' | 'cleanAttributes' | 'cleanSimpleAttributes' | 'maybeAddAttribute' | 'sanitizeAttributes', Fn>;
const load = (file: string, patched: boolean) => loadCoreModule(file, patched) as Attrs;

const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;
const shared = { k: 'v' };
class Point {
  x = 1;
}
const VALUES: unknown[] = [
  'text', '', 'x'.repeat(40), 0, -1.5, NaN, Infinity, true, false, null, undefined, 10n, Symbol('s'), () => 1,
  new Uint8Array([1, 2, 3]), [], [1, 2, 3], ['a', 'b'], [1, 'a'], [null, 1], [undefined, 'a'], [[1], [2]], [{ a: 1 }],
  { a: 1, b: 'two', c: [1, 2], d: { e: null } }, { nested: { deeper: { deepest: 'x'.repeat(30) } } }, cyclic, [cyclic], { s1: shared, s2: shared },
  new Point(), new Date(0), new Map(), Object.create(null), { u: undefined, f: () => 1 },
];

describe('the build\'s patches of @opentelemetry/core', () => {
  const files = [...new Set((CORE_PATCHES as Array<{ file: string }>).map((p) => p.file))];

  it('apply to the installed core, each exactly once', () => {
    for (const file of files) {
      const out = patchCoreSource(file, coreSource(file)) as string;
      for (const p of (CORE_PATCHES as Array<{ file: string; from: string; to: string }>).filter((x) => x.file === file)) {
        expect(out.includes(p.to), p.to).toBe(true);
        expect(out.includes(p.from), p.from).toBe(false);
      }
    }
    expect(() => patchCoreSource('common/attributes.cjs', 'nothing to patch')).toThrow(/does not apply/);
  });

  it('answer as the original for every kind of value', () => {
    const a = load('common/attributes.cjs', false);
    const b = load('common/attributes.cjs', true);
    for (const v of VALUES) {
      expect(b.isAnyValue(v), String(typeof v)).toBe(a.isAnyValue(v));
      expect(b.isAttributeValue(v)).toBe(a.isAttributeValue(v));
    }
    const inputs: Array<Record<string, unknown>> = [
      Object.fromEntries(VALUES.map((v, i) => [`k${i}`, v])),
      { '': 'empty key', ok: 1, later: 'x'.repeat(20) },
      Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`n${i}`, i])),
      { getter: 1, get computed() { return 'read once'; } },
    ];
    for (const limits of [{}, { attributeCountLimit: 5, attributeValueLengthLimit: 8 }, { attributeCountLimit: 128, attributeValueLengthLimit: 0 }]) {
      for (const attrs of inputs) {
        expect(b.cleanAttributes(attrs, limits)).toEqual(a.cleanAttributes(attrs, limits));
        expect(b.cleanSimpleAttributes(attrs, limits)).toEqual(a.cleanSimpleAttributes(attrs, limits));
      }
      for (const v of VALUES) {
        const ra = {};
        const rb = {};
        const opts = (attributes: object) => ({ key: 'k', value: v as never, attributes: attributes as never, limits: { attributeCountLimit: 128, attributeValueLengthLimit: 8, ...limits }, currentAttributesCount: 0 });
        expect(b.maybeAddAttribute(opts(rb))).toBe(a.maybeAddAttribute(opts(ra)));
        expect(rb).toEqual(ra);
      }
    }
    expect(b.sanitizeAttributes(inputs[0])).toEqual(a.sanitizeAttributes(inputs[0]));
  });
});

describe("the build's patch of @opentelemetry/api's contexts", () => {
  type Ctx = { getValue(k: symbol): unknown; setValue(k: symbol, v: unknown): Ctx; deleteValue(k: symbol): Ctx };
  const load = (patched: boolean) => loadPackageModule('@opentelemetry/api', 'context/context.cjs', patched) as { ROOT_CONTEXT: Ctx; createContextKey(d: string): symbol };

  it('applies to the installed API, each exactly once', () => {
    const out = patchSource('@opentelemetry/api', 'context/context.cjs', packageSource('@opentelemetry/api', 'context/context.cjs')) as string;
    for (const p of API_PATCHES as Array<{ from: string; to: string }>) {
      expect(out.includes(p.to), p.to).toBe(true);
      // An insertion keeps the text it is anchored to.
      if (!p.to.includes(p.from)) expect(out.includes(p.from), p.from).toBe(false);
    }
    expect(out).not.toMatch(/self\.(getValue|setValue|deleteValue) = \(/);
  });

  it('a context answers as the original: values, parents unchanged, unbound calls, own properties', () => {
    for (const patched of [false, true]) {
      const { ROOT_CONTEXT, createContextKey } = load(patched);
      const a = createContextKey('a');
      const b = createContextKey('b');
      const one = ROOT_CONTEXT.setValue(a, 1);
      const two = one.setValue(b, 2);
      const gone = two.deleteValue(a);
      expect([ROOT_CONTEXT.getValue(a), one.getValue(a), one.getValue(b), two.getValue(a), two.getValue(b), gone.getValue(a), gone.getValue(b)]).toEqual([undefined, 1, undefined, 1, 2, undefined, 2]);
      // Called unbound, as code may (the methods are own properties, not the prototype's).
      const { getValue, setValue, deleteValue } = two;
      expect(getValue(b)).toBe(2);
      expect(setValue(a, 3).getValue(a)).toBe(3);
      expect(deleteValue(b).getValue(b)).toBeUndefined();
      expect(Object.keys(two).sort()).toEqual(['_currentContext', 'deleteValue', 'getValue', 'setValue']);
      // The copy of the parent's entries: the same keys in the same order, a Map of its own.
      const map = (c: Ctx) => (c as unknown as { _currentContext: Map<symbol, unknown> })._currentContext;
      const three = two.setValue(a, 'again').setValue(createContextKey('c'), 3);
      expect([...map(three).entries()]).toEqual([[a, 'again'], [b, 2], [createContextKey('c'), 3]]);
      expect(map(three)).not.toBe(map(two));
      expect([...map(two).entries()]).toEqual([[a, 1], [b, 2]]);
      expect(two.constructor).toBe(ROOT_CONTEXT.constructor);
      expect(gone).toBeInstanceOf(ROOT_CONTEXT.constructor);
    }
  });
});

describe("the build's patches of @opentelemetry/sdk-trace's Tracer", () => {
  type AnySpan = { attributes: object; droppedAttributesCount: number; name: string; kind: number; links: unknown[]; parentSpanContext?: object; spanContext(): { traceId: string; spanId: string; traceFlags: number; traceState?: unknown }; end(): void };
  type TracerLike = { startSpan(name: string, options?: object, context?: unknown): AnySpan; _tracerMetrics: unknown };
  const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const limitsOf = (count: number, length: number) => ({ attributeCountLimit: count, attributeValueLengthLimit: length, eventCountLimit: 128, linkCountLimit: 128, attributePerEventCountLimit: 128, attributePerLinkCountLimit: 128 });
  // Counts what the tracer's own metrics record, for a meter provider that is not the no-op one.
  const recording = () => {
    const calls: unknown[] = [];
    const instrument = (name: string) => ({ add: (v: number, a: object) => calls.push([name, v, a]) });
    return { calls, provider: { getMeter: () => ({ createCounter: instrument, createUpDownCounter: instrument }) } };
  };
  const tracer = (patched: boolean, sampler: object, limits: object, meterProvider: object): TracerLike => {
    let n = 0;
    const ids = { generateTraceId: () => (++n).toString(16).padStart(32, 'a'), generateSpanId: () => (++n).toString(16).padStart(16, 'b') };
    const { Tracer } = loadPackageModule('@opentelemetry/sdk-trace', 'Tracer.cjs', patched) as { Tracer: new (scope: object, options: object) => TracerLike };
    return new Tracer({ name: 'test' }, { sampler, spanLimits: limits, resource: { attributes: {} }, idGenerator: ids, spanProcessor: { onStart() {}, onEnd() {} }, meterProvider });
  };
  const sdk = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  const adding = { shouldSample: () => ({ decision: 2, attributes: { 'sampler.added': 'yes', 'db.namespace': 'overridden' } }) };
  const dropping = { shouldSample: () => ({ decision: 0 }) };
  const recordOnly = { shouldSample: () => ({ decision: 1, attributes: {} }) };
  const parent = api.trace.setSpan(api.ROOT_CONTEXT, api.trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 }));
  const ATTRIBUTE_SETS: Array<Record<string, unknown> | undefined> = [
    undefined,
    {},
    { 'db.system.name': 'postgresql', 'db.namespace': 'shop', 'server.port': 5432, ok: true, 'db.query.text': 'SELECT 1' },
    { long: 'x'.repeat(50), short: 'y' },
    { list: ['a', 'b'], nested: { k: 'v' }, nil: null, undef: undefined, '': 'empty key', fn: () => 1 },
    Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`n${i}`, i])),
  ];
  const view = (s: AnySpan) => ({ name: s.name, kind: s.kind, attributes: s.attributes, dropped: s.droppedAttributesCount, links: s.links, parent: s.parentSpanContext, context: s.spanContext() });

  it('apply to the installed sdk-trace, each exactly once', () => {
    const out = patchSource('@opentelemetry/sdk-trace', 'Tracer.cjs', packageSource('@opentelemetry/sdk-trace', 'Tracer.cjs')) as string;
    for (const p of SDK_TRACE_PATCHES as Array<{ from: string; to: string }>) {
      expect(out.includes(p.to), p.to).toBe(true);
      if (!p.to.includes(p.from)) expect(out.includes(p.from), p.from).toBe(false);
    }
  });

  it('spans are the original tracer\'s for any attributes, limits and sampler', () => {
    const samplers = [new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() }), adding, dropping, recordOnly];
    for (const limits of [limitsOf(128, Infinity), limitsOf(128, 8), limitsOf(5, Infinity), limitsOf(128, 0), limitsOf(0, Infinity)]) {
      for (const sampler of samplers) {
        for (const attributes of ATTRIBUTE_SETS) {
          for (const ctx of [parent, api.ROOT_CONTEXT]) {
            const spans = [false, true].map((patched) => tracer(patched, sampler, limits, { getMeter: () => api.createNoopMeter() }).startSpan('s', { kind: 2, attributes: attributes && { ...attributes }, links: [{ context: parent, attributes: { l: 1 } }] }, ctx));
            const [a, b] = spans.map((s) => ('attributes' in s ? view(s) : { nonRecording: s.spanContext() }));
            expect(b).toEqual(a);
          }
        }
      }
    }
  });

  it('skips the tracer metrics on the no-op meter only: another meter records what the original does', () => {
    expect(tracer(true, adding, limitsOf(128, Infinity), { getMeter: () => api.createNoopMeter() })._tracerMetrics).toBeUndefined();
    const [a, b] = [false, true].map((patched) => {
      const r = recording();
      const t = tracer(patched, new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() }), limitsOf(128, Infinity), r.provider);
      t.startSpan('one', {}, parent).end();
      t.startSpan('two', {}, api.ROOT_CONTEXT).end();
      tracer(patched, dropping, limitsOf(128, Infinity), r.provider).startSpan('dropped', {}, parent).end();
      return r.calls;
    });
    expect(a.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });
});

describe("the build's patch of @opentelemetry/sql-common", () => {
  type Sql = { addSqlCommenterComment(span: unknown, query: unknown): unknown };
  const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const core = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const [a, b] = [false, true].map((patched) => loadPackageModule('@opentelemetry/sql-common', 'index.cjs', patched) as Sql);
  const spanOf = (sc: object) => api.trace.wrapSpanContext(sc as never);
  const TRACE = '0af7651916cd43dd8448eb211c80319c';
  const SPAN = 'b7ad6b7169203331';
  const spans = [
    spanOf({ traceId: TRACE, spanId: SPAN, traceFlags: 1 }),
    spanOf({ traceId: TRACE, spanId: SPAN, traceFlags: 0 }),
    spanOf({ traceId: TRACE, spanId: SPAN, traceFlags: 0x11 }),
    spanOf({ traceId: TRACE.toUpperCase(), spanId: SPAN.toUpperCase(), traceFlags: 1 }),
    spanOf({ traceId: TRACE, spanId: SPAN, traceFlags: 1, traceState: new core.TraceState('vendor=a b,other=(x)') }),
    spanOf({ traceId: TRACE, spanId: SPAN, traceFlags: 1, traceState: new core.TraceState('') }),
    spanOf({ traceId: '0'.repeat(32), spanId: SPAN, traceFlags: 1 }),
    spanOf({ traceId: 'not hex', spanId: SPAN, traceFlags: 1 }),
    undefined,
  ];
  const queries: unknown[] = ['SELECT 1', 'SELECT * FROM t WHERE a = $1', 'SELECT 1 -- a comment', 'SELECT /* c */ 1', 'SELECT 1 */ x /*', '', 42, undefined];

  it('applies to the installed sql-common, exactly once', () => {
    const out = patchSource('@opentelemetry/sql-common', 'index.cjs', packageSource('@opentelemetry/sql-common', 'index.cjs')) as string;
    for (const p of SQL_COMMON_PATCHES as Array<{ from: string; to: string }>) expect(out.includes(p.to), p.to).toBe(true);
  });

  it('writes the original\'s comment byte for byte, tracestate or not, valid span context or not', () => {
    let commented = 0;
    for (const span of spans) {
      for (const q of queries) {
        const expected = a.addSqlCommenterComment(span, q);
        expect(b.addSqlCommenterComment(span, q)).toBe(expected);
        if (typeof expected === 'string' && expected !== q) commented++;
      }
    }
    expect(commented).toBeGreaterThanOrEqual(12);
  });
});

describe("the build's patch of @opentelemetry/context-async-hooks's bind", () => {
  type Manager = { enable(): Manager; disable(): Manager; bind<T>(ctx: unknown, fn: T): T; active(): unknown };
  const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const load = (patched: boolean) => new (loadPackageModule('@opentelemetry/context-async-hooks', 'AsyncLocalStorageContextManager.cjs', patched) as { AsyncLocalStorageContextManager: new () => Manager }).AsyncLocalStorageContextManager().enable();
  const key = api.createContextKey('k');
  const ctx = api.ROOT_CONTEXT.setValue(key, 'bound');

  it('applies to the installed context-async-hooks, exactly once', () => {
    const out = patchSource('@opentelemetry/context-async-hooks', 'AsyncLocalStorageContextManager.cjs', packageSource('@opentelemetry/context-async-hooks', 'AsyncLocalStorageContextManager.cjs')) as string;
    for (const p of CONTEXT_PATCHES as Array<{ to: string }>) expect(out.includes(p.to), p.to).toBe(true);
  });

  it('a bound function answers as the original: length, name, this, every argument, its context, its return and its throw', () => {
    const targets = [
      function zero(this: unknown, ...rest: unknown[]) { return rest; },
      function one(this: unknown, x: unknown) { return [x, ...Array.from(arguments).slice(1)]; },
      function two(this: unknown, x: unknown, y: unknown) { return [x, y, ...Array.from(arguments).slice(2)]; },
      function three(this: unknown, x: unknown, y: unknown, z: unknown) { return [x, y, z]; },
      function four(this: unknown, w: unknown, x: unknown, y: unknown, z: unknown) { return [w, x, y, z]; },
    ];
    for (const patched of [false, true]) {
      const m = load(patched);
      for (const target of targets) {
        let seen: unknown[] = [];
        const probe = function (this: unknown, ...args: unknown[]) {
          seen = [this, (m.active() as { getValue(k: symbol): unknown }).getValue(key)];
          return target.apply(this, args);
        };
        Object.defineProperty(probe, 'length', { value: target.length });
        const bound = m.bind(ctx, probe) as (...args: unknown[]) => unknown;
        const self = { me: 1 };
        expect(bound.length).toBe(target.length);
        expect(Object.getOwnPropertyDescriptor(bound, 'length')).toEqual({ value: target.length, writable: false, enumerable: false, configurable: true });
        expect(bound.name).toBe('contextWrapper');
        expect(bound.call(self, 'a', 'b', 'c', 'd', 'e')).toEqual(target.call(self, 'a', 'b', 'c', 'd', 'e'));
        expect(seen).toEqual([self, 'bound']);
        expect(bound()).toEqual(target());
      }
      const thrower = m.bind(ctx, (e: unknown) => {
        throw e;
      }) as (e: unknown) => never;
      const err = new Error('boom');
      expect(() => thrower(err)).toThrow(err);
      m.disable();
    }
  });
});
