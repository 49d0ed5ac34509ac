import { describe, expect, it } from 'vitest';
import { ExportResultCode } from '@opentelemetry/core';
import { PendingLedger } from '../../src/pipeline/pending-ledger';
import { ExportDrops } from '../../src/pipeline/export-drops';

// The exit ledger: what it queues is exactly what was admitted and not yet handed to the
// exporter, in arrival order, however the batches leave (in order, out of order, after the exit
// path took them); what is in flight it holds as request bodies, counted until settled.
const ok = { code: ExportResultCode.SUCCESS };
const failed = { code: ExportResultCode.FAILED };
const items = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ id: from + i }));
const ids = (xs: Array<{ id: number }>) => xs.map((x) => x.id);
const bytes = (b: number) => new Uint8Array([b]);

describe('PendingLedger', () => {
  it('queues what is admitted until it is dispatched; batches dispatched out of order leave the rest in order', () => {
    const ledger = new PendingLedger<{ id: number }>('logs', 100, new ExportDrops());
    const xs = items(30);
    for (const x of xs) expect(ledger.admit(x)).toBe(true);
    const second = ledger.dispatch(xs.slice(10, 20)); // the second batch first
    expect(ledger.size).toBe(30); // in flight still counts
    ledger.settle(second, ok);
    expect(ledger.size).toBe(20);
    ledger.settle(ledger.dispatch(xs.slice(0, 10)), ok);
    expect(ledger.size).toBe(10);
    ledger.settle(ledger.dispatch([xs[25], xs[21]]), ok); // not a run: item by item
    expect(ids(ledger.take())).toEqual([20, 22, 23, 24, 26, 27, 28, 29]);
    expect(ledger.size).toBe(0);
    ledger.settle(ledger.dispatch(xs.slice(20)), ok); // dispatched after the exit path took them: nothing to remove
    expect(ledger.size).toBe(0);
    const y = items(2, 100);
    ledger.admit(y[0]);
    ledger.admit(y[1]);
    ledger.settle(ledger.dispatch([xs[3], y[1]]), ok); // one item long gone, one held
    expect(ids(ledger.take())).toEqual([100]);
  });

  it('holds a batch in flight as its body, not its items: the exit path takes the bodies in send order; a later answer only counts', () => {
    const drops = new ExportDrops();
    const ledger = new PendingLedger<{ id: number }>('traces', 100, drops);
    const xs = items(9);
    for (const x of xs) ledger.admit(x);
    const a = ledger.dispatch(xs.slice(0, 3));
    const b = ledger.dispatch(xs.slice(3, 6));
    const c = ledger.dispatch(xs.slice(6, 8)); // never serialised (the exporter refused it): no body to resend
    a.body = bytes(1);
    b.body = bytes(2);
    expect(ids(ledger.take())).toEqual([8]); // queued only: the dispatched items are gone from the queue
    expect(ledger.size).toBe(8);
    expect(ledger.takeSent().map((body) => body[0])).toEqual([1, 2]);
    expect(ledger.size).toBe(0);
    ledger.settle(a, ok);
    ledger.settle(b, failed);
    ledger.settle(c, failed);
    expect(ledger.size).toBe(0);
    expect(drops.snapshot()).toEqual({ 'traces/export_failed': 5 });
    expect(a.body).toBeUndefined(); // a settled batch lets its body go
  });

  it('counts what exceeds its bound (queued plus in flight) as queue_full and admits nothing after close', () => {
    const drops = new ExportDrops();
    const ledger = new PendingLedger<{ id: number }>('traces', 3, drops);
    const xs = items(5);
    expect(xs.slice(0, 3).map((x) => ledger.admit(x))).toEqual([true, true, true]);
    const sent = ledger.dispatch(xs.slice(0, 1));
    expect(ledger.admit(xs[3])).toBe(false); // one in flight, two queued: full
    ledger.settle(sent, ok);
    expect(ledger.admit(xs[3])).toBe(true); // room again
    expect(Object.values(drops.snapshot())).toEqual([1]);
    ledger.close();
    expect(ledger.admit(xs[4])).toBe(false);
    expect(ids(ledger.take())).toEqual([1, 2, 3]);
  });

  it('keeps arrival order over many batches dispatched at the head (its array is compacted on the way)', () => {
    const ledger = new PendingLedger<{ id: number }>('logs', 5000, new ExportDrops());
    const xs = items(4000);
    for (const x of xs.slice(0, 3000)) ledger.admit(x);
    for (let i = 0; i < 2500; i += 500) ledger.settle(ledger.dispatch(xs.slice(i, i + 500)), ok);
    for (const x of xs.slice(3000)) ledger.admit(x);
    expect(ledger.size).toBe(1500);
    ledger.settle(ledger.dispatch(xs.slice(3500)), ok);
    expect(ids(ledger.take())).toEqual(ids(xs.slice(2500, 3500)));
  });
});
