import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningPort, otelEnv, runFixture, uniqueName, type Fixture } from './support/fixture';
import { startReceiver, type Receiver } from './support/otlp-receiver';

/**
 * Issue 11, the winston part: shop-otel's own winston transport (winston-record-transport.ts)
 * sends what upstream's did — on the wire, through the real entry point, against our OTLP
 * receiver: severity, body, metadata as attributes, the event name, trace context (the same IDs
 * the app's own transports see), business IDs, exception payloads, hostile metadata, upstream's
 * instrumentation scope; the app's own transports untouched.
 */
let receiver: Receiver;
const running: Fixture[] = [];
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await Promise.all(running.map((f) => f.stop()));
  await receiver?.close();
});

async function app(env: Record<string, string> = {}) {
  const service = uniqueName('wt');
  const f = runFixture('winston-app.cjs', { env: { ...otelEnv(receiver.url, service), ...env } });
  running.push(f);
  const url = `http://127.0.0.1:${await listeningPort(f)}`;
  const get = async (p: string) => {
    const r = await fetch(url + p);
    expect(r.status, p).toBe(200);
    return r.json() as Promise<unknown>;
  };
  const mine = () => receiver.logs.filter((l) => l.resource['service.name'] === service);
  return { f, get, mine, service };
}

describe('the winston transport', () => {
  it('sends every record as upstream did, with the trace context the app\'s own transports see', async () => {
    const a = await app();
    for (const p of ['/plain', '/warn', '/debug', '/error', '/hostile', '/object-body']) await a.get(p);
    const seen = (await a.get('/app-seen')) as Array<{ message: unknown; trace_id: string; span_id: string; trace_flags: string }>;
    await receiver.waitFor('five records', () => a.mine().length >= 5 || undefined);
    await new Promise((r) => setTimeout(r, 500));
    const logs = a.mine();
    const by = (body: string) => logs.find((l) => l.body === body)!;

    const plain = by('wt plain');
    expect(plain.scope).toBe('@opentelemetry/winston-transport');
    expect(plain.severityNumber).toBe(9);
    expect(plain.severityText).toBe('info');
    expect(plain.eventName).toBe('shop.test.event');
    expect(plain.attributes).toMatchObject({ seq: 7, customerId: 'cust-wt-1', ok: true, ratio: 0.5, 'shop.customer.id': 'cust-wt-1' });
    for (const k of ['trace_id', 'span_id', 'trace_flags', 'message', 'level', 'otel.event.name']) expect(plain.attributes).not.toHaveProperty(k);
    const appPlain = seen.find((s) => s.message === 'wt plain')!;
    expect(appPlain.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(plain.traceId).toBe(appPlain.trace_id);
    expect(plain.spanId).toBe(appPlain.span_id);
    expect(appPlain.trace_flags).toBe('01');

    expect(by('wt warn').severityNumber).toBe(13);
    expect(by('wt warn').attributes['shop.order.id']).toBe('ord-wt-2');
    // The policy's minimum level (INFO): DEBUG is not exported; the app's own transports never saw it either (logger level info).
    expect(logs.find((l) => l.body === 'wt debug')).toBeUndefined();

    const error = by('wt error');
    expect(error.severityNumber).toBe(17);
    expect(error.attributes).toMatchObject({ 'exception.type': 'E_WT', 'exception.message': 'wt boom', seq: 3 });
    expect(String(error.attributes['exception.stacktrace'])).toContain('wt boom');
    expect(error.attributes).not.toHaveProperty('err');

    const hostile = by('wt hostile');
    expect(hostile.traceId).toBe(seen.find((s) => s.message === 'wt hostile')!.trace_id);
    expect(hostile.attributes.big).toBe('10');
    expect(JSON.stringify(hostile.attributes.circular)).toContain('[circular]');
    expect(JSON.stringify(hostile.attributes.getter)).toContain('[unreadable]');
    expect(hostile.attributes.nested).toEqual({ list: [1, 'two', { three: 3 }] });

    const objectBody = logs.find((l) => typeof l.body === 'object' && l.body !== null)!;
    expect(objectBody.body).toEqual({ nested: 'body' });
    expect(objectBody.attributes.seq).toBe(4);
    expect(a.f.proc.exitCode).toBeNull();
  });

  it('OTEL_LOGS_EXPORTER=none: no transport added, correlation kept in the app\'s own output', async () => {
    const a = await app({ OTEL_LOGS_EXPORTER: 'none' });
    await a.get('/plain');
    const seen = (await a.get('/app-seen')) as Array<{ message: unknown; trace_id: string }>;
    expect(seen.find((s) => s.message === 'wt plain')!.trace_id).toMatch(/^[0-9a-f]{32}$/);
    await a.f.waitForLine(/"message":"wt plain".*"trace_id":"[0-9a-f]{32}"/);
    await new Promise((r) => setTimeout(r, 800));
    expect(a.mine()).toHaveLength(0);
  });
});

describe('upstream hook', () => {
  it('instrumentation-winston still has _getPatchedConfigure and _handleLogCorrelation (winston-instrumentation.ts replaces them)', async () => {
    const { WinstonInstrumentation } = await import('@opentelemetry/instrumentation-winston');
    const proto = WinstonInstrumentation.prototype as unknown as { _getPatchedConfigure?: unknown; _handleLogCorrelation?: unknown };
    expect(typeof proto._getPatchedConfigure).toBe('function');
    expect(typeof proto._handleLogCorrelation).toBe('function');
  });
});
