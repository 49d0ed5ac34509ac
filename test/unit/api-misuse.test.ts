import path from 'node:path';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { Logger } from '@opentelemetry/api-logs';
import { ExportResultCode } from '@opentelemetry/core';
import { JsonLogsSerializer, JsonMetricsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { LoggerProvider, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ExportDrops } from '../../src/pipeline/export-drops';
import { ExportGate } from '../../src/pipeline/export-gate';
import { encodeLogsRequest } from '../../src/pipeline/otlp-logs-encoder';
import { encodeTraceRequest } from '../../src/pipeline/otlp-trace-encoder';
import { PendingLedger } from '../../src/pipeline/pending-ledger';
import { RedactingLogExporter, RedactingSpanExporter } from '../../src/pipeline/redacting-exporters';
import { SafeMeterProvider } from '../../src/pipeline/safe-meters';
import { Redactor } from '../../src/privacy/redactor';
import { SafeLoggerProvider } from '../../src/privacy/safe-values';
import { ShopTracerProvider } from '../../src/trace/tracer';
import { SafeContextManager } from '../../src/safe-context-manager';
import { captureStderr } from '../support/stderr';

/**
 * The OpenTelemetry API used wrongly from JavaScript, as the specification's error handling asks:
 * no call throws into the app, and nothing of it costs other telemetry. Each property drives the
 * API the app sees (shop-otel's tracer provider, the logger and meter providers sdk.ts registers)
 * with generated arguments of every type (fast-check, fixed seed), between two ordinary calls,
 * and exports the result the way the pipeline does: the span and log batches through the
 * redacting exporters into our protobuf encoder, the metrics through upstream's serializers.
 * It holds when the neighbours arrive, the misused item arrives too (a log record that is not an
 * object excepted), upstream's JSON serializer takes the batch, and our bytes are upstream's.
 * Before the checks (src/api-inputs.ts), a scratch run of 462 (call, value type) pairs found 124
 * that threw into the app or failed the encoding of the batch.
 */
const SEED = 20261206;
const RUNS = 500;

const root = protobuf.loadSync(path.join(__dirname, '..', 'support', 'otlp.proto'));
const TraceRequest = root.lookupType('otlp.ExportTraceServiceRequest');
const LogsRequest = root.lookupType('otlp.ExportLogsServiceRequest');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// fast-check prints a failing input through fc.toStringMethod: the only key these answer.
const throwingToString = { toString: () => { throw new Error('toString throws'); }, [fc.toStringMethod]: () => 'throwingToString' };
const throwingEverywhere = () =>
  new Proxy({}, {
    get: (_, key) => {
      if (key === fc.toStringMethod) return () => 'throwingEverywhere';
      throw new Error('get throws');
    },
    has: (_, key) => key === fc.toStringMethod,
    ownKeys: () => { throw new Error('ownKeys throws'); },
    getPrototypeOf: () => { throw new Error('getPrototypeOf throws'); },
  });

/** Any value a JavaScript caller can pass, and the awkward ones on purpose. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withSparseArray: true, withBoxedValues: true, maxDepth: 2 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<() => unknown>(
      () => Symbol('s'), () => Number.NaN, () => Infinity, () => -0, () => 10n, () => () => 1, () => throwingToString, throwingEverywhere,
      () => new Date(Number.NaN), () => [Number.NaN, 1], () => [1, 2, 3], () => null, () => undefined, () => '', () => 42,
      () => ({ context: null }), () => ({ context: { traceId: 1, spanId: 2 } }), () => ({ context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceState: 'x' } }),
      () => ({ code: 'x' }), () => ({ code: SpanStatusCode.ERROR, message: throwingToString }),
    ).map((make) => make()),
  },
);
const args = fc.array(hostile, { maxLength: 4 });

const stderr = captureStderr();

type Signal = 'traces' | 'logs';
const SIGNALS = {
  traces: { Exporter: RedactingSpanExporter, encode: encodeTraceRequest, upstream: ProtobufTraceSerializer, json: JsonTraceSerializer },
  logs: { Exporter: RedactingLogExporter, encode: encodeLogsRequest, upstream: ProtobufLogsSerializer, json: JsonLogsSerializer },
} as const;

/**
 * Spans or records through the redacting exporter into our encoder, as the OTLP pipeline sends
 * them; upstream's serializers must take what the checks let through, and agree with ours.
 */
function exportThrough<T extends object>(signal: Signal, items: T[]): { body: Uint8Array; drops: Record<string, number> } {
  const { Exporter, encode, upstream, json } = SIGNALS[signal] as unknown as { Exporter: new (...a: unknown[]) => { export(items: T[], cb: () => void): void }; encode: (items: T[]) => Uint8Array; upstream: { serializeRequest(items: T[]): Uint8Array | undefined }; json: { serializeRequest(items: T[]): unknown } };
  const drops = new ExportDrops();
  const ledger = new PendingLedger<T>(signal, 1000, drops);
  for (const item of items) ledger.admit(item);
  let body: Uint8Array | undefined;
  const inner = {
    export(batch: T[], done: (r: { code: ExportResultCode }) => void) {
      expect(() => json.serializeRequest(batch)).not.toThrow();
      body = encode(batch);
      expect(Buffer.from(body).equals(Buffer.from(upstream.serializeRequest(batch)!))).toBe(true);
      done({ code: ExportResultCode.SUCCESS });
      return body;
    },
    shutdown: async () => {},
  };
  new Exporter(inner, new Redactor(true), new ExportGate(), ledger).export(items, () => {});
  return { body: body ?? new Uint8Array(), drops: drops.snapshot() };
}

function spanNames(body: Uint8Array): string[] {
  const req = TraceRequest.toObject(TraceRequest.decode(body), { defaults: false, arrays: true }) as Json;
  return req.resourceSpans.flatMap((rs: Json) => rs.scopeSpans.flatMap((ss: Json) => ss.spans.map((s: Json) => s.name as string)));
}

function logBodies(body: Uint8Array): unknown[] {
  const req = LogsRequest.toObject(LogsRequest.decode(body), { defaults: false, arrays: true }) as Json;
  return req.resourceLogs.flatMap((rl: Json) => rl.scopeLogs.flatMap((sl: Json) => sl.logRecords.map((r: Json) => r.body?.stringValue)));
}

function tracerProvider(out: ReadableSpan[]): ShopTracerProvider {
  return new ShopTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'misuse' }),
    spanProcessors: [{ onStart: () => {}, onEnd: (s: ReadableSpan) => void out.push(s), forceFlush: async () => {}, shutdown: async () => {} }],
  });
}

