import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrdersTable } from './support/db';
import { AMQP_URL, listeningPort, otelEnv, PG_URL, runFixture, uniqueName, type Fixture } from './support/fixture';
import { queueName } from './support/broker';
import { startReceiver, type Fault, type Receiver } from './support/otlp-receiver';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';

/**
 * Faults under load: a collector that is down, hangs, restarts, throttles (429/503 with
 * Retry-After) or answers garbage, and PostgreSQL and RabbitMQ going away in the middle of
 * traffic. The app keeps serving, its memory stays bounded, telemetry resumes by itself, what
 * was dropped is counted (shop_otel.export.dropped) and said once. Behaviour only: the latency
 * cost of each fault is a benchmark ratio (bench/faults.mjs), not a timed test.
 */

/** `POST /orders` at `concurrency` for `ms`: every status seen. */
async function drive(url: string, ms: number, concurrency = 3): Promise<number[]> {
  const statuses: number[] = [];
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        try {
          const r = await fetch(`${url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customerId: 'c-1' }), signal: AbortSignal.timeout(5000) });
          await r.arrayBuffer();
          statuses.push(r.status);
        } catch {
          statuses.push(0);
        }
      }
    }),
  );
  return statuses;
}

const post = (url: string) => fetch(url, { method: 'POST' }).then((r) => r.json());
const stats = (url: string) => fetch(`${url}/stats`).then((r) => r.json() as Promise<{ rss: number; heap: number; served: number; pending?: { traces: number; logs: number }; dropped?: Record<string, number> }>);
const tagged = (receiver: Receiver, service: string, tag: string) => receiver.logs.filter((l) => l.resource['service.name'] === service && l.attributes.tag === tag).length;

function dropped(receiver: Receiver, service: string): Map<string, number> {
  // Cumulative counter: the latest point per attribute set is the total.
  const out = new Map<string, number>();
  for (const m of receiver.metrics) {
    if (m.name !== 'shop_otel.export.dropped' || m.resource['service.name'] !== service) continue;
    for (const p of m.points) out.set(`${p.attributes.signal}/${p.attributes.reason}`, p.value);
  }
  return out;
}

describe('collector faults', () => {
  let receiver: Receiver;
  let db: Awaited<ReturnType<typeof createOrdersTable>>;
  let app: Fixture | undefined;

  beforeAll(async () => {
    db = await createOrdersTable();
  });
  afterAll(async () => {
    await app?.stop('SIGKILL');
    await db?.drop();
  });

  it('a retry that fires late (event loop busy) against a collector gone meanwhile: no crash, and export resumes', async () => {
    receiver = await startReceiver();
    try {
      const service = uniqueName('late-retry');
      receiver.fault = { kind: 'status', status: 503, retryAfter: 1 };
      const env = { ...otelEnv(receiver.url, service), OTEL_BLRP_SCHEDULE_DELAY: '50', OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_METRICS_EXPORTER: 'none', OTEL_EXPORTER_OTLP_TIMEOUT: '1500' };
      app = runFixture('fault-app.mjs', { env });
      const url = `http://127.0.0.1:${await listeningPort(app)}`;
      await post(`${url}/log?n=1&tag=first`);
      // The collector answers 503, Retry-After: 1 s, and then goes away; the app is busy past
      // the export deadline, so the retry's timer fires after it (its time left is negative).
      await receiver.waitFor('a 503', () => (receiver.requests['503'] ?? 0) >= 1);
      await receiver.stop();
      await fetch(`${url}/busy?ms=2500`);
      await sleep(1000);
      expect(app.proc.exitCode).toBeNull();
      expect(app.proc.signalCode).toBeNull();
      // A crash would say so: an unhandled 'error' event, or setTimeout's range error.
      expect(app.stderr.join('\n')).not.toMatch(/Unhandled 'error' event|ERR_OUT_OF_RANGE|Uncaught/);
      receiver.fault = undefined;
      await receiver.start();
      await post(`${url}/log?n=3&tag=after`);
      await receiver.waitFor('records logged after the collector came back', () => tagged(receiver, service, 'after') === 3);
    } finally {
      await app?.stop('SIGKILL');
      await receiver.close();
    }
  });

  it('a slow flush at the app’s own SIGTERM handler does not switch export off: the app serves on, and so does telemetry', async () => {
    receiver = await startReceiver();
    try {
      const service = uniqueName('sigterm-stay');
      receiver.fault = { kind: 'hang' };
      const env = { ...otelEnv(receiver.url, service), OTEL_BLRP_SCHEDULE_DELAY: '50', OTEL_BSP_SCHEDULE_DELAY: '50', SHOP_OTEL_SHUTDOWN_TIMEOUT_MS: '800', OTEL_EXPORTER_OTLP_TIMEOUT: '2000', APP_SIGTERM: 'stay' };
      app = runFixture('fault-app.mjs', { env });
      const url = `http://127.0.0.1:${await listeningPort(app)}`;
      await post(`${url}/log?n=2&tag=before`);
      await receiver.waitFor('a hanging export', () => (receiver.requests.hang ?? 0) >= 1);
      app.proc.kill('SIGTERM');
      await app.waitForLine(/app SIGTERM handler ran/);
      await sleep(1500); // the flush bound (800 ms) passes with the collector still hanging
      receiver.fault = undefined;
      await post(`${url}/log?n=5&tag=after`);
      // An export started while the collector hung holds its batch processor until it times out
      // (OTEL_EXPORTER_OTLP_TIMEOUT, 2 s here); after that the next batch goes out. (Before, the
      // first slow flush closed export for the life of the process: nothing ever arrived.)
      await receiver.waitFor('records logged after the slow flush', () => tagged(receiver, service, 'after') === 5, 10_000);
      expect(app.proc.exitCode).toBeNull();
    } finally {
      await app?.stop('SIGKILL');
      await receiver.close();
    }
  });

  it('a queue raised past what 30 exports in flight carry: through a hanging collector it holds what it may, none failed at once for the concurrency limit', async () => {
    receiver = await startReceiver();
    try {
      const service = uniqueName('queue-raised');
      receiver.fault = { kind: 'hang' };
      // 4 096 records in batches of 32: 128 exports in flight while the collector hangs (5 s
      // timeout). Upstream's fixed limit of 30 failed the other 98 at once ("Concurrent export
      // limit reached", counted as export_failed) while the queue still had room.
      const env = { ...otelEnv(receiver.url, service), OTEL_BLRP_MAX_QUEUE_SIZE: '4096', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '32', OTEL_EXPORTER_OTLP_TIMEOUT: '5000' };
      app = runFixture('fault-app.mjs', { env });
      const url = `http://127.0.0.1:${await listeningPort(app)}`;
      await post(`${url}/log?n=4000&tag=held`);
      await receiver.waitFor('exports hanging', () => (receiver.requests.hang ?? 0) >= 100, 4000);
      const s = await stats(url);
      expect(s.pending?.logs).toBe(4000);
      expect(s.dropped?.['logs/export_failed']).toBeUndefined();
    } finally {
      await app?.stop('SIGKILL');
      await receiver.close();
    }
  });

  it('down, hanging, restarted, 429/503 with Retry-After, garbage: every request served, memory bounded, telemetry resumes, drops counted and said once', async () => {
    receiver = await startReceiver();
    try {
      const service = uniqueName('faults');
      const env = {
        ...otelEnv(receiver.url, service),
        OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
        OTEL_BLRP_MAX_QUEUE_SIZE: '1000',
        DATABASE_URL: PG_URL,
        AMQP_URL,
        QUEUE: queueName('q'),
        TABLE: db.table,
      };
      app = runFixture('fault-app.mjs', { env });
      const url = `http://127.0.0.1:${await listeningPort(app)}`;
      expect((await drive(url, 1500)).every((s) => s === 201)).toBe(true);
      await receiver.waitFor('the healthy baseline arriving', () => receiver.logs.some((l) => l.resource['service.name'] === service && l.body === 'order created'));
      const before = await stats(url);

      const phases: Array<[string, Fault | 'down' | 'restart']> = [
        ['down', 'down'],
        ['hang', { kind: 'hang' }],
        ['restart', 'restart'],
        ['429', { kind: 'status', status: 429, retryAfter: 1 }],
        ['503', { kind: 'status', status: 503, retryAfter: 2 }],
        ['garbage', { kind: 'garbage' }],
      ];
      for (const [name, fault] of phases) {
        if (fault === 'down') await receiver.stop();
        else if (fault === 'restart') {
          await receiver.stop();
          setTimeout(() => void receiver.start(), 700);
        } else receiver.fault = fault;
        // 10 000 records, ten times what the queue holds: the bound must hold. Then load.
        for (let i = 0; i < 5; i++) await post(`${url}/log?n=2000&tag=flood-${name}`);
        const statuses = await drive(url, 2500);
        expect(statuses.length).toBeGreaterThan(10);
        expect(statuses.filter((s) => s !== 201), `requests not served during "${name}"`).toEqual([]);
        receiver.fault = undefined;
        await receiver.start();
      }

      const after = await stats(url);
      // 60 000 records were logged while the collector could not take them; kept, they would be
      // well over 60 MB of heap. The queue bound keeps what is held to about a thousand. (Heap
      // after a full GC, not RSS: the allocator keeps freed pages, RSS says little about leaks.)
      expect((after.heap - before.heap) / 1e6).toBeLessThan(20);
      expect(app.proc.exitCode).toBeNull();

      // Telemetry resumes by itself. First the queues drain: what they held when the collector
      // came back (up to the bound, records of the last fault still being retried) is delivered
      // or given up within the export timeout. Records logged while they are still full are
      // dropped and counted, as any others (FIFO, the bound holds): logging the check's records
      // before the drain made this test fail about one run in three under the full suite's load
      // (bench/RESULTS.md, "The fault test's failures, found").
      // (Log records only: each /stats request's own span is pending for a moment after it.)
      const drainedBy = Date.now() + 20_000;
      let pending = (await stats(url)).pending;
      while (pending?.logs !== 0) {
        if (Date.now() > drainedBy) throw new Error(`the log queue did not drain within 20 s after the faults: ${JSON.stringify(pending)} still pending`);
        await sleep(200);
        pending = (await stats(url)).pending;
      }
      await post(`${url}/log?n=10&tag=resumed`);
      try {
        await receiver.waitFor('records logged after every fault', () => tagged(receiver, service, 'resumed') === 10, 20_000);
      } catch (e) {
        const now = await stats(url).catch(() => undefined);
        console.log('pending now:', now?.pending, 'resumed records:', tagged(receiver, service, 'resumed'), 'dropped so far:', Object.fromEntries(dropped(receiver, service)), 'collector requests', receiver.requests, 'app stderr:', app.stderr.slice(-20));
        throw e;
      }
      // Drops were counted, and arrive as a metric once the collector is back.
      const counts = await receiver.waitFor('shop_otel.export.dropped', () => {
        const d = dropped(receiver, service);
        return (d.get('logs/queue_full') ?? 0) > 0 && (d.get('logs/export_failed') ?? 0) > 0 && d;
      });
      console.log('dropped:', Object.fromEntries(counts), 'heap', (before.heap / 1e6).toFixed(1), '→', (after.heap / 1e6).toFixed(1), 'MB, RSS', (before.rss / 1e6).toFixed(1), '→', (after.rss / 1e6).toFixed(1), 'MB; collector requests', receiver.requests);
      // Said once on stderr, however many batches were lost.
      expect(app.stderr.filter((l) => l.includes('telemetry lost'))).toHaveLength(1);
      expect(app.stderr.join('\n')).not.toMatch(/TypeError|ReferenceError|Uncaught|unhandled/i);
    } finally {
      await app?.stop('SIGTERM');
      await receiver.close();
    }
  });
});

