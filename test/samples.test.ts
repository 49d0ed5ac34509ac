import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, type Fixture } from './support/fixture';
import { dropSampleShopBroker, runSampleTraffic, startSampleShop } from './support/sample-shop';
import { startReceiver, type Receiver } from './support/otlp-receiver';
import path from 'node:path';

/**
 * The sample shop itself, instrumented only by `--import shop-otel/register` through its launcher,
 * driven by its traffic generator: every order journey crosses the six services in one trace,
 * with the order and customer IDs, and a corrupted model file surfaces as the policy's events.
 */
describe('the sample shop, instrumented with no code change', () => {
  let receiver: Receiver;
  let shop: Fixture;
  const ports = { SHOP_API_PORT: '13100', CRM_API_PORT: '13101', MES_API_PORT: '13102', FILE_STORE_PORT: '13103' };

  beforeAll(async () => {
    receiver = await startReceiver();
    shop = await startSampleShop(receiver.url, ports, path.join(REPO, '.cache', 'test-file-store'), 'test-samples.');
  });
  afterAll(async () => {
    await shop?.stop('SIGINT');
    // The shop's namespace is durable: its queues and exchanges would outlive the run.
    if (shop) await dropSampleShopBroker('test-samples.').catch((e) => process.stderr.write(`the shop's queues not deleted: ${e}\n`));
    await receiver?.close();
  });

  it('traffic makes complete journeys: one trace across all six services, IDs on every span', async () => {
    const { code, summary, ordersCreated: created } = await runSampleTraffic(ports, ['--rate', '8', '--duration', '3', '--burst', '10', '--bad-ratio', '0.1', '--corrupt', '--wait', '3']);
    expect(code).toBe(0);
    expect(summary).toMatch(/0 errors/);
    expect(created).toBeGreaterThan(15);

    // Every order reaches a final status: shipped, or failed (an item used the corrupted model).
    const finals = () => receiver.logs.filter((l) => l.attributes['event.name'] === 'shop.order.status_changed' && ['shipped', 'failed', 'rejected'].includes(String(l.attributes['shop.order.status'])));
    await receiver.waitFor(`${created} orders to finish`, () => new Set(finals().map((l) => l.attributes['shop.order.id'])).size >= created || undefined, 30_000);
    const shipped = finals().filter((l) => l.attributes['shop.order.status'] === 'shipped');
    expect(shipped.length).toBeGreaterThan(created / 2);
    const one = shipped[0];
    const trace = receiver.spans.filter((s) => s.traceId === one.traceId);
    const services = new Set(trace.map((s) => s.resource['service.name']));
    expect([...services].sort()).toEqual(['crm-api', 'crm-internal', 'file-store', 'mes-api', 'shop-api', 'shop-internal']);
    const orderId = one.attributes['shop.order.id'];
    const customerId = one.attributes['shop.customer.id'];
    expect(orderId).toMatch(/^ord_/);
    expect(customerId).toMatch(/^cust-\d{4}$/);
    // Spans of the journey without the order ID: only the CRM customer check, made before the order existed.
    const withoutOrder = trace.filter((s) => s.attributes['shop.order.id'] !== orderId).map((s) => `${s.resource['service.name']} ${s.name}`);
    expect(withoutOrder.every((n) => n.startsWith('crm-api GET /customers/:customerId') || n.startsWith('shop-api GET') || n.startsWith('crm-api pg.query')), withoutOrder.join('\n')).toBe(true);
    expect(trace.every((s) => s.attributes['shop.customer.id'] === customerId)).toBe(true);

    // The corrupted model file: the MES's integrity warning and the failed order, on their traces.
    const integrity = await receiver.waitFor('integrity warning', () => receiver.logs.find((l) => l.attributes['event.name'] === 'storage.file.integrity_failed'));
    expect(integrity.attributes['storage.file.id']).toBe('model-0007.stl');
    expect(integrity.attributes['shop.order.id']).toMatch(/^ord_/);
    expect(receiver.logs.some((l) => l.attributes['event.name'] === 'mes.order.failed' && l.attributes['shop.order.id'] === integrity.attributes['shop.order.id'])).toBe(true);
    // Bad requests are warnings of the Shop API, not failures.
    expect(receiver.logs.some((l) => l.resource['service.name'] === 'shop-api' && l.body === 'order rejected: unknown customer' && l.severityNumber === 13)).toBe(true);
    expect(receiver.logs.some((l) => l.attributes['event.name'] === 'shop.order.failed')).toBe(false);
  });
});
