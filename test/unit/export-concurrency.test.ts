import { describe, expect, it } from 'vitest';
import { exportConcurrency, MAX_CONCURRENCY } from '../../src/pipeline/export-concurrency';
import { otlpLogExporter, otlpSpanExporter } from '../../src/pipeline/exporters';

// The exporter's concurrency limit follows the queue behind it: through an outage every batch is
// an export retrying for up to the export timeout, and the ledger lets the queue's worth be in
// flight; past upstream's fixed 30 the excess failed at once while the queue had room.
const batch = (maxQueueSize: number, maxExportBatchSize: number, scheduledDelayMillis: number) => ({ maxQueueSize, maxExportBatchSize, scheduledDelayMillis, exportTimeoutMillis: 30_000 });

describe('exportConcurrency', () => {
  it('keeps upstream\'s 30 for the defaults (spans 2048/128 every 5 s, records every 1 s; 10 s timeout)', () => {
    expect(exportConcurrency(batch(2048, 128, 5000), 10_000, 30)).toBe(30);
    expect(exportConcurrency(batch(2048, 128, 1000), 10_000, 30)).toBe(30);
  });

  it('grows with a raised queue, smaller batches, a longer timeout; bounded', () => {
    expect(exportConcurrency(batch(8192, 128, 5000), 10_000, 30)).toBe(64 + 2 + 1);
    expect(exportConcurrency(batch(2048, 32, 1000), 10_000, 30)).toBe(64 + 10 + 1);
    expect(exportConcurrency(batch(2048, 128, 1000), 60_000, 30)).toBe(16 + 60 + 1);
    expect(exportConcurrency(batch(1_000_000, 1, 0), 10_000, 30)).toBe(MAX_CONCURRENCY);
    expect(exportConcurrency(batch(2048, 128, 5000), 10_000, 100)).toBe(100); // a higher configured limit stays
  });

  it('is what the OTLP exporters are built with', () => {
    const limit = (e: unknown) => (e as { _delegate: { _promiseQueue: { _concurrencyLimit: number } } })._delegate._promiseQueue._concurrencyLimit;
    expect(limit(otlpSpanExporter('http/protobuf', batch(8192, 128, 5000)))).toBe(67);
    expect(limit(otlpLogExporter('http/protobuf', batch(2048, 128, 1000)))).toBe(30);
    expect(limit(otlpSpanExporter('http/protobuf'))).toBe(30);
  });
});
