import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMQP_URL, listeningPort, otelEnv, PG_URL, runFixture, uniqueName, type Fixture } from './support/fixture';
import { queueName } from './support/broker';
import { startReceiver, type ReceivedLog, type Receiver } from './support/otlp-receiver';

/**
 * The user's logging policy, row by row (shared/mission/seed-logging-design.en.md): for each
 * component, its INFO events with their required fields, its WARNING and ERROR conditions and
 * its DEBUG steps, driven in a fixture service against the real PostgreSQL and RabbitMQ, and
 * asserted on what was exported: level, event.name, required attributes, trace correlation,
 * redaction. The expectations come from the schema file the code itself uses.
 */
const schema = JSON.parse(readFileSync(path.join(__dirname, '..', 'src', 'policy', 'events.json'), 'utf8')) as {
  levels: Record<string, number>;
  events: Record<string, { level: string; required: string[] }>;
};

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => receiver?.close());

async function startComponent(component: string, env: Record<string, string> = {}): Promise<{ app: Fixture; url: string; service: string }> {
  const service = uniqueName(component);
  const app = runFixture('component-app.mjs', {
    env: {
      ...otelEnv(receiver.url, service),
      SHOP_OTEL_COMPONENT: component,
      DATABASE_URL: PG_URL,
      AMQP_URL,
      QUEUE: queueName('policy'),
      SHOP_OTEL_SLOW_RESPONSE_MS: '200',
      SHOP_OTEL_SLOW_QUERY_MS: '100',
      SHOP_OTEL_INFO_EVENTS_PER_SECOND: '1000',
      ...env,
    },
  });
  return { app, url: `http://127.0.0.1:${await listeningPort(app)}`, service };
}

/** Wait for the event, then check it against the schema: level, required attributes, trace. */
async function expectEvent(service: string, name: string, match: (l: ReceivedLog) => boolean = () => true, correlated = true): Promise<ReceivedLog> {
  const record = await receiver.waitFor(`${name} from ${service}`, () =>
    receiver.logs.find((l) => l.resource['service.name'] === service && l.attributes['event.name'] === name && match(l)),
  );
  const spec = schema.events[name];
  expect(spec, `${name} is in the schema`).toBeDefined();
  expect(record.severityNumber, `${name} level`).toBe(schema.levels[spec.level]);
  expect(record.eventName).toBe(name);
  for (const key of spec.required) expect(record.attributes[key], `${name} requires ${key}`).not.toBeUndefined();
  expect(record.attributes['shop.event.incomplete']).toBeUndefined();
  if (correlated) expect(record.traceId, `${name} is correlated to a trace`).toMatch(/^[0-9a-f]{32}$/);
  return record;
}