describe('PostgreSQL and RabbitMQ going away in the middle of traffic', () => {
  let receiver: Receiver;
  let db: Awaited<ReturnType<typeof createOrdersTable>>;
  let pgProxy: TcpProxy;
  let amqpProxy: TcpProxy;
  let app: Fixture | undefined;

  beforeAll(async () => {
    receiver = await startReceiver();
    db = await createOrdersTable();
    pgProxy = await startTcpProxy(Number(new URL(PG_URL).port || 5432), new URL(PG_URL).hostname);
    amqpProxy = await startTcpProxy(Number(new URL(AMQP_URL).port || 5672), new URL(AMQP_URL).hostname);
  });
  afterAll(async () => {
    await app?.stop('SIGKILL');
    await pgProxy?.close();
    await amqpProxy?.close();
    await db?.drop();
    await receiver?.close();
  });

  for (const which of ['PostgreSQL', 'RabbitMQ'] as const) {
    it(`${which} restarted: the app serves on, recovers by itself, and its own errors are logged at ERROR with their trace IDs`, async () => {
      const service = uniqueName(`restart-${which}`);
      const pgUrl = new URL(PG_URL);
      pgUrl.port = String(pgProxy.port);
      const amqpUrl = new URL(AMQP_URL);
      amqpUrl.port = String(amqpProxy.port);
      const env = { ...otelEnv(receiver.url, service), DATABASE_URL: pgUrl.toString(), AMQP_URL: amqpUrl.toString(), QUEUE: queueName('q'), TABLE: db.table };
      app = runFixture('fault-app.mjs', { env });
      const url = `http://127.0.0.1:${await listeningPort(app)}`;
      const proxy = which === 'PostgreSQL' ? pgProxy : amqpProxy;
      expect((await drive(url, 1000)).every((s) => s === 201)).toBe(true);

      const load = drive(url, 5000);
      await sleep(1000);
      await proxy.cut();
      await sleep(1500);
      await proxy.restore();
      const statuses = await load;
      // Failures while it is down are the app's own 500s, never a dropped connection or a hang.
      expect(statuses.every((s) => s === 201 || s === 500)).toBe(true);
      expect(statuses).toContain(500);
      // Recovered by itself: the tail of the run is served again.
      let recovered = false;
      for (let i = 0; i < 50 && !recovered; i++) recovered = (await drive(url, 200, 1)).every((s) => s === 201);
      expect(recovered).toBe(true);
      expect(app.proc.exitCode).toBeNull();

      // The app's own failure, at ERROR, inside the request's trace.
      const errors = await receiver.waitFor('the app’s ERROR records', () => {
        const e = receiver.logs.filter((l) => l.resource['service.name'] === service && l.body === 'order creation failed');
        return e.length > 0 && e;
      });
      for (const e of errors) {
        expect(e.severityNumber).toBeGreaterThanOrEqual(17);
        expect(e.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(receiver.spans.some((s) => s.traceId === e.traceId && s.kind === 2)).toBe(true);
      }
      // And telemetry goes on: orders created after the restart arrive.
      const created = () => receiver.logs.filter((l) => l.resource['service.name'] === service && l.body === 'order created').length;
      await sleep(500);
      const before = created();
      expect((await drive(url, 300, 1)).every((s) => s === 201)).toBe(true);
      await receiver.waitFor('orders created after the restart', () => created() > before);
      await app.stop('SIGTERM');
      app = undefined;
    });
  }
});
