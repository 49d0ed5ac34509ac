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

  it('every positive shape is masked inside a URL: percent-encoded, form-encoded (spaces as +), encoded twice', () => {
    const leaks: string[] = [];
    for (const p of POS) {
      for (const url of [`/x?q=${encodeURIComponent(p.text)}`, `/x?${new URLSearchParams({ q: p.text })}`, `/x?next=${encodeURIComponent(`/y?q=${encodeURIComponent(p.text)}`)}`]) {
        const out = r.redactString(url);
        for (const s of p.secrets) for (const f of [s, encodeURIComponent(s), encodeURIComponent(encodeURIComponent(s)), new URLSearchParams({ s }).toString().slice(2)]) if (out.includes(f)) leaks.push(`${url} -> ${out}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('no negative is changed, in text or in a URL: zero false redactions', () => {
    const changed = NEG.filter((n) => r.redactString(`/x?q=${encodeURIComponent(n)}`) !== `/x?q=${encodeURIComponent(n)}` || r.redactString(`/x?${new URLSearchParams({ q: n })}`) !== `/x?${new URLSearchParams({ q: n })}`);
    expect(changed).toEqual([]);
  });

  it('no negative is changed: zero false redactions', () => {
    const changed = NEG.filter((n) => r.redactString(n) !== n).map((n) => `${n} -> ${r.redactString(n)}`);
    expect(changed).toEqual([]);
  });
});
