/**
 * The redaction corpus: secrets and personal data in the shapes they take in a shop's logs,
 * URLs and statements (positive: each `secret` must never reach the wire), and the IDs, times
 * and amounts that must pass untouched (negative). Generated deterministically (a seeded PRNG),
 * so a failure names the same item every run.
 */
export interface Positive {
  kind: string;
  /** The text as the app logs / sends it. */
  text: string;
  /** What must not appear on the wire (in any form listed). */
  secrets: string[];
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(20261201);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');
const alnum = (n: number, chars = 'abcdefghijklmnopqrstuvwxyz0123456789') => Array.from({ length: n }, () => chars[Math.floor(rnd() * chars.length)]).join('');
const b64url = (n: number) => alnum(n, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');

function luhnComplete(prefix: string, length: number): string {
  let body = prefix + digits(length - prefix.length - 1);
  for (let check = 0; check < 10; check++) {
    const candidate = body + check;
    let sum = 0;
    let dbl = false;
    for (let i = candidate.length - 1; i >= 0; i--) {
      let d = candidate.charCodeAt(i) - 48;
      if (dbl) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
      dbl = !dbl;
    }
    if (sum % 10 === 0) return candidate;
  }
  body = '';
  return body;
}

const FIRST = ['jane', 'ivan.petrov', 'o.smirnova', 'max_mustermann', 'li.wei', 'anna-maria', 'j.doe+shop', 'OLGA.K', 'dmitry93', 'sales'];
const DOMAINS = ['example.com', 'mail.ru', 'yandex.ru', 'gmail.com', 'shop.example.co.uk', 'corp.example.org', 'xn--e1afmkfd.xn--p1ai', 'sub.domain.example.io'];

const TEMPLATES = [
  (s: string) => `contact ${s} about the order`,
  (s: string) => s,
  (s: string) => `customer=${s}`,
  (s: string) => `{"note":"${s}"}`,
  (s: string) => `Заказ оформлен, связь: ${s}.`,
  (s: string) => `<${s}>`,
];

export function positives(): Positive[] {
  const out: Positive[] = [];
  // e-mail addresses: plain, in text, percent-encoded (query strings)
  for (let i = 0; i < 50; i++) {
    const email = `${pick(FIRST)}${i}@${pick(DOMAINS)}`;
    out.push({ kind: 'email', text: pick(TEMPLATES)(email), secrets: [email] });
  }
  for (let i = 0; i < 15; i++) {
    const email = `${pick(FIRST)}${i}@${pick(DOMAINS)}`;
    out.push({ kind: 'email percent-encoded', text: `email=${encodeURIComponent(email)}&page=2`, secrets: [email, encodeURIComponent(email)] });
  }
  // international phone numbers
  const intl = () => pick([`+1 ${digits(3)} ${digits(3)} ${digits(4)}`, `+44 20 ${digits(4)} ${digits(4)}`, `+49 30 ${digits(4)} ${digits(4)}`, `+33 1 ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`, `+86 10 ${digits(4)} ${digits(4)}`, `(${digits(3)}) ${digits(3)}-${digits(4)}`, `+380 44 ${digits(3)} ${digits(2)} ${digits(2)}`]);
  for (let i = 0; i < 30; i++) {
    const phone = intl();
    out.push({ kind: 'phone', text: pick(TEMPLATES)(phone), secrets: [phone] });
  }
  // Russian phone numbers, domestic and international forms
  const ru = () => {
    const a = pick(['9', '9', '9', '4', '8', '3']) + digits(2);
    const b = digits(3);
    const c = digits(2);
    const d = digits(2);
    return pick([`8 (${a}) ${b}-${c}-${d}`, `+7 ${a} ${b} ${c} ${d}`, `+7 (${a}) ${b}-${c}-${d}`, `8-${a}-${b}-${c}-${d}`, `8${a}${b}${c}${d}`.replace(/^8\d/, `89`), `+7${a}${b}${c}${d}`, `8 ${a} ${b} ${c} ${d}`, `7${'9' + a.slice(1)}${b}${c}${d}`]);
  };
  for (let i = 0; i < 40; i++) {
    const phone = ru();
    out.push({ kind: 'phone ru', text: pick(TEMPLATES)(phone), secrets: [phone] });
  }
  for (let i = 0; i < 10; i++) {
    const phone = `+7 ${pick(['912', '903', '495'])} ${digits(3)} ${digits(2)} ${digits(2)}`;
    out.push({ kind: 'phone percent-encoded', text: `phone=${encodeURIComponent(phone)}&x=1`, secrets: [phone, encodeURIComponent(phone)] });
  }
  // payment cards (Luhn-valid), grouped or not
  const cardPrefixes: Array<[string, number]> = [['4', 16], ['51', 16], ['55', 16], ['2221', 16], ['34', 15], ['37', 15], ['6011', 16], ['65', 16], ['35', 16], ['4', 13], ['36', 14]];
  for (let i = 0; i < 35; i++) {
    const [prefix, len] = pick(cardPrefixes);
    const card = luhnComplete(prefix, len);
    const grouped = i % 3 === 0 ? card : i % 3 === 1 ? card.replace(/(\d{4})(?=\d)/g, '$1 ') : card.replace(/(\d{4})(?=\d)/g, '$1-');
    out.push({ kind: 'card', text: pick(TEMPLATES)(grouped), secrets: [grouped] });
  }
  // tokens: bearer, vendor prefixes, JWTs
  for (let i = 0; i < 15; i++) {
    const tok = b64url(32);
    out.push({ kind: 'bearer', text: `Authorization: Bearer ${tok}`, secrets: [tok] });
  }
  const vendor = () => pick([`sk_live_${alnum(24)}`, `pk_test_${alnum(24)}`, `ghp_${alnum(36, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`, `xoxb-${digits(11)}-${alnum(24)}`, `AKIA${alnum(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`]);
  for (let i = 0; i < 15; i++) {
    const tok = vendor();
    out.push({ kind: 'vendor token', text: `using key ${tok} for payments`, secrets: [tok] });
  }
  for (let i = 0; i < 20; i++) {
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: `cust-${digits(4)}`, iat: 1732400000 + i })).toString('base64url');
    const jwt = `${header}.${payload}.${b64url(43)}`;
    out.push({ kind: 'jwt', text: pick([`token ${jwt}`, `id_token=${jwt}`, jwt, `{"jwt":"${jwt}"}`]), secrets: [jwt, payload] });
  }
  // passwords and other secrets as key=value pairs, in every syntax
  const keys = ['password', 'passwd', 'pwd', 'pass', 'secret', 'token', 'refresh_token', 'access_token', 'csrftoken', 'sessionid', 'session_id', 'api_key', 'apiKey', 'key', 'client_secret', 'x-api-key', 'sid', 'auth'];
  for (let i = 0; i < 45; i++) {
    const key = keys[i % keys.length];
    const value = `S3cr3t${alnum(10)}`;
    const text = pick([`${key}=${value}`, `/login?user=bob&${key}=${value}&next=/`, `{"${key}":"${value}"}`, `${key}: ${value}`, `"${key}": "${value}"`, `${key} = ${value}`, `Set-Cookie: ${key}=${value}; Path=/`]);
    out.push({ kind: `pair ${key}`, text, secrets: [value] });
  }
  // connection strings
  const schemes = ['postgres', 'postgresql', 'amqp', 'amqps', 'mysql', 'redis', 'mongodb+srv', 'https', 'ftp'];
  for (let i = 0; i < 27; i++) {
    const user = pick(['shop', 'admin', 'guest', 'svc_mes', 'root']);
    const pw = `pw${alnum(12)}`;
    const url = `${schemes[i % schemes.length]}://${user}:${pw}@${pick(['db.internal', '127.0.0.1', 'rabbit.svc.cluster.local', 'cache.example.com'])}:${pick(['5432', '5672', '6379', '443'])}/shop`;
    out.push({ kind: `connection string ${schemes[i % schemes.length]}`, text: pick([url, `connecting to ${url} ...`, `DATABASE_URL=${url}`]), secrets: [pw, `${user}:${pw}`] });
  }
  return out;
}

