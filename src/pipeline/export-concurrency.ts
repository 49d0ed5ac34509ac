import type { BatchConfig } from '../config';

/**
 * How many export requests of one signal may be in flight at once: upstream's limit (30), or
 * more when the queue behind the exporter can need more through an outage.
 *
 * Why: the pending ledger (pending-ledger.ts) bounds what is queued or in flight by the queue
 * size, and the SDK is answered at once (redacting-exporters.ts), so while the collector is down
 * every batch is an export retrying for up to the export timeout: ⌈queue ÷ batch⌉ full batches,
 * plus the timer's partial ones, one per scheduled delay for as long as a send can last. Past
 * upstream's fixed limit the excess failed at once ("Concurrent export limit reached", counted
 * as export_failed) while the queue still had room, so an outage lost more than its bound says.
 * With the defaults (2048 ÷ 128 + 10 s ÷ 5 s for spans, + 10 s ÷ 1 s for log records) the sum
 * stays under 30 and nothing changes; a queue raised with OTEL_BSP/BLRP_MAX_QUEUE_SIZE raises the
 * limit with it, up to MAX_CONCURRENCY sockets. test/faults.test.ts ('a queue raised past what 30
 * exports in flight carry') fails without it, against a hanging receiver.
 */
export const MAX_CONCURRENCY = 500;

export function exportConcurrency(batch: BatchConfig, timeoutMillis: number, upstream: number): number {
  const full = Math.ceil(batch.maxQueueSize / Math.max(1, batch.maxExportBatchSize));
  const partial = batch.scheduledDelayMillis > 0 ? Math.ceil(Math.max(0, timeoutMillis) / batch.scheduledDelayMillis) : full;
  return Math.max(upstream, Math.min(MAX_CONCURRENCY, full + partial + 1));
}
