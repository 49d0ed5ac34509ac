import { execFileSync, spawnSync } from 'node:child_process';
import https from 'node:https';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { AMQP_URL, listeningPort, otelEnv, PG_URL, REPO, runFixture, uniqueName, type Fixture } from './support/fixture';
import { queueName } from './support/broker';
import { startReceiver, type ReceivedLog, type Receiver } from './support/otlp-receiver';
import { dropSampleShopBroker, runSampleTraffic, startSampleShop } from './support/sample-shop';
// The same stack the demo runs: our collector build, Debian's Prometheus, rsyslog as the SIEM input.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore -- a plain .mjs module of the scripts, typed loosely here
import * as stackModule from '../scripts/pipeline/stack.mjs';
import * as portsModule from '../scripts/pipeline/ports.mjs';

/* eslint-disable @typescript-eslint/no-explicit-any */
const stack = stackModule as any;

/**
 * The bundled collector, proven end to end: our own build of the manifest, the top-level
 * otel-collector.yaml, a real Prometheus scraping it, rsyslog standing in for the SIEM's syslog
 * input, PostgreSQL's and RabbitMQ's own log files, and the sample shop instrumented with no code.
 */

const CONFIG = path.join(REPO, 'otel-collector.yaml');
const OVERLAYS = path.join(REPO, 'collector', 'overlays');
// E-mail addresses, card numbers as people write them, international phone numbers.
const PII = [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/, /\b(?:\d{4}[ -]){3}\d{4}\b/, /\+\d{1,3}[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}/];

const freePort = (portsModule as { freePort(): Promise<number> }).freePort;

async function freePorts() {
  const names = ['otlpHttp', 'otlpGrpc', 'promExporter', 'health', 'selfMetrics', 'prometheus', 'siem'] as const;
  const out: Record<string, number> = {};
  for (const n of names) out[n] = await freePort();
  return out;
}

/** A self-signed certificate (and key) for `cn`, valid for the given subjectAltName entries, in `dir`. */
function selfSignedCert(dir: string, cn: string, san: string): { cert: string; key: string } {
  const cert = path.join(dir, `${cn}.crt`);
  const key = path.join(dir, `${cn}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`], { stdio: 'ignore' });
  return { cert, key };
}

/** POST OTLP/JSON log records from `service` to a collector's OTLP/HTTP port. */
function postLogs(port: number, service: string, records: Array<Record<string, unknown>>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      resourceLogs: records.length === 0 ? [] : [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeLogs: [{ scope: { name: 'e2e' }, logRecords: records.map((r) => ({ timeUnixNano: String(Date.now() * 1e6), ...r })) }],
      }],
    }),
  });
}

let binary: string;
beforeAll(() => {
  binary = stack.collectorBinary();
}, 900_000);

/** RFC 5424: <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD-ID k="v" …] MSG */
interface SyslogLine { pri: number; timestamp: string; host: string; app: string; procId: string; msgId: string; sdId: string; sd: Record<string, string>; msg: string; raw: string }
function parseSyslog(raw: string): SyslogLine | undefined {
  const m = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[(\S+)((?: [\w.-]+="(?:[^"\\]|\\.)*")*)\])(?: (.*))?$/.exec(raw);
  if (!m) return undefined;
  const sd: Record<string, string> = {};
  for (const p of (m[9] ?? '').matchAll(/ ([\w.-]+)="((?:[^"\\]|\\.)*)"/g)) sd[p[1]] = p[2].replace(/\\(.)/g, '$1');
  return { pri: Number(m[1]), timestamp: m[2], host: m[3], app: m[4], procId: m[5], msgId: m[6], sdId: m[8] ?? '-', sd, msg: m[10] ?? '', raw };
}

