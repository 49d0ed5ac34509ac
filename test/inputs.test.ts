import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningPort, otelEnv, REPO, runFixture, uniqueName, type Fixture } from './support/fixture';
import { startReceiver, type Receiver } from './support/otlp-receiver';

/**
 * Issue 12, the input half, through the real entry point against our OTLP receiver: the trust
 * boundary of business IDs and baggage, events independent of sampling, two trace exporters,
 * `node .` for an ESM package, a stray `%` in OTEL_RESOURCE_ATTRIBUTES, the events API called
 * without its arguments, SIGUSR2 left to nodemon, hostile winston metadata.
 */
interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
}

async function recordingServer(): Promise<{ url: string; port: number; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let receiver: Receiver;
let downstream: Awaited<ReturnType<typeof recordingServer>>;
const running: Fixture[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  downstream = await recordingServer();
});
afterAll(async () => {
  await Promise.all(running.map((f) => f.stop()));
  await downstream?.close();
  await receiver?.close();
});

async function app(env: Record<string, string> = {}): Promise<{ f: Fixture; url: string; service: string }> {
  const service = uniqueName('inputs');
  const f = runFixture('inputs-app.cjs', { env: { ...otelEnv(receiver.url, service), DOWNSTREAM_URL: downstream.url, ...env } });
  running.push(f);
  return { f, url: `http://127.0.0.1:${await listeningPort(f)}`, service };
}

const serverSpan = (service: string, match: (s: Receiver['spans'][number]) => boolean, what: string) =>
  receiver.waitFor(what, () => receiver.spans.find((s) => s.resource['service.name'] === service && s.kind === 2 && match(s)));

const baggageOf = (h: http.IncomingHttpHeaders) => String(h.baggage ?? '');

describe('business IDs and baggage: an explicit trust boundary', () => {
  const spoofed = { 'x-order-id': 'ord-spoof', 'x-customer-id': 'cust-spoof', baggage: 'shop.order.id=ord-bag,shop.customer.id=cust-bag,team=evil' };

  it('at the edge (the default) ID headers and incoming baggage are ignored; the route names the order; nothing of the client’s baggage travels on', async () => {
    const edge = await app();
    const before = downstream.seen.length;
    expect((await fetch(`${edge.url}/orders/ord-route-1`, { headers: spoofed })).status).toBe(200);
    const s = await serverSpan(edge.service, (s) => s.attributes['url.path'] === '/orders/ord-route-1', 'edge server span');
    expect(s.attributes['shop.order.id']).toBe('ord-route-1');
    expect(s.attributes['shop.customer.id']).toBeUndefined();
    const call = downstream.seen.slice(before).find((x) => x.path === '/downstream');
    expect(call).toBeDefined();
    const bag = baggageOf(call!.headers);
    expect(bag).toContain('shop.order.id=ord-route-1');
    expect(bag).not.toContain('team=evil');
    expect(bag).not.toContain('cust-bag');
    expect(bag).not.toContain('cust-spoof');
    // Nothing of it on the wire either.
    expect(JSON.stringify(receiver.spans.filter((x) => x.resource['service.name'] === edge.service))).not.toMatch(/ord-spoof|cust-spoof|ord-bag|cust-bag/);
  });

  it('a trusted peer’s headers and baggage are believed, but the request’s own route still wins over them', async () => {
    const inner = await app({ SHOP_OTEL_TRUSTED_PEERS: 'loopback' });
    const before = downstream.seen.length;
    await fetch(`${inner.url}/orders/ord-route-2`, { headers: spoofed });
    const s = await serverSpan(inner.service, (s) => s.attributes['url.path'] === '/orders/ord-route-2', 'trusted server span');
    expect(s.attributes['shop.order.id']).toBe('ord-route-2');
    expect(s.attributes['shop.customer.id']).toBe('cust-bag');
    const children = receiver.spans.filter((c) => c.traceId === s.traceId && c !== s);
    expect(children.length).toBeGreaterThan(0);
    expect(children.every((c) => c.attributes['shop.order.id'] === 'ord-route-2')).toBe(true);
    const bag = baggageOf(downstream.seen.slice(before).find((x) => x.path === '/downstream')!.headers);
    expect(bag).toContain('team=evil');
    expect(bag).toContain('shop.order.id=ord-route-2');
  });

  it('outgoing baggage goes to internal destinations only, unless a host is listed; the trace context goes everywhere', async () => {
    const partner = await recordingServer();
    try {
      const plain = await app({ PARTNER_PORT: String(partner.port) });
      await fetch(`${plain.url}/partner?orderId=ord-out-1`);
      await receiver.waitFor('partner call', () => partner.seen.length >= 1 || undefined);
      expect(partner.seen[0].headers.traceparent).toMatch(/^00-[0-9a-f]{32}-/);
      expect(partner.seen[0].headers.baggage).toBeUndefined();

      const listed = await app({ PARTNER_PORT: String(partner.port), SHOP_OTEL_BAGGAGE_HOSTS: 'partner.example' });
      await fetch(`${listed.url}/partner?orderId=ord-out-2`);
      await receiver.waitFor('listed partner call', () => partner.seen.length >= 2 || undefined);
      expect(baggageOf(partner.seen[1].headers)).toContain('shop.order.id=ord-out-2');
    } finally {
      await partner.close();
    }
  });

  it('a bad SHOP_OTEL_TRUSTED_PEERS entry is one warning and ignored, the rest kept', async () => {
    const a = await app({ SHOP_OTEL_TRUSTED_PEERS: 'loopback,not an address' });
    await a.f.waitForLine(/SHOP_OTEL_TRUSTED_PEERS: "not an address" is not/);
    await fetch(`${a.url}/orders/ord-bad-list`, { headers: { 'x-customer-id': 'cust-list' } });
    const s = await serverSpan(a.service, (s) => s.attributes['url.path'] === '/orders/ord-bad-list', 'span');
    expect(s.attributes['shop.customer.id']).toBe('cust-list');
  });
});

