/**
 * Secrets and personal data never leave the process unredacted.
 *
 * Two rules, applied to span attributes, span event attributes, log bodies and log attributes
 * just before export (off the request path, in the batch):
 *  - by key: a value whose key names a secret (password, token, api key, authorization, cookie,
 *    card number, e-mail, phone …) is replaced whole;
 *  - by pattern: e-mail addresses, payment card numbers (Luhn-checked, so order numbers and
 *    timestamps survive), phone numbers in international or NANP form, bearer tokens, JWTs and
 *    `password=…`-style pairs inside any string are masked in place.
 * Extra patterns come from SHOP_OTEL_REDACT_PATTERNS.
 */
export const REDACTED = '[REDACTED]';

const SECRET_KEY = /pass(?:word|wd|phrase)?$|secret|token|api[-_.]?key|authori[sz]ation|cookie|credential|private[-_.]?key|card[-_.]?(?:number|no)|cardnumber|\bcvv\b|\bcvc\b|\bpan\b|e-?mail|phone|\bssn\b/i;
/** Keys that look like a secret key but are ours and safe (IDs are validated, never personal data). */
const SAFE_KEYS = new Set(['shop.order.id', 'shop.customer.id', 'trace_id', 'span_id', 'trace_flags', 'event.name', 'crm.changed_fields']);

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const CARD_CANDIDATE = /\b(?:\d[ -]?){12,18}\d\b/g;
const PHONE = /(?:\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4})|(?:\(\d{3}\)\s?\d{3}[\s.-]\d{4})|(?:\b\d{3}[\s.-]\d{3}[\s.-]\d{4}\b)/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g;
const PAIR = /\b(password|passwd|pwd|secret|token|api[-_]?key|access[-_]?token|client[-_]?secret)(["']?\s*[=:]\s*["']?)([^\s&"',;}]+)/gi;
/** Words without which JWT, BEARER and PAIR cannot match ('eyJ', the schemes, the pair keys). */
const WORDS = /bearer|basic|eyJ|pass|pwd|secret|token|key/i;
/** Fewest digits each numeric pattern needs: a card candidate 13, a phone number 6 (`+1 2 34 56`). */
const CARD_MIN_DIGITS = 13;
const PHONE_MIN_DIGITS = 6;
/** Secret-key answers are cached per key (keys repeat: a service has a few hundred at most). */
const KEY_CACHE_MAX = 1024;

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Card numbers of the major networks (Visa, Mastercard, Amex, Discover, …) that pass Luhn. */
function maskCards(s: string): string {
  return s.replace(CARD_CANDIDATE, (m) => {
    const digits = m.replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19) return m;
    if (!/^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|5)|35|30[0-5]|36|38)/.test(digits)) return m;
    return luhn(digits) ? REDACTED : m;
  });
}

export class Redactor {
  constructor(
    private readonly enabled: boolean,
    private readonly extra: readonly RegExp[] = [],
  ) {}

  private readonly secretKeys = new Map<string, boolean>();

  isSecretKey(key: string): boolean {
    if (!this.enabled) return false;
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
   * and looks for '@'): replacing only removes digits and '@', so the result is the same as
   * running all six (checked against the previous version on 200 000 generated strings).
   * Measured with bench/micro/log-call.cjs (a winston record with an order ID, a customer ID and a
   * sequence number, exported): before, the six replaces ran on nearly every string (almost all
   * hold a digit) and a call cost 22.7 µs with redaction, 18.5 without; with the gates a call
   * costs 18.6 µs, redaction within noise of switched off (bench/RESULTS.md).
   */
  redactString(s: string): string {
    if (!this.enabled || s.length === 0) return s;
    let out = s;
    for (const re of this.extra) out = out.replace(re, REDACTED);
    let digits = 0;
    let at = false;
    for (let i = 0; i < out.length; i++) {
      const c = out.charCodeAt(i);
      if (c >= 48 && c <= 57) digits++;
      else if (c === 64) at = true;
    }
    if (WORDS.test(out)) {
      out = out.replace(JWT, REDACTED);
      out = out.replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`);
      out = out.replace(PAIR, (_m, k: string, sep: string) => `${k}${sep}${REDACTED}`);
    }
    if (at) out = out.replace(EMAIL, REDACTED);
    if (digits >= CARD_MIN_DIGITS) out = maskCards(out);
    if (digits >= PHONE_MIN_DIGITS) out = out.replace(PHONE, REDACTED);
    return out;
  }

  /** Any attribute value: strings masked, arrays and (log) maps walked, secret keys replaced. */
  redactValue(key: string, value: unknown, depth = 0): unknown {
    if (!this.enabled) return value;
    if (this.isSecretKey(key)) return value === undefined || value === null ? value : REDACTED;
    if (typeof value === 'string') return this.redactString(value);
    if (depth > 8 || value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
    if (Array.isArray(value)) return value.map((v) => this.redactValue('', v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = this.redactValue(k, v, depth + 1);
    return out;
  }

  /** In place: attribute maps handed to the exporter belong to ended spans / emitted records. */
  redactAttributes(attrs: Record<string, unknown> | undefined): void {
    if (!this.enabled || attrs === undefined) return;
    for (const key of Object.keys(attrs)) {
      const v = attrs[key];
      if (typeof v === 'number' || typeof v === 'boolean' || v === undefined) continue;
      const r = this.redactValue(key, v);
      if (r !== v) attrs[key] = r;
    }
  }
}
