import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ShutdownAbort, type ExportGate } from './export-gate';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { LogRecordImplInternals } from '../internal-types';
import { readOr, UNREADABLE } from '../api-inputs';
import type { Redactor } from '../privacy/redactor';
import type { ExportDrops } from './export-drops';
import type { PendingLedger, SentBatch } from './pending-ledger';
import { takeLeftOut } from './otlp-protobuf-writer';

/**
 * The last step before the wire: redact a batch in place, then hand it to the real exporter,
 * its completion tracked by the export gate (see export-gate.ts). Placed after batching, so the
 * cost falls on the export timer, not on the request path. Each completion settles the batch in
 * the exit ledger (pending-ledger.ts), which also counts what failed.
 *
 * With a ledger (the OTLP pipelines), the SDK is told at once that its batch is taken, and the
 * real outcome stays ours (ledger, drop count, gate). Why: the SDK's batch processors and metric
 * reader guard every export with a *referenced* timeout timer; while the collector is down, an
 * export retrying for up to OTEL_EXPORTER_OTLP_TIMEOUT kept that timer — and with it the app —
 * alive after the app had finished (no `beforeExit`, so no shutdown to give up the retries): a
 * natural exit delayed by up to 10 s. What the early answer does not loosen: memory stays bounded
 * by the ledger (queued + in flight ≤ the queue size), concurrency by the exporter's own limit,
 * and forceFlush/shutdown still wait for the real sends (the batch processors await the
 * exporter's forceFlush, which waits for every send in flight).
 */
const TAKEN: ExportResult = { code: ExportResultCode.SUCCESS };
const FAILED_AT_SHUTDOWN: ExportResult = { code: ExportResultCode.FAILED, error: new ShutdownAbort('export skipped: shutting down after the collector did not answer') };

/** An exporter; the OTLP ones (lazy-exporters.ts) answer `export` with the request body they serialised. */
type InnerExporter<T> = { export(items: T[], cb: (r: ExportResult) => void): unknown; shutdown(): Promise<void>; forceFlush?(): Promise<void> };

/** What the span and log halves share: the gate, the ledger, the early answer (see above). */
abstract class RedactingExporter<T extends object> {
  constructor(
    private readonly inner: InnerExporter<T>,
    protected readonly redactor: Redactor,
    private readonly gate: ExportGate,
    private readonly ledger?: PendingLedger<T>,
  ) {}

  /**
   * In place; also used by the exit flush (exit-flush.ts) on what never reached export(). Returns
   * what may be exported: `items` itself, or without those that could not be made safe (counted
   * as `unredactable`).
   */
  abstract redact(items: T[]): T[];

  /** Count what redact() held back. */
  protected unredactable(count: number): void {
    this.ledger?.drops.drop(this.ledger.signal, 'unredactable', count);
  }

  // No closure is made in export() or send(): the callbacks that live until the collector
  // answers (the gate's, the exporter's) must not share a scope with `items`, or V8 would keep
  // the batch alive through that scope however the ledger holds it (a WeakRef check showed it:
  // every record of a batch in flight was still alive).
  export(items: T[], resultCallback: (result: ExportResult) => void): void {
    const ledger = this.ledger;
    if (!ledger) {
      const done = this.gate.track(resultCallback);
      if (done) this.send(items, done);
      return;
    }
    const settle = settler(ledger);
    const done = this.gate.track(settle.callback);
    if (!done) return resultCallback(FAILED_AT_SHUTDOWN);
    // Dispatched before the export starts: an exporter may answer synchronously (a full queue of
    // exports, nothing to send). From here the ledger holds the batch's body, not its items
    // (pending-ledger.ts says why).
    const safe = this.redactSafely(items);
    const batch = (settle.sent = ledger.dispatch(items, Array.isArray(safe) ? safe.length : items.length));
    const body = this.exportOrFail(safe, done);
    if (body instanceof Uint8Array) batch.body = body;
    const leftOut = takeLeftOut();
    if (leftOut > 0) {
      ledger.shrink(batch, leftOut);
      ledger.drops.drop(ledger.signal, 'unencodable', leftOut);
    }
    resultCallback(TAKEN);
  }

  /**
   * Redact, then export; the exporter's answer for a body (lazy-exporters.ts). A throw here (the
   * redactor, a serializer, the exporter's own bookkeeping) completes the export as failed: left
   * unsettled, its batch would hold the ledger's room for good, and every later span or record
   * would be dropped as queue_full, export stopped for the life of the process, silently (the SDK
   * hands such a throw to the global error handler only).
   */
  private send(items: T[], done: (r: ExportResult) => void): unknown {
    return this.exportOrFail(this.redactSafely(items), done);
  }

  /** What may be exported, or what redaction threw. */
  private redactSafely(items: T[]): T[] | Error {
    try {
      return this.redact(items);
    } catch (error) {
      return error instanceof Error ? error : new Error('redaction threw a non-Error');
    }
  }

  /** A redaction that threw, or a throw here, completes the export as failed. */
  private exportOrFail(items: T[] | Error, done: (r: ExportResult) => void): unknown {
    try {
      if (!Array.isArray(items)) return done({ code: ExportResultCode.FAILED, error: items });
      if (items.length === 0) return done(TAKEN);
      return this.inner.export(items, done);
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
      return undefined;
    }
  }

  shutdown(): Promise<void> {
    return this.gate.guard(this.inner.shutdown());
  }

  forceFlush(): Promise<void> {
    return this.gate.guard(this.inner.forceFlush?.() ?? Promise.resolve());
  }
}

export class RedactingSpanExporter extends RedactingExporter<ReadableSpan> implements SpanExporter {
  constructor(inner: SpanExporter, redactor: Redactor, gate: ExportGate, ledger?: PendingLedger<ReadableSpan>) {
    super(inner, redactor, gate, ledger);
  }

