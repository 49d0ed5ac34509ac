import type { Link, SpanContext, SpanStatus } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import { attributes, encodeExportRequest, Writer, type Attrs } from './otlp-protobuf-writer';

/**
 * ExportTraceServiceRequest as protobuf, byte for byte what otlp-transformer's
 * ProtobufTraceSerializer writes (test/unit/otlp-trace-encoder.test.ts compares the two on spans
 * of every shape made by the SDK), at a fraction of its CPU.
 *
 * Why our own: in `node bench/micro/cpu-profile.mjs 300 4000` on main, @opentelemetry/otlp-transformer
 * (the protobuf encoding of every span batch) was the innermost telemetry frame of 3.7 % of the
 * service's busy CPU samples. The encoder alone (bench/micro/trace-encode.mjs, batches of
 * 512 bench-app spans): upstream 6.1 µs per span, this 2.0 (bench/RESULTS.md, "trace-encode").
 * Upstream walks every batch twice (a size estimate, then the writes), checks capacity on every
 * byte group, allocates a new array for every trace, span and parent span ID (hexToBinary; two
 * more per link) and for every non-ASCII string (TextEncoder), and reserves one byte for every
 * length prefix, so each span (mostly 128 B–16 KB) and each batch's scope and resource are moved
 * once more when they end. Here: one pass into a buffer kept between batches (grown by doubling,
 * given back when a batch needed more than 1 MB); every ID decoded straight into the buffer (no
 * cache: a batch interleaves the spans of concurrent requests, so trace IDs seldom repeat in a
 * row); ASCII strings below 128 characters in one pass, longer ones by one native write; spans
 * reserve 2 bytes for their length, scopes and resources 3. Whatever the reservation, a message
 * whose length needs another count is moved, so every varint is minimal and the bytes identical.
 * The writer and the common messages (AnyValue, KeyValue, scope, resource) are shared with the
 * logs encoder (otlp-protobuf-writer.ts).
 */
const writer = new Writer();

// The length prefix reserved for a span, usually 128 B–16 KB; any other length moves the message
// once, as a one-byte reservation would (a batch's scope and resource: the writer's, 3 bytes).
const SPAN_PREFIX = 2;

// Span.flags and Link.flags: the W3C trace flags in the low byte, then "has is_remote" (always
// set, as upstream does) and "is_remote".
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

function flags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);
}

function event(w: Writer, e: TimedEvent): void {
  const at = w.start();
  w.tag(1, 1);
  w.hrTime(e.time);
  w.tag(2, 2);
  w.string(e.name);
  if (e.attributes) attributes(w, e.attributes as Attrs, 3);
  w.tag(4, 0);
  w.varint(e.droppedAttributesCount || 0);
  w.end(at);
}

/** trace_id 1, span_id 2, trace_state 3: the same fields in Span and in Span.Link. */
function ids(w: Writer, ctx: SpanContext): void {
  w.tag(1, 2);
  w.hexOnce(ctx.traceId);
  w.tag(2, 2);
  w.hexOnce(ctx.spanId);
  const traceState = ctx.traceState?.serialize();
  if (traceState) {
    w.tag(3, 2);
    w.string(traceState);
  }
}

function link(w: Writer, l: Link): void {
  const at = w.start();
  const ctx = l.context;
  ids(w, ctx);
  if (l.attributes) attributes(w, l.attributes as Attrs, 4);
  w.tag(5, 0);
  w.varint(l.droppedAttributesCount || 0);
  w.tag(6, 5);
  w.fixed32(flags(ctx.traceFlags, ctx.isRemote));
  w.end(at);
}

function status(w: Writer, s: SpanStatus): void {
  const at = w.start();
  if (s.message) {
    w.tag(2, 2);
    w.string(s.message);
  }
  w.tag(3, 0);
  w.varint(s.code);
  w.end(at);
}

function span(w: Writer, s: ReadableSpan): void {
  const at = w.startWide(SPAN_PREFIX);
  const ctx = s.spanContext();
  ids(w, ctx);
  const parent = s.parentSpanContext;
  if (parent?.spanId) {
    w.tag(4, 2);
    w.hexOnce(parent.spanId);
  }
  w.tag(5, 2);
  w.string(s.name);
  const kind = s.kind == null ? 0 : s.kind + 1;
  if (kind !== 0) {
    w.tag(6, 0);
    w.varint(kind);
  }
  w.tag(7, 1);
  w.hrTime(s.startTime);
  w.tag(8, 1);
  w.hrTime(s.endTime);
  if (s.attributes) attributes(w, s.attributes as Attrs, 9);
  w.tag(10, 0);
  w.varint(s.droppedAttributesCount);
  for (const e of s.events) {
    w.tag(11, 2);
    event(w, e);
  }
  w.tag(12, 0);
  w.varint(s.droppedEventsCount);
  for (const l of s.links) {
    w.tag(13, 2);
    link(w, l);
  }
  w.tag(14, 0);
  w.varint(s.droppedLinksCount);
  w.tag(15, 2);
  status(w, s.status);
  w.tag(16, 5);
  w.fixed32(flags(ctx.traceFlags, parent?.isRemote));
  w.endWide(at, SPAN_PREFIX);
}

export function encodeTraceRequest(spans: ReadableSpan[]): Uint8Array {
  return encodeExportRequest(writer, spans, span);
}