describe('otelcol-shop: the build and the configuration', () => {
  it('is built from collector/manifest.yaml into a cache keyed by its hash; a second build costs nothing', () => {
    const again = spawnSync('bash', [path.join(REPO, 'scripts', 'collector-build.sh')], { encoding: 'utf8' });
    expect(again.status).toBe(0);
    expect(again.stdout.trim().split('\n').pop()).toBe(binary);
    expect(again.stderr).not.toMatch(/building/);
    const hash = execFileSync('sha256sum', [path.join(REPO, 'collector', 'manifest.yaml')], { encoding: 'utf8' }).slice(0, 12);
    expect(binary).toContain(`otelcol-shop-${hash}`);
    expect(path.relative(REPO, binary).startsWith('..')).toBe(true); // outside the repository
  });

  it('the manifest lists exactly the components that otel-collector.yaml and its overlays use', () => {
    // Module directory name -> the type a config names it by (kind suffix dropped, snake_case where the component says so).
    const SNAKE: Record<string, string> = { memorylimiter: 'memory_limiter', healthcheck: 'health_check', filestorage: 'file_storage', otlphttp: 'otlp_http', signaltometrics: 'signal_to_metrics' };
    const manifest = readFileSync(path.join(REPO, 'collector', 'manifest.yaml'), 'utf8');
    const inManifest = new Set<string>();
    for (const m of manifest.matchAll(/gomod: \S+\/(\w+?)(receiver|processor|exporter|connector|extension)? v0\.\d+\.\d+/g)) {
      inManifest.add(SNAKE[m[1]] ?? m[1]);
    }
    const used = new Set<string>();
    for (const file of [CONFIG, path.join(OVERLAYS, 'auth.yaml'), path.join(OVERLAYS, 'tls.yaml')]) {
      let section = '';
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const top = /^(\w+):/.exec(line);
        if (top) section = top[1];
        const comp = /^ {2}([a-z_]+)(?:\/[\w.-]+)?:\s*(?:#.*)?$/.exec(line);
        if (comp && ['receivers', 'processors', 'exporters', 'connectors', 'extensions'].includes(section)) used.add(comp[1]);
      }
    }
    expect([...used].sort()).toEqual([...inManifest].sort());
    // And every one of them is in the build: validate would refuse an unknown type (next test).
  });

  it('passes `otelcol-shop validate`, alone and with each overlay; a broken config does not', () => {
    const env = { ...process.env, SHOP_OTEL_COLLECTOR_STORAGE_DIR: mkdtempSync(path.join(os.tmpdir(), 'otelcol-')), SHOP_OTEL_COLLECTOR_TOKEN: 't0ken', SHOP_OTEL_COLLECTOR_TLS_CERT: '/nonexistent.crt', SHOP_OTEL_COLLECTOR_TLS_KEY: '/nonexistent.key' };
    const validate = (...configs: string[]) => spawnSync(binary, ['validate', ...configs.flatMap((c) => ['--config', c])], { env, encoding: 'utf8' });
    for (const overlays of [[], ['auth.yaml'], ['tls.yaml'], ['auth.yaml', 'tls.yaml', 'extras.yaml']]) {
      const r = validate(CONFIG, ...overlays.map((o) => path.join(OVERLAYS, o)));
      expect(r.status, `${overlays.join('+') || 'base'}: ${r.stderr}`).toBe(0);
    }
    const broken = path.join(mkdtempSync(path.join(os.tmpdir(), 'otelcol-')), 'broken.yaml');
    writeFileSync(broken, readFileSync(CONFIG, 'utf8').replace('exporters: [ prometheus ]', 'exporters: [ prometheus, no_such_exporter ]'));
    expect(validate(broken).status).not.toBe(0);
  });

  it('every event the collector derives from server logs is in the policy schema (docs/events.md)', () => {
    const schema = JSON.parse(readFileSync(path.join(REPO, 'src', 'policy', 'events.json'), 'utf8')) as { events: Record<string, unknown> };
    const named = [...readFileSync(CONFIG, 'utf8').matchAll(/"event\.name"\], "([\w.]+)"\)/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(5);
    for (const n of named) expect(schema.events, n).toHaveProperty([n]);
  });

  it('with the auth overlay, OTLP without the bearer token is refused and with it accepted', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'otelcol-auth-'));
    const ports = { ...(await freePorts()), store: await freePort() };
    const col = stack.startCollector(dir, ports, { binary, overlays: [path.join(OVERLAYS, 'auth.yaml')], extraEnv: { SHOP_OTEL_COLLECTOR_TOKEN: 's3cret-t0ken', SHOP_OTEL_SERVER_LOGS_START_AT: 'end' } });
    try {
      await col.ready;
      const send = (headers: Record<string, string>) => postLogs(ports.otlpHttp, 'auth-probe', [], headers);
      expect((await send({})).status).toBe(401);
      expect((await send({ authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await send({ authorization: 'Bearer s3cret-t0ken' })).status).toBe(200);
    } finally {
      await col.stop();
    }
  });

  it('with the TLS overlay, OTLP/HTTP is served over TLS with the given certificate (and plain HTTP is refused)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'otelcol-tls-'));
    const { cert, key } = selfSignedCert(dir, 'localhost', 'IP:127.0.0.1,DNS:localhost');
    const ports = { ...(await freePorts()), store: await freePort() };
    const col = stack.startCollector(dir, ports, { binary, overlays: [path.join(OVERLAYS, 'tls.yaml')], extraEnv: { SHOP_OTEL_COLLECTOR_TLS_CERT: cert, SHOP_OTEL_COLLECTOR_TLS_KEY: key } });
    try {
      await col.ready;
      const body = JSON.stringify({ resourceLogs: [] });
      const status = await new Promise<number>((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port: ports.otlpHttp, path: '/v1/logs', method: 'POST', ca: readFileSync(cert), headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.once('error', reject);
        req.end(body);
      });
      expect(status).toBe(200);
      // A client that does not trust the certificate gets no answer, and plain HTTP gets none either.
      await expect(new Promise((resolve, reject) => https.request({ host: '127.0.0.1', port: ports.otlpHttp, path: '/v1/logs', method: 'POST' }, resolve).once('error', reject).end(body))).rejects.toThrow(/self[- ]signed|certificate/i);
      const plain = await postLogs(ports.otlpHttp, 'plain-probe', []).then((r) => r.status, () => 0);
      expect(plain).not.toBe(200);
    } finally {
      await col.stop();
    }
  });
});