  redact(spans: ReadableSpan[]): ReadableSpan[] {
    let out: ReadableSpan[] | undefined;
    for (let i = 0; i < spans.length; i++) {
      const exportable = this.redactor.redactSpan(spans[i] as unknown as Parameters<Redactor['redactSpan']>[0]);
      if (!exportable) out ??= spans.slice(0, i);
      else if (out !== undefined) out.push(spans[i]);
    }
    if (out === undefined) return spans;
    this.unredactable(spans.length - out.length);
    return out;
  }
}

export class RedactingLogExporter extends RedactingExporter<ReadableLogRecord> implements LogRecordExporter {
  constructor(inner: LogRecordExporter, redactor: Redactor, gate: ExportGate, ledger?: PendingLedger<ReadableLogRecord>) {
    super(inner, redactor, gate, ledger);
  }

  redact(records: ReadableLogRecord[]): ReadableLogRecord[] {
    let out: ReadableLogRecord[] | undefined;
    for (let i = 0; i < records.length; i++) {
      const exportable = this.redactRecord(records[i]);
      if (!exportable) out ??= records.slice(0, i);
      else if (out !== undefined) out.push(records[i]);
    }
    if (out === undefined) return records;
    this.unredactable(records.length - out.length);
    return out;
  }

  /** In place. False for a record that must not be exported (see scrubRecord); the caller drops and counts it. */
  private redactRecord(record: ReadableLogRecord): boolean {
    try {
      this.redactor.redactAttributes(record.attributes as Record<string, unknown>, undefined, record.spanContext);
      const body = record.body;
      const redacted = this.redactor.redactLogBody(body);
      if (redacted !== body) (record as unknown as LogRecordImplInternals)._body = redacted;
      return true;
    } catch {
      return this.scrubRecord(record as unknown as ScrubbableRecord);
    }
  }

  /**
   * A record whose redaction threw (a frozen attribute map holding a value to replace, a throwing
   * getter, a Proxy): its attributes are redacted into a fresh map that replaces the record's, a
   * value or body that cannot be read becomes `[unreadable]`. Like the span side (Redactor's
   * scrubSpan), one such record costs itself, not its batch: before, the throw failed the whole
   * batch (up to 128 records the app logged, counted as export_failed). False, and not exported,
   * when the record cannot take the replacements (a frozen record) or still cannot be read.
   */
  private scrubRecord(record: ScrubbableRecord): boolean {
    try {
      const ids = readOrUndefined(() => record.spanContext);
      const attrs = readOrUndefined(() => record.attributes);
      const copy: Record<string, unknown> = {};
      const keys = attrs ? (readOrUndefined(() => Object.keys(attrs)) ?? []) : [];
      for (const key of keys) copy[key] = readOr(() => (attrs as Record<string, unknown>)[key], UNREADABLE);
      this.redactor.redactAttributes(copy, undefined, ids);
      const body = readOr<unknown>(() => this.redactor.redactLogBody(record.body), UNREADABLE);
      record.attributes = copy;
      record._body = body;
      return record.attributes === copy && record.body === body;
    } catch {
      return false;
    }
  }
}

/** The parts of a log record the scrub replaces (LogRecordImpl's public `attributes`, its `_body` behind `body`). */
interface ScrubbableRecord extends LogRecordImplInternals {
  attributes: Record<string, unknown> | undefined;
  readonly body: unknown;
  readonly spanContext?: { traceId: string; spanId: string };
}

function readOrUndefined<V>(read: () => V): V | undefined {
  return readOr<V | undefined>(read, undefined);
}

/** The ledger's completion for one batch, made where it cannot see the batch's items (see export()). */
function settler<T extends object>(ledger: PendingLedger<T>): { sent: SentBatch | undefined; callback: (r: ExportResult) => void } {
  const settle = { sent: undefined as SentBatch | undefined, callback: (r: ExportResult) => ledger.settle(settle.sent as SentBatch, r) };
  return settle;
}

/** Run an export; a synchronous throw completes it as failed (its pending entry in the gate would otherwise stay for good). */
function exportOrFail(run: () => void, done: (r: ExportResult) => void): void {
  try {
    run();
  } catch (error) {
    done({ code: ExportResultCode.FAILED, error: error as Error });
  }
}

/** Metrics carry no personal data (no IDs on metrics, by design): only the gate applies. */
export class GatedMetricExporter implements PushMetricExporter {
  constructor(
    private readonly inner: PushMetricExporter,
    private readonly gate: ExportGate,
    private readonly drops?: ExportDrops,
  ) {
    if (inner.selectAggregationTemporality) this.selectAggregationTemporality = inner.selectAggregationTemporality.bind(inner);
    if (inner.selectAggregation) this.selectAggregation = inner.selectAggregation.bind(inner);
  }

  selectAggregationTemporality?: PushMetricExporter['selectAggregationTemporality'];
  selectAggregation?: PushMetricExporter['selectAggregation'];

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    const drops = this.drops;
    if (!drops) {
      const done = this.gate.track(resultCallback);
      if (done) exportOrFail(() => this.inner.export(metrics, done), done);
      return;
    }
    const count = () => metrics.scopeMetrics.reduce((n, s) => n + s.metrics.length, 0);
    const done = this.gate.track((r) => drops.settled('metrics', r, count()));
    if (!done) return resultCallback(FAILED_AT_SHUTDOWN);
    exportOrFail(() => this.inner.export(metrics, done), done);
    resultCallback(TAKEN);
  }

  forceFlush(): Promise<void> {
    return this.gate.guard(this.inner.forceFlush());
  }

  shutdown(): Promise<void> {
    return this.gate.guard(this.inner.shutdown());
  }
}
