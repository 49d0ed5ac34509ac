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
 * would exceed it is dropped here and counted (`queue_full`).
 *
 * An array in arrival order with a moving head, not a Set: the batch processors export in
 * arrival order, so a settled batch is nearly always the run at the head (O(1) to drop), and a
 * batch settled out of order (exports overlap) is found by one indexOf and spliced out. A Set
 * cost an identity hash and a hash-table insert and delete per item: its admit and settle were
 * 2.3 % of the samples of exported winston calls, the array's 0.3 % (bench/micro/cpu-profile.mjs
 * BENCH_PROFILE_LOGS=1; bench/RESULTS.md, "Allocation, the young generation and the log record").
 */
export class PendingLedger<T extends object> {
  private items: T[] = [];
  private head = 0;
  private closed = false;

  constructor(
    readonly signal: SignalName,
    private readonly capacity: number,
    private readonly drops: ExportDrops,
  ) {}

  /** False when the item must not be queued (bound reached: counted; or the pipeline has shut down). */
  admit(item: T): boolean {
    if (this.closed) return false;
    if (this.items.length - this.head >= this.capacity) {
      this.drops.drop(this.signal, 'queue_full', 1);
      return false;
    }
    this.items.push(item);
    return true;
  }

  settle(batch: readonly T[], result: ExportResult): void {
    this.remove(batch);
    this.drops.settled(this.signal, result, batch.length);
  }

  /** Drop `batch` from the ledger, run by run: at the head (O(1)), elsewhere (one indexOf, one splice); an item not held (taken by the exit path) is skipped. */
  private remove(batch: readonly T[]): void {
    let i = 0;
    while (i < batch.length) {
      const items = this.items;
      const at = items[this.head] === batch[i] ? this.head : items.indexOf(batch[i], this.head);
      if (at < 0) {
        i++;
        continue;
      }
      let run = 1;
      while (i + run < batch.length && at + run < items.length && items[at + run] === batch[i + run]) run++;
      i += run;
      if (at !== this.head) {
        items.splice(at, run);
        continue;
      }
      this.head += run;
      if (this.head === items.length) {
        this.items = [];
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > items.length) {
        this.items = items.slice(this.head);
        this.head = 0;
      }
    }
  }

  /** Everything still unacknowledged, in arrival order; the ledger is left empty. */
  take(): T[] {
    const out = this.head === 0 ? this.items : this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }

  get size(): number {
    return this.items.length - this.head;
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
