import { beforeAll, describe, expect, it } from 'vitest';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, ROOT_CONTEXT, trace, TraceFlags, type Context } from '@opentelemetry/api';
import type { LogRecord } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordProcessor, type ReadableLogRecord, type ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { DirectLogProvider, ownedEmitter, sdkLoggerScope } from '../../src/pipeline/direct-logs';
import { encodeLogsRequest } from '../../src/pipeline/otlp-logs-encoder';
import { RedactingLogExporter } from '../../src/pipeline/redacting-exporters';
import { ExportGate } from '../../src/pipeline/export-gate';
import { Redactor } from '../../src/privacy/redactor';

// The direct path (PrimitiveLogRecord into the processors) against the SDK's Logger.emit, with
// the same processors, limits and inputs: every field, the read-only state after emit, and the
// bytes on the wire.
function pipeline(limits: { attributeCountLimit?: number; attributeValueLengthLimit?: number }) {
  const collected: ReadableLogRecord[] = [];
  const seenContexts: Array<Context | undefined> = [];
  // A processor that writes, as ours do (business IDs, the policy's severity).
  const writer: LogRecordProcessor = {
    onEmit(r: ReadWriteLogRecord, ctx?: Context) {
      seenContexts.push(ctx);
      r.setAttribute('shop.component', 'shop-api');
      if (r.severityNumber === undefined && r.severityText === 'warning') r.setSeverityNumber(13);
      r.setAttribute('late.list', ['a', 'b'] as never);
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const collector: LogRecordProcessor = { onEmit: (r) => void collected.push(r as unknown as ReadableLogRecord), forceFlush: async () => {}, shutdown: async () => {} };
  const resource = resourceFromAttributes({ 'service.name': 'direct' });
  const processors = [writer, collector];
  const sdk = new LoggerProvider({ resource, logRecordLimits: limits, processors });
  const direct = new DirectLogProvider(sdk, resource, processors, limits, sdkLoggerScope);
  return { sdk, direct, collected, seenContexts };
}

const spanCtx = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });
const invalidCtx = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: TraceFlags.NONE });
const T = 1767323045678;
// Every record names its times (the SDK's and ours would otherwise differ by when they ran).
const RECORDS: LogRecord[] = [
  { timestamp: T, observedTimestamp: T, severityNumber: 9, severityText: 'info', body: 'burst record', attributes: { seq: 1, customerId: 'cust-0042' }, context: spanCtx },
  { timestamp: T, observedTimestamp: T + 5, severityText: 'warning', body: 42, attributes: { s: 'x'.repeat(25), n: -1.5, b: false, z: null, u: undefined, '': 'empty key' } },
  { timestamp: T, observedTimestamp: [1767323045, 999_999_999], body: 'many', attributes: { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 }, context: invalidCtx },
  { timestamp: T, observedTimestamp: new Date(T), body: { structured: [1, 'two'] }, eventName: 'shop.order.created', attributes: { list: [1, 2], obj: { k: 'v'.repeat(20) }, bytes: new Uint8Array([1, 2]), fn: (() => 1) as never, sym: Symbol('s') as never } },
  { timestamp: new Date(T), observedTimestamp: T, severityNumber: 17, body: 'error', exception: new TypeError('boom'), context: spanCtx },
];

const fields = (r: ReadableLogRecord) => ({
  hrTime: r.hrTime,
  hrTimeObserved: r.hrTimeObserved,
  spanContext: r.spanContext,
  severityText: r.severityText,
  severityNumber: r.severityNumber,
  body: r.body,
  eventName: r.eventName,
  attributes: r.attributes,
  attributeKeys: Object.keys(r.attributes),
  droppedAttributesCount: r.droppedAttributesCount,
});

