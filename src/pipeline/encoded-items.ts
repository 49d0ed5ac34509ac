import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { shopDiag } from '../diag';
import { encodeLogItem } from './otlp-logs-encoder';
import { encodeSpanItem } from './otlp-trace-encoder';

/**
 * Spans and log records queued as their OTLP bytes: redacted and encoded where they end (the
 * ledger processors, pending-ledger.ts, call these for the OTLP/protobuf pipelines), and the
 * small EncodedItem queued in their place, in the ledger and the SDK's batch processor alike.
 * A batch of them is the same request byte for byte (otlp-protobuf-writer.ts writes their bytes
 * as they are; test/unit/encoded-items.test.ts compares), the exit flush sends them as they are,
 * and nothing else changes: the queue bounds, drops, retries and the export gate.
 *
 * Why, measured (bench/RESULTS.md, "Queued as bytes"): the spans and records waiting in the
 * batch queues (up to 512 of each, a fraction of a second to 5 s) were what still survived V8's
 * scavenges ("What survived the scavenges"): ~2.1 KB per request of span and record object
 * graphs copied, promoted and later marked, the young generation grown from bare's 8 MB to 32.
 * As bytes, an item is one small object and a view into Node's buffer pool. The redaction and
 * encoding move from the export timer to the end of each span and record: the same work, spread
 * over the requests instead of one batch at a time.
 *
 * Never throws into span.end() or a logger call: an item that cannot be encoded is queued as it
 * is, and the exporter redacts and encodes it with its batch, as before.
 */
export function spanEncoder(redactOne: (span: ReadableSpan) => void): (span: ReadableSpan) => ReadableSpan {
  return (span) => {
    try {
      redactOne(span);
      return encodeSpanItem(span) as unknown as ReadableSpan;
    } catch (e) {
      shopDiag.debug('a span could not be encoded where it ended; it is exported with its batch', e);
      return span;
    }
  };
}

export function logEncoder(redactOne: (record: ReadableLogRecord) => void): (record: ReadableLogRecord) => ReadableLogRecord {
  return (record) => {
    try {
      redactOne(record);
      return encodeLogItem(record) as unknown as ReadableLogRecord;
    } catch (e) {
      shopDiag.debug('a log record could not be encoded where it was emitted; it is exported with its batch', e);
      return record;
    }
  };
}