const post = (url: string, body: unknown = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('Shop API', () => {
  let c: Awaited<ReturnType<typeof startComponent>>;
  beforeAll(async () => (c = await startComponent('shop-api')));
  afterAll(async () => c?.app.stop());

  it('INFO order created and status updated, with the order and customer IDs', async () => {
    await post(`${c.url}/orders`, { orderId: 'ord-p1', customerId: 'cust-p1' });
    const created = await expectEvent(c.service, 'shop.order.created', (l) => l.attributes['shop.order.id'] === 'ord-p1');
    expect(created.attributes['shop.customer.id']).toBe('cust-p1');
    expect(created.attributes['shop.component']).toBe('shop-api');
    // The span's batch may land just after the record's: wait for it rather than race it.
    const span = await receiver.waitFor('the server span of the created event', () => receiver.spans.find((s) => s.traceId === created.traceId && s.kind === 2));
    expect(span?.name).toBe('POST /orders');
    const changed = await expectEvent(c.service, 'shop.order.status_changed', (l) => l.attributes['shop.order.id'] === 'ord-p1');
    expect(changed.attributes['shop.order.status']).toBe('accepted');
  });

  it('ERROR order processing failures: through the API, and automatically for a 5xx', async () => {
    await post(`${c.url}/orders/ord-p2/fail`);
    const viaApi = await expectEvent(c.service, 'shop.order.failed', (l) => l.attributes['shop.order.id'] === 'ord-p2');
    expect(viaApi.attributes['error.type']).toBe('TypeError');
    const r = await fetch(`${c.url}/fail`);
    expect(r.status).toBe(500);
    const auto = await expectEvent(c.service, 'shop.order.failed', (l) => l.attributes['http.route'] === '/fail');
    expect(auto.attributes['http.response.status_code']).toBe(500);
  });

  it('WARNING slow responses', async () => {
    await fetch(`${c.url}/slow?ms=300`);
    const slow = await expectEvent(c.service, 'http.server.slow_response', (l) => l.attributes['http.route'] === '/slow');
    expect(Number(slow.attributes['http.response.duration_ms'])).toBeGreaterThanOrEqual(300);
    await fetch(`${c.url}/slow?ms=10`);
    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.logs.filter((l) => l.resource['service.name'] === c.service && l.attributes['event.name'] === 'http.server.slow_response')).toHaveLength(1);
  });

  it('WARNING authentication failures (401/403), for the SIEM', async () => {
    expect((await fetch(`${c.url}/admin`)).status).toBe(401);
    expect((await fetch(`${c.url}/admin`, { headers: { authorization: 'Bearer not-allowed' } })).status).toBe(403);
    const refused = await expectEvent(c.service, 'http.server.auth_failed', (l) => l.attributes['http.route'] === '/admin' && l.attributes['error.type'] === '401');
    expect(refused.attributes['shop.component']).toBe('shop-api');
    await expectEvent(c.service, 'http.server.auth_failed', (l) => l.attributes['error.type'] === '403');
    // Nothing of the credentials travels with it.
    expect(JSON.stringify(receiver.logs.filter((l) => l.resource['service.name'] === c.service))).not.toContain('not-allowed');
  });

  it('privacy: e-mail addresses and card numbers in records are redacted', async () => {
    await fetch(`${c.url}/email`);
    const rec = await receiver.waitFor('contact record', () => receiver.logs.find((l) => l.resource['service.name'] === c.service && l.body === 'contact customer'));
    expect(rec.attributes.contact).toBe('[REDACTED]');
    expect(rec.attributes.card).toBe('[REDACTED]');
  });
});

describe('CRM API', () => {
  let c: Awaited<ReturnType<typeof startComponent>>;
  beforeAll(async () => (c = await startComponent('crm-api', { SHOP_OTEL_CUSTOMER_RATE_LIMIT: '5', SHOP_OTEL_CUSTOMER_RATE_WINDOW_S: '60' })));
  afterAll(async () => c?.app.stop());

  it('INFO profile updated: the changed field names, never their values', async () => {
    await fetch(`${c.url}/customers/cust-c1`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'new@example.com', phone: '+44 20 7946 0958' }) });
    const rec = await expectEvent(c.service, 'crm.customer.profile_updated', (l) => l.attributes['shop.customer.id'] === 'cust-c1');
    expect(rec.attributes['crm.changed_fields']).toEqual(['email', 'phone']);
    expect(JSON.stringify(receiver.logs)).not.toContain('new@example.com');
  });

  it('ERROR failures fetching customer data (automatic, 5xx)', async () => {
    await fetch(`${c.url}/fail`);
    await expectEvent(c.service, 'crm.customer.fetch_failed', (l) => l.attributes['http.route'] === '/fail');
  });

  it('WARNING unusual customer activity: one warning per burst over the sliding window', async () => {
    for (let i = 0; i < 12; i++) await fetch(`${c.url}/customers/cust-busy`);
    const rec = await expectEvent(c.service, 'crm.customer.unusual_activity', (l) => l.attributes['shop.customer.id'] === 'cust-busy');
    expect(Number(rec.attributes['crm.activity.count'])).toBeGreaterThan(5);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.logs.filter((l) => l.resource['service.name'] === c.service && l.attributes['event.name'] === 'crm.customer.unusual_activity')).toHaveLength(1);
  });
});

