import { afterEach, describe, expect, it, vi } from 'vitest';
import { HexIdGenerator } from '../../src/trace/ids';

// The tracer's IDs (src/trace/ids.ts): the format the W3C trace context requires, never all
// zeros (an invalid ID), and every hex digit at every position.
describe('HexIdGenerator', () => {
  afterEach(() => vi.restoreAllMocks());
  const ids = new HexIdGenerator();

  it('makes 32- and 16-digit lowercase hex IDs with every digit at every position', () => {
    for (const [make, length] of [[() => ids.generateTraceId(), 32], [() => ids.generateSpanId(), 16]] as const) {
      const seen = Array.from({ length }, () => new Set<string>());
      const all = new Set<string>();
      for (let i = 0; i < 4000; i++) {
        const id = make();
        expect(id).toMatch(length === 32 ? /^[0-9a-f]{32}$/ : /^[0-9a-f]{16}$/);
        all.add(id);
        for (let p = 0; p < length; p++) seen[p].add(id[p]);
      }
      expect(all.size).toBe(4000);
      expect(seen.every((s) => s.size === 16)).toBe(true);
    }
  });

  it('writes the random words it draws, in order, and never returns all zeros', () => {
    const words = [0, 0, 0, 0, 0, 0, 0x0123abcd / 4294967296, 0xffffffff / 4294967296];
    vi.spyOn(Math, 'random').mockImplementation(() => words.shift() ?? 0.5);
    // Four zero words are drawn again, then 0, 0, 0x0123abcd, 0xffffffff.
    expect(ids.generateTraceId()).toBe('00000000000000000123abcdffffffff');
    words.push(0, 0, 0x80000000 / 4294967296, 1 / 4294967296);
    expect(ids.generateSpanId()).toBe('8000000000000001');
  });
});
