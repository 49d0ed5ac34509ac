import { describe, expect, it } from 'vitest';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { ExportDrops } from '../../src/pipeline/export-drops';
import { ExportGate } from '../../src/pipeline/export-gate';
import { PendingLedger } from '../../src/pipeline/pending-ledger';
import { RedactingLogExporter, RedactingSpanExporter } from '../../src/pipeline/redacting-exporters';
import { Redactor } from '../../src/privacy/redactor';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// An export that throws where it starts (the redactor, a serializer, the exporter's bookkeeping)
// must still settle its batch: left in the ledger, its items would hold the queue's room for
// good and every later record would be dropped as queue_full.
const record = (i: number) => ({ body: `record ${i}`, attributes: { seq: i } }) as unknown as ReadableLogRecord;

function pipeline(inner: LogRecordExporter) {
  const drops = new ExportDrops();
  const ledger = new PendingLedger<ReadableLogRecord>('logs', 4, drops);
  const exporter = new RedactingLogExporter(inner, new Redactor(true), new ExportGate(), ledger);
  return { drops, ledger, exporter };
}

describe('RedactingLogExporter', () => {
  it('a throwing exporter: the SDK is answered, the batch settled and counted as export_failed, the next batch goes out', () => {
    let throwing = true;
    const sent: number[] = [];
    const inner: LogRecordExporter = {
      export(records, done) {
        if (throwing) throw new TypeError('serializer broke');
        sent.push(records.length);
        done({ code: ExportResultCode.SUCCESS });
      },
      shutdown: () => Promise.resolve(),
    };
    const { drops, ledger, exporter } = pipeline(inner);
    const batch = [0, 1, 2, 3].map(record);
    for (const r of batch) expect(ledger.admit(r)).toBe(true);
    expect(ledger.admit(record(4))).toBe(false); // full

    const answers: ExportResult[] = [];
    expect(() => exporter.export(batch, (r) => answers.push(r))).not.toThrow();
    expect(answers.map((a) => a.code)).toEqual([ExportResultCode.SUCCESS]);
    expect(ledger.size).toBe(0);
    expect(drops.snapshot()).toEqual({ 'logs/queue_full': 1, 'logs/export_failed': 4 });

    // Room again, and export works once the exporter does.
    throwing = false;
    const next = [5, 6].map(record);
    for (const r of next) expect(ledger.admit(r)).toBe(true);
    exporter.export(next, () => undefined);
    expect(sent).toEqual([2]);
    expect(ledger.size).toBe(0);
  });

  it('a batch in flight is held as the body the exporter sent, not as its records; the answer settles it', () => {
    const answers: Array<(r: ExportResult) => void> = [];
    const inner = {
      export(records: ReadableLogRecord[], done: (r: ExportResult) => void): Uint8Array {
        answers.push(done);
        return new TextEncoder().encode(records.map((r) => String(r.body)).join(','));
      },
      shutdown: () => Promise.resolve(),
    } as unknown as LogRecordExporter;
    const { drops, ledger, exporter } = pipeline(inner);
    const first = [0, 1, 2].map(record);
    for (const r of first) ledger.admit(r);
    exporter.export(first, () => undefined);
    expect(ledger.size).toBe(3); // in flight, still counted against the bound
    expect(ledger.take()).toEqual([]); // no record of the batch is held
    answers[0]({ code: ExportResultCode.SUCCESS });
    expect(ledger.size).toBe(0);

    const second = [3, 4].map(record);
    for (const r of second) ledger.admit(r);
    exporter.export(second, () => undefined);
    expect(ledger.takeSent().map((b) => new TextDecoder().decode(b))).toEqual(['record 3,record 4']); // what the exit flush resends
    answers[1]({ code: ExportResultCode.SUCCESS });
    expect(ledger.size).toBe(0);
    expect(drops.snapshot()).toEqual({});
  });

  it('nothing keeps the records of a batch in flight alive: only its body waits for the answer', async () => {
    const answers: Array<(r: ExportResult) => void> = [];
    const inner = {
      export(_records: ReadableLogRecord[], done: (r: ExportResult) => void): Uint8Array {
        answers.push(done); // held, as the transport holds it until the collector answers
        return new Uint8Array(16);
      },
      shutdown: () => Promise.resolve(),
    } as unknown as LogRecordExporter;
    const { ledger, exporter } = pipeline(inner);
    const refs = ((): Array<WeakRef<object>> => {
      const batch = [0, 1, 2, 3].map(record);
      for (const r of batch) ledger.admit(r);
      exporter.export(batch, () => undefined);
      return batch.map((r) => new WeakRef(r));
    })();
    await new Promise((resolve) => setTimeout(resolve, 0)); // WeakRefs hold their targets until the job ends
    gc();
    expect(ledger.size).toBe(4);
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    answers[0]({ code: ExportResultCode.SUCCESS });
    expect(ledger.size).toBe(0);
  });

  it('a redaction that throws as a whole (the last line of defence) settles the batch as export_failed', () => {
    class ThrowingRedaction extends RedactingLogExporter {
      override redact(): ReadableLogRecord[] {
        throw new TypeError('redaction broke');
      }
    }
    const drops = new ExportDrops();
    const ledger = new PendingLedger<ReadableLogRecord>('logs', 4, drops);
    const sent: number[] = [];
    const inner: LogRecordExporter = { export: (records, done) => { sent.push(records.length); done({ code: ExportResultCode.SUCCESS }); }, shutdown: () => Promise.resolve() };
    const exporter = new ThrowingRedaction(inner, new Redactor(true), new ExportGate(), ledger);
    const batch = [0, 1].map(record);
    for (const r of batch) ledger.admit(r);
    const answers: ExportResult[] = [];
    expect(() => exporter.export(batch, (r) => answers.push(r))).not.toThrow();
    expect(answers.map((a) => a.code)).toEqual([ExportResultCode.SUCCESS]);
    expect(sent).toEqual([]);
    expect(ledger.size).toBe(0);
    expect(drops.snapshot()).toEqual({ 'logs/export_failed': 2 });
  });

  // One record that cannot be redacted in place costs itself, not its batch (the span side's rule):
  // before, its throw failed the whole batch, every record the app logged with it counted as
  // export_failed and never sent.
  function recordingPipeline() {
    const sent: ReadableLogRecord[][] = [];
    const inner: LogRecordExporter = {
      export(records, done) {
        sent.push(records);
        done({ code: ExportResultCode.SUCCESS });
      },
      shutdown: () => Promise.resolve(),
    };
    return { sent, ...pipeline(inner) };
  }
  const attrsOf = (r: ReadableLogRecord) => r.attributes as Record<string, unknown>;
  // LogRecordImpl's shape where the exporter writes: `body` reads `_body`.
  const impl = (body: unknown, attributes: object) => ({ _body: body, get body() { return this._body; }, attributes }) as unknown as ReadableLogRecord;

  it('a frozen attribute map holding a secret: the record goes out with a redacted copy, its batch with it', () => {
    const { sent, drops, ledger, exporter } = recordingPipeline();
    const frozenMap = impl('checkout', Object.freeze({ 'user.email': 'jane@example.com', note: 'call +7 912 345 67 89', seq: 7 }));
    const batch = [record(0), frozenMap, impl('mail jane@example.com', { seq: 2 })];
    for (const r of batch) ledger.admit(r);
    exporter.export(batch, () => undefined);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toHaveLength(3);
    expect(attrsOf(sent[0][1])).toEqual({ 'user.email': '[REDACTED]', note: expect.not.stringContaining('912'), seq: 7 });
    expect(String(sent[0][2].body)).not.toContain('jane@example.com');
    expect(ledger.size).toBe(0);
    expect(drops.snapshot()).toEqual({});
  });

  it('a value or body that cannot be read becomes [unreadable]; the neighbours are untouched', () => {
    const { sent, drops, exporter } = recordingPipeline();
    const attributes = Object.freeze(Object.defineProperty({ ok: 'fine' }, 'bad', { enumerable: true, get: () => { throw new Error('getter'); } }));
    const hostile = { _body: undefined as unknown, get body(): unknown { if (this._body === undefined) throw new Error('body getter'); return this._body; }, attributes } as unknown as ReadableLogRecord;
    exporter.export([record(0), hostile, record(2)], () => undefined);
    expect(sent[0].map((r) => r.body)).toEqual(['record 0', '[unreadable]', 'record 2']);
    expect(attrsOf(sent[0][1])).toEqual({ ok: 'fine', bad: '[unreadable]' });
    expect(drops.snapshot()).toEqual({});
  });

  it('a record that can take no replacement is held back and counted as unredactable; the rest of its batch goes out', () => {
    const { sent, drops, ledger, exporter } = recordingPipeline();
    const frozenRecord = Object.freeze({ body: 'x', attributes: Object.freeze({ password: 'hunter2' }) }) as unknown as ReadableLogRecord;
    const unreadableBody = { get body(): string { throw new Error('getter'); }, attributes: {} } as unknown as ReadableLogRecord;
    const batch = [record(0), frozenRecord, unreadableBody, record(3)];
    for (const r of batch) ledger.admit(r);
    exporter.export(batch, () => undefined);
    expect(sent.map((b) => b.map((r) => r.body))).toEqual([['record 0', 'record 3']]);
    expect(ledger.size).toBe(0);
    expect(drops.snapshot()).toEqual({ 'logs/unredactable': 2 });
  });

  it('a batch of only such records sends nothing and settles', () => {
    const { sent, drops, ledger, exporter } = recordingPipeline();
    const hostile = { get body(): string { throw new Error('getter'); }, attributes: {} } as unknown as ReadableLogRecord;
    ledger.admit(hostile);
    exporter.export([hostile], () => undefined);
    expect(sent).toEqual([]);
    expect(ledger.size).toBe(0);
    expect(drops.snapshot()).toEqual({ 'logs/unredactable': 1 });
  });

  it('redaction off: a record whose body cannot be read is still held back, not sent unchecked or failing its batch', () => {
    const drops = new ExportDrops();
    const ledger = new PendingLedger<ReadableLogRecord>('logs', 4, drops);
    const sent: unknown[][] = [];
    const inner: LogRecordExporter = { export: (records, done) => { sent.push(records.map((r) => r.body)); done({ code: ExportResultCode.SUCCESS }); }, shutdown: () => Promise.resolve() };
    const exporter = new RedactingLogExporter(inner, new Redactor(false), new ExportGate(), ledger);
    const hostile = { get body(): string { throw new Error('getter'); }, attributes: {} } as unknown as ReadableLogRecord;
    const batch = [record(0), hostile];
    for (const r of batch) ledger.admit(r);
    exporter.export(batch, () => undefined);
    expect(sent).toEqual([['record 0']]);
    expect(drops.snapshot()).toEqual({ 'logs/unredactable': 1 });
  });
});