/** Text that must pass unchanged: IDs, times, amounts, trace IDs, UUIDs, versions, addresses. */
export function negatives(): string[] {
  const out: string[] = [];
  const hex = (n: number) => alnum(n, '0123456789abcdef');
  for (let i = 0; i < 25; i++) out.push(pick([`ord-${digits(5)}`, `ord_${digits(16)}`, `ORD-2026-${digits(6)}`, `order ${digits(6)} shipped`, `order #${digits(8)}`, `order ${digits(11)}`.replace(/order \d/, 'order 1'), `заказ № ${digits(7)}`]));
  for (let i = 0; i < 15; i++) out.push(pick([`cust-${digits(4)}`, `customer ${digits(6)}`, `cust_${hex(12)}`, `CUS-${digits(8)}`]));
  for (let i = 0; i < 25; i++) {
    const t = 1_700_000_000_000 + Math.floor(rnd() * 100_000_000_000);
    out.push(pick([new Date(t).toISOString(), String(t), String(Math.floor(t / 1000)), new Date(t).toISOString().replace('T', ' ').slice(0, 19), `took ${digits(4)} ms`, `${new Date(t).toUTCString()}`]));
  }
  for (let i = 0; i < 25; i++) {
    const uuid = `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
    out.push(pick([uuid, `file ${uuid}.stl`, `job/${uuid}`]));
  }
  for (let i = 0; i < 25; i++) out.push(pick([`${digits(4)}.${digits(2)} RUB`, `${Math.floor(rnd() * 90 + 10)} ${digits(3)},${digits(2)} ₽`, `price ${digits(3)}.99 EUR`, `total: 8 990.00`, `sum ${digits(5)}.${digits(2)}`, `7 999 руб.`, `12.50`, `amount=${digits(6)}`]));
  for (let i = 0; i < 25; i++) out.push(pick([`trace ${hex(32)}`, hex(32), `span ${hex(16)}`, `00-${hex(32)}-${hex(16)}-01`]));
  for (let i = 0; i < 10; i++) out.push(pick([`127.0.0.1:${digits(4)}`, `v${digits(1)}.${digits(2)}.${digits(1)}`, `GET /orders/ord-${digits(3)}/status 200`, `sha256:${hex(64)}`, `routing_key=order.created`, `monkey=banana`, `passenger=3`, `key_count=17`]));
  return out;
}