/** Every Span method, and startSpan/getTracer, with generated arguments. */
type SpanCall = { method: string; args: unknown[] };
const SPAN_METHODS = ['setAttribute', 'setAttributes', 'addEvent', 'addLink', 'addLinks', 'setStatus', 'updateName', 'recordException', 'isRecording', 'spanContext'];
const spanCalls = fc.array(fc.record({ method: fc.constantFrom(...SPAN_METHODS), args }), { maxLength: 6 });

describe('the tracing API, misused', () => {
  it('no call throws into the app; the span and its neighbours are exported, by our encoder as by upstream', () => {
    fc.assert(
      fc.property(args, args, spanCalls, hostile, (tracerArgs, startArgs, calls, endTime) => {
        const out: ReadableSpan[] = [];
        const provider = tracerProvider(out);
        const ok = provider.getTracer('ok');
        ok.startSpan('before', { kind: SpanKind.SERVER, attributes: { a: 1 } }).end();
        let span: Span | undefined;
        expect(() => {
          const tracer = (provider.getTracer as (...a: unknown[]) => Tracer)(...tracerArgs);
          span = (tracer.startSpan as (...a: unknown[]) => Span)(...startArgs);
          for (const call of calls) (span as unknown as Record<string, (...a: unknown[]) => unknown>)[call.method](...call.args);
          span.end(endTime as never);
        }).not.toThrow();
        ok.startSpan('after').end();
        expect(out.length).toBe(3);
        const { body, drops } = exportThrough('traces', out);
        const names = spanNames(body);
        expect(names.length).toBe(3);
        expect(names).toContain('before');
        expect(names).toContain('after');
        expect(drops).toEqual({});
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('the cases that threw or failed a batch before, one by one', () => {
    const out: ReadableSpan[] = [];
    const provider = tracerProvider(out);
    const tracer = provider.getTracer('t');
    const calls: Array<[string, () => void]> = [
      ['setStatus(undefined)', () => tracer.startSpan('a').setStatus(undefined as never)],
      ['setAttribute(undefined, 1)', () => tracer.startSpan('a').setAttribute(undefined as never, 1)],
      ['addLink(null)', () => tracer.startSpan('a').addLink(null as never)],
      ['links: 5', () => tracer.startSpan('a', { links: 5 as never })],
      ['recordException(throwing getters)', () => tracer.startSpan('a').recordException(throwingEverywhere() as never)],
      ['attributes: a throwing Proxy', () => tracer.startSpan('a', { attributes: throwingEverywhere() as never })],
      ['getTracer(Symbol)', () => provider.getTracer(Symbol('t') as never).startSpan('a')],
      ['getTracer(42): scope name a number', () => provider.getTracer(42 as never).startSpan('a')],
      ['a link without a context', () => tracer.startSpan('a', { links: [{} as never] })],
      ['kind: Symbol', () => tracer.startSpan('a', { kind: Symbol('k') as never })],
      ['end(NaN)', () => tracer.startSpan('a').end(Number.NaN)],
      ['startActiveSpan with a context that is not one', () => tracer.startActiveSpan('a', {}, 42 as never, (s: Span) => s.end())],
    ];
    for (const [label, call] of calls) {
      out.length = 0;
      tracer.startSpan('before').end();
      expect(() => {
        const s = call() as unknown as Span | undefined;
        if (s && typeof s.end === 'function' && s.isRecording()) s.end();
      }, label).not.toThrow();
      tracer.startSpan('after').end();
      const { body } = exportThrough('traces', out);
      expect(spanNames(body), label).toEqual(expect.arrayContaining(['before', 'after']));
      expect(spanNames(body).length, label).toBe(out.length);
    }
    // One warning per kind of misuse, never a value of the app's.
    const warnings = stderr.filter((l) => l.includes('OpenTelemetry API misuse'));
    expect(warnings.length).toBeGreaterThan(5);
    expect(new Set(warnings).size).toBe(warnings.length);
  });
});

describe('the logs API, misused', () => {
  const RECORD_FIELDS = ['severityText', 'severityNumber', 'eventName', 'body', 'attributes', 'timestamp', 'observedTimestamp', 'context', 'exception'];
  const record = fc.oneof(
    { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...RECORD_FIELDS), hostile, { maxKeys: 5 }) },
    { weight: 1, arbitrary: hostile },
  );

  it('emit never throws; a record that is an object is exported with its neighbours, by our encoder as by upstream', () => {
    fc.assert(
      fc.property(args, record, (loggerArgs, given) => {
        const out: ReadableLogRecord[] = [];
        const sdk = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'misuse' }), processors: [{ onEmit: (r: ReadableLogRecord) => void out.push(r), forceFlush: async () => {}, shutdown: async () => {} }] });
        const provider = new SafeLoggerProvider(sdk);
        const ok = provider.getLogger('ok');
        ok.emit({ body: 'before', severityText: 'info' });
        expect(() => {
          const logger = (provider.getLogger as (...a: unknown[]) => Logger)(...loggerArgs);
          logger.emit(given as never);
        }).not.toThrow();
        ok.emit({ body: 'after' });
        const isObject = given !== null && typeof given === 'object';
        // A record whose own fields cannot be read (a throwing Proxy) has nothing to emit.
        const readable = isObject && (() => { try { void (given as Json).body; return true; } catch { return false; } })();
        expect(out.length).toBe(readable ? 3 : 2);
        const { body, drops } = exportThrough('logs', out);
        const bodies = logBodies(body);
        expect(bodies.length).toBe(out.length);
        expect(bodies).toContain('before');
        expect(bodies).toContain('after');
        expect(drops).toEqual({});
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('a log record with a context that is not one', () => {
  it('is correlated with the active span, as a record without a context is', () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const out: ReadableLogRecord[] = [];
      const sdk = new LoggerProvider({ processors: [{ onEmit: (r: ReadableLogRecord) => void out.push(r), forceFlush: async () => {}, shutdown: async () => {} }] });
      const logger = new SafeLoggerProvider(sdk).getLogger('app');
      const active = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });
      context.with(active, () => {
        logger.emit({ body: 'no context' });
        logger.emit({ body: 'a number', context: 42 as never });
        logger.emit({ body: 'severity as text', severityText: 7 as never, context: 'ctx' as never });
      });
      expect(out.map((r) => r.spanContext?.spanId)).toEqual(['b7ad6b7169203331', 'b7ad6b7169203331', 'b7ad6b7169203331']);
      expect(out[2].severityText).toBe('7');
    } finally {
      context.disable();
    }
  });
});

describe('context.with() given something that is not a Context', () => {
  it('runs the function in the active context, as without shop-otel it runs untouched; null and undefined stay the root context', () => {
    context.setGlobalContextManager(new SafeContextManager().enable());
    try {
      const outer = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });
      const seen = context.with(outer, () => [42, 'ctx', {}, [], () => 1].map((bad) => context.with(bad as never, () => trace.getSpan(context.active())?.spanContext().spanId)));
      expect(seen).toEqual(Array(5).fill('b7ad6b7169203331'));
      expect(context.with(outer, () => context.with(null as never, () => context.active()))).toBe(ROOT_CONTEXT);
      // bind() goes through with(): a bound function runs too.
      expect(context.with(outer, () => context.bind(7 as never, () => trace.getSpan(context.active())?.spanContext().spanId)())).toBe('b7ad6b7169203331');
      // The manager AsyncLocalStorage's would be: the number became the active context, and the API threw.
      const upstream = new AsyncLocalStorageContextManager().enable();
      expect(() => upstream.with(42 as never, () => trace.getSpan(upstream.active()))).toThrow();
      upstream.disable();
    } finally {
      context.disable();
    }
  });
});

