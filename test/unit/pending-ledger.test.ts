import { describe, expect, it } from 'vitest';
import { ExportResultCode } from '@opentelemetry/core';
import { PendingLedger } from '../../src/pipeline/pending-ledger';
import { ExportDrops } from '../../src/pipeline/export-drops';

// The exit ledger: what it holds is exactly what was admitted and not yet settled, in arrival
// order, however the batches settle (in order, out of order, after the exit path took them).
const ok = { code: ExportResultCode.SUCCESS };
const items = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ id: from + i }));
const ids = (xs: Array<{ id: number }>) => xs.map((x) => x.id);

describe('PendingLedger', () => {
  it('holds what is admitted until it is settled; batches settled out of order leave the rest in order', () => {
    const ledger = new PendingLedger<{ id: number }>('logs', 100, new ExportDrops());
    const xs = items(30);
    for (const x of xs) expect(ledger.admit(x)).toBe(true);
    ledger.settle(xs.slice(10, 20), ok); // the second batch first
    expect(ledger.size).toBe(20);
    ledger.settle(xs.slice(0, 10), ok);
    expect(ledger.size).toBe(10);
    ledger.settle([xs[25], xs[21]], ok); // not a run: item by item
    expect(ids(ledger.take())).toEqual([20, 22, 23, 24, 26, 27, 28, 29]);
    expect(ledger.size).toBe(0);
    ledger.settle(xs.slice(20), ok); // settled after the exit path took them: nothing left to remove
    expect(ledger.size).toBe(0);
    const y = items(2, 100);
    ledger.admit(y[0]);
    ledger.admit(y[1]);
    ledger.settle([xs[3], y[1]], ok); // one item long gone, one held
    expect(ids(ledger.take())).toEqual([100]);
  });

  it('counts what exceeds its bound as queue_full and admits nothing after close', () => {
    const drops = new ExportDrops();
    const ledger = new PendingLedger<{ id: number }>('traces', 3, drops);
    const xs = items(5);
    expect(xs.map((x) => ledger.admit(x))).toEqual([true, true, true, false, false]);
    expect(Object.values(drops.snapshot())).toEqual([2]);
    ledger.settle(xs.slice(0, 1), ok);
    expect(ledger.admit(xs[3])).toBe(true); // room again
    ledger.close();
    expect(ledger.admit(xs[4])).toBe(false);
    expect(ids(ledger.take())).toEqual([1, 2, 3]);
  });

  it('keeps arrival order over many batches settled at the head (its array is compacted on the way)', () => {
    const ledger = new PendingLedger<{ id: number }>('logs', 5000, new ExportDrops());
    const xs = items(4000);
    for (const x of xs.slice(0, 3000)) ledger.admit(x);
    for (let i = 0; i < 2500; i += 500) ledger.settle(xs.slice(i, i + 500), ok);
    for (const x of xs.slice(3000)) ledger.admit(x);
    expect(ledger.size).toBe(1500);
    ledger.settle(xs.slice(3500), ok);
    expect(ids(ledger.take())).toEqual(ids(xs.slice(2500, 3500)));
  });
});
