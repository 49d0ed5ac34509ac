import { describe, expect, it } from 'vitest';
import { CIRCULAR, REDACTED, Redactor, UNREADABLE } from '../../src/privacy/redactor';

/**
 * Redaction is linear in its input and bounded: 1 MB of adversarial text per record costs a
 * bounded multiple of what 1 MB of ordinary text costs, measured in the same test (so the bound
 * holds on a slow machine too); values are cut to the configured length first. The performance
 * figures themselves: bench/micro/redact.mjs.
 */
const MB = 1 << 20;
const unbounded = new Redactor(true, [], { maxValueLength: 2 * MB, maxBodyLength: 2 * MB });

function ms(fn: () => void, runs: number): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return best;
}

const fill = (unit: string, size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

/** Inputs that made a backtracking pattern retry a long run from every position. */
const ADVERSARIAL: Record<string, (size: number) => string> = {
  'local-part run, then @': (n) => `${fill('a.b_c', n - 1)}@`,
  'many @ without a domain': (n) => fill('a@', n),
  'JWT starts without dots': (n) => fill('-eyJ', n),
  'digits and separators': (n) => fill('1 2-', n),
  'secret pairs without values': (n) => fill('password=', n),
  'URL schemes without user-info': (n) => `${fill('a://', n - 1)}@`,
  'percent-encoded run': (n) => `${fill('%41', n - 1)}@`,
  'bearer without token': (n) => fill('Bearer ', n),
  'plus signs and digits': (n) => fill('+7 9', n),
};

describe('redaction cost is linear in the input and bounded', () => {
  // The linear baseline, measured here on the same machine at the same moment: one callback per
  // character over 1 MB (a plain, per-character pass of the kind the patterns make).
  const neutral = fill('the order was shipped to the customer on time ', MB);
  const baseline = ms(() => neutral.replace(/[^]/g, (c) => c), 3);

  it.each(Object.entries(ADVERSARIAL))('1 MB of %s costs less than a per-character pass over it', (_name, make) => {
    const big = make(MB);
    const t = ms(() => unbounded.redactString(big), 3);
    // Measured: 0.05x to 0.7x of the baseline. Quadratic cost (the old e-mail pattern: 4 s at
    // 64 KB) would be thousands of times it; the bound leaves room for a loaded machine.
    expect(t / baseline, `${t.toFixed(1)} ms vs a ${baseline.toFixed(1)} ms baseline`).toBeLessThan(5);
  });

  it('a value is cut to its limit before anything else (default 8192 characters, log bodies 4x)', () => {
    const r = new Redactor(true);
    const out = r.redactString(ADVERSARIAL['local-part run, then @'](MB));
    expect(out.length).toBe(8192);
    expect((r.redactLogBody('x'.repeat(MB)) as string).length).toBe(4 * 8192);
    const small = new Redactor(true, [], { maxValueLength: 100 });
    expect(small.redactString('y'.repeat(1000))).toHaveLength(100);
    // Cut even where redaction is off.
    expect((new Redactor(false, [], { maxValueLength: 10, maxBodyLength: 20 }).redactLogBody('z'.repeat(100)) as string).length).toBe(20);
  });
});

describe('hostile structured values never throw and stay bounded', () => {
  const r = new Redactor(true);

  it('circular, BigInt, Symbol-keyed, throwing getters, functions', () => {
    const circular: Record<string, unknown> = { name: 'c', email: 'x@y.zz' };
    circular.self = circular;
    const getter = Object.defineProperty({ ok: 'fine' }, 'boom', { enumerable: true, get: () => { throw new Error('getter'); } });
    const value = { circular, big: 12345678901234567890n, [Symbol('hidden')]: 'secret@example.com', getter, fn: () => 1, note: 'card 4111 1111 1111 1111' };
    const out = r.redactValue('meta', value) as Record<string, any>;
    expect(out.circular.self).toBe(CIRCULAR);
    expect(out.circular.email).toBe(REDACTED);
    expect(out.big).toBe('12345678901234567890');
    expect(out.getter).toEqual({ ok: 'fine', boom: UNREADABLE });
    expect(out.note).toBe(`card ${REDACTED}`);
    expect(JSON.stringify(out)).not.toContain('secret@example.com');
  });

  it('huge breadth and depth: at most a bounded number of nodes is walked', () => {
    const wide: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++) wide[`k${i}`] = Object.fromEntries(Array.from({ length: 50 }, (_, j) => [`j${j}`, { deep: Array.from({ length: 50 }, () => 'a@b.cd') }]));
    const t = Date.now();
    const out = JSON.stringify(r.redactValue('', wide));
    expect(Date.now() - t).toBeLessThan(2000);
    expect(out).not.toContain('a@b.cd');
    let deep: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    expect(() => r.redactValue('', deep)).not.toThrow();
  });

  it('attribute maps: numbers under secret keys are replaced, other numbers kept; an unreadable attribute is replaced', () => {
    const attrs: Record<string, unknown> = { cvv: 123, 'card.cvc': 42, pin: 1234, 'http.response.status_code': 200, retries: 3 };
    Object.defineProperty(attrs, 'trap', { enumerable: true, get: () => { throw new Error('x'); }, set: () => undefined, configurable: true });
    r.redactAttributes(attrs);
    expect(attrs.cvv).toBe(REDACTED);
    expect(attrs['card.cvc']).toBe(REDACTED);
    expect(attrs.pin).toBe(REDACTED);
    expect(attrs['http.response.status_code']).toBe(200);
    expect(attrs.retries).toBe(3);
  });

  it('span names, status messages, event and link attributes', () => {
    const span = { name: 'GET /users/jane@example.com', attributes: {}, status: { message: 'token=abc123' }, events: [{ name: 'e', attributes: { note: '+7 912 345 67 89' } }], links: [{ attributes: { url: 'postgres://u:p@h/db' } }] };
    r.redactSpan(span);
    expect(span.name).toBe(`GET /users/${REDACTED}`);
    expect(span.status.message).toBe(`token=${REDACTED}`);
    expect(span.events[0].attributes.note).toBe(REDACTED);
    expect(span.links[0].attributes.url).toBe(`postgres://${REDACTED}@h/db`);
  });
});