describe('MES API', () => {
  let c: Awaited<ReturnType<typeof startComponent>>;
  beforeAll(async () => (c = await startComponent('mes-api', { SHOP_OTEL_MES_DELAY_MS: '150' })));
  afterAll(async () => c?.app.stop());

  it('INFO order processing with its status', async () => {
    await post(`${c.url}/mes/ord-m1`);
    const rec = await expectEvent(c.service, 'mes.order.processed', (l) => l.attributes['shop.order.id'] === 'ord-m1');
    expect(rec.attributes['mes.processing.status']).toBe('printing');
  });

  it('ERROR processing errors (automatic, 5xx)', async () => {
    await fetch(`${c.url}/fail`);
    await expectEvent(c.service, 'mes.order.failed', (l) => l.attributes['http.route'] === '/fail');
  });

  it('WARNING processing delays: an order reaching the MES later than the threshold after it appeared', async () => {
    await post(`${c.url}/mq/send`, { orderId: 'ord-late', waitMs: 300 });
    const rec = await expectEvent(c.service, 'mes.order.delayed', (l) => l.attributes['shop.order.id'] === 'ord-late');
    expect(Number(rec.attributes['mes.delay_ms'])).toBeGreaterThanOrEqual(150);
    await post(`${c.url}/mq/send`, { orderId: 'ord-prompt', messageId: 'msg-prompt' });
    await expectEvent(c.service, 'messaging.message.processed', (l) => l.attributes['shop.order.id'] === 'ord-prompt');
    expect(receiver.logs.some((l) => l.attributes['event.name'] === 'mes.order.delayed' && l.attributes['shop.order.id'] === 'ord-prompt')).toBe(false);
  });
});

describe('Internal shop container', () => {
  let c: Awaited<ReturnType<typeof startComponent>>;
  beforeAll(async () => (c = await startComponent('shop-internal')));
  afterAll(async () => c?.app.stop());

  it('INFO business-logic processing; DEBUG steps are not exported by default', async () => {
    await post(`${c.url}/ops/ord-i1`);
    const rec = await expectEvent(c.service, 'shop.operation.completed', (l) => l.attributes['shop.order.id'] === 'ord-i1');
    expect(rec.attributes['shop.operation.result']).toBe('accepted');
    await new Promise((r) => setTimeout(r, 400));
    expect(receiver.logs.some((l) => l.resource['service.name'] === c.service && l.attributes['event.name'] === 'shop.operation.step')).toBe(false);
  });

  it('ERROR processing failures: a message the container rejects', async () => {
    await post(`${c.url}/mq/send`, { orderId: 'ord-i2', reject: true });
    const rec = await expectEvent(c.service, 'shop.operation.failed', (l) => l.attributes['shop.order.id'] === 'ord-i2');
    expect(rec.attributes['error.type']).toBe('dead-lettered');
  });

  it('DEBUG detailed steps, when switched on at runtime (signal), and off again after the timeout', async () => {
    const d = await startComponent('shop-internal', { SHOP_OTEL_DEBUG_TIMEOUT_S: '2', SHOP_OTEL_DEBUG_SIGNAL: 'SIGUSR2' });
    try {
      d.app.proc.kill('SIGUSR2');
      await d.app.waitForLine(/DEBUG is on for this service for 2 s/);
      await post(`${d.url}/ops/ord-i3`);
      const step = await expectEvent(d.service, 'shop.operation.step', (l) => l.attributes['shop.order.id'] === 'ord-i3');
      expect(step.attributes['shop.operation.step']).toBe('reserve items');
      await fetch(`${d.url}/debug-detail`);
      await receiver.waitFor('winston debug record', () => receiver.logs.find((l) => l.resource['service.name'] === d.service && l.body === 'debug detail'));
      await d.app.waitForLine(/DEBUG is off again/, 5000);
      await post(`${d.url}/ops/ord-i4`);
      await expectEvent(d.service, 'shop.operation.completed', (l) => l.attributes['shop.order.id'] === 'ord-i4');
      await new Promise((r) => setTimeout(r, 400));
      expect(receiver.logs.some((l) => l.attributes['shop.order.id'] === 'ord-i4' && l.attributes['event.name'] === 'shop.operation.step')).toBe(false);
      expect(d.app.proc.exitCode).toBeNull();
    } finally {
      await d.app.stop();
    }
  });
});

