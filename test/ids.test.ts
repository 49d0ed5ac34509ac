import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrdersTable } from './support/db';
import { AMQP_URL, listeningPort, otelEnv, PG_URL, runFixture, type Fixture } from './support/fixture';
import { queueName } from './support/broker';
import { startReceiver, type Receiver } from './support/otlp-receiver';

/** Where IDs come from, and what happens to bad ones: dropped with a diagnostic, never propagated. */
describe('business IDs: sources, validation, hostile input', () => {
  let receiver: Receiver;
  let db: Awaited<ReturnType<typeof createOrdersTable>>;
  let api: Fixture;
  let worker: Fixture;
  let customers: Fixture;
  let url: string;
  const queue = queueName('ids');

  beforeAll(async () => {
    receiver = await startReceiver();
    db = await createOrdersTable();
    const common = { DATABASE_URL: PG_URL, AMQP_URL, QUEUE: queue, TABLE: db.table, OTEL_LOG_LEVEL: 'debug' };
    // These services trust their loopback callers' ID headers and baggage (an edge would not: test/trust.test.ts).
    const trusted = { SHOP_OTEL_TRUSTED_PEERS: 'amqp,loopback' };
    customers = runFixture('customer-api.cjs', { register: 'require', env: otelEnv(receiver.url, 'ids-customers') });
    const customerPort = await listeningPort(customers);
    worker = runFixture('order-worker.cjs', { env: { ...otelEnv(receiver.url, 'ids-worker'), ...common } });
    await worker.waitForLine(/worker ready/);
    api = runFixture('order-api.mjs', { env: { ...otelEnv(receiver.url, 'ids-api'), ...common, ...trusted, CUSTOMER_URL: `http://127.0.0.1:${customerPort}` } });
    url = `http://127.0.0.1:${await listeningPort(api)}`;
  });

  afterAll(async () => {
    await Promise.all([api, worker, customers].filter(Boolean).map((f) => f.stop()));
    await db?.drop();
    await receiver?.close();
  });

  const serverSpan = (traceFilter: (s: (typeof receiver.spans)[number]) => boolean, what: string) =>
    receiver.waitFor(what, () => receiver.spans.find((s) => s.kind === 2 && traceFilter(s)));

  it('from x-order-id / x-customer-id headers', async () => {
    await fetch(`${url}/lookup?tag=headers`, { headers: { 'x-order-id': 'ord-hdr-1', 'x-customer-id': 'cust-hdr' } });
    const s = await serverSpan((s) => s.attributes['url.query'] === 'tag=headers', 'header request span');
    expect(s.attributes['shop.order.id']).toBe('ord-hdr-1');
    expect(s.attributes['shop.customer.id']).toBe('cust-hdr');
    const children = receiver.spans.filter((c) => c.traceId === s.traceId && c !== s);
    expect(children.length).toBeGreaterThan(0);
    expect(children.every((c) => c.attributes['shop.order.id'] === 'ord-hdr-1')).toBe(true);
  });

  it('from incoming W3C baggage, alongside unrelated entries', async () => {
    await fetch(`${url}/lookup?tag=baggage`, { headers: { baggage: 'shop.order.id=ord-bag-1,shop.customer.id=cust-bag,team=checkout' } });
    const s = await serverSpan((s) => s.attributes['url.query'] === 'tag=baggage', 'baggage request span');
    expect(s.attributes['shop.order.id']).toBe('ord-bag-1');
    expect(s.attributes['shop.customer.id']).toBe('cust-bag');
  });

  it('malformed or oversized IDs are dropped with a debug diagnostic and never propagated', async () => {
    const long = 'o'.repeat(300);
    const r = await fetch(`${url}/lookup?tag=bad&customerId=${encodeURIComponent('bad id;drop')}`, { headers: { 'x-order-id': long } });
    expect(r.status).toBe(200);
    const s = await serverSpan((s) => String(s.attributes['url.query']).startsWith('tag=bad&'), 'bad-id request span');
    expect(s.attributes['shop.order.id']).toBeUndefined();
    expect(s.attributes['shop.customer.id']).toBeUndefined();
    await api.waitForLine(/business ID from .* dropped: longer than 64 characters/);
    await api.waitForLine(/business ID from query parameter customerId dropped: malformed/);

    // A bad customer ID in a body does not reach the next service either.
    const created = await fetch(`${url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customerId: 'cust 99 <script>' }) });
    expect(created.status).toBe(201);
    const downstream = await serverSpan((s) => s.resource['service.name'] === 'ids-customers' && String(s.attributes['url.path']).includes('script'), 'customer-api span for the bad ID');
    expect(downstream.attributes['shop.customer.id']).toBeUndefined();
    // (The order ID is minted after the customer check, so that span carries none either.)
    expect(downstream.attributes['shop.order.id']).toBeUndefined();
  });

  it('hostile headers (garbage traceparent, huge baggage) cost a normal response, not a crash', async () => {
    const huge = Array.from({ length: 400 }, (_, i) => `k${i}=${'v'.repeat(20)}`).join(',');
    const r = await fetch(`${url}/lookup?tag=hostile`, { headers: { traceparent: 'zz-not-a-trace-zz', tracestate: '=,=,=', baggage: huge } });
    expect(r.status).toBe(200);
    const s = await serverSpan((s) => s.attributes['url.query'] === 'tag=hostile', 'hostile request span');
    expect(s.parentSpanId).toBe('');
    expect(api.proc.exitCode).toBeNull();
  });

  it('malformed AMQP messages (binary body, odd header types) are handled by the app, and the worker lives on', async () => {
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createChannel();
    ch.sendToQueue(queue, Buffer.from([0xff, 0x00, 0x7b, 0x22]), {
      headers: { baggage: 12345, traceparent: Buffer.from('not-a-traceparent'), 'x-order-id': { nested: true } },
    });
    ch.sendToQueue(queue, Buffer.from(JSON.stringify({ orderId: 'ord-after-garbage', customerId: 'cust-g' })));
    await ch.close();
    await conn.close();
    await worker.waitForLine(/malformed order message/);
    const consumed = await receiver.waitFor('consume span of the good message', () =>
      receiver.spans.find((s) => s.kind === 5 && s.resource['service.name'] === 'ids-worker' && s.attributes['shop.order.id'] === 'ord-after-garbage'),
    );
    expect(consumed.attributes['shop.customer.id']).toBe('cust-g');
    expect(worker.proc.exitCode).toBeNull();
  });
});
