import { textOf } from '../api-inputs';
import { shopDiag } from '../diag';

/**
 * The protobuf writing shared by our OTLP encoders (otlp-logs-encoder.ts, otlp-trace-encoder.ts):
 * a Writer over a buffer kept between batches, and the common messages (AnyValue, KeyValue,
 * InstrumentationScope, Resource) written as otlp-transformer's common-serializer writes them,
 * field for field, so that each encoder's output is byte for byte upstream's.
 *
 * One pass: a length prefix is reserved (one byte, as upstream's ProtobufWriter does, or the
 * count a span or a batch usually needs: startWide) and the message moved when its length needs
 * another count, so every varint is minimal and the bytes identical without upstream's
 * size-estimating first pass.
 */
const RETAIN_BYTES = 1 << 20;
const INITIAL_BYTES = 64 * 1024;
/** Longer strings are measured first rather than given room for 3 bytes per character. */
const MAX_RESERVED_STRING = 1 << 16;
const MIN_64_BIT_INT = -(2 ** 63);
const MAX_64_BIT_INT = 2 ** 63;

export type Attrs = Record<string, unknown>;

/**
 * Items left out of the requests encoded since the last takeLeftOut(): one that threw while it was
 * written (a value of a type the API checks did not catch, say a span a processor of the app's
 * changed after its end). The exporter that called the encoder reads it right after (encoding is
 * synchronous) and counts them as dropped (`unencodable`); the first one is also said on stderr.
 */
let leftOutCount = 0;
let leftOutSaid = false;

function leftOut(error: unknown): void {
  leftOutCount++;
  if (leftOutSaid) return;
  leftOutSaid = true;
  shopDiag.warn(`a span or log record could not be encoded and was left out of its export (${error instanceof Error ? error.message : 'a non-Error was thrown'}); such losses are counted in shop_otel.export.dropped {reason="unencodable"}`);
}

export function takeLeftOut(): number {
  const n = leftOutCount;
  leftOutCount = 0;
  return n;
}
export interface Scope {
  name: string;
  version?: string;
  schemaUrl?: string;
  attributes?: Attrs;
  droppedAttributesCount?: number;
}
export interface ResourceLike {
  readonly attributes?: unknown;
  readonly schemaUrl?: string;
}

export class Writer {
  buf = Buffer.allocUnsafe(INITIAL_BYTES);
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
    if (this.buf.length > RETAIN_BYTES) this.buf = Buffer.allocUnsafe(INITIAL_BYTES);
    this.pos = 0;
    return out;
  }

  /** Reserves one byte for a length prefix; end() fills it in. */
  start(): number {
    this.ensure(1);
    return this.pos++;
  }

  end(at: number): void {
    const len = this.pos - at - 1;
    if (len < 128) this.buf[at] = len;
    else this.endWide(at, 1);
  }

  /**
   * Reserves `k` bytes for the length prefix of a message expected to need them (a span: 2; a
   * batch's scope or resource: 3); endWide() moves the message when the length needs another count.
   */
  startWide(k: number): number {
    this.ensure(k);
    const at = this.pos;
    this.pos += k;
    return at;
  }

  endWide(at: number, k: number): void {
    const len = this.pos - at - k;
    const size = varintSize(len);
    if (size !== k) {
      if (size > k) this.ensure(size - k);
      this.buf.copyWithin(at + size, at + k, this.pos);
      this.pos += size - k;
    }
    let v = len;
    let p = at;
    while (v > 127) {
      this.buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[p] = v;
  }

  tag(field: number, wire: number): void {
    const v = (field << 3) | wire;
    if (v < 128) {
      this.ensure(1);
      this.buf[this.pos++] = v;
    } else this.varint(v);
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

  /**
   * A string as its UTF-8 length and bytes. ASCII below 128 characters (most keys and values) in
   * one pass here; the rest written natively, straight after a prefix sized for the most bytes
   * the string can take (3 per UTF-16 unit), moved back when the actual length needs fewer.
   */
  string(s: string): void {
    // A string field given another type (checked at the API, api-inputs.ts; this is the last line): its text.
    if (typeof s !== 'string') s = textOf(s);
    const len = s.length;
    if (len < 128) {
      this.ensure(len + 1);
      const b = this.buf;
      const at = this.pos;
      let p = at + 1;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c > 127) break;
        b[p++] = c;
      }
      if (i === len) {
        b[at] = len;
        this.pos = p;
        return;
      }
    }
    if (len > MAX_RESERVED_STRING) {
      const n = Buffer.byteLength(s, 'utf8');
      this.varint(n);
      this.ensure(n);
      this.pos += this.buf.write(s, this.pos, n, 'utf8');
      return;
    }
    const reserved = varintSize(len * 3);
    this.ensure(reserved + len * 3);
    const at = this.pos;
    const n = this.buf.write(s, at + reserved, 'utf8');
    const size = varintSize(n);
    if (size < reserved) this.buf.copyWithin(at + size, at + reserved, at + reserved + n);
    this.pos = at;
    this.varint(n);
    this.pos = at + size + n;
  }

  /**
   * An ID in hex, as its bytes (upstream's hexToBinary, digit by digit). The records of one
   * request share their trace ID, often their span ID: the last one decoded per slot is kept.
   */
  hex(id: string, slot: 0 | 1): void {
    let bytes = this.ids[slot];
    if (this.idText[slot] !== id) {
      bytes = new Uint8Array(id.length >>> 1);
      for (let i = 0, o = 0; o < bytes.length; i += 2) bytes[o++] = (hexDigit(id.charCodeAt(i)) << 4) | hexDigit(id.charCodeAt(i + 1));
      this.ids[slot] = bytes;
      this.idText[slot] = id;
    }
    const n = bytes.length;
    this.ensure(n + 1);
    const b = this.buf;
    b[this.pos++] = n;
    for (let i = 0; i < n; i++) b[this.pos++] = bytes[i];
  }

  /** An ID in hex decoded straight into the buffer (no array; for IDs seldom seen twice in a row). */
  hexOnce(id: string): void {
    const n = id.length >>> 1;
    if (n < 128) {
      this.ensure(n + 1);
      this.buf[this.pos++] = n;
    } else {
      this.varint(n);
      this.ensure(n);
    }
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < 2 * n; i += 2) {
      const hi = id.charCodeAt(i);
      const lo = id.charCodeAt(i + 1);
      b[p++] = (hexDigit(hi) << 4) | hexDigit(lo);
    }
    this.pos = p;
  }

  private readonly ids: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0)];
  private readonly idText: string[] = ['', ''];
}

