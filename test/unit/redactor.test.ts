import { describe, expect, it } from 'vitest';
import { Redactor, REDACTED } from '../../src/privacy/redactor';

const r = new Redactor(true);

describe('redaction of secrets and personal data', () => {
  it.each([
    ['mail to jane.doe+shop@example.co.uk now', `mail to ${REDACTED} now`],
    ['card 4111 1111 1111 1111 used', `card ${REDACTED} used`],
    ['card 5500-0000-0000-0004', `card ${REDACTED}`],
    ['call +49 30 1234 5678 today', `call ${REDACTED} today`],
    ['call (555) 123-4567', `call ${REDACTED}`],
    ['Authorization: Bearer abc.def-ghi', `Authorization: Bearer ${REDACTED}`],
    ['token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', `token ${REDACTED}`],
    ['login?user=bob&password=hunter2&x=1', `login?user=bob&password=${REDACTED}&x=1`],
    ['{"apiKey":"s3cr3t"}', `{"apiKey":"${REDACTED}"}`],
  ])('masks %j', (input, expected) => {
    expect(r.redactString(input)).toBe(expected);
  });

  it.each([
    'order ord_1234567890123456 shipped',
    'took 1732400000000 ms',
    '2026-11-24T10:11:12.123Z',
    'GET /orders/ord-17/status 200',
    'card 4111 1111 1111 1112 (fails Luhn)',
    'trace 4bf92f3577b34da6a3ce929d0e0e4736',
    '127.0.0.1:5432',
  ])('leaves %j alone', (input) => {
    expect(r.redactString(input)).toBe(input);
  });

  it('replaces values of secret-named keys whole, keeps our own ID attributes', () => {
    const attrs: Record<string, unknown> = {
      password: 'hunter2',
      'http.request.header.authorization': ['Basic Ym9iOnNlY3JldA=='],
      email: 'x@y.z',
      cardNumber: '4111111111111111',
      phone: '+1 555 0100',
      'shop.customer.id': 'cust-1',
      'shop.order.id': 'ord-1',
      count: 3,
      nested: { token: 'abc', note: 'reach me at a@b.cd' },
    };
    r.redactAttributes(attrs);
    expect(attrs).toEqual({
      password: REDACTED,
      'http.request.header.authorization': REDACTED,
      email: REDACTED,
      cardNumber: REDACTED,
      phone: REDACTED,
      'shop.customer.id': 'cust-1',
      'shop.order.id': 'ord-1',
      count: 3,
      nested: { token: REDACTED, note: `reach me at ${REDACTED}` },
    });
  });

  it('extra patterns apply; disabled redaction changes nothing', () => {
    expect(new Redactor(true, [/INTERNAL-\d+/g]).redactString('see INTERNAL-42')).toBe(`see ${REDACTED}`);
    expect(new Redactor(false).redactString('a@b.cd')).toBe('a@b.cd');
  });

  it('the memo of short strings gives the same answer as a fresh redaction, and respects a smaller limit', () => {
    const m = new Redactor(true);
    const text = 'mail jane.doe@example.com please';
    expect(m.redactString(text)).toBe(`mail ${REDACTED} please`);
    expect(m.redactString(text)).toBe(`mail ${REDACTED} please`);
    // cut first, then redacted: the cached answer of the whole string must not come back
    expect(m.redactString(text, 12)).toBe('mail jane.do');
    for (let i = 0; i < 5000; i++) m.redactString(`order ord_${i} for ${i}@example.com`); // past the memo bound
    expect(m.redactString(text)).toBe(`mail ${REDACTED} please`);
    expect(m.redactString('order ord_7 for 7@example.com')).toBe(`order ord_7 for ${REDACTED}`);
  });

  it('skips trace_id / span_id only when they are the record\'s own IDs', () => {
    const ids = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '4111111111111111' };
    const own = { trace_id: ids.traceId, span_id: ids.spanId, note: 'jane@example.com' };
    r.redactAttributes(own, undefined, ids);
    expect(own).toEqual({ trace_id: ids.traceId, span_id: ids.spanId, note: REDACTED });
    const forged = { trace_id: 'jane@example.com', span_id: '4111 1111 1111 1111' };
    r.redactAttributes(forged, undefined, ids);
    expect(forged).toEqual({ trace_id: REDACTED, span_id: REDACTED });
  });
});