describe('CRM container', () => {
  let c: Awaited<ReturnType<typeof startComponent>>;
  beforeAll(async () => (c = await startComponent('crm-internal', { SHOP_OTEL_CUSTOMER_RATE_LIMIT: '3' })));
  afterAll(async () => c?.app.stop());

  it('INFO customer interactions', async () => {
    await post(`${c.url}/interactions/cust-k1`);
    const rec = await expectEvent(c.service, 'crm.interaction', (l) => l.attributes['shop.customer.id'] === 'cust-k1');
    expect(rec.attributes['crm.interaction.type']).toBe('order-shipped-email');
  });

  it('ERROR failures processing interactions: a rejected message', async () => {
    await post(`${c.url}/mq/send`, { customerId: 'cust-k2', reject: true });
    await expectEvent(c.service, 'crm.interaction.failed', (l) => l.attributes['shop.customer.id'] === 'cust-k2');
  });
});

describe('Shop DB and MES DB (as the clients observe them)', () => {
  let c: Awaited<ReturnType<typeof startComponent>>;
  beforeAll(async () => (c = await startComponent('shop-api')));
  afterAll(async () => c?.app.stop());

  it('INFO successful queries: query type and result size, never parameter values', async () => {
    await fetch(`${c.url}/db/ok`);
    const rec = await expectEvent(c.service, 'db.query.completed', (l) => l.attributes['db.operation.name'] === 'SELECT');
    expect(rec.attributes['db.namespace']).toBe('shop');
    expect(rec.attributes['db.response.returned_rows']).toBe(3);
    expect(rec.attributes['shop.component']).toBe('shop-db');
  });

  it('WARNING slow queries', async () => {
    await fetch(`${c.url}/db/slow`);
    const rec = await expectEvent(c.service, 'db.query.slow');
    expect(Number(rec.attributes['db.query.duration_ms'])).toBeGreaterThanOrEqual(200);
    expect(String(rec.attributes['db.query.text'])).toContain('pg_sleep');
  });

  it('ERROR query failures', async () => {
    await fetch(`${c.url}/db/fail`);
    const rec = await expectEvent(c.service, 'db.query.failed');
    expect(String(rec.attributes['db.query.text'])).toContain('no_such_table_for_policy');
  });

  it('ERROR connection failures, seen by the client: a pool that cannot connect, on the request\'s trace', async () => {
    const down = await startComponent('shop-api', { DATABASE_URL: 'postgres://shop:shop@127.0.0.1:9/shop' });
    try {
      for (let i = 0; i < 3; i++) expect((await fetch(`${down.url}/db/ok`)).status).toBe(500);
      const rec = await expectEvent(down.service, 'db.connection.failed');
      expect(rec.attributes['shop.component']).toBe('shop-db');
      expect(rec.attributes['db.namespace']).toBe('shop');
      expect(rec.attributes['error.type']).toBe('ECONNREFUSED');
      expect(rec.attributes['server.port']).toBe(9);
      const server = await receiver.waitFor('the failed request\'s server span', () => receiver.spans.find((s) => s.resource['service.name'] === down.service && s.kind === 2 && s.traceId === rec.traceId));
      expect(server.name).toBe('GET /db/ok');
      // At most one a second per database: three failures within a second are one event.
      await new Promise((r) => setTimeout(r, 300));
      expect(receiver.logs.filter((l) => l.resource['service.name'] === down.service && l.attributes['event.name'] === 'db.connection.failed').length).toBeLessThanOrEqual(2);
    } finally {
      await down.app.stop();
    }
  });

  it('the MES DB is its own component', async () => {
    const m = await startComponent('mes-api', { DATABASE_URL: PG_URL.replace(/\/shop$/, '/mes') });
    try {
      await fetch(`${m.url}/db/ok`);
      const rec = await expectEvent(m.service, 'db.query.completed');
      expect(rec.attributes['db.namespace']).toBe('mes');
      expect(rec.attributes['shop.component']).toBe('mes-db');
    } finally {
      await m.app.stop();
    }
  });
});

