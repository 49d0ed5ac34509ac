import { describe, expect, it } from 'vitest';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { encodeLogsRequest } from '../../src/pipeline/otlp-logs-encoder';

// Records built by the SDK itself (LogRecordImpl), as the exporter receives them.
async function records(): Promise<ReadableLogRecord[]> {
  const collected: ReadableLogRecord[] = [];
  const collector = { onEmit: (r: ReadableLogRecord) => void collected.push(r), forceFlush: async () => {}, shutdown: async () => {} };
  const resA = resourceFromAttributes({ 'service.name': 'enc', 'process.pid': 4242, 'a.float': 1.5, 'a.list': ['x', 'y'], 'ü.ñ': 'grüße 🎉' });
  const mk = (resource: ReturnType<typeof resourceFromAttributes>) => new LoggerProvider({ resource, processors: [collector] });
  const pa = mk(resA);
  const pb = mk(resourceFromAttributes({ 'service.name': 'other' }));
  const ctx = trace.setSpanContext(context.active(), { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });
  const la = pa.getLogger('@opentelemetry/winston-transport', '0.34.0');
  const lb = pa.getLogger('scope-b', undefined, { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' });
  const long = 'x'.repeat(300) + 'é'.repeat(70000);
  la.emit({ severityNumber: 9, severityText: 'info', body: 'burst record', attributes: { seq: 1, customerId: 'cust-0042' }, context: ctx });
  la.emit({ severityNumber: 17, severityText: 'error', body: long, attributes: { neg: -5, big: 2 ** 40, huge: 2 ** 63, negbig: -(2 ** 40), f: -0.25, nan: Number.NaN, inf: Infinity, t: true, fl: false, u: undefined, bytes: new Uint8Array([1, 2, 255]), nested: { a: [1, 'b', { c: null }], d: { e: 'ü' } }, empty: {}, emptyList: [] }, exception: new Error('boom') });
  la.emit({ body: { structured: ['body', 1, 2.5] }, eventName: 'shop.order.created' });
  la.emit({ severityText: 'critical', attributes: { ['k'.repeat(200)]: 'v'.repeat(127), k128: 'v'.repeat(128), k16k: 'w'.repeat(16384) } });
  lb.emit({ severityNumber: 5, body: 'debug', context: trace.setSpanContext(context.active(), { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE }) });
  pb.getLogger('x').emit({ body: 'second resource', timestamp: new Date('2026-01-02T03:04:05.678Z'), observedTimestamp: [1767323045, 999_999_999] });
  for (let i = 0; i < 600; i++) la.emit({ severityNumber: 9, severityText: 'info', body: `r${i}`, attributes: { i, s: 'ß'.repeat(i % 50) }, context: ctx });
  const out = collected;
  expect(out.length).toBe(606);
  return out;
}

describe('the OTLP logs encoder', () => {
  it('writes exactly the bytes of upstream\'s ProtobufLogsSerializer', async () => {
    const rs = await records();
    const ours = encodeLogsRequest(rs);
    const theirs = ProtobufLogsSerializer.serializeRequest(rs)!;
    expect(ours.length).toBe(theirs.length);
    expect(Buffer.from(ours).equals(Buffer.from(theirs))).toBe(true);
    // Each batch alone, and again (the buffer is reused): the same.
    for (const batch of [rs.slice(0, 1), rs.slice(1, 4), rs.slice(4, 6), rs]) {
      expect(Buffer.from(encodeLogsRequest(batch)).equals(Buffer.from(ProtobufLogsSerializer.serializeRequest(batch)!))).toBe(true);
    }
    expect(encodeLogsRequest([]).length).toBe(0);
  });

  it('hands out a copy: a later batch does not change an earlier one', async () => {
    const rs = await records();
    const first = encodeLogsRequest(rs.slice(0, 1));
    const copy = Buffer.from(first);
    encodeLogsRequest(rs.slice(1, 3));
    expect(Buffer.from(first).equals(copy)).toBe(true);
  });
});
