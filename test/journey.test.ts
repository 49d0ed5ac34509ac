import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrdersTable } from './support/db';
import { AMQP_URL, listeningPort, otelEnv, PG_URL, runFixture, type Fixture } from './support/fixture';
import { queueName } from './support/broker';
import { startReceiver, type Receiver, type ReceivedSpan } from './support/otlp-receiver';

/**
 * The order journey across three processes, each loaded as a user would load it:
 *   customer-api (CommonJS, --require)  <- fetch --  order-api (ESM, --import) -- pg, publish -->
 *   RabbitMQ -- consume --> order-worker (CommonJS, --import) -- pg
 * One trace joins them; the order and customer IDs are on every span and log record.
 */
describe('order journey: HTTP -> pg -> publish -> consume -> pg, across processes', () => {
  let receiver: Receiver;
  let db: Awaited<ReturnType<typeof createOrdersTable>>;
  let api: Fixture;
  let worker: Fixture;
  let customers: Fixture;
  let apiUrl: string;
  const queue = queueName('orders');

  beforeAll(async () => {
    receiver = await startReceiver();
    db = await createOrdersTable();
    const common = { DATABASE_URL: PG_URL, AMQP_URL, QUEUE: queue, TABLE: db.table };
    customers = runFixture('customer-api.cjs', { register: 'require', env: otelEnv(receiver.url, 'customer-api') });
    const customerPort = await listeningPort(customers);
    worker = runFixture('order-worker.cjs', { env: { ...otelEnv(receiver.url, 'order-worker'), ...common } });
    await worker.waitForLine(/worker ready/);
    api = runFixture('order-api.mjs', {
      env: { ...otelEnv(receiver.url, 'order-api'), ...common, CUSTOMER_URL: `http://127.0.0.1:${customerPort}` },
    });
    apiUrl = `http://127.0.0.1:${await listeningPort(api)}`;
  });

  afterAll(async () => {
    await Promise.all([api, worker, customers].filter(Boolean).map((f) => f.stop()));
    await db?.drop();
    await receiver?.close();
  });

  it('joins one trace and puts the business IDs on every span and log record', async () => {
    const res = await fetch(`${apiUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'cust-42', items: [{ sku: 'vase' }], email: 'jane.doe@example.com' }),
    });
    expect(res.status).toBe(201);
    const { orderId } = (await res.json()) as { orderId: string };

    const server = await receiver.waitFor('the POST /orders server span', () =>
      receiver.spans.find((s) => s.kind === 2 && s.resource['service.name'] === 'order-api' && s.name === 'POST /orders'),
    );
    const traceId = server.traceId;
    // Wait until the worker has processed the message and its spans arrived.
    await receiver.waitFor('the worker UPDATE span', () =>
      receiver.spans.find((s) => s.traceId === traceId && s.resource['service.name'] === 'order-worker' && /UPDATE/.test(String(s.attributes['db.query.text'] ?? s.name))),
    );
    await receiver.waitFor('the worker log record', () => receiver.logs.find((l) => l.body === 'order accepted' && l.traceId === traceId));
    const trace = receiver.spans.filter((s) => s.traceId === traceId);
    const byService = (svc: string) => trace.filter((s) => s.resource['service.name'] === svc);

    // One trace across the three services.
    expect(byService('customer-api').some((s) => s.kind === 2 && s.name === 'GET /customers/:customerId')).toBe(true);
    const apiSpans = byService('order-api');
    expect(apiSpans.some((s) => s.kind === 3 && /^GET/.test(s.name))).toBe(true); // fetch to customer-api
    expect(apiSpans.some((s) => /INSERT/.test(String(s.attributes['db.query.text'])))).toBe(true);
    const publish = apiSpans.find((s) => s.kind === 4);
    expect(publish, 'publish span').toBeDefined();
    const consume = byService('order-worker').find((s) => s.kind === 5);
    expect(consume, 'consume span').toBeDefined();
    expect(consume!.parentSpanId).toBe(publish!.spanId);

    // Every span of the journey carries both IDs, including those that ended before the order ID
    // was minted (the CRM call, the INSERT). The one exception is inherent: the customer service
    // was called, in another process, before the order existed; it carries the customer ID.
    const missing = (s: ReceivedSpan) => s.attributes['shop.order.id'] !== orderId || s.attributes['shop.customer.id'] !== 'cust-42';
    expect(trace.filter((s) => s.resource['service.name'] !== 'customer-api').filter(missing).map((s) => `${s.resource['service.name']}: ${s.name}`)).toEqual([]);
    expect(byService('customer-api').every((s) => s.attributes['shop.customer.id'] === 'cust-42')).toBe(true);
    // customer GET; api POST, fetch, INSERT, publish; worker consume, UPDATE.
    expect(trace.length).toBeGreaterThanOrEqual(7);

    // Log records: correlated to the trace, carrying the IDs, personal data redacted.
    const created = receiver.logs.find((l) => l.body === 'order created' && l.traceId === traceId)!;
    expect(created).toBeDefined();
    expect(created.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(created.attributes['shop.order.id']).toBe(orderId);
    expect(created.attributes['shop.customer.id']).toBe('cust-42');
    expect(created.attributes.email).toBe('[REDACTED]');
    expect(created.severityNumber).toBe(9);
    const accepted = receiver.logs.find((l) => l.body === 'order accepted' && l.traceId === traceId)!;
    expect(accepted.attributes['shop.order.id']).toBe(orderId);
    expect(accepted.attributes['shop.customer.id']).toBe('cust-42');
    const checked = receiver.logs.find((l) => l.body === 'customer checked' && l.traceId === traceId)!;
    expect(checked.attributes['shop.customer.id']).toBe('cust-42');

    // The app's own winston output carries the trace context.
    const line = api.stdout.find((l) => l.includes('"order created"'))!;
    const json = JSON.parse(line) as Record<string, string>;
    expect(json.trace_id).toBe(traceId);
    expect(json.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(json.trace_flags).toBe('01');

    // Nothing personal went over the wire.
    const wire = JSON.stringify([receiver.spans, receiver.logs]);
    expect(wire).not.toContain('jane.doe@example.com');
  });

  it('takes IDs from route parameters, nested routers and query strings', async () => {
    const created = await fetch(`${apiUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'cust-7' }),
    });
    const { orderId } = (await created.json()) as { orderId: string };
    await fetch(`${apiUrl}/orders/${orderId}`);
    await fetch(`${apiUrl}/customers/cust-7`);
    await fetch(`${apiUrl}/lookup?order_id=${orderId}&customerId=cust-7`);

    const get = await receiver.waitFor('GET /orders/:orderId', () => receiver.spans.find((s) => s.name === 'GET /orders/:orderId' && s.attributes['shop.order.id'] === orderId));
    expect(get.attributes['http.route']).toBe('/orders/:orderId');
    const getChildren = receiver.spans.filter((s) => s.traceId === get.traceId);
    expect(getChildren.every((s) => s.attributes['shop.order.id'] === orderId)).toBe(true);

    const nested = await receiver.waitFor('GET /customers/:id', () => receiver.spans.find((s) => s.name === 'GET /customers/:id' && s.kind === 2));
    expect(nested.attributes['shop.customer.id']).toBe('cust-7');
    const lookup = await receiver.waitFor('GET /lookup', () => receiver.spans.find((s) => s.name === 'GET /lookup' && s.kind === 2));
    expect(lookup.attributes['shop.order.id']).toBe(orderId);
    expect(lookup.attributes['shop.customer.id']).toBe('cust-7');
    const lookupLog = await receiver.waitFor('lookup record', () => receiver.logs.find((l) => l.body === 'lookup' && l.traceId === lookup.traceId));
    expect(lookupLog.attributes['shop.order.id']).toBe(orderId);
  });
});
