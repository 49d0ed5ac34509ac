import { CREDENTIAL_WORDS, decodeQueryText, hasPercentEncoding, maskCards, maskCredentials, maskEmails, maskPhones, maskUrlCredentials, REDACTED } from './patterns';
import { textOf, UNREADABLE } from '../api-inputs';

export { UNREADABLE };

/**
 * Secrets and personal data never leave the process unredacted.
 *
 * Applied to everything a span or log record carries to the wire — span names, status messages,
 * span, event and link attributes, event names, log bodies and log attributes — just before
 * export (off the request path, in the batch), and once to the resource at start:
 *  - by key: a value whose key names a secret (password, token, api key, authorization, cookie,
 *    session ID, card number, CVV, e-mail, phone …) is replaced whole, numbers included;
 *  - by shape: e-mail addresses, payment card numbers (Luhn-checked, so order numbers and
 *    timestamps survive), phone numbers (international, NANP, Russian domestic), bearer tokens,
 *    JWTs, vendor API tokens, `password=…`-style pairs and the user-info of URLs
 *    (`postgres://user:secret@host`) inside any string are masked in place; in a string with
 *    percent-encoding (a query string) the decoded text is checked too, and when it hides one of
 *    them the decoded, masked text is exported.
 *
 * Bounded: every string is cut to its limit first (attribute values: OTEL_*_ATTRIBUTE_VALUE_LENGTH_LIMIT,
 * default 8192 characters; log bodies: four times the log attribute limit), every pattern is
 * linear in its input (see patterns.ts), and a structured value is walked to at most
 * MAX_DEPTH levels and MAX_NODES nodes. Never throws: a value that cannot be read (a throwing
 * getter) becomes `[unreadable]`; a BigInt becomes its decimal text; a cycle becomes `[circular]`.
 * Extra patterns come from SHOP_OTEL_REDACT_PATTERNS (their cost is the user's).
 */
export { REDACTED };
export const CIRCULAR = '[circular]';

const SECRET_KEY =
  /pass(?:word|wd|phrase)?$|secret|token|api[-_.]?key|authori[sz]ation|cookie|credential|private[-_.]?key|session[-_.]?id|\bsid$|csrf|xsrf|card[-_.]?(?:number|no)|cardnumber|\bcvv\d?\b|\bcvc\d?\b|\bpin\b|\bpan\b|e-?mail|phone|\bssn\b/i;
/** Keys that look like a secret key but are ours and safe (IDs are validated, never personal data). */
const SAFE_KEYS = new Set(['shop.order.id', 'shop.customer.id', 'trace_id', 'span_id', 'trace_flags', 'event.name', 'crm.changed_fields']);
/** Fewest digits each numeric pattern needs: a card candidate 13, a phone number 6 (`+1 2 34 56`). */
const CARD_MIN_DIGITS = 13;
const PHONE_MIN_DIGITS = 6;
/** Secret-key answers are cached per key (keys repeat: a service has a few hundred at most). */
const KEY_CACHE_MAX = 1024;
export const MAX_DEPTH = 8;
export const MAX_NODES = 2000;

export const DEFAULT_VALUE_LENGTH_LIMIT = 8192;
/** The walk state of a primitive value: never read past the type switch. */
const NO_BUDGET = { nodes: 0, seen: new WeakSet<object>() };
/** A `+` between two word characters: a query string's space. */
const QUERY_PLUS = /[A-Za-z0-9]\+[A-Za-z0-9]/;

export interface RedactorLimits {
  /** Longest string kept in an attribute value (characters). */
  maxValueLength?: number;
  /** Longest log body kept (characters). */
  maxBodyLength?: number;
}

/** Minimal shapes of what the exporters hand over (ReadableSpan / ReadableLogRecord internals). */
interface SpanLike {
  name: string;
  attributes: Record<string, unknown>;
  status: { code?: number; message?: string };
  events: Array<{ name: string; attributes?: Record<string, unknown> }>;
  links?: Array<{ attributes?: Record<string, unknown> }>;
}