describe('RedactingSpanExporter', () => {
  // A span that can be neither redacted nor changed (frozen, with a secret in a frozen map) is
  // held back and counted; the rest of its batch goes out, and a later failure counts only those.
  const span = (name: string, attributes: Record<string, unknown> = {}) => ({ name, attributes, status: { code: 0 }, events: [], links: [] }) as unknown as ReadableSpan;
  const frozen = () => Object.freeze({ name: 'frozen', attributes: Object.freeze({ note: 'jane@example.com' }), status: { code: 0 }, events: [], links: [] }) as unknown as ReadableSpan;

  function spanPipeline(answer: ExportResult) {
    const drops = new ExportDrops();
    const ledger = new PendingLedger<ReadableSpan>('traces', 8, drops);
    const sent: string[][] = [];
    const inner: SpanExporter = {
      export(spans, done) {
        sent.push(spans.map((s) => s.name));
        done(answer);
      },
      shutdown: () => Promise.resolve(),
    };
    return { drops, ledger, sent, exporter: new RedactingSpanExporter(inner, new Redactor(true), new ExportGate(), ledger) };
  }

  it('an unredactable span is not exported but counted; its neighbours go out redacted', () => {
    const { drops, ledger, sent, exporter } = spanPipeline({ code: ExportResultCode.SUCCESS });
    const batch = [span('a', { to: 'jane@example.com' }), frozen(), span('c')];
    for (const s of batch) ledger.admit(s);
    exporter.export(batch, () => undefined);
    expect(sent).toEqual([['a', 'c']]);
    expect(batch[0].attributes.to).toBe('[REDACTED]');
    expect(ledger.size).toBe(0);
    expect(drops.snapshot()).toEqual({ 'traces/unredactable': 1 });
  });

  it('a failed export counts what was sent, not the span held back again', () => {
    const { drops, ledger, sent, exporter } = spanPipeline({ code: ExportResultCode.FAILED, error: new Error('down') });
    const batch = [span('a'), frozen(), span('c')];
    for (const s of batch) ledger.admit(s);
    exporter.export(batch, () => undefined);
    expect(sent).toEqual([['a', 'c']]);
    expect(ledger.size).toBe(0);
    expect(drops.snapshot()).toEqual({ 'traces/unredactable': 1, 'traces/export_failed': 2 });
  });

  it('a batch of only unredactable spans sends nothing and settles', () => {
    const { drops, ledger, sent, exporter } = spanPipeline({ code: ExportResultCode.SUCCESS });
    const batch = [frozen(), frozen()];
    for (const s of batch) ledger.admit(s);
    exporter.export(batch, () => undefined);
    expect(sent).toEqual([]);
    expect(ledger.size).toBe(0);
    expect(drops.snapshot()).toEqual({ 'traces/unredactable': 2 });
  });
});
