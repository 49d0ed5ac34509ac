import { isValidSpanId, isValidTraceId } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { PooledIdGenerator } from '../../src/trace-ids';

// The trace and span IDs shop-otel's tracer provider uses (src/trace-ids.ts): valid W3C IDs,
// lowercase hex of the right length, never all zeros, distinct, across many pool refills.
describe('PooledIdGenerator', () => {
  it('makes valid, distinct trace and span IDs across pool refills', () => {
    const g = new PooledIdGenerator();
    const traces = new Set<string>();
    const spans = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      // 5000 × 48 hex characters: about 15 refills of the 16 KiB pool.
      const t = g.generateTraceId();
      const s = g.generateSpanId();
      expect(t).toMatch(/^[0-9a-f]{32}$/);
      expect(s).toMatch(/^[0-9a-f]{16}$/);
      expect(isValidTraceId(t) && isValidSpanId(s)).toBe(true);
      traces.add(t);
      spans.add(s);
    }
    expect(traces.size).toBe(5000);
    expect(spans.size).toBe(5000);
  });

  it('uses every hex digit about equally (the bytes are random, not a counter)', () => {
    const g = new PooledIdGenerator();
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) for (const c of g.generateTraceId()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(16);
    // 64 000 digits: 4 000 expected per digit; a bias of a quarter is far outside chance.
    for (const n of counts.values()) expect(Math.abs(n - 4000)).toBeLessThan(1000);
  });

  it('never returns an all-zero ID', () => {
    const g = new PooledIdGenerator() as unknown as { pool: string; at: number; generateSpanId(): string; generateTraceId(): string };
    // A pool whose next characters are zeros, as a (2^-64-likely) random draw could be.
    g.pool = `${'0'.repeat(48)}${'ab'.repeat(24)}`;
    g.at = 0;
    expect(g.generateTraceId()).not.toBe('0'.repeat(32));
    g.pool = `${'0'.repeat(16)}${'cd'.repeat(8)}`;
    g.at = 0;
    expect(g.generateSpanId()).toBe('cd'.repeat(8));
  });
});
