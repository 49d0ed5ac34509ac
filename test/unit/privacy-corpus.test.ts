import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/privacy/redactor';
import { negatives, positives } from '../corpus/privacy';

/** The redaction corpus against the redactor itself (the wire: test/privacy-wire.test.ts). */
const r = new Redactor(true);
const POS = positives();
const NEG = negatives();

describe('redaction corpus', () => {
  it('has a few hundred positive shapes and a negative corpus', () => {
    expect(POS.length).toBeGreaterThanOrEqual(300);
    expect(NEG.length).toBeGreaterThanOrEqual(140);
  });

  it('every positive shape is masked: zero leaks', () => {
    const leaks = POS.filter((p) => {
      const out = r.redactString(p.text);
      return p.secrets.some((s) => out.includes(s));
    }).map((p) => `${p.kind}: ${p.text} -> ${r.redactString(p.text)}`);
    expect(leaks).toEqual([]);
  });

  it('every positive shape is masked under a secret-free attribute key and inside a log map', () => {
    const leaks = POS.filter((p) => {
      const out = JSON.stringify(r.redactValue('note', { nested: [p.text], text: p.text }));
      return p.secrets.some((s) => out.includes(s));
    });
    expect(leaks.map((p) => p.text)).toEqual([]);
  });

  it('no negative is changed: zero false redactions', () => {
    const changed = NEG.filter((n) => r.redactString(n) !== n).map((n) => `${n} -> ${r.redactString(n)}`);
    expect(changed).toEqual([]);
  });
});
