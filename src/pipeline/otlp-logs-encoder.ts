import { SeverityNumber } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { anyValue, attributes, encodeExportRequest, Writer, type Attrs } from './otlp-protobuf-writer';

/**
 * ExportLogsServiceRequest as protobuf, byte for byte what otlp-transformer's
 * ProtobufLogsSerializer writes (test/unit/otlp-logs-encoder.test.ts compares the two on every
 * shape of value), at a fraction of its CPU.
 *
 * Why our own: with winston records exported, upstream's serializer was the largest single
 * share of the CPU telemetry costs per call (bench/micro/cpu-profile.mjs BENCH_PROFILE_LOGS=1:
 * otlp-transformer 11–12 % of the busy samples; bench/micro/logs-encode.mjs for the encoder
 * alone). It walks every batch twice (a size estimate, then the writes), checks capacity on
 * every byte group, and allocates two arrays per record for the trace and span IDs. Here: one
 * pass into a buffer kept between batches (grown by doubling, given back when a batch needed
 * more than 1 MB), the IDs decoded once per run of equal IDs, long strings encoded natively.
 * A record's length prefix is reserved as one byte and the message moved when it needs more, as
 * upstream does, so the varints are minimal and the bytes identical. The writer, the common
 * messages and the resource/scope envelope are shared with the trace encoder
 * (otlp-protobuf-writer.ts).
 */
const writer = new Writer();

function logRecord(w: Writer, r: ReadableLogRecord): void {
  const at = w.start();
  w.tag(1, 1);
  w.hrTime(r.hrTime);
  if (r.severityNumber !== undefined && r.severityNumber !== SeverityNumber.UNSPECIFIED) {
    w.tag(2, 0);
    w.varint(r.severityNumber);
  }
  if (r.severityText) {
    w.tag(3, 2);
    w.string(r.severityText);
  }
  if (r.body !== undefined) {
    w.tag(5, 2);
    const body = w.start();
    anyValue(w, r.body);
    w.end(body);
  }
  if (r.attributes) attributes(w, r.attributes as Attrs, 6);
  w.tag(7, 0);
  w.varint(r.droppedAttributesCount);
  const sc = r.spanContext;
  if (sc?.traceFlags) {
    w.tag(8, 5);
    w.fixed32(sc.traceFlags);
  }
  if (sc?.traceId) {
    w.tag(9, 2);
    w.hex(sc.traceId, 0);
  }
  if (sc?.spanId) {
    w.tag(10, 2);
    w.hex(sc.spanId, 1);
  }
  w.tag(11, 1);
  w.hrTime(r.hrTimeObserved);
  if (r.eventName) {
    w.tag(12, 2);
    w.string(r.eventName);
  }
  w.end(at);
}

export function encodeLogsRequest(records: ReadableLogRecord[]): Uint8Array {
  return encodeExportRequest(writer, records, logRecord);
}