/** SpanStatusCode.ERROR: a status that cannot be read is reported as an error with no readable message. */
const SPAN_STATUS_ERROR = 2;

/** Run `redact`; if it throws, run `replace`. False when both throw. */
function scrubPart(redact: () => void, replace: () => void): boolean {
  try {
    redact();
    return true;
  } catch {
    try {
      replace();
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Results of redactString for short strings, which repeat: a service exports the same statement
 * texts, routes, user agents and log messages over and over. Bounded (entries and length), cleared
 * when full. bench/micro/log-burst.mjs (Node 24, quiet 2-core VM, exported winston call in a
 * request span): redaction cost +13 µs per record before this memo and the primitive fast path
 * below; see bench/RESULTS.md, "Redaction on the hot path".
 */
const MEMO_MAX_ENTRIES = 4096;
const MEMO_MAX_LENGTH = 256;

export class Redactor {
  readonly maxValueLength: number;
  readonly maxBodyLength: number;
  private readonly secretKeys = new Map<string, boolean>();
  private readonly memo = new Map<string, string>();

  constructor(
    private readonly enabled: boolean,
    private readonly extra: readonly RegExp[] = [],
    limits: RedactorLimits = {},
  ) {
    this.maxValueLength = limits.maxValueLength ?? DEFAULT_VALUE_LENGTH_LIMIT;
    this.maxBodyLength = limits.maxBodyLength ?? this.maxValueLength * 4;
  }

  isSecretKey(key: string): boolean {
    if (!this.enabled || key.length === 0) return false;
    let secret = this.secretKeys.get(key);
    if (secret === undefined) {
      secret = !SAFE_KEYS.has(key) && SECRET_KEY.test(key);
      if (this.secretKeys.size >= KEY_CACHE_MAX) this.secretKeys.clear();
      this.secretKeys.set(key, secret);
    }
    return secret;
  }

  /**
   * Each pattern runs only on a string that has what it needs to match (one pass counts digits
   * and looks for '@', '://' and the credential words): masking only removes what the gates
   * look for. Measured with bench/micro/log-call.cjs (a winston record with an order ID, a
   * customer ID and a sequence number, exported): without the gates the patterns ran on nearly
   * every string and a call cost 22.7 µs with redaction, 18.5 without; with the gates a call
   * costs 18.6 µs. Linear and bounded: bench/micro/redact.mjs.
   */
  redactString(s: string, limit = this.maxValueLength): string {
    if (s.length > limit) s = s.slice(0, limit);
    if (!this.enabled || s.length === 0) return s;
    if (s.length > MEMO_MAX_LENGTH) return this.redactFresh(s);
    let out = this.memo.get(s);
    if (out === undefined) {
      out = this.redactFresh(s);
      if (this.memo.size >= MEMO_MAX_ENTRIES) this.memo.clear();
      this.memo.set(s, out);
    }
    return out;
  }

  private redactFresh(s: string): string {
    const plain = this.redactPlain(s);
    // A query string hides `jane%40example.com` and `%2B7%20912…` (twice over when a URL is a
    // parameter of another), and writes spaces as `+` (`call+89123456789`): look at the decoded
    // text too, up to three levels deep.
    let current = plain;
    let changed = false;
    for (let level = 0; level < 3 && (hasPercentEncoding(current) || (level === 0 && QUERY_PLUS.test(current))); level++) {
      const decoded = decodeQueryText(current);
      const masked = this.redactPlain(decoded);
      if (masked !== decoded) changed = true;
      current = masked;
    }
    return changed ? current : plain;
  }

  private redactPlain(s: string): string {
    let out = s;
    for (const re of this.extra) {
      re.lastIndex = 0;
      out = out.replace(re, REDACTED);
    }
    let digits = 0;
    let at = false;
    for (let i = 0; i < out.length; i++) {
      const c = out.charCodeAt(i);
      if (c >= 48 && c <= 57) digits++;
      else if (c === 64) at = true;
    }
    if (at && out.includes('://')) out = maskUrlCredentials(out);
    if (CREDENTIAL_WORDS.test(out)) out = maskCredentials(out);
    if (at) out = maskEmails(out);
    if (digits >= CARD_MIN_DIGITS) out = maskCards(out);
    if (digits >= PHONE_MIN_DIGITS) out = maskPhones(out);
    return out;
  }

  /** Any attribute value: strings masked, arrays and (log) maps walked, secret keys replaced. */
  redactValue(key: string, value: unknown, limit = this.maxValueLength): unknown {
    if (!this.enabled) return value;
    // Nearly every value is a string or a number: no walk state for those (a WeakSet per value
    // was most of redaction's cost per log record).
    if (typeof value === 'string') return this.isSecretKey(key) ? REDACTED : this.redactString(value, limit);
    if (typeof value !== 'object' || value === null) return this.walk(key, value, limit, 0, NO_BUDGET);
    return this.walk(key, value, limit, 0, { nodes: 0, seen: new WeakSet() });
  }

  private walk(key: string, value: unknown, limit: number, depth: number, budget: { nodes: number; seen: WeakSet<object> }): unknown {
    if (value === undefined || value === null) return value;
    if (this.isSecretKey(key)) return REDACTED;
    switch (typeof value) {
      case 'string':
        return this.redactString(value, limit);
      case 'number':
      case 'boolean':
        return value;
      case 'bigint':
        return value.toString();
      case 'symbol':
      case 'function':
        return String(typeof value === 'symbol' ? value.toString() : '[function]');
      default:
        break;
    }
    if (value instanceof Uint8Array) return value;
    const obj = value as object;
    if (budget.seen.has(obj)) return CIRCULAR;
    if (depth >= MAX_DEPTH || ++budget.nodes > MAX_NODES) return '[truncated]';
    budget.seen.add(obj);
    try {
      if (Array.isArray(obj)) {
        const out: unknown[] = [];
        const n = Math.min(obj.length, MAX_NODES);
        for (let i = 0; i < n; i++) out.push(this.walkSafe('', obj, i, limit, depth + 1, budget));
        return out;
      }
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(obj)) {
        if (budget.nodes > MAX_NODES) break;
        budget.nodes++;
        out[k] = this.walkSafe(k, obj, k, limit, depth + 1, budget);
      }
      return out;
    } catch {
      return UNREADABLE;
    } finally {
      budget.seen.delete(obj);
    }
  }

  private walkSafe(key: string, holder: object, prop: string | number, limit: number, depth: number, budget: { nodes: number; seen: WeakSet<object> }): unknown {
    try {
      return this.walk(key, (holder as Record<string | number, unknown>)[prop], limit, depth, budget);
    } catch {
      return UNREADABLE;
    }
  }

  /**
   * In place: attribute maps handed to the exporter belong to ended spans / emitted records.
   * `ids`: the record's own trace context; `trace_id` / `span_id` equal to it (what the winston
   * correlation put there) are hex IDs of ours and skip the patterns (a span ID of sixteen
   * decimal digits could even pass the card check).
   */
  redactAttributes(attrs: Record<string, unknown> | undefined, limit = this.maxValueLength, ids?: { traceId: string; spanId: string }): void {
    if (!this.enabled || attrs === undefined || attrs === null) return;
    for (const key of Object.keys(attrs)) {
      try {
        const v = attrs[key];
        if (v === undefined || v === null) continue;
        if (ids !== undefined && ((key === 'trace_id' && v === ids.traceId) || (key === 'span_id' && v === ids.spanId))) continue;
        if ((typeof v === 'number' || typeof v === 'boolean') && !this.isSecretKey(key)) continue;
        const r = this.redactValue(key, v, limit);
        if (r !== v) attrs[key] = r;
      } catch {
        attrs[key] = UNREADABLE;
      }
    }
  }

  /**
   * Everything of an ended span that goes on the wire: name, status message, attributes, event
   * names and attributes, link attributes. A name or message that is not a string (plain
   * JavaScript can hand anything to `updateName`) becomes its text first, with redaction off too:
   * the encoder writes strings only, and one such span failed its whole batch.
   * Returns false for a span that must not be exported: one with a part that could neither be
   * read nor replaced (see scrubSpan); the caller drops and counts it.
   */
  redactSpan(span: SpanLike): boolean {
    try {
      if (!this.enabled) return this.asText(span);
      const name = this.redactString(textOf(span.name));
      if (name !== span.name) span.name = name;
      this.redactAttributes(span.attributes);
      // Indexed loops: for…of over the (nearly always empty) events was a quarter of this
      // function's own ticks at the service (`cpu-profile.mjs` BENCH_PROFILE_LINES=redactSpan).
      const events = span.events;
      for (let i = 0; i < events.length; i++) this.redactEvent(events[i]);
      const links = span.links;
      if (links !== undefined) for (let i = 0; i < links.length; i++) this.redactAttributes(links[i].attributes);
      const status = span.status;
      const message = status.message;
      if (message !== undefined) {
        const redacted = this.redactString(textOf(message));
        if (redacted !== message) status.message = redacted;
      }
      return true;
    } catch {
      return this.scrubSpan(span);
    }
  }

  /** Redaction off: only what the encoder needs, a name, event names and a status message that are strings. */
  private asText(span: SpanLike): boolean {
    if (typeof span.name !== 'string') span.name = textOf(span.name);
    const events = span.events;
    for (let i = 0; i < events.length; i++) if (typeof events[i].name !== 'string') events[i].name = textOf(events[i].name);
    const message = span.status.message;
    if (message !== undefined && typeof message !== 'string') span.status.message = textOf(message);
    return true;
  }

  private redactEvent(event: { name: string; attributes?: Record<string, unknown> }): void {
    const name = this.enabled ? this.redactString(textOf(event.name)) : textOf(event.name);
    if (name !== event.name) event.name = name;
    this.redactAttributes(event.attributes);
  }

  /**
   * A span whose redaction threw (a throwing getter, a frozen attribute map): part by part, and a
   * part that cannot be read or redacted is replaced whole: name and status message by
   * `[unreadable]`, attributes, events and links by nothing. Exporting the span as it was would
   * send what could not be checked. False when a replacement fails too (a frozen span).
   */
  private scrubSpan(span: SpanLike): boolean {
    const redactName = () => {
      const text = this.enabled ? this.redactString(textOf(span.name)) : textOf(span.name);
      if (text !== span.name) span.name = text;
    };
    const redactStatus = () => {
      const status = span.status;
      const message = status.message;
      if (message === undefined) return;
      const text = this.enabled ? this.redactString(textOf(message)) : textOf(message);
      if (text !== message) status.message = text;
    };
    return (
      scrubPart(redactName, () => (span.name = UNREADABLE)) &&
      scrubPart(() => span.events.forEach((e) => this.redactEvent(e)), () => (span.events = [])) &&
      (!this.enabled ||
        (scrubPart(() => this.redactAttributes(span.attributes), () => (span.attributes = {})) &&
          scrubPart(() => span.links?.forEach((l) => this.redactAttributes(l.attributes)), () => (span.links = [])))) &&
      scrubPart(redactStatus, () => (span.status = { code: SPAN_STATUS_ERROR, message: UNREADABLE }))
    );
  }

  /** A log record's body (cut to the body limit) and attributes. Returns the body to export. */
  redactLogBody(body: unknown): unknown {
    if (body === undefined || body === null || typeof body === 'number' || typeof body === 'boolean') return body;
    if (!this.enabled) return typeof body === 'string' && body.length > this.maxBodyLength ? body.slice(0, this.maxBodyLength) : body;
    return this.redactValue('', body, this.maxBodyLength);
  }
}
