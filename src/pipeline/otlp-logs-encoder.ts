import { SeverityNumber } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

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
 * more than RETAIN_BYTES), the IDs decoded once per run of equal IDs, long strings encoded natively.
 * A length prefix is reserved as one byte and the message moved when it needs more, as upstream
 * does, so the varints are minimal and the bytes identical.
 */
const RETAIN_BYTES = 1 << 20;
const MIN_64_BIT_INT = -(2 ** 63);
const MAX_64_BIT_INT = 2 ** 63;

type Attrs = Record<string, unknown>;
interface Scope {
  name: string;
  version?: string;
  schemaUrl?: string;
  attributes?: Attrs;
  droppedAttributesCount?: number;
}

class Writer {
  buf = Buffer.allocUnsafe(64 * 1024);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** The bytes written, copied out (the buffer is reused by the next batch). */
  finish(): Uint8Array {
    const out = new Uint8Array(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    if (this.buf.length > RETAIN_BYTES) this.buf = Buffer.allocUnsafe(64 * 1024);
    this.pos = 0;
    return out;
  }

  start(): number {
    this.ensure(1);
    return this.pos++;
  }

  end(at: number): void {
    const len = this.pos - at - 1;
    if (len < 128) {
      this.buf[at] = len;
      return;
    }
    const size = len < 16384 ? 2 : len < 2097152 ? 3 : len < 268435456 ? 4 : 5;
    this.ensure(size - 1);
    this.buf.copyWithin(at + size, at + 1, this.pos);
    this.pos += size - 1;
    let v = len;
    let p = at;
    while (v > 127) {
      this.buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[p] = v;
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  varint(value: number): void {
    this.ensure(10);
    const b = this.buf;
    if (value >= 0 && value <= 4294967295) {
      let v = value >>> 0;
      while (v > 127) {
        b[this.pos++] = (v & 127) | 128;
        v >>>= 7;
      }
      b[this.pos++] = v;
      return;
    }
    let low: number;
    let high: number;
    if (value >= 0) {
      low = value >>> 0;
      high = (value / 4294967296) >>> 0;
    } else {
      const abs = Math.abs(value);
      low = ~(abs >>> 0) >>> 0;
      high = ~((abs / 4294967296) >>> 0) >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 127) {
      b[this.pos++] = (low & 127) | 128;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    b[this.pos++] = low & 127;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  /** HrTime as fixed64 nanoseconds (upstream's arithmetic, exact beyond 2^53). */
  hrTime(t: readonly [number, number]): void {
    const seconds = t[0];
    const nanos = t[1];
    const lower = (seconds & 65535) * 1e9;
    const upper = ((seconds / 65536) >>> 0) * 1e9;
    const low = (lower >>> 0) + (((upper & 65535) * 65536) >>> 0) + nanos;
    const high = (Math.floor(lower / 4294967296) + ((upper / 65536) >>> 0) + Math.floor(low / 4294967296)) >>> 0;
    this.ensure(8);
    const b = this.buf;
    let p = this.pos;
    const l = low >>> 0;
    b[p++] = l & 255;
    b[p++] = (l >>> 8) & 255;
    b[p++] = (l >>> 16) & 255;
    b[p++] = l >>> 24;
    b[p++] = high & 255;
    b[p++] = (high >>> 8) & 255;
    b[p++] = (high >>> 16) & 255;
    b[p++] = high >>> 24;
    this.pos = p;
  }

  double(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  string(s: string): void {
    const len = s.length;
    if (len < 64) {
      let ascii = true;
      for (let i = 0; i < len; i++) {
        if (s.charCodeAt(i) > 127) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.ensure(len + 1);
        const b = this.buf;
        b[this.pos++] = len;
        for (let i = 0; i < len; i++) b[this.pos++] = s.charCodeAt(i);
        return;
      }
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, n, 'utf8');
  }

  /**
   * An ID in hex, as its bytes (upstream's hexToBinary, digit by digit). The records of one
   * request share their trace ID, often their span ID: the last one decoded is kept.
   */
  hex(id: string, slot: 0 | 1): void {
    let bytes = this.ids[slot];
    if (this.idText[slot] !== id) {
      bytes = new Uint8Array(id.length >>> 1);
      for (let i = 0, o = 0; o < bytes.length; i += 2) bytes[o++] = (digit(id.charCodeAt(i)) << 4) | digit(id.charCodeAt(i + 1));
      this.ids[slot] = bytes;
      this.idText[slot] = id;
    }
    const n = bytes.length;
    this.ensure(n + 1);
    const b = this.buf;
    b[this.pos++] = n;
    for (let i = 0; i < n; i++) b[this.pos++] = bytes[i];
  }

  private readonly ids: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0)];
  private readonly idText: string[] = ['', ''];
}

function digit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return c - 55;
}

function attributes(w: Writer, attrs: Attrs, field: number): void {
  for (const key in attrs) {
    if (!Object.prototype.hasOwnProperty.call(attrs, key)) continue;
    w.tag(field, 2);
    const kv = w.start();
    keyValue(w, key, attrs[key]);
    w.end(kv);
  }
}

function keyValue(w: Writer, key: string, value: unknown): void {
  w.tag(1, 2);
  w.string(key);
  w.tag(2, 2);
  const v = w.start();
  anyValue(w, value);
  w.end(v);
}

function anyValue(w: Writer, value: unknown): void {
  const t = typeof value;
  if (t === 'string') {
    w.tag(1, 2);
    w.string(value as string);
  } else if (t === 'boolean') {
    w.tag(2, 0);
    w.varint(value ? 1 : 0);
  } else if (t === 'number') {
    const n = value as number;
    if (Number.isInteger(n) && n >= MIN_64_BIT_INT && n < MAX_64_BIT_INT) {
      w.tag(3, 0);
      w.varint(n);
    } else {
      w.tag(4, 1);
      w.double(n);
    }
  } else if (value instanceof Uint8Array) {
    w.tag(7, 2);
    w.bytes(value);
  } else if (Array.isArray(value)) {
    w.tag(5, 2);
    const arr = w.start();
    for (const item of value) {
      w.tag(1, 2);
      const it = w.start();
      anyValue(w, item);
      w.end(it);
    }
    w.end(arr);
  } else if (t === 'object' && value != null) {
    w.tag(6, 2);
    const list = w.start();
    const obj = value as Attrs;
    for (const k in obj) {
      if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
      w.tag(1, 2);
      const kv = w.start();
      keyValue(w, k, obj[k]);
      w.end(kv);
    }
    w.end(list);
  }
}

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

function scopeLogs(w: Writer, scope: Scope, records: ReadableLogRecord[]): void {
  const at = w.start();
  w.tag(1, 2);
  const s = w.start();
  w.tag(1, 2);
  w.string(scope.name);
  if (scope.version) {
    w.tag(2, 2);
    w.string(scope.version);
  }
  if (scope.attributes) attributes(w, scope.attributes, 3);
  if (scope.droppedAttributesCount) {
    w.tag(4, 0);
    w.varint(scope.droppedAttributesCount);
  }
  w.end(s);
  for (const r of records) {
    w.tag(2, 2);
    logRecord(w, r);
  }
  if (scope.schemaUrl) {
    w.tag(3, 2);
    w.string(scope.schemaUrl);
  }
  w.end(at);
}

const writer = new Writer();

export function encodeLogsRequest(records: ReadableLogRecord[]): Uint8Array {
  const byResource = new Map<ReadableLogRecord['resource'], Map<Scope, ReadableLogRecord[]>>();
  for (const r of records) {
    let scopes = byResource.get(r.resource);
    if (!scopes) byResource.set(r.resource, (scopes = new Map()));
    const scope = r.instrumentationScope as Scope;
    let list = scopes.get(scope);
    if (!list) scopes.set(scope, (list = []));
    list.push(r);
  }
  const w = writer;
  w.pos = 0;
  try {
    for (const [resource, scopes] of byResource) {
      w.tag(1, 2);
      const rl = w.start();
      w.tag(1, 2);
      const res = w.start();
      if (resource.attributes) attributes(w, resource.attributes as Attrs, 1);
      w.tag(2, 0);
      w.varint(0);
      w.end(res);
      for (const [scope, list] of scopes) {
        w.tag(2, 2);
        scopeLogs(w, scope, list);
      }
      if (resource.schemaUrl) {
        w.tag(3, 2);
        w.string(resource.schemaUrl);
      }
      w.end(rl);
    }
    return w.finish();
  } finally {
    w.pos = 0;
  }
}