describe('redaction never stalls the app', () => {
  it('1 MB of adversarial text in a log record: the app keeps answering, the record arrives cut to the limit', async () => {
    const a = await app();
    const adversarial = `${'a.b_c'.repeat(210_000)}@`; // ~1 MB of e-mail local part: quadratic for the old pattern
    const probe = async () => {
      const t = Date.now();
      await (await fetch(`${a.url}/admin`)).arrayBuffer();
      return Date.now() - t;
    };
    for (let i = 0; i < 3; i++) expect((await fetch(`${a.url}/echo`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: adversarial })).status).toBe(200);
    // The batch is redacted on the export timer, in the app's event loop: probe it meanwhile.
    const latencies: number[] = [];
    const until = Date.now() + 1500;
    while (Date.now() < until) latencies.push(await probe());
    const records = await receiver.waitFor('the three records', () => {
      const r = receiver.logs.filter((l) => l.resource['service.name'] === a.service && l.body === 'echo');
      return r.length >= 3 ? r : undefined;
    });
    for (const r of records) expect(String(r.attributes.text).length).toBeLessThanOrEqual(8192);
    expect(Math.max(...latencies)).toBeLessThan(3000);
  });
});

describe('the policy’s events do not depend on trace sampling', () => {
  it('traceidratio 0.1: every auth failure and every 5xx becomes an event, about a tenth of the traces are exported', async () => {
    const a = await app({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' });
    for (let i = 0; i < 30; i++) expect((await fetch(`${a.url}/admin`)).status).toBe(401);
    for (let i = 0; i < 10; i++) expect((await fetch(`${a.url}/fail`)).status).toBe(500);
    const mine = (name: string) => receiver.logs.filter((l) => l.resource['service.name'] === a.service && l.attributes['event.name'] === name);
    await receiver.waitFor('30 auth failures', () => mine('http.server.auth_failed').length >= 30 || undefined);
    await receiver.waitFor('10 failures', () => mine('http.server.failed').length >= 10 || undefined);
    await new Promise((r) => setTimeout(r, 500));
    expect(mine('http.server.auth_failed')).toHaveLength(30);
    expect(mine('http.server.failed')).toHaveLength(10);
    const exported = receiver.spans.filter((s) => s.resource['service.name'] === a.service && s.kind === 2).length;
    expect(exported).toBeLessThan(20); // 40 requests at 0.1: P(>= 20) is below 1e-9
  });
});

describe('two trace exporters', () => {
  it('OTEL_TRACES_EXPORTER=otlp,console: every span exactly once in each', async () => {
    const a = await app({ OTEL_TRACES_EXPORTER: 'otlp,console', SHOP_OTEL_TRUSTED_PEERS: 'loopback' });
    for (let i = 0; i < 3; i++) await fetch(`${a.url}/orders/ord-two-${i}`);
    await receiver.waitFor('three server spans', () => receiver.spans.filter((s) => s.resource['service.name'] === a.service && s.kind === 2).length >= 3 || undefined);
    await a.f.stop();
    const wire = receiver.spans.filter((s) => s.resource['service.name'] === a.service).map((s) => s.spanId);
    expect(wire.length).toBeGreaterThanOrEqual(6); // server + client span per request
    expect(new Set(wire).size).toBe(wire.length);
    const consoleIds = a.f.stdout.map((l) => /^\s*id: '([0-9a-f]{16})'/.exec(l)?.[1]).filter((x): x is string => !!x);
    expect([...consoleIds].sort()).toEqual([...wire].sort());
  });
});

describe('an ESM app started as `node .`, with no loader hook', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shop-otel-node-dot-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const register = pathToFileURL(path.join(REPO, 'dist', 'register.mjs')).href;

  // `import { request } from 'node:http'` (a named export of a built-in) and express (a CommonJS
  // package imported from ESM): both are patched without import-in-the-middle
  // (src/instrumentations/esm-import-route.ts). The app calls its own route through that
  // request() and exits.
  const source = `import { request } from 'node:http';
import express from 'express';
const app = express();
app.get('/things/:id', (req, res) => res.send('ok'));
const server = app.listen(0, '127.0.0.1', () => {
  const req = request({ host: '127.0.0.1', port: server.address().port, path: '/things/42' }, (res) => {
    res.resume();
    res.on('end', () => server.close());
  });
  req.end();
});
`;
  const run = (service: string, env: Record<string, string> = {}) =>
    new Promise<string>((resolve) => {
      const app = path.join(dir, uniqueName('app'));
      mkdirSync(app);
      writeFileSync(path.join(app, 'package.json'), JSON.stringify({ type: 'module', main: 'server.js' }));
      writeFileSync(path.join(app, 'server.js'), source);
      symlinkSync(path.join(REPO, 'node_modules'), path.join(app, 'node_modules'));
      const p = spawn(process.execPath, ['--import', register, '.'], { cwd: app, env: { ...otelEnv(receiver.url, service), OTEL_LOG_LEVEL: 'debug', NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      p.stderr.on('data', (c) => (err += c));
      p.on('exit', () => resolve(err));
    });

  it('its express route and its named http request() are traced', async () => {
    const service = uniqueName('dot');
    const err = await run(service);
    expect(err).toContain('ESM hook: none; ESM imports of CommonJS packages reach the require hook');
    const mine = () => receiver.spans.filter((x) => x.resource['service.name'] === service);
    const server = await receiver.waitFor('server span', () => mine().find((x) => x.kind === 2));
    const client = await receiver.waitFor('client span', () => mine().find((x) => x.kind === 3));
    expect(server.name).toBe('GET /things/:id');
    expect(server.attributes['http.route']).toBe('/things/:id');
    expect(client.attributes['url.full']).toMatch(/\/things\/42$/);
    expect(server.traceId).toBe(client.traceId);
    expect(server.parentSpanId).toBe(client.spanId);
  });

  it('SHOP_OTEL_ESM_HOOK=on: import-in-the-middle instead, with the same spans', async () => {
    const service = uniqueName('dot-iitm');
    const err = await run(service, { SHOP_OTEL_ESM_HOOK: 'on' });
    expect(err).toMatch(/ESM hook: (in-thread|off-thread)/);
    const mine = () => receiver.spans.filter((x) => x.resource['service.name'] === service);
    const server = await receiver.waitFor('server span', () => mine().find((x) => x.kind === 2));
    const client = await receiver.waitFor('client span', () => mine().find((x) => x.kind === 3));
    expect(server.attributes['http.route']).toBe('/things/:id');
    expect(server.parentSpanId).toBe(client.spanId);
  });

  it('a CommonJS file imported from ESM sees the module.parent, require.main and children it sees without shop-otel', async () => {
    const app = path.join(dir, uniqueName('parent'));
    mkdirSync(app);
    writeFileSync(path.join(app, 'lib.cjs'), 'console.log(JSON.stringify({ parent: String(module.parent), main: String(require.main), children: module.children.length, loaded: module.loaded }));\n');
    writeFileSync(path.join(app, 'app.mjs'), 'import "./lib.cjs";\n');
    const out = (args: string[]) =>
      new Promise<string>((resolve) => {
        const p = spawn(process.execPath, [...args, 'app.mjs'], { cwd: app, env: { ...otelEnv(receiver.url, uniqueName('parent')), NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'ignore'] });
        let o = '';
        p.stdout.on('data', (c) => (o += c));
        p.on('exit', () => resolve(o.trim()));
      });
    const bare = await out([]);
    expect(JSON.parse(bare)).toEqual({ parent: 'undefined', main: 'undefined', children: 0, loaded: false });
    expect(await out(['--import', register])).toBe(bare);
  });

  it('SHOP_OTEL_ESM_HOOK=off: nothing patches the built-in for ESM, so the named request() makes no client span', async () => {
    const service = uniqueName('dot-off');
    const err = await run(service, { SHOP_OTEL_ESM_HOOK: 'off' });
    expect(err).toContain('ESM hook: none (SHOP_OTEL_ESM_HOOK=off)');
    // The server span comes anyway, with its route: express require()s node:http and its router, so the require hook patches both; the named request() was bound before that.
    const server = await receiver.waitFor('server span', () => receiver.spans.find((x) => x.resource['service.name'] === service && x.kind === 2));
    expect(server.attributes['http.route']).toBe('/things/:id');
    expect(server.parentSpanId).toBe('');
    expect(receiver.spans.filter((x) => x.resource['service.name'] === service && x.kind === 3)).toEqual([]);
  });
});

describe('configuration and API misuse never switch telemetry off or throw', () => {
  it('a stray % in OTEL_RESOURCE_ATTRIBUTES drops that pair only', async () => {
    const run = uniqueName('pct');
    const service = uniqueName('inputs');
    const f = runFixture('inputs-app.cjs', { env: { ...otelEnv(receiver.url, service), OTEL_SERVICE_NAME: undefined, OTEL_RESOURCE_ATTRIBUTES: `service.name=100%-${service},test.run=${run},team=shop%20floor,bad=%E0%A4%A` } });
    running.push(f);
    const url = `http://127.0.0.1:${await listeningPort(f)}`;
    await fetch(`${url}/orders/ord-pct`);
    const s = await receiver.waitFor('span of the % run', () => receiver.spans.find((x) => x.resource['test.run'] === run));
    expect(s.resource.team).toBe('shop floor');
    expect(s.resource.bad).toBeUndefined();
    expect(f.stderr.join('\n')).toMatch(/OTEL_RESOURCE_ATTRIBUTES: "service.name=100%-.*" is not key=value/);
  });

  it('events.customerProfileUpdated() without changes (and other calls without arguments) do not throw into the app', async () => {
    const a = await app();
    expect((await fetch(`${a.url}/profile`, { method: 'POST' })).status).toBe(200);
    const rec = await receiver.waitFor('profile event', () => receiver.logs.find((l) => l.resource['service.name'] === a.service && l.attributes['event.name'] === 'crm.customer.profile_updated' && l.attributes['shop.customer.id'] === 'cust-np'));
    expect(rec.attributes['shop.event.incomplete']).toBe(true);
    expect(a.f.proc.exitCode).toBeNull();
  });

  it('the OpenTelemetry API misused from JavaScript: nothing throws into the app, the request and what can be kept are exported', async () => {
    const a = await app();
    const res = await fetch(`${a.url}/api-misuse`);
    expect(res.status).toBe(200);
    expect((await res.json()).thrown).toEqual([]);
    // The request's own span, the client span made under the invalid context, the misused span, the record, the metrics.
    const server = await serverSpan(a.service, (s) => s.attributes['http.route'] === '/api-misuse', 'the server span of /api-misuse');
    const client = await receiver.waitFor('client span under context.with(42)', () => receiver.spans.find((s) => s.resource['service.name'] === a.service && s.kind === 3 && String(s.attributes['url.full']).includes('/orders/ord-inner')));
    expect(client.traceId).toBe(server.traceId); // run in the request's context, not in the number
    const misused = await receiver.waitFor('misused span', () => receiver.spans.find((s) => s.resource['service.name'] === a.service && s.name === 'misused span'));
    expect(misused.scope).toBe('7');
    expect(misused.kind).toBe(1); // INTERNAL
    const rec = await receiver.waitFor('misused record', () => receiver.logs.find((l) => l.resource['service.name'] === a.service && l.body === 'misused record'));
    expect(rec.severityText).toBe('7');
    expect(rec.traceId).toBe(server.traceId); // the active (request's) context, not the string
    // Before, the instrument named undefined failed every metrics export of the process.
    const ok = await receiver.waitFor('the app counter next to the misused ones', () => receiver.metrics.find((m) => m.resource['service.name'] === a.service && m.name === 'app.misuse.ok'));
    expect(ok.points.at(-1)?.value).toBe(3);
    expect(a.f.stderr.join('\n')).toMatch(/OpenTelemetry API misuse: context.with\(\) was given something other than a Context/);
    expect(a.f.proc.exitCode).toBeNull();
  });

  it('SIGUSR2 is left alone by default (nodemon restarts with it): the process ends as it would without shop-otel', async () => {
    const a = await app();
    a.f.proc.kill('SIGUSR2');
    const exit = await a.f.exited;
    expect(exit.signal).toBe('SIGUSR2');
  });

  it('hostile winston metadata (circular, huge, BigInt, Symbol keys, throwing getters): the app answers, records arrive, nothing leaks', async () => {
    const a = await app();
    for (const kind of ['circular', 'huge', 'bigint', 'symbol', 'getter']) {
      expect((await fetch(`${a.url}/log-hostile/${kind}`, { method: 'POST' })).status, kind).toBe(200);
    }
    const mine = () => receiver.logs.filter((l) => l.resource['service.name'] === a.service && String(l.body).startsWith('hostile '));
    await receiver.waitFor('five hostile records', () => mine().length >= 5 || undefined);
    const text = JSON.stringify(mine());
    expect(text).not.toContain('circular@example.com');
    expect(text).not.toContain('symbol@example.com');
    const huge = mine().find((l) => l.body === 'hostile huge')!;
    expect(String(huge.attributes.blob).length).toBeLessThanOrEqual(8192);
    expect(a.f.proc.exitCode).toBeNull();
  });
});

