import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrdersTable } from './support/db';
import { AMQP_URL, listeningPort, otelEnv, PG_URL, runFixture, uniqueName } from './support/fixture';
import { startReceiver, type Receiver } from './support/otlp-receiver';

/** Nothing the app logged is lost at exit, however it exits; and it still exits as it meant to. */
describe('shutdown without loss', () => {
  let receiver: Receiver;
  let db: Awaited<ReturnType<typeof createOrdersTable>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    db = await createOrdersTable();
  });
  afterAll(async () => {
    await db?.drop();
    await receiver?.close();
  });

  const burst = (service: string) => receiver.logs.filter((l) => l.resource['service.name'] === service && (l.body === 'exit burst' || l.body === 'burst record'));

  it('SIGTERM with the app’s own handler: the handler runs, the app exits by itself, every record arrives', async () => {
    const service = uniqueName('sigterm-app');
    // Long batch delay: without the flush at SIGTERM these records would still be queued.
    const env = { ...otelEnv(receiver.url, service), OTEL_BLRP_SCHEDULE_DELAY: '30000', OTEL_BSP_SCHEDULE_DELAY: '30000', DATABASE_URL: PG_URL, AMQP_URL, QUEUE: uniqueName('q'), TABLE: db.table };
    const app = runFixture('order-api.mjs', { env });
    const port = await listeningPort(app);
    const r = await fetch(`http://127.0.0.1:${port}/log-burst?n=700`, { method: 'POST' });
    expect(r.status).toBe(200);
    const exit = await app.stop('SIGTERM');
    expect(app.stdout).toContain('app SIGTERM handler ran');
    expect(exit.code).toBe(0);
    const seqs = new Set(burst(service).map((l) => l.attributes.seq));
    expect(seqs.size).toBe(700);
    expect(receiver.spans.some((s) => s.resource['service.name'] === service && s.name === 'POST /log-burst')).toBe(true);
  });

  for (const [mode, expected] of [
    ['signal', { code: null, signal: 'SIGTERM' }],
    ['exit', { code: 3, signal: null }],
    ['natural', { code: 0, signal: null }],
  ] as const) {
    it(`exit by ${mode}: same exit status as without shop-otel, every record and span flushed`, async () => {
      const service = uniqueName(`exit-${mode}`);
      const env = { ...otelEnv(receiver.url, service), OTEL_BLRP_SCHEDULE_DELAY: '30000', OTEL_BSP_SCHEDULE_DELAY: '30000', EXIT_MODE: mode, BURST: '500' };
      const app = runFixture('exit-paths.mjs', { env });
      await app.waitForLine(/^ready$/);
      const exit = mode === 'signal' ? await app.stop('SIGTERM') : await app.exited;
      expect({ code: exit.code, signal: exit.signal }).toEqual(expected);
      expect(new Set(burst(service).map((l) => l.attributes.seq)).size).toBe(500);
      expect(receiver.spans.filter((s) => s.resource['service.name'] === service && s.kind === 2)).toHaveLength(1);
    });
  }
});
