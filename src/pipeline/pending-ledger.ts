import { TraceFlags, type Context } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { LogRecordProcessor, ReadableLogRecord, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { ExportDrops, SignalName } from './export-drops';

/**
 * Every span and log record that has been handed to a batch processor and not yet acknowledged
 * by the collector (queued, or in an export in flight or between retries).
 *
 * Why our own: the exit paths that cannot wait for the event loop (`process.exit()`, an uncaught
 * exception) must find, synchronously, what would otherwise be lost — and the SDK's batch
 * processors keep their queues private and export asynchronously (sdk-logs awaits before it
 * calls the exporter). The ledger is filled in front of the batch processor and emptied by the
 * exporter's completion (redacting-exporters.ts), success or failure; exit-flush.ts takes what
 * is left. Its bound is the batch processor's own queue size: what it holds is what the queue
 * holds plus what is in flight, so the queue behind it can never overflow, and a record that
 * would exceed it is dropped here and counted (`queue_full`). A Set: O(1) to add and delete,
 * insertion order kept.
 */
export class PendingLedger<T extends object> {
  private readonly items = new Set<T>();
  private closed = false;

  constructor(
    readonly signal: SignalName,
    private readonly capacity: number,
    private readonly drops: ExportDrops,
  ) {}

  /** False when the item must not be queued (bound reached: counted; or the pipeline has shut down). */
  admit(item: T): boolean {
    if (this.closed) return false;
    if (this.items.size >= this.capacity) {
      this.drops.drop(this.signal, 'queue_full', 1);
      return false;
    }
    this.items.add(item);
    return true;
  }

  settle(items: readonly T[], result: ExportResult): void {
    for (const item of items) this.items.delete(item);
    this.drops.settled(this.signal, result, items.length);
  }

  /** Everything still unacknowledged, in arrival order; the ledger is left empty. */
  take(): T[] {
    const out = [...this.items];
    this.items.clear();
    return out;
  }

  get size(): number {
    return this.items.size;
  }

  close(): void {
    this.closed = true;
  }
}

/** In front of a BatchSpanProcessor: sampled spans only (the batch processor drops the others). */
export class LedgerSpanProcessor implements SpanProcessor {
  constructor(
    private readonly next: SpanProcessor,
    private readonly ledger: PendingLedger<ReadableSpan>,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) {
      this.next.onEnd(span);
      return;
    }
    if (this.ledger.admit(span)) this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    this.ledger.close();
    return this.next.shutdown();
  }
}

/** In front of a BatchLogRecordProcessor. */
export class LedgerLogProcessor implements LogRecordProcessor {
  constructor(
    private readonly next: LogRecordProcessor,
    private readonly ledger: PendingLedger<ReadableLogRecord>,
  ) {}

  onEmit(record: ReadWriteLogRecord, context?: Context): void {
    if (this.ledger.admit(record as unknown as ReadableLogRecord)) this.next.onEmit(record, context);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    this.ledger.close();
    return this.next.shutdown();
  }
}
