/**
 * The shapes of secrets and personal data found inside free text, each written so that its cost
 * is linear in the text: every regular expression here either starts at a literal that cannot
 * repeat inside its own match or has only bounded quantifiers, so no start position costs more
 * than a constant (the e-mail pattern that used to be a regex cost 16 KB ~0.24 s, 64 KB ~4 s on a
 * string of local-part characters: it retried the whole run from every position). E-mail
 * addresses are found by a hand-written scan for the same reason: a regex engine without atomic
 * groups cannot bound the local part's run from each start.
 *
 * Each function returns its input unchanged (the same string) when nothing matched.
 */
export const REDACTED = '[REDACTED]';

// ---- e-mail --------------------------------------------------------------------------------

const LOCAL_MAX = 64; // RFC 5321 local-part limit
const DOMAIN_MAX = 253;

function isLocalChar(c: number): boolean {
  // A-Z a-z 0-9 . _ % + -
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}
function isDomainChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46;
}
function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** End (exclusive) of a domain `label(.label)*.tld` starting at `from`, or -1. */
function domainEnd(s: string, from: number): number {
  const limit = Math.min(s.length, from + DOMAIN_MAX);
  let end = from;
  while (end < limit && isDomainChar(s.charCodeAt(end))) end++;
  // The last label that starts with two letters, preceded only by non-empty labels.
  let best = -1;
  let labelStart = from;
  for (let i = from; i <= end; i++) {
    if (i === end || s.charCodeAt(i) === 46) {
      if (i === labelStart) break; // empty label: nothing after can count
      if (labelStart > from) {
        let letters = 0;
        while (labelStart + letters < i && isLetter(s.charCodeAt(labelStart + letters))) letters++;
        if (letters >= 2) best = labelStart + letters;
      }
      labelStart = i + 1;
    }
  }
  return best;
}

export function maskEmails(s: string): string {
  let at = s.indexOf('@');
  if (at < 0) return s;
  let out = '';
  let copied = 0;
  while (at >= 0) {
    let start = at;
    const floor = Math.max(copied, at - LOCAL_MAX);
    while (start > floor && isLocalChar(s.charCodeAt(start - 1))) start--;
    const end = start < at ? domainEnd(s, at + 1) : -1;
    if (end > 0) {
      out += s.slice(copied, start) + REDACTED;
      copied = end;
      at = s.indexOf('@', end);
    } else {
      at = s.indexOf('@', at + 1);
    }
  }
  return copied === 0 ? s : out + s.slice(copied);
}

// ---- payment cards -------------------------------------------------------------------------

const CARD_CANDIDATE = /(?<![\w-])(?:\d[ -]?){12,18}\d(?![\w-])/g;
const CARD_PREFIX = /^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|5)|35|30[0-5]|36|38)/;

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
export function maskCards(s: string): string {
  return s.replace(CARD_CANDIDATE, (m) => {
    const digits = m.replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19 || !CARD_PREFIX.test(digits)) return m;
    return luhn(digits) ? REDACTED : m;
  });
}

// ---- phone numbers -------------------------------------------------------------------------

/**
 * International (`+49 30 1234 5678`, `+7 (912) 345-67-89`), NANP (`(555) 123-4567`,
 * `555-123-4567`) and Russian domestic forms: `8 (912) 345-67-89`, `8-912-345-67-89`, and the
 * bare `89123456789` / `79123456789`. A bare run of eleven digits counts only with a mobile
 * prefix (8 9.. / 7 9..): an eleven-digit order number or amount starting 83… stays. Never inside
 * a longer word or number, nor right after `-` or `.` or before `.<digit>` (UUID parts,
 * decimals, versions); a sentence's full stop after a number is fine.
 */
const PHONE =
  /(?<![\w+.-])\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}(?![\w])|(?<![\w.-])\(\d{3}\)\s?\d{3}[\s.-]\d{4}(?![\w])|(?<![\w.-])\d{3}[\s.-]\d{3}[\s.-]\d{4}(?![\w-]|\.\d)|(?<![\w+.-])[78][\s-]?\(?[3489]\d{2}\)?[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}(?![\w-]|\.\d)/g;

export function maskPhones(s: string): string {
  return s.replace(PHONE, (m) => {
    if (/^\d+$/.test(m) && !/^[78]9\d{9}$/.test(m)) return m;
    return REDACTED;
  });
}

// ---- credentials in text -------------------------------------------------------------------

/** Words without which none of the credential patterns can match. */
export const CREDENTIAL_WORDS = /bearer|basic|eyJ|pass|pwd|secret|token|key|session|sid|csrf|xsrf|auth|sig|credential|sk_|pk_|rk_|gh[pousr]_|xox|AKIA/i;