describe('Message queue', () => {
  let c: Awaited<ReturnType<typeof startComponent>>;
  beforeAll(async () => (c = await startComponent('shop-internal')));
  afterAll(async () => c?.app.stop());

  it('INFO message processing: message id, destination, status', async () => {
    await post(`${c.url}/mq/send`, { orderId: 'ord-q1', messageId: 'msg-q1' });
    const rec = await expectEvent(c.service, 'messaging.message.processed', (l) => l.attributes['messaging.message.id'] === 'msg-q1');
    expect(rec.attributes['messaging.message.status']).toBe('acked');
    expect(rec.attributes['shop.order.id']).toBe('ord-q1');
    expect(rec.attributes['shop.component']).toBe('message-queue');
  });

  it('WARNING routing problems: an unroutable (returned) message, joined to the publishing trace', async () => {
    await post(`${c.url}/mq/unroutable`, { orderId: 'ord-q2' });
    const rec = await expectEvent(c.service, 'messaging.routing.failed', (l) => l.attributes['messaging.routing.reason'] === 'NO_ROUTE');
    expect(rec.attributes['shop.order.id']).toBe('ord-q2');
    const publish = receiver.spans.find((s) => s.kind === 4 && s.attributes['shop.order.id'] === 'ord-q2');
    expect(publish?.traceId).toBe(rec.traceId);
  });

  it('WARNING routing problems: a dead-lettered message', async () => {
    await post(`${c.url}/mq/send`, { orderId: 'ord-q3', reject: true });
    await expectEvent(c.service, 'messaging.routing.failed', (l) => l.attributes['messaging.routing.reason'] === 'dead-lettered' && l.attributes['shop.order.id'] === 'ord-q3');
  });

  it('ERROR delivery failures: a channel error', async () => {
    await post(`${c.url}/mq/bad-exchange`);
    // A channel error arrives from the broker outside any request: there is no trace to join.
    const rec = await expectEvent(c.service, 'messaging.delivery.failed', () => true, false);
    expect(rec.attributes['error.type']).toBe('404');
  });
});

describe('3D-file storage', () => {
  let c: Awaited<ReturnType<typeof startComponent>>;
  beforeAll(async () => (c = await startComponent('file-storage')));
  afterAll(async () => c?.app.stop());

  it('INFO file operations: file id and operation type', async () => {
    await fetch(`${c.url}/files/model-1.stl`);
    const rec = await expectEvent(c.service, 'storage.file.operation', (l) => l.attributes['storage.file.id'] === 'model-1.stl');
    expect(rec.attributes['storage.operation.type']).toBe('read');
    await fetch(`${c.url}/files/model-2.stl`, { method: 'PUT', body: 'x' });
    await expectEvent(c.service, 'storage.file.operation', (l) => l.attributes['storage.file.id'] === 'model-2.stl' && l.attributes['storage.operation.type'] === 'write');
  });

  it('ERROR file access errors', async () => {
    await fetch(`${c.url}/files/missing.stl`);
    const rec = await expectEvent(c.service, 'storage.file.access_failed', (l) => l.attributes['storage.file.id'] === 'missing.stl');
    expect(rec.attributes['http.response.status_code']).toBe(404);
  });

  it('WARNING file integrity problems', async () => {
    await post(`${c.url}/integrity/model-1.stl`);
    const rec = await expectEvent(c.service, 'storage.file.integrity_failed', (l) => l.attributes['storage.file.id'] === 'model-1.stl');
    expect(rec.attributes['storage.file.checksum.expected']).toBe('aa');
  });
});

describe('levels', () => {
  it('CRITICAL exists for winston users and maps above ERROR; WARNING maps to WARN', async () => {
    const c = await startComponent('shop-api');
    try {
      await fetch(`${c.url}/critical`);
      const crit = await receiver.waitFor('critical record', () => receiver.logs.find((l) => l.resource['service.name'] === c.service && l.body === 'disk array lost'));
      expect(crit.severityNumber).toBe(21);
      const warn = await receiver.waitFor('warning record', () => receiver.logs.find((l) => l.resource['service.name'] === c.service && l.body === 'disk degraded'));
      expect(warn.severityNumber).toBe(13);
    } finally {
      await c.app.stop();
    }
  });

  it('SHOP_OTEL_LOG_LEVEL=WARNING keeps INFO records at home', async () => {
    const c = await startComponent('shop-api', { SHOP_OTEL_LOG_LEVEL: 'WARNING' });
    try {
      await post(`${c.url}/orders`, { orderId: 'ord-lv', customerId: 'cust-lv' });
      await fetch(`${c.url}/critical`);
      await receiver.waitFor('critical record', () => receiver.logs.find((l) => l.resource['service.name'] === c.service && l.body === 'disk array lost'));
      expect(receiver.logs.some((l) => l.resource['service.name'] === c.service && l.severityNumber < 13)).toBe(false);
    } finally {
      await c.app.stop();
    }
  });
});