function varintSize(v: number): number {
  return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : v < 268435456 ? 4 : 5;
}

function digit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return c - 55;
}

/** digit() of the ASCII codes, looked up (what it gives a non-hex character included, as upstream's). */
const DIGITS = new Int8Array(128);
for (let c = 0; c < 128; c++) DIGITS[c] = digit(c);

function hexDigit(c: number): number {
  return c < 128 ? DIGITS[c] : c - 55;
}

/** Attributes as repeated KeyValue in field `field` (upstream's writeAttributes). */
export function attributes(w: Writer, attrs: Attrs, field: number): void {
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

/** An AnyValue's fields (upstream's writeAnyValue: null and undefined write nothing). */
export function anyValue(w: Writer, value: unknown): void {
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

/** InstrumentationScope in field `field` (upstream's writeInstrumentationScope). */
export function instrumentationScope(w: Writer, scope: Scope, field: number): void {
  w.tag(field, 2);
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
}

/** Resource in field `field` (upstream's writeResource: dropped_attributes_count always 0). */
export function resource(w: Writer, res: ResourceLike, field: number): void {
  w.tag(field, 2);
  const at = w.start();
  if (res.attributes) attributes(w, res.attributes as Attrs, 1);
  w.tag(2, 0);
  w.varint(0);
  w.end(at);
}

// A batch's resource and scope messages are usually 16 KB–2 MB: their length prefixes are
// reserved at 3 bytes (any other length moves the message once, as a one-byte reservation would).
const BATCH_PREFIX = 3;

/**
 * An Export*ServiceRequest: items grouped by resource, then by instrumentation scope, both by
 * identity and in order of first appearance (upstream's createResourceMap), each `item()` written
 * into field 2 of its scope's message. Traces and logs share this envelope field for field
 * (ResourceSpans / ResourceLogs: resource 1, scope messages 2, schema_url 3; ScopeSpans /
 * ScopeLogs: scope 1, items 2, schema_url 3). Returns the bytes; the writer is left empty.
 */
export function encodeExportRequest<T extends { readonly resource: ResourceLike; readonly instrumentationScope: object }>(w: Writer, items: readonly T[], item: (w: Writer, x: T) => void): Uint8Array {
  const byResource = groupByResourceAndScope(items);
  w.pos = 0;
  try {
    for (const [res, scopes] of byResource) {
      w.tag(1, 2);
      const rs = w.startWide(BATCH_PREFIX);
      resource(w, res, 1);
      for (const [sc, list] of scopes) {
        const scope = sc as Scope;
        w.tag(2, 2);
        const at = w.startWide(BATCH_PREFIX);
        instrumentationScope(w, scope, 1);
        for (const x of list) {
          const mark = w.pos;
          try {
            w.tag(2, 2);
            item(w, x);
          } catch (error) {
            // One item the encoder cannot write costs itself, not its batch: its bytes are taken back.
            w.pos = mark;
            leftOut(error);
          }
        }
        if (scope.schemaUrl) {
          w.tag(3, 2);
          w.string(scope.schemaUrl);
        }
        w.endWide(at, BATCH_PREFIX);
      }
      if (res.schemaUrl) {
        w.tag(3, 2);
        w.string(res.schemaUrl);
      }
      w.endWide(rs, BATCH_PREFIX);
    }
    return w.finish();
  } finally {
    w.pos = 0;
  }
}

function groupByResourceAndScope<T extends { readonly resource: object; readonly instrumentationScope: object }>(items: readonly T[]): Map<T['resource'], Map<T['instrumentationScope'], T[]>> {
  const byResource = new Map<T['resource'], Map<T['instrumentationScope'], T[]>>();
  let lastResource: T['resource'] | undefined;
  let lastScope: T['instrumentationScope'] | undefined;
  let lastList: T[] | undefined;
  for (const item of items) {
    const res = item.resource;
    const scope = item.instrumentationScope;
    if (res === lastResource && scope === lastScope) {
      lastList!.push(item);
      continue;
    }
    let scopes = byResource.get(res);
    if (!scopes) byResource.set(res, (scopes = new Map()));
    let list = scopes.get(scope);
    if (!list) scopes.set(scope, (list = []));
    list.push(item);
    lastResource = res;
    lastScope = scope;
    lastList = list;
  }
  return byResource;
}
