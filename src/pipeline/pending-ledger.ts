import { TraceFlags, type Context } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { LogRecordProcessor, ReadableLogRecord, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { ExportDrops, SignalName } from './export-drops';

/** A batch handed to the exporter: its request body once serialised, until the collector answers. */
export interface SentBatch {
  readonly count: number;
  body: Uint8Array | undefined;
}

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
 * In flight, a batch is held as the request body it was sent as, not as its spans or records
 * (`dispatch`): what V8 keeps alive until the collector answers is then one Uint8Array, outside
 * the JS heap, rather than every span object of the batch with its attributes. Held as objects,
 * they outlived the young generation's scavenges whenever the collector took longer than a few
 * milliseconds, and V8 grew the young generation for them: at 3 000 req/s the bench app's heap
 * grew to 171 MB against 92 MB with batches released when sent (`BENCH_MEMORY_RATE=3000 node
 * bench/micro/memory.mjs`; bench/RESULTS.md, "What the ledger kept alive"). The exit flush sends
 * those bodies as they are: already redacted and serialised for the same endpoint.
 *
 * The queued items: an array in arrival order with a moving head, not a Set: the batch
 * processors export in arrival order, so a dispatched batch is nearly always the run at the head
 * (O(1) to drop), and one out of order is found by one indexOf and spliced out. A Set
 * cost an identity hash and a hash-table insert and delete per item: its admit and settle were
 * 2.3 % of the samples of exported winston calls, the array's 0.3 % (bench/micro/cpu-profile.mjs
 * BENCH_PROFILE_LOGS=1; bench/RESULTS.md, "Allocation, the young generation and the log record").
 */
export class PendingLedger<T extends object> {
  private items: T[] = [];
  private head = 0;
  private closed = false;
  /** Batches in flight (sent, or between retries), and how many items they carry. */
  private sent = new Set<SentBatch>();
  private sentCount = 0;

  constructor(
    readonly signal: SignalName,
    private readonly capacity: number,
    readonly drops: ExportDrops,
  ) {}

  /** False when the item must not be queued (bound reached: counted; or the pipeline has shut down). */
  admit(item: T): boolean {
    if (this.closed) return false;
    if (this.items.length - this.head + this.sentCount >= this.capacity) {
      this.drops.drop(this.signal, 'queue_full', 1);
      return false;
    }
    this.items.push(item);
    return true;
  }

  /**
   * The batch leaves the queue for the exporter: from here on the ledger holds its count and,
   * once the exporter has serialised it (`sent.body = …`), its request body; not its items.
   * `count`: how many of them are exported (the others were dropped and counted by the redaction).
   */
  dispatch(batch: readonly T[], count = batch.length): SentBatch {
    this.remove(batch);
    const sent: SentBatch = { count, body: undefined };
    this.sent.add(sent);
    this.sentCount += sent.count;
    return sent;
  }

  /** `n` of a dispatched batch's items were left out of its request (counted by the caller): they are no longer the batch's. */
  shrink(sent: SentBatch, n: number): void {
    if (this.sent.has(sent)) this.sentCount -= n;
    (sent as { count: number }).count -= n;
  }

  /** The collector answered (or the export gave up): the batch leaves the ledger and is counted. A batch the exit path took is counted only. */
  settle(sent: SentBatch, result: ExportResult): void {
    if (this.sent.delete(sent)) this.sentCount -= sent.count;
    sent.body = undefined;
    this.drops.settled(this.signal, result, sent.count);
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

  /** What is still queued (not yet handed to the exporter), in arrival order; the queue is left empty. */
  take(): T[] {
    const out = this.head === 0 ? this.items : this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }

  /** The request bodies of the batches in flight, in the order they were sent; they leave the ledger (a later answer only counts them). */
  takeSent(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const sent of this.sent) if (sent.body !== undefined) out.push(sent.body);
    this.sent = new Set();
    this.sentCount = 0;
    return out;
  }

  /** Items queued plus items in flight. */
  get size(): number {
    return this.items.length - this.head + this.sentCount;
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