const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g;
const BEARER = /\b(Bearer|Basic|Token)\s{1,8}[A-Za-z0-9\-._~+/]{4,}=*/gi;
/** Tokens with a well-known vendor prefix (Stripe, GitHub, Slack, AWS access key IDs). */
const VENDOR_TOKEN = /\b(?:(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}(?![0-9A-Z]))/g;
/**
 * `key=value`, `key: value`, `"key":"value"` where the key names a secret. Every key and its
 * separator is found (bounded key, bounded separator) and the key checked, so `refresh_token=`,
 * `csrftoken=`, `pass=`, `key=`, `api_key=`, `sessionid=` are caught without a pattern per
 * spelling. A key that merely ends in `key` (`routing_key`, `sort_key`, `monkey`) is not a
 * secret. Only a secret's value is consumed: the value of any other key is scanned on, so
 * `q=pwd: hunter2` and `Set-Cookie: sessionid=…` are still found. Linear: each position is
 * tried once as the start of a key of at most 64 characters.
 */
const KEY_SEP = /(?<![A-Za-z0-9_.-])([A-Za-z][A-Za-z0-9_.-]{0,63})(["']?[ \t]{0,4}[=:][ \t]{0,4})/g;
const QUOTED_VALUE = /^(["'])[^"'\n]{0,512}\1/;
const VALUE_STOP = /[\s&"',;}]/;
const SECRET_PAIR_KEY =
  /(?:^|[_.-])(?:pass(?:word|wd|phrase)?|pwd|secret|token|session(?:[_-]?id)?|sid|csrf(?:[_-]?token)?|xsrf(?:[_-]?token)?|signature|sig|credentials?|auth|cookie)$|^key$|(?:api|secret|private|access|signing|auth|encryption|master|session|license|client)[_.-]?key$|(?:password|passwd|passphrase|secret|token|sessionid|csrftoken|xsrftoken)$/i;
/** The key of a `key=value` pair names a secret (checked on the key alone). */
export function isSecretPairKey(key: string): boolean {
  return SECRET_PAIR_KEY.test(key);
}

export function maskCredentials(s: string): string {
  let out = s.replace(JWT, REDACTED);
  out = out.replace(VENDOR_TOKEN, REDACTED);
  out = out.replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  return maskPairs(out);
}

function maskPairs(s: string): string {
  KEY_SEP.lastIndex = 0;
  let out = '';
  let copied = 0;
  let m: RegExpExecArray | null;
  while ((m = KEY_SEP.exec(s)) !== null) {
    if (!isSecretPairKey(m[1])) continue;
    const at = KEY_SEP.lastIndex;
    let start = at;
    let end: number;
    const quoted = QUOTED_VALUE.exec(s.slice(at, at + 515));
    if (quoted) {
      start = at + 1;
      end = at + quoted[0].length - 1;
    } else {
      end = at;
      while (end < s.length && !VALUE_STOP.test(s[end])) end++;
    }
    const value = s.slice(start, end);
    if (value.length === 0 || value === REDACTED || /^(?:Bearer|Basic|Token)$/i.test(value) || value.startsWith(REDACTED)) continue;
    out += s.slice(copied, start) + REDACTED;
    copied = end;
    KEY_SEP.lastIndex = end;
  }
  return copied === 0 ? s : out + s.slice(copied);
}

/** The user-info of a URL (`postgres://user:secret@host`, `amqp://guest:guest@…`, `redis://:pw@…`). */
const URL_USERINFO = /\b([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/)([^\s/?#@[\]]{1,256})@/g;

export function maskUrlCredentials(s: string): string {
  return s.replace(URL_USERINFO, (_m, scheme: string) => `${scheme}${REDACTED}@`);
}

// ---- percent-encoding ----------------------------------------------------------------------

// Runs of at most 256 bytes: an unbounded `(?:%XX)+` grows the regex engine's backtrack stack
// with the run (12x from 256 KB to 1 MB, measured); a multi-byte character split at a run's end
// decodes to U+FFFD, which only a run of hundreds of encoded bytes can meet.
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2}){1,256}/g;

/**
 * Query-string decoding that never throws (`+` is a space, `%XX` runs are UTF-8 bytes; a
 * malformed sequence stays as it is). Linear.
 */
export function decodeQueryText(s: string): string {
  return s.replace(/\+/g, ' ').replace(PERCENT_RUN, (m) => {
    try {
      return Buffer.from(m.replace(/%/g, ''), 'hex').toString('utf8');
    } catch {
      return m;
    }
  });
}

export function hasPercentEncoding(s: string): boolean {
  return /%[0-9A-Fa-f]{2}/.test(s);
}