describe('every part of a span, and a span that cannot be read', () => {
  type TestSpan = { name: unknown; attributes: Record<string, unknown>; status: { code: number; message?: unknown }; events: Array<{ name: unknown; attributes?: Record<string, unknown> }>; links: Array<{ attributes?: Record<string, unknown> }> };
  const span = (over: Partial<TestSpan> = {}): TestSpan => ({ name: 'GET /orders', attributes: {}, status: { code: 0 }, events: [], links: [], ...over });
  const redact = (s: TestSpan, redactor = r) => redactor.redactSpan(s as unknown as Parameters<Redactor['redactSpan']>[0]);

  it('redacts the name, attributes, event names and attributes, link attributes and the status message', () => {
    const s = span({
      name: 'mail jane@example.com',
      attributes: { note: 'jane@example.com' },
      events: [{ name: 'sent to jane@example.com', attributes: { to: 'jane@example.com' } }],
      links: [{ attributes: { from: 'jane@example.com' } }],
      status: { code: 2, message: 'no mailbox jane@example.com' },
    });
    expect(redact(s)).toBe(true);
    expect(JSON.stringify(s)).not.toContain('jane@example.com');
    expect(s.events[0].name).toBe(`sent to ${REDACTED}`);
    expect(s.status).toEqual({ code: 2, message: `no mailbox ${REDACTED}` });
  });

  it('a name or message that is not a string is exported as its text, redacted (and as text with redaction off)', () => {
    const s = span({ name: { toString: () => 'for jane@example.com' }, status: { code: 2, message: 42 }, events: [{ name: 7 }] });
    expect(redact(s)).toBe(true);
    expect(s).toMatchObject({ name: `for ${REDACTED}`, status: { message: '42' }, events: [{ name: '7' }] });
    const off = span({ name: ['a', 'b'], events: [{ name: 7 }], status: { code: 2, message: { toString: () => 'm' } } });
    expect(redact(off, new Redactor(false))).toBe(true);
    expect(off).toMatchObject({ name: 'a,b', events: [{ name: '7' }], status: { message: 'm' } });
  });

  it('a part that throws is replaced, the rest still redacted; nothing unchecked is left', () => {
    const frozenAttrs = Object.freeze({ note: 'jane@example.com' });
    const s = span({ attributes: frozenAttrs as Record<string, unknown>, status: { code: 2, message: 'x jane@example.com' } });
    Object.defineProperty(s, 'name', { get: () => { throw new Error('name'); }, set: (v) => Object.defineProperty(s, 'name', { value: v, writable: true, enumerable: true }), configurable: true, enumerable: true });
    Object.defineProperty(s, 'events', { get: () => { throw new Error('events'); }, set: (v) => Object.defineProperty(s, 'events', { value: v, writable: true, enumerable: true }), configurable: true, enumerable: true });
    expect(redact(s)).toBe(true);
    expect(s.name).toBe('[unreadable]');
    expect(s.attributes).toEqual({});
    expect(s.events).toEqual([]);
    expect(s.status).toEqual({ code: 2, message: `x ${REDACTED}` });
    const badName = span({ name: { toString: () => { throw new Error('toString'); } } });
    expect(redact(badName)).toBe(true);
    expect(badName.name).toBe('[unreadable]');
  });

  it('a span whose unreadable part cannot be replaced either is refused', () => {
    const s = Object.freeze(span({ attributes: Object.freeze({ note: 'jane@example.com' }) as Record<string, unknown> }));
    expect(redact(s)).toBe(false);
    const readable = Object.freeze(span({ name: 'plain', attributes: Object.freeze({ n: 1 }) as Record<string, unknown> }));
    expect(redact(readable)).toBe(true);
  });
});
