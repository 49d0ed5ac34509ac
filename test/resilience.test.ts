import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrdersTable } from './support/db';
import { AMQP_URL, listeningPort, otelEnv, PG_URL, runFixture, uniqueName } from './support/fixture';
import { startReceiver, type Receiver } from './support/otlp-receiver';

/** A collector that is down or slow costs the app nothing visible, and never holds up its exit. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('collector down or slow', () => {
  let db: Awaited<ReturnType<typeof createOrdersTable>>;
  let slow: Receiver;

  beforeAll(async () => {
    db = await createOrdersTable();
    slow = await startReceiver({ delayMs: 60_000 });
  });
  afterAll(async () => {
    await db?.drop();
    await slow?.close();
  });

  for (const kind of ['down', 'slow'] as const) {
    it(`collector ${kind}: every request served promptly, no crash, exit within the shutdown bound`, async () => {
      const endpoint = kind === 'down' ? `http://127.0.0.1:${await closedPort()}` : slow.url;
      const env = {
        ...otelEnv(endpoint, uniqueName(`collector-${kind}`)),
        OTEL_BSP_SCHEDULE_DELAY: '50',
        OTEL_BLRP_SCHEDULE_DELAY: '50',
        SHOP_OTEL_SHUTDOWN_TIMEOUT_MS: '1000',
        DATABASE_URL: PG_URL,
        AMQP_URL,
        QUEUE: uniqueName('q'),
        TABLE: db.table,
      };
      const app = runFixture('order-api.mjs', { env });
      const url = `http://127.0.0.1:${await listeningPort(app)}`;
      let slowest = 0;
      for (let i = 0; i < 60; i++) {
        const t = performance.now();
        const r = await fetch(`${url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customerId: `c-${i}` }) });
        slowest = Math.max(slowest, performance.now() - t);
        expect(r.status).toBe(201);
      }
      // An export that blocked the request path would cost seconds here (the slow collector
      // answers after 60 s); requests to a local app and DB take milliseconds.
      expect(slowest).toBeLessThan(1000);
      expect(app.proc.exitCode).toBeNull();
      const exit = await app.stop('SIGTERM');
      expect(exit.code).toBe(0);
      expect(app.stdout).toContain('app SIGTERM handler ran');
      // Signal to exit: bounded by SHOP_OTEL_SHUTDOWN_TIMEOUT_MS (1 s) plus the app's own
      // teardown (closing its pool and broker connection); without the bound a dead or slow
      // collector holds the process for the SDK's 30 s export timeout.
      expect(exit.stopMs).toBeLessThan(1000 + 1500);
      expect(app.stderr.join('\n')).not.toMatch(/TypeError|ReferenceError|unhandled/i);
      console.log(`collector ${kind}: slowest request ${slowest.toFixed(1)} ms, SIGTERM to exit ${exit.stopMs} ms`);
    });
  }
});