describe('the SIEM over TLS (SHOP_OTEL_SIEM_PLAINTEXT=false)', () => {
  it('delivers the security stream over TLS to a receiver whose certificate the collector checks', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'otelcol-siem-tls-'));
    const { cert, key } = selfSignedCert(dir, 'siem.local', 'DNS:siem.local');
    const ports = { ...(await freePorts()), store: await freePort() };
    const siem = stack.startSiem(dir, ports.siem, { tls: { cert, key } });
    await siem.ready;
    const tlsEnv = { SHOP_OTEL_SIEM_PLAINTEXT: 'false', SHOP_OTEL_SIEM_CA_FILE: cert, SHOP_OTEL_SIEM_SERVER_NAME: 'siem.local' };
    const col = stack.startCollector(dir, ports, { binary, extraEnv: tlsEnv });
    try {
      await col.ready;
      const marker = `tls-probe-${uniqueName('m').replace(/\d/g, 'x')}`;
      const res = await postLogs(ports.otlpHttp, 'tls-probe', [{ severityNumber: 17, severityText: 'ERROR', body: { stringValue: marker } }]);
      expect(res.status).toBe(200);
      const deadline = Date.now() + 20_000;
      let line: SyslogLine | undefined;
      while (!line && Date.now() < deadline) {
        line = (siem.lines() as string[]).map(parseSyslog).find((l) => l?.msg === marker);
        if (!line) await new Promise((r) => setTimeout(r, 250));
      }
      expect(line, (col.child.lines as string[]).slice(-5).join('\n')).toBeDefined();
      expect(line!.app).toBe('tls-probe');
      expect(line!.sd.severity).toBe('ERROR');
      // The receiver really is TLS-only: a plaintext line to the same port never lands.
      await new Promise<void>((resolve) => {
        const sock = net.connect({ host: '127.0.0.1', port: ports.siem }, () => sock.end(`<131>1 - - plain - - - ${marker}-plaintext\n`));
        sock.on('close', () => resolve());
        sock.on('error', () => resolve());
      });
      await new Promise((r) => setTimeout(r, 1000));
      expect((siem.lines() as string[]).some((l) => l.includes(`${marker}-plaintext`))).toBe(false);
    } finally {
      await col.stop();
      await siem.stop();
    }
  });
});