describe('the direct log path', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });

  for (const limits of [{}, { attributeCountLimit: 4, attributeValueLengthLimit: 10 }]) {
    it(`makes the records the SDK makes (limits ${JSON.stringify(limits)})`, () => {
      const a = pipeline(limits);
      const b = pipeline(limits);
      for (const r of RECORDS) a.sdk.getLogger('@opentelemetry/winston-transport', '0.34.0').emit(r);
      for (const r of RECORDS) b.direct.getLogger('@opentelemetry/winston-transport', '0.34.0').emit(r);
      expect(b.collected.length).toBe(RECORDS.length);
      expect(b.collected.map(fields)).toEqual(a.collected.map(fields));
      // The last record (an exception) took the SDK's path: both paths share its resource and scope objects.
      expect(b.collected[4].constructor.name).toBe('LogRecordImpl');
      expect(b.collected[0].constructor.name).toBe('PrimitiveLogRecord');
      expect(b.collected[0].resource).toBe(b.collected[4].resource);
      expect(b.collected[0].instrumentationScope).toBe(b.collected[4].instrumentationScope);
      expect(b.seenContexts).toEqual(a.seenContexts);
      // The same bytes on the wire.
      expect(Buffer.from(encodeLogsRequest(b.collected)).equals(Buffer.from(encodeLogsRequest(a.collected)))).toBe(true);
    });
  }

  it('an attributes object handed over (emitOwned) is taken as it is within the limits and copied past them; the records are the SDK\'s', () => {
    for (const limits of [{}, { attributeCountLimit: 2, attributeValueLengthLimit: 4 }]) {
      const a = pipeline(limits);
      const b = pipeline(limits);
      const record = () => ({ timestamp: T, observedTimestamp: T, severityNumber: 9, severityText: 'info', body: 'owned', attributes: { seq: 1, customerId: 'cust-0042', z: null }, context: spanCtx });
      a.sdk.getLogger('@opentelemetry/winston-transport', '0.34.0').emit(record());
      const owned = record();
      const emitOwned = ownedEmitter(b.direct.getLogger('@opentelemetry/winston-transport', '0.34.0'));
      expect(emitOwned).toBeTypeOf('function');
      emitOwned!(owned, 3);
      expect(b.collected.map(fields)).toEqual(a.collected.map(fields));
      expect(b.collected[0].attributes === owned.attributes).toBe(limits.attributeCountLimit === undefined);
      expect(Buffer.from(encodeLogsRequest(b.collected)).equals(Buffer.from(encodeLogsRequest(a.collected)))).toBe(true);
    }
    // The SDK's own logger has no emitOwned: the transport then emits as before.
    expect(ownedEmitter(pipeline({}).sdk.getLogger('x'))).toBeUndefined();
  });

  it('a span context is checked once and remembered: an invalid one after a valid one is still left out', () => {
    const p = pipeline({});
    const logger = p.direct.getLogger('x');
    logger.emit({ body: 'a', context: spanCtx });
    logger.emit({ body: 'b', context: invalidCtx });
    logger.emit({ body: 'c', context: spanCtx });
    expect(p.collected.map((r) => r.spanContext?.spanId)).toEqual(['b7ad6b7169203331', undefined, 'b7ad6b7169203331']);
  });

  it('uses the SDK logger\'s own scope object, so records of both paths share one scope on the wire', () => {
    const p = pipeline({});
    const name = '@opentelemetry/winston-transport';
    const viaSdk = p.sdk.getLogger(name, '0.34.0');
    expect(sdkLoggerScope(viaSdk)).toMatchObject({ name, version: '0.34.0' }); // guards sdk-logs' private field
    viaSdk.emit(RECORDS[0]);
    p.direct.getLogger(name, '0.34.0').emit(RECORDS[0]);
    expect(p.collected[1].instrumentationScope).toBe(p.collected[0].instrumentationScope);
    const mixed = encodeLogsRequest(p.collected);
    const q = pipeline({});
    q.sdk.getLogger(name, '0.34.0').emit(RECORDS[0]);
    q.sdk.getLogger(name, '0.34.0').emit(RECORDS[0]);
    expect(Buffer.from(mixed).equals(Buffer.from(encodeLogsRequest(q.collected)))).toBe(true);
  });

  it('without a timestamp: now, as the SDK takes it; the active context when the record names none', () => {
    const p = pipeline({});
    const before = Date.now();
    context.with(spanCtx, () => p.direct.getLogger('x').emit({ body: 'now' }));
    const r = p.collected[0];
    const ms = r.hrTime[0] * 1000 + r.hrTime[1] / 1e6;
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now());
    expect(Number.isInteger(r.hrTime[1])).toBe(true);
    expect(r.hrTimeObserved).toEqual(r.hrTime);
    expect(r.spanContext?.spanId).toBe('b7ad6b7169203331');
  });

  it('an emitted record is read-only, as the SDK\'s; after stop() records take the SDK\'s path', async () => {
    const p = pipeline({});
    p.direct.getLogger('x').emit({ body: 'sealed' });
    const r = p.collected[0] as unknown as ReadWriteLogRecord;
    r.setBody('changed');
    r.setAttribute('k', 'v');
    expect(r.body).toBe('sealed');
    expect(r.attributes.k).toBeUndefined();
    p.direct.stop();
    p.direct.getLogger('x').emit({ body: 'after stop' });
    expect(p.collected[1].constructor.name).toBe('LogRecordImpl');
    await p.sdk.shutdown();
    p.direct.getLogger('x').emit({ body: 'after shutdown' });
    expect(p.collected.length).toBe(2);
  });

  it('the exporters\' redaction reaches its body and attributes, as it reaches LogRecordImpl\'s', () => {
    const p = pipeline({});
    p.direct.getLogger('x').emit({ body: 'mail jane.doe@example.com', attributes: { contact: 'call +49 30 1234 5678' } });
    p.sdk.getLogger('x').emit({ body: 'mail jane.doe@example.com', attributes: { contact: 'call +49 30 1234 5678' } });
    const exporter = new RedactingLogExporter({ export: () => {}, shutdown: async () => {} }, new Redactor(true), new ExportGate());
    exporter.redact(p.collected);
    expect(p.collected[0].constructor.name).toBe('PrimitiveLogRecord');
    expect(p.collected[0].body).not.toContain('jane.doe');
    expect(String(p.collected[0].attributes.contact)).not.toContain('1234');
    expect(fields(p.collected[0])).toEqual({ ...fields(p.collected[1]), hrTime: p.collected[0].hrTime, hrTimeObserved: p.collected[0].hrTimeObserved });
  });
});
