import path from 'node:path';
import { otelEnv, REPO, runFixture, type Fixture } from './fixture';
import { dropBrokerObjects } from './broker';

/** The sample shop's HTTP ports for one test file (each file its own, so files can run in parallel). */
export interface ShopPorts { SHOP_API_PORT: string; CRM_API_PORT: string; MES_API_PORT: string; FILE_STORE_PORT: string }

/**
 * The sample shop, through its own launcher, every service under `--import shop-otel/register`, exporting to `endpoint`.
 * `namespace` prefixes its exchanges and queues: two shops on one broker must not consume each other's messages.
 * `extraEnv`: more settings for every service (e.g. SHOP_DB_URL / MES_DB_URL of a test's own PostgreSQL).
 */
export async function startSampleShop(endpoint: string, ports: ShopPorts, fileStoreDir: string, namespace: string, extraEnv: Record<string, string> = {}): Promise<Fixture> {
  const shop = runFixture(path.join(REPO, 'samples', 'shop.mjs'), {
    register: 'none',
    args: ['--quiet'],
    env: { ...otelEnv(endpoint, ''), OTEL_SERVICE_NAME: undefined, SAMPLE_NODE_OPTIONS: '--import shop-otel/register', ...ports, FILE_STORE_DIR: fileStoreDir, AMQP_NAMESPACE: namespace, ...extraEnv },
  });
  await shop.waitForLine(/shop: ready/, 60_000);
  return shop;
}

/** The traffic generator against that shop, to its end: its exit, summary line and the number of orders created. */
export async function runSampleTraffic(ports: ShopPorts, args: string[]): Promise<{ code: number | null; summary: string; ordersCreated: number }> {
  const traffic = runFixture(path.join(REPO, 'samples', 'traffic.mjs'), {
    register: 'none',
    args: [...args, '--shop-url', `http://127.0.0.1:${ports.SHOP_API_PORT}`, '--crm-url', `http://127.0.0.1:${ports.CRM_API_PORT}`, '--files-url', `http://127.0.0.1:${ports.FILE_STORE_PORT}`],
  });
  const { code } = await traffic.exited;
  const summary = traffic.stdout.find((l) => l.startsWith('traffic:')) ?? '';
  return { code, summary, ordersCreated: Number(/(\d+) orders created/.exec(summary)?.[1] ?? NaN) };
}

/**
 * Deletes the sample shop's queues and exchanges of one namespace (samples/lib/common.cjs names
 * them): durable, so a test that made them under a namespace of its own (`alerting<pid>.`) would
 * otherwise leave four queues and two exchanges on the broker for every run.
 */
export async function dropSampleShopBroker(namespace: string): Promise<void> {
  await dropBrokerObjects(
    ['shop.dead-letters', 'shop-internal.orders', 'mes.orders', 'crm.order-status'].map((q) => `${namespace}${q}`),
    ['shop.events', 'shop.dlx'].map((x) => `${namespace}${x}`),
  );
}
