import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrdersTable } from './support/db';
import { AMQP_URL, listeningPort, otelEnv, PG_URL, runFixture, uniqueName } from './support/fixture';
import { queueName } from './support/broker';
import { startReceiver, type Receiver } from './support/otlp-receiver';
import { closedPort } from './support/ports';

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
    const env = { ...otelEnv(receiver.url, service), OTEL_BLRP_SCHEDULE_DELAY: '30000', OTEL_BSP_SCHEDULE_DELAY: '30000', DATABASE_URL: PG_URL, AMQP_URL, QUEUE: queueName('q'), TABLE: db.table };
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

  it('process.exit(1) never returns: the next line never runs, the status is 1, what was logged before arrives', async () => {
    const service = uniqueName('exit-returns');
    // Long batch delays: every record is still queued when process.exit() is called.
    const env = { ...otelEnv(receiver.url, service), OTEL_BLRP_SCHEDULE_DELAY: '30000', OTEL_BSP_SCHEDULE_DELAY: '30000', EXIT_MODE: 'exit', EXIT_CODE: '1', BURST: '400' };
    const app = runFixture('exit-paths.mjs', { env });
    const exit = await app.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 1, signal: null });
    expect(app.stdout).toContain('ready');
    expect(app.stdout.join('\n')).not.toContain('after exit');
    expect(new Set(burst(service).map((l) => l.attributes.seq)).size).toBe(400);
    expect(receiver.logs.some((l) => l.resource['service.name'] === service && l.body === 'after exit')).toBe(false);
    expect(receiver.spans.filter((s) => s.resource['service.name'] === service && s.kind === 2)).toHaveLength(1);
  });

  it('process.exit() while the exports hang: the batches in flight are sent again at the exit, as they were sent', async () => {
    // A receiver of its own: it hangs every export until the app's batches are in flight, then
    // answers the exit flush (a new connection).
    const hanging = await startReceiver();
    try {
      const service = uniqueName('exit-in-flight');
      hanging.fault = { kind: 'hang' };
      const env = { ...otelEnv(hanging.url, service), OTEL_BLRP_SCHEDULE_DELAY: '50', OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_EXPORTER_OTLP_TIMEOUT: '30000', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '128', EXIT_MODE: 'exit', EXIT_CODE: '4', EXIT_AFTER_MS: '1500', BURST: '300' };
      const app = runFixture('exit-paths.mjs', { env });
      // 300 records in batches of 128 and the span: four exports, each held open.
      await hanging.waitFor('exports in flight', () => (hanging.requests.hang ?? 0) >= 4, 10_000);
      hanging.fault = undefined;
      const exit = await app.exited;
      expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 4, signal: null });
      const seqs = new Set(hanging.logs.filter((l) => l.resource['service.name'] === service && l.body === 'exit burst').map((l) => l.attributes.seq));
      expect(seqs.size).toBe(300);
      expect(hanging.spans.filter((s) => s.resource['service.name'] === service && s.kind === 2)).toHaveLength(1);
    } finally {
      await hanging.close();
    }
  });

  it('--require, CommonJS: process.exit(2) never returns either, and what was logged before arrives', async () => {
    const service = uniqueName('exit-returns-cjs');
    const env = { ...otelEnv(receiver.url, service), OTEL_BLRP_SCHEDULE_DELAY: '30000', OTEL_BSP_SCHEDULE_DELAY: '30000', EXIT_MODE: 'exit', EXIT_CODE: '2', BURST: '300' };
    const app = runFixture('exit-paths.cjs', { env, register: 'require' });
    const exit = await app.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 2, signal: null });
    expect(app.stdout).toContain('ready');
    expect(app.stdout.join('\n')).not.toContain('after exit');
    expect(new Set(burst(service).map((l) => l.attributes.seq)).size).toBe(300);
  });

  it('an uncaught exception: the crash is the same (stderr, status 1), and the last batch arrives', async () => {
    const service = uniqueName('exit-crash');
    const env = { ...otelEnv(receiver.url, service), OTEL_BLRP_SCHEDULE_DELAY: '30000', OTEL_BSP_SCHEDULE_DELAY: '30000', EXIT_MODE: 'throw', BURST: '300' };
    const app = runFixture('exit-paths.mjs', { env });
    const bare = runFixture('exit-paths.mjs', { env, register: 'none' });
    const [exit, bareExit] = await Promise.all([app.exited, bare.exited]);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 1, signal: null });
    expect({ code: bareExit.code, signal: bareExit.signal }).toEqual({ code: 1, signal: null });
    // The app's stderr, our start-up line aside, is exactly what it is without shop-otel.
    expect(app.stderr.filter((l) => !l.startsWith('shop-otel:'))).toEqual(bare.stderr);
    expect(app.stderr.join('\n')).toContain('Error: fixture crash');
    expect(new Set(burst(service).map((l) => l.attributes.seq)).size).toBe(300);
  });

  it('an uncaught exception the app handles itself: its handler runs, the app lives on, nothing is held or lost', async () => {
    const service = uniqueName('exit-handled');
    const env = { ...otelEnv(receiver.url, service), OTEL_BLRP_SCHEDULE_DELAY: '30000', OTEL_BSP_SCHEDULE_DELAY: '30000', EXIT_MODE: 'throw-handled', BURST: '200' };
    const app = runFixture('exit-paths.mjs', { env });
    const exit = await app.exited;
    expect(app.stdout).toContain('app handled: fixture crash');
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(new Set(burst(service).map((l) => l.attributes.seq)).size).toBe(200);
    expect(receiver.logs.some((l) => l.resource['service.name'] === service && l.body === 'after handled crash')).toBe(true);
  });

  // The same fixture with telemetry off is the baseline: a dead collector must add about
  // nothing to it, where before it added the whole shutdown bound (10 s here) to every exit.
  for (const mode of ['exit', 'natural', 'signal', 'throw'] as const) {
    it(`collector down, exit by ${mode}: the exit is not delayed by the shutdown bound`, async () => {
      const endpoint = `http://127.0.0.1:${await closedPort()}`;
      const run = async (disabled: boolean) => {
        const env = { ...otelEnv(endpoint, uniqueName(`dead-${mode}`)), SHOP_OTEL_SHUTDOWN_TIMEOUT_MS: '10000', OTEL_SDK_DISABLED: disabled ? 'true' : undefined, EXIT_MODE: mode, BURST: '200' };
        const app = runFixture('exit-paths.mjs', { env });
        await app.waitForLine(/^ready$/);
        const t = Date.now();
        const exit = mode === 'signal' ? await app.stop('SIGTERM') : await app.exited;
        return { ms: Date.now() - t, code: exit.code, signal: exit.signal, stderr: app.stderr };
      };
      const off = await run(true);
      const on = await run(false);
      expect({ code: on.code, signal: on.signal }).toEqual({ code: off.code, signal: off.signal });
      console.log(`collector down, exit by ${mode}: ready→exit ${on.ms} ms with shop-otel, ${off.ms} ms with OTEL_SDK_DISABLED`, on.ms > off.ms + 2500 ? on.stderr : "");
      // Generous: the exit flush's worker start and a refused connection, on a loaded machine.
      expect(on.ms).toBeLessThan(off.ms + 2500);
    });
  }
});