describe('end to end: the sample shop through the collector to Prometheus, the SIEM and the trace store', () => {
  let dir: string;
  let ports: Record<string, number>;
  let pipeline: any;
  let store: Receiver;
  let shop: Fixture;
  let app: Fixture | undefined;
  let appUrl = '';
  let ordersCreated = 0;
  const shopPorts = { SHOP_API_PORT: '13210', CRM_API_PORT: '13211', MES_API_PORT: '13212', FILE_STORE_PORT: '13213' };

  const siemLines = () => (pipeline.siem.lines() as string[]).map((raw) => parseSyslog(raw) ?? ({ raw } as SyslogLine));
  const waitSiem = async (what: string, pred: (l: SyslogLine) => boolean, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const hit = siemLines().find((l) => l.sd && pred(l));
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`no SIEM line for ${what} within ${ms} ms; got:\n${siemLines().slice(-10).map((l) => l.raw).join('\n')}`);
  };
  const promValue = async (q: string): Promise<number> => {
    const r = await pipeline.prometheus.query(q);
    return r.length ? Number(r[0].value[1]) : NaN;
  };
  const waitProm = async (what: string, q: string, ok: (v: number) => boolean, ms = 40_000) => {
    const deadline = Date.now() + ms;
    let v = NaN;
    while (Date.now() < deadline) {
      v = await promValue(q);
      if (ok(v)) return v;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${what}: ${q} = ${v} after ${ms} ms`);
  };
  const sendLog = (record: Record<string, unknown>, service = 'siem-probe') => postLogs(ports.otlpHttp, service, [record]);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shop-otel-e2e-'));
    store = await startReceiver();
    ports = { ...(await freePorts()), store: Number(new URL(store.url).port) };
    pipeline = await stack.startStack({ dir, ports, collector: { binary } });
    // A service of our own beside the shop, for what the shop does not do: a 5xx, a slow statement.
    app = runFixture('component-app.mjs', {
      env: { ...otelEnv(pipeline.otlpEndpoint, 'e2e-app'), SHOP_OTEL_COMPONENT: 'shop-api', DATABASE_URL: PG_URL, AMQP_URL, QUEUE: queueName('e2e') },
    });
    appUrl = `http://127.0.0.1:${await listeningPort(app)}`;
    shop = await startSampleShop(pipeline.otlpEndpoint, shopPorts, path.join(dir, 'files'), 'test-e2e.');
    const traffic = await runSampleTraffic(shopPorts, ['--rate', '8', '--duration', '3', '--burst', '8', '--bad-ratio', '0.1', '--corrupt', '--wait', '3']);
    expect(traffic.code).toBe(0);
    ordersCreated = traffic.ordersCreated;
    expect(ordersCreated).toBeGreaterThan(10);
  }, 240_000);

  afterAll(async () => {
    await app?.stop('SIGTERM');
    await shop?.stop('SIGINT');
    // The shop's namespace is durable: its queues and exchanges would outlive the run.
    if (shop) await dropSampleShopBroker('test-e2e.').catch((e) => process.stderr.write(`the shop's queues not deleted: ${e}\n`));
    await pipeline?.stop();
    await store?.close();
  }, 60_000);

  it('Prometheus has the RED series of every sample service, from the spans', async () => {
    const servers = ['shop-api', 'crm-api', 'mes-api', 'file-store'];
    const consumers = ['shop-internal', 'crm-internal', 'mes-api'];
    for (const s of servers) {
      await waitProm(`requests of ${s}`, `sum(traces_span_metrics_calls_total{service_name="${s}",span_kind="SPAN_KIND_SERVER"})`, (v) => v > 0);
      await waitProm(`latency of ${s}`, `sum(traces_span_metrics_duration_milliseconds_count{service_name="${s}",span_kind="SPAN_KIND_SERVER"})`, (v) => v > 0);
    }
    for (const s of consumers) await waitProm(`messages of ${s}`, `sum(traces_span_metrics_calls_total{service_name="${s}",span_kind="SPAN_KIND_CONSUMER"})`, (v) => v > 0);
    // Per route and status: the order route of the Shop API, with its 201s.
    const created = await pipeline.prometheus.query('traces_span_metrics_calls_total{service_name="shop-api",span_kind="SPAN_KIND_SERVER",http_route="/orders",http_request_method="POST"}');
    expect(created.map((r: any) => r.metric.http_response_status_code)).toContain('201');
    // Errors: a handler that throws is a 500 and an error span, per route.
    expect((await fetch(`${appUrl}/fail`)).status).toBe(500);
    await waitProm('errors per route', 'sum(traces_span_metrics_calls_total{service_name="e2e-app",span_kind="SPAN_KIND_SERVER",http_route="/fail",http_response_status_code="500",status_code="STATUS_CODE_ERROR"})', (v) => v === 1);
  });

  it('Prometheus counts log records per service, component and severity, exactly as many as were exported', async () => {
    await waitProm('mes-api warnings', 'sum(shop_log_records_total{service_name="mes-api",shop_component="mes-api",severity="WARNING"})', (v) => v > 0);
    await waitProm('mes-api errors', 'sum(shop_log_records_total{service_name="mes-api",shop_component="mes-api",severity="ERROR"})', (v) => v > 0);
    await waitProm('shop-db records from shop-internal', 'sum(shop_log_records_total{service_name="shop-internal",shop_component="shop-db",severity="INFO"})', (v) => v > 0);
    // The count equals what reached the log store for that service (the shop is idle by now).
    const inStore = () => store.logs.filter((l) => l.resource['service.name'] === 'shop-api').length;
    await waitProm('shop-api records = records in the store', 'sum(shop_log_records_total{service_name="shop-api"})', (v) => v === inStore() && v > 0);
  });

  it('telemetry a service lost reaches Prometheus as shop_otel_export_dropped_total, and ShopTelemetryLost\'s expression fires on it', async () => {
    const service = uniqueName('drop-probe');
    const probe = runFixture('drop-probe.cjs', { env: { ...otelEnv(pipeline.otlpEndpoint, service), OTEL_BSP_MAX_QUEUE_SIZE: '4', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2' } });
    try {
      await waitProm('the service\'s drop counter', `sum(shop_otel_export_dropped_total{job="${service}",signal="traces",reason="queue_full"})`, (v) => v > 0);
      // The rule's own expression (shop-pipeline.rules.yml), on the real series: the labels it needs are there.
      const rules = YAML.parse(readFileSync(path.join(REPO, 'collector', 'stack', 'prometheus', 'rules', 'shop-pipeline.rules.yml'), 'utf8'));
      const rule = rules.groups.flatMap((g: any) => g.rules).find((r: any) => r.alert === 'ShopTelemetryLost');
      const firing = await pipeline.prometheus.query(rule.expr);
      const mine = firing.find((r: any) => r.metric.service === service);
      expect(mine?.metric).toMatchObject({ service, job: service, signal: 'traces', reason: 'queue_full' });
      expect(Number(mine.value[1])).toBeGreaterThan(0);
    } finally {
      await probe.stop('SIGTERM');
    }
  });

  it('business counters: orders created, status changes, MES processing', async () => {
    // One count per order-created record the collector received (delivery is at-least-once: a
    // record an app re-sent after a timeout is counted as often as it arrived), and every order of the traffic is there.
    const createdRecords = () => store.logs.filter((l) => l.attributes['event.name'] === 'shop.order.created');
    await store.waitFor('every order in the store', () => new Set(createdRecords().map((l) => l.attributes['shop.order.id'])).size === ordersCreated || undefined);
    await waitProm(`orders created (traffic made ${ordersCreated})`, 'sum(shop_orders_created_total)', (v) => v === createdRecords().length);
    await waitProm('shipped orders', 'sum(shop_order_status_changes_total{shop_order_status="shipped"})', (v) => v > 0);
    await waitProm('MES printing', 'sum(mes_orders_processed_total{mes_processing_status="printing"})', (v) => v > 0);
    await waitProm('integrity warnings', 'sum(shop_events_total{event_name="storage.file.integrity_failed",severity="WARNING"})', (v) => v >= 1);
  });

  it('the SIEM gets the WARNING/ERROR events as RFC 5424 lines with trace, service, component, severity and order IDs', async () => {
    const integrity = await waitSiem('integrity warning', (l) => l.msgId === 'storage.file.integrity_failed');
    expect(integrity.app).toBe('mes-api');
    expect(integrity.sdId).toBe('shop@32473');
    expect(integrity.pri).toBe(10 * 8 + 4); // authpriv.warning: a security-relevant event
    expect(integrity.sd).toMatchObject({ service: 'mes-api', component: 'mes-api', severity: 'WARNING', event: 'storage.file.integrity_failed' });
    expect(integrity.sd.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(integrity.sd.order_id).toMatch(/^ord_/);
    expect(integrity.sd.customer_id).toMatch(/^cust-\d{4}$/);
    expect(new Date(integrity.timestamp).getTime()).toBeGreaterThan(Date.now() - 600_000);
    // The failed order on the same trace, as an ERROR (local0.err).
    const failed = await waitSiem('MES failure', (l) => l.msgId === 'mes.order.failed' && l.sd.trace_id === integrity.sd.trace_id);
    expect(failed.pri).toBe(16 * 8 + 3);
    expect(failed.sd.order_id).toBe(integrity.sd.order_id);
    // The same trace is in the trace store.
    await store.waitFor('the failed order’s trace', () => store.spans.some((s) => s.traceId === integrity.sd.trace_id && s.resource['service.name'] === 'mes-api') || undefined);
    // Only WARNING and above reach the SIEM, and every line parses.
    const lines = siemLines();
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) {
      expect(l.sd, l.raw).toBeDefined();
      expect(['WARNING', 'ERROR', 'CRITICAL'], l.raw).toContain(l.sd.severity);
    }
    // INFO events never do.
    expect(lines.some((l) => l.msgId === 'shop.order.created')).toBe(false);
    // An app's refused request (401) is a security event: authpriv.warning.
    expect((await fetch(`${appUrl}/admin`)).status).toBe(401);
    const refused = await waitSiem('authentication failure of the app', (l) => l.app === 'e2e-app' && l.msgId === 'http.server.auth_failed');
    expect(refused.pri).toBe(10 * 8 + 4);
    expect(refused.sd.trace_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('personal data never reaches the SIEM or the store, even when an app failed to redact it (defence in depth)', async () => {
    const res = await sendLog({
      severityNumber: 13,
      severityText: 'WARNING',
      body: { stringValue: 'login failed for jane.doe@example.com card 4111 1111 1111 1111 phone +44 20 7946 0958 password=hunter2\n    at login (auth.js:12)' },
      attributes: [
        { key: 'event.name', value: { stringValue: 'http.server.auth_failed' } },
        { key: 'user.email', value: { stringValue: 'jane.doe@example.com' } },
        { key: 'api_token', value: { stringValue: 'abcdef123456' } },
        { key: 'error.type', value: { stringValue: 'Bad]Request' } },
      ],
    });
    expect(res.status).toBe(200);
    const line = await waitSiem('the unredacted probe', (l) => l.app === 'siem-probe' && l.msgId === 'http.server.auth_failed');
    expect(line.msg).toContain('[REDACTED:email]');
    expect(line.msg).toContain('[REDACTED:card]');
    expect(line.msg).toContain('[REDACTED:phone]');
    expect(line.msg).not.toContain('hunter2');
    expect(line.msg).toContain('⏎ at login (auth.js:12)'); // a multi-line body stays one SIEM event
    expect(line.sd.error_type).toBe('Bad_Request'); // a bare ']' would end the structured data early
    const stored = await store.waitFor('the probe in the log store', () => store.logs.find((l) => l.resource['service.name'] === 'siem-probe'));
    expect(JSON.stringify(stored)).not.toMatch(/jane\.doe|4111 1111|abcdef123456|hunter2/);
    // Nothing the whole shop sent either.
    for (const l of siemLines()) for (const re of PII) expect(l.raw, l.raw).not.toMatch(re);
    for (const l of store.logs) for (const re of PII) expect(JSON.stringify(l.body) + JSON.stringify(l.attributes)).not.toMatch(re);
  });

  it('PostgreSQL’s own log: a slow statement arrives as db.query.slow on the app’s trace; an authentication failure reaches the SIEM', async () => {
    expect((await fetch(`${appUrl}/db/slow`)).status).toBe(200);
    const pgSpan = await store.waitFor('the app’s pg span', () => store.spans.find((s) => s.resource['service.name'] === 'e2e-app' && /pg_sleep/.test(String(s.attributes['db.query.text'] ?? s.attributes['db.statement'] ?? s.name))));
    const serverLog = await store.waitFor('the server’s slow-statement record', () =>
      store.logs.find((l: ReceivedLog) => l.resource['service.name'] === 'postgresql' && l.attributes['event.name'] === 'db.query.slow' && l.traceId === pgSpan.traceId),
    );
    expect(serverLog.severityNumber).toBe(13);
    expect(serverLog.spanId).toBe(pgSpan.spanId);
    expect(serverLog.attributes['shop.component']).toBe('shop-db');
    expect(serverLog.attributes['db.namespace']).toBe('shop');
    expect(Number(serverLog.attributes['db.query.duration_ms'])).toBeGreaterThan(200);
    const slowLine = await waitSiem('slow statement', (l) => l.app === 'postgresql' && l.msgId === 'db.query.slow' && l.sd.trace_id === pgSpan.traceId);
    expect(slowLine.sd.component).toBe('shop-db');

    const bad = new pg.Client({ connectionString: PG_URL.replace('shop:shop@', 'shop:not-the-password@') });
    await expect(bad.connect()).rejects.toThrow(/password authentication failed/);
    const auth = await waitSiem('authentication failure', (l) => l.app === 'postgresql' && l.msgId === 'db.auth.failed');
    expect(auth.pri).toBe(10 * 8 + 4);
    expect(auth.sd.error_type).toBe('28P01');
    await waitProm('server-log events counted', 'sum(shop_events_total{service_name="postgresql",event_name="db.auth.failed"})', (v) => v >= 1);
  });

  it('RabbitMQ’s own log: a publish to a missing exchange is a routing problem in the SIEM', async () => {
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    const exchange = uniqueName('no-such-exchange-e2e');
    ch.publish(exchange, 'x', Buffer.from('{}'));
    await new Promise((r) => setTimeout(r, 300));
    await conn.close().catch(() => {});
    const line = await waitSiem('broker routing error', (l) => l.app === 'rabbitmq' && l.msg.includes(exchange));
    expect(line.msgId).toBe('messaging.routing.failed');
    expect(line.sd).toMatchObject({ component: 'message-queue', severity: 'WARNING' });
  });

  it('nothing is lost while the SIEM is down: the persistent queue delivers every record once it is back', async () => {
    await pipeline.siem.stop();
    const ids = Array.from({ length: 6 }, (_, i) => `outage-${uniqueName('probe').replace(/\d/g, 'x')}-${'abcdef'[i]}`);
    for (const id of ids) {
      const r = await sendLog({ severityNumber: 17, severityText: 'ERROR', body: { stringValue: `probe ${id}` }, attributes: [{ key: 'event.name', value: { stringValue: 'shop.order.failed' } }] }, 'outage-probe');
      expect(r.status).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 3000)); // the collector tries, fails, and keeps the records
    expect(pipeline.siem.lines().some((l: string) => l.includes(ids[0]))).toBe(false);
    pipeline.siem = stack.startSiem(dir, ports.siem);
    await pipeline.siem.ready;
    for (const id of ids) await waitSiem(`record ${id} after the SIEM restart`, (l) => l.msg === `probe ${id}`, 45_000);
  });
});