describe('the metrics API, misused', () => {
  const KINDS = ['createCounter', 'createUpDownCounter', 'createHistogram', 'createGauge', 'createObservableGauge', 'createObservableCounter', 'createObservableUpDownCounter'];

  it('no call throws into the app; the other metrics are still collected and serialised', async () => {
    await fc.assert(
      fc.asyncProperty(args, fc.constantFrom(...KINDS), args, args, async (meterArgs, kind, createArgs, recordArgs) => {
        const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 1e9 });
        const sdk = new MeterProvider({ readers: [reader] });
        const provider = new SafeMeterProvider(sdk);
        provider.getMeter('ok').createCounter('ok.count').add(1);
        expect(() => {
          const meter = (provider.getMeter as (...a: unknown[]) => Record<string, (...a: unknown[]) => Record<string, (...a: unknown[]) => unknown>>)(...meterArgs);
          const instrument = meter[kind](...createArgs);
          if (kind.startsWith('createObservable')) instrument.addCallback((result: { observe(...a: unknown[]): void }) => result.observe(...recordArgs));
          else (instrument.add ?? instrument.record)(...recordArgs);
        }).not.toThrow();
        const { resourceMetrics } = await reader.collect();
        expect(() => ProtobufMetricsSerializer.serializeRequest(resourceMetrics)).not.toThrow();
        expect(() => JsonMetricsSerializer.serializeRequest(resourceMetrics)).not.toThrow();
        const names = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name));
        expect(names).toContain('ok.count');
        await sdk.shutdown();
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('an instrument named undefined no longer breaks every metrics export', async () => {
    const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 1e9 });
    const sdk = new MeterProvider({ readers: [reader] });
    const meter = new SafeMeterProvider(sdk).getMeter('app');
    meter.createCounter('ok.count').add(1);
    meter.createCounter(undefined as never).add(1);
    expect(() => meter.createHistogram('h').record(Symbol('v') as never)).not.toThrow();
    const { resourceMetrics } = await reader.collect();
    expect(() => ProtobufMetricsSerializer.serializeRequest(resourceMetrics)).not.toThrow();
    // The same on the SDK's own provider: what the wrapper prevents.
    const bare = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 1e9 });
    const bareSdk = new MeterProvider({ readers: [bare] });
    bareSdk.getMeter('app').createCounter(undefined as never).add(1);
    const bareMetrics = (await bare.collect()).resourceMetrics;
    expect(() => ProtobufMetricsSerializer.serializeRequest(bareMetrics)).toThrow();
    await sdk.shutdown();
    await bareSdk.shutdown();
  });
});