describe('DEBUG for one request’s whole journey', () => {
  const secret = 'a-shared-secret-of-32-characters!';
  let down: Awaited<ReturnType<typeof startComponent>>;
  let up: Awaited<ReturnType<typeof startComponent>>;
  beforeAll(async () => {
    down = await startComponent('crm-api', { SHOP_OTEL_DEBUG_SECRET: secret });
    up = await startComponent('shop-api', { SHOP_OTEL_DEBUG_SECRET: secret, DOWNSTREAM_URL: down.url });
  });
  afterAll(async () => Promise.all([up?.app.stop(), down?.app.stop()]));

  it('a signed marker turns DEBUG on for that trace in every service it reaches, and only for it', async () => {
    const { mintDebugMarker } = await import('../src/policy/debug-control');
    const { marker, traceparent, traceId } = mintDebugMarker(secret, 60);
    await fetch(`${up.url}/debug-detail`, { headers: { 'x-shop-debug': marker, traceparent } });
    const first = await receiver.waitFor('debug record upstream', () => receiver.logs.find((l) => l.resource['service.name'] === up.service && l.body === 'debug detail'));
    expect(first.severityNumber).toBe(5);
    expect(first.traceId).toBe(traceId);
    const second = await receiver.waitFor('debug record downstream', () => receiver.logs.find((l) => l.resource['service.name'] === down.service && l.body === 'debug detail'));
    expect(second.traceId).toBe(first.traceId);
    // Without a marker, the same request exports no DEBUG record.
    await fetch(`${up.url}/debug-detail`);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.logs.filter((l) => l.resource['service.name'] === up.service && l.body === 'debug detail')).toHaveLength(1);
  });

  it('a forged or expired marker is ignored and counted', async () => {
    const { mintDebugMarker } = await import('../src/policy/debug-control');
    const forged = mintDebugMarker('not-the-shared-secret-at-all!!', 60);
    const expired = mintDebugMarker(secret, 1, { now: Date.now() - 10_000 });
    await fetch(`${up.url}/debug-detail`, { headers: { 'x-shop-debug': forged.marker, traceparent: forged.traceparent } });
    await fetch(`${up.url}/debug-detail`, { headers: { baggage: `shop.debug=${expired.marker}`, traceparent: expired.traceparent } });
    const rejected = await expectEvent(up.service, 'shop.debug.marker_rejected');
    expect(['bad-signature', 'expired']).toContain(rejected.attributes['shop.debug.reason']);
    // A captured marker replayed on another trace switches nothing on: it is bound to its own.
    await new Promise((r) => setTimeout(r, 1100)); // rejections are reported at most once a second
    const captured = mintDebugMarker(secret, 60);
    const other = mintDebugMarker(secret, 60);
    await fetch(`${up.url}/debug-detail`, { headers: { 'x-shop-debug': captured.marker, traceparent: other.traceparent } });
    await expectEvent(up.service, 'shop.debug.marker_rejected', (l) => l.attributes['shop.debug.reason'] === 'wrong-trace');
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.logs.filter((l) => l.resource['service.name'] === up.service && l.body === 'debug detail')).toHaveLength(1);
    await receiver.waitFor('rejection counter', () => receiver.metrics.find((m) => m.resource['service.name'] === up.service && m.name === 'shop_otel.debug.marker.rejected'));
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.logs.filter((l) => l.resource['service.name'] === up.service && l.body === 'debug detail')).toHaveLength(1);
  });
});