describe("the encoder's last line", () => {
  it('a span that cannot be written is left out and counted as unencodable; the rest of its batch goes, as upstream encodes it', () => {
    const out: ReadableSpan[] = [];
    const tracer = tracerProvider(out).getTracer('t');
    for (let i = 0; i < 5; i++) tracer.startSpan(`span ${i}`).end();
    // Changed after its end (say by a processor of the app's) in a way no API check sees.
    Object.defineProperty(out[2], 'kind', { get: () => { throw new Error('kind unreadable'); } });
    const drops = new ExportDrops();
    const ledger = new PendingLedger<ReadableSpan>('traces', 100, drops);
    for (const s of out) ledger.admit(s);
    let body: Uint8Array | undefined;
    const inner = { export: (items: ReadableSpan[]) => (body = encodeTraceRequest(items)), shutdown: async () => {} };
    new RedactingSpanExporter(inner as never, new Redactor(true), new ExportGate(), ledger).export(out, () => {});
    expect(spanNames(body!)).toEqual(['span 0', 'span 1', 'span 3', 'span 4']);
    const others = out.filter((_, i) => i !== 2);
    expect(Buffer.from(body!).equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(others)!))).toBe(true);
    expect(drops.snapshot()).toEqual({ 'traces/unencodable': 1 });
    expect(ledger.size).toBe(4); // the batch in flight counts what it sent
    expect(stderr.some((l) => l.includes('could not be encoded and was left out'))).toBe(true);
  });

  it('a string field given another type is written as its text', () => {
    const out: ReadableLogRecord[] = [];
    const sdk = new LoggerProvider({ processors: [{ onEmit: (r: ReadableLogRecord) => void out.push(r), forceFlush: async () => {}, shutdown: async () => {} }] });
    // Past the API's checks (the SDK's own logger): the encoder still writes it.
    sdk.getLogger('raw').emit({ body: 'x', severityText: 42 as never, eventName: { e: 1 } as never });
    const req = LogsRequest.toObject(LogsRequest.decode(encodeLogsRequest(out)), { defaults: false, arrays: true }) as Json;
    const rec = req.resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(rec.severityText).toBe('42');
    expect(rec.eventName).toBe('[object Object]');
  });
});
