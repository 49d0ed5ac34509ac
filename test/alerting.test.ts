import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import pgClient from 'pg';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runFixture, type Fixture } from './support/fixture';
import { startReceiver, type Receiver } from './support/otlp-receiver';
import { createPrivatePostgres, type PrivatePostgres } from './support/private-postgres';
import { dropSampleShopBroker, startSampleShop, type ShopPorts } from './support/sample-shop';
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/ban-ts-comment */
// @ts-ignore -- plain .mjs modules of the scripts, typed loosely here
import * as stackModule from '../scripts/pipeline/stack.mjs';
// @ts-ignore
import * as receiversModule from '../scripts/alerting/local-receivers.mjs';
// @ts-ignore
import * as alertingModule from '../scripts/alerting/alerting-stack.mjs';
// @ts-ignore
import * as rulesModule from '../scripts/alerting/render-rules.mjs';

const stack = stackModule as any;
const localReceivers = receiversModule as any;
const alerting = alertingModule as any;
const rules = rulesModule as any;

/**
 * Alerting end to end, with the real parts: the sample shop (every service under
 * `--import shop-otel/register`, on a PostgreSQL of this test's own) sends to our collector build;
 * Prometheus (Debian's) scrapes it and evaluates the alert rules rendered by render-rules.mjs in
 * the fast profile (every window and `for:` ÷ TIME_SCALE, evaluation every second); Alertmanager
 * (Debian's) routes with collector/stack/alertmanager's config (timings ÷ TIME_SCALE) to a local
 * SMTP relay (STARTTLS + AUTH), Telegram's Bot API, a chat webhook and an SMS gateway (behind our
 * SMS bridge), and to the SIEM through our forwarder and the collector's RFC 5424 feed (rsyslog).
 * Normal traffic first — nothing may fire — then six incidents, one after another, each with the
 * alert it must raise, the channels it must reach (and only those), a bound on the time to the
 * notification, and the resolved notification after recovery. Last, every panel query of the
 * provisioned Grafana dashboards runs against this Prometheus and must return data.
 */

const TIME_SCALE = 20;
const FIRE_WITHIN_MS = 75_000;
const RESOLVE_WITHIN_MS = 120_000;

/**
 * Latency on this machine is not the shop's: two cores shared by every process of the stack (and
 * another test file), so the latency alerts (the SLO's latency burn, slow responses, the latency
 * anomaly) may fire on normal traffic here. They are proven by their promtool unit tests; the
 * quiet-traffic check below reports them and does not count them.
 */
const LOAD_BOUND = (a: any) => /^ShopSloLatencyBurn|^ShopSlowResponses$/.test(a.labels.alertname) || (a.labels.alertname === 'ShopAnomaly' && a.labels.anomaly_name === 'latency_p95');

type Channel = 'sms' | 'telegram' | 'chat' | 'email';
const ALL: Channel[] = ['sms', 'telegram', 'chat', 'email'];
const PAGE: Channel[] = ALL;
const NOTIFY: Channel[] = ['telegram', 'chat', 'email'];

let dir: string;
let pg: PrivatePostgres;
let r: any;
let al: any;
let st: any;
let shop: Fixture;
let traffic: Fixture;
let collectorOpts: any;
let traceStore: Receiver;
const ports: Record<string, number> = {};
let shopPorts: ShopPorts;
const timeline: string[] = [];
const note = (line: string) => { timeline.push(`${new Date().toISOString().slice(11, 19)} ${line}`); };

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${timeline.join('\n')}`);
    await sleep(500);
  }
}

/** One notification as received on a channel: the text a person reads there, and when. */
interface Received { channel: Channel; at: number; text: string; to?: string[] }
function received(): Received[] {
  const out: Received[] = [];
  for (const m of r.sms.messages) out.push({ channel: 'sms', at: Date.parse(m.at), text: String(m.body.text) });
  for (const m of r.telegram.messages) out.push({ channel: 'telegram', at: Date.parse(m.at), text: String(m.body.text).replace(/<[^>]+>/g, '') });
  for (const m of r.chat.messages) out.push({ channel: 'chat', at: Date.parse(m.at), text: `${m.body.attachments?.[0]?.title}\n${m.body.attachments?.[0]?.text}` });
  for (const m of r.smtp.inbox) out.push({ channel: 'email', at: Date.parse(m.at), text: `${m.subject}\n${m.text}`, to: m.to });
  return out;
}
/** Notifications since `t` about `alertname` at `where` (service/component) whose text also matches `also`. */
function about(t: number, alertname: string, where: string, also?: RegExp): Received[] {
  return received().filter((n) => n.at >= t && n.text.includes(alertname) && n.text.includes(where) && (!also || also.test(n.text)));
}
const resolvedText = (n: Received) => /RESOLVED/.test(n.text.split('\n')[0] + n.text.split('\n')[1]);
const channelsOf = (ns: Received[]) => [...new Set(ns.map((n) => n.channel))].sort();

async function firingAlerts(): Promise<any[]> {
  return (await st.prometheus.alerts()).filter((a: any) => a.state === 'firing');
}

interface Incident {
  name: string;
  alertname: string;
  /** service/component as the notification shows it. */
  where: string;
  also?: RegExp;
  channels: Channel[];
  mailbox: string;
  inject(): Promise<void>;
  recover(): Promise<void>;
}

/** Inject, wait for the alert on its channels (only those), recover, wait for the resolved notification. */
async function runIncident(inc: Incident): Promise<void> {
  const t0 = Date.now();
  note(`${inc.name}: inject`);
  await inc.inject();
  const firing = await waitFor(`${inc.alertname} (${inc.where}) notified on ${inc.channels.join(', ')}`, () => {
    const ns = about(t0, inc.alertname, inc.where, inc.also).filter((n) => !resolvedText(n));
    return inc.channels.every((c) => ns.some((n) => n.channel === c)) ? ns : undefined;
  }, FIRE_WITHIN_MS);
  const latency = Math.max(...inc.channels.map((c) => Math.min(...firing.filter((n) => n.channel === c).map((n) => n.at)))) - t0;
  note(`${inc.name}: ${inc.alertname} on ${channelsOf(firing).join(', ')} after ${(latency / 1000).toFixed(1)} s; firing now: ${(await firingAlerts()).map((a) => `${a.labels.alertname}{${a.labels.service}/${a.labels.component}}`).join(' ')}`);
  expect(latency).toBeLessThan(FIRE_WITHIN_MS);
  for (const n of firing.filter((x) => x.channel === 'email')) expect(n.to).toEqual([inc.mailbox]);
  if (inc.channels.includes('sms')) expect(firing.filter((n) => n.channel === 'sms').length).toBeGreaterThanOrEqual(alerting.SMS_RECIPIENTS.length);
  // Give the other channels the same time the slowest expected one took: they must stay quiet.
  await sleep(2000);
  expect(channelsOf(about(t0, inc.alertname, inc.where, inc.also)), `${inc.name}: channels`).toEqual([...inc.channels].sort());

  const t1 = Date.now();
  note(`${inc.name}: recover`);
  await inc.recover();
  await waitFor(`${inc.alertname} (${inc.where}) resolved on ${inc.channels.join(', ')}`, () => {
    const ns = about(t1, inc.alertname, inc.where).filter(resolvedText);
    return inc.channels.every((c) => ns.some((n) => n.channel === c)) ? ns : undefined;
  }, RESOLVE_WITHIN_MS);
  note(`${inc.name}: resolved after ${((Date.now() - t1) / 1000).toFixed(1)} s`);
}

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((res) => { expect(res.ok, url).toBe(true); });
const shopUrl = () => `http://127.0.0.1:${shopPorts.SHOP_API_PORT}`;
const mesUrl = () => `http://127.0.0.1:${shopPorts.MES_API_PORT}`;

/** The traffic generator in the background: steady orders until stopped. */
function startTraffic(rate: number, duration: number, burst = 0): Fixture {
  return runFixture(path.join(REPO, 'samples', 'traffic.mjs'), {
    register: 'none',
    args: ['--rate', String(rate), '--duration', String(duration), '--burst', String(burst), '--bad-ratio', '0', '--wait', '1', '--shop-url', shopUrl(), '--crm-url', `http://127.0.0.1:${shopPorts.CRM_API_PORT}`, '--files-url', `http://127.0.0.1:${shopPorts.FILE_STORE_PORT}`],
  });
}

beforeAll(async () => {
  const binary = stack.collectorBinary();
  dir = mkdtempSync(path.join(os.tmpdir(), 'shop-otel-alerting-'));
  for (const n of ['otlpHttp', 'otlpGrpc', 'promExporter', 'health', 'selfMetrics', 'prometheus', 'siem', 'pg']) ports[n] = await alerting.freePort();
  // The trace and log store (an OTLP receiver of our own): the collector exports there, so that its
  // export-failure alert has no reason to fire.
  traceStore = await startReceiver();
  ports.store = Number(new URL(traceStore.url).port);
  pg = createPrivatePostgres(path.join(dir, 'pg'), ports.pg);
  const ruleFiles = rules.renderRules(path.join(dir, 'rules'), { scale: TIME_SCALE });
  r = await localReceivers.startLocalReceivers(path.join(dir, 'receivers'));
  al = await alerting.startAlerting({ dir: path.join(dir, 'alerting'), receivers: r, otlpLogsUrl: `http://127.0.0.1:${ports.otlpHttp}/v1/logs`, timeScale: TIME_SCALE });
  // RabbitMQ's own log is the machine's, shared with the suites that run alongside (test/collector.test.ts
  // makes the broker log a routing problem on purpose): this stack's collector reads a file of its own,
  // so another suite's incident never reaches this one's alerts ("normal traffic: … nothing is sent").
  const rabbitLog = path.join(dir, 'rabbit.log');
  writeFileSync(rabbitLog, '');
  collectorOpts = { binary, extraEnv: { SHOP_OTEL_POSTGRESQL_LOG: pg.logFile, SHOP_OTEL_RABBITMQ_LOG: rabbitLog, SHOP_OTEL_SERVER_LOGS_START_AT: 'beginning', SHOP_OTEL_SPANMETRICS_FLUSH_INTERVAL: '1s' } };
  st = await stack.startStack({ dir, ports, collector: collectorOpts, prometheus: { ruleFiles, alertmanagers: al.targets } });
  shopPorts = { SHOP_API_PORT: String(await alerting.freePort()), CRM_API_PORT: String(await alerting.freePort()), MES_API_PORT: String(await alerting.freePort()), FILE_STORE_PORT: String(await alerting.freePort()) };
  shop = await startSampleShop(st.otlpEndpoint, shopPorts, path.join(dir, 'files'), `alerting${process.pid}.`, {
    SHOP_DB_URL: pg.url('shop'),
    MES_DB_URL: pg.url('mes'),
    // An order reaching the MES 4 s after it was created is late (production: 60 s).
    SHOP_OTEL_MES_DELAY_MS: '4000',
  });
  traffic = startTraffic(2, 1200);
  note('stack up, traffic started');
}, 900_000);

afterAll(async () => {
  process.stderr.write(`alerting timeline:\n${timeline.join('\n')}\n`);
  if (shop && shop.stderr.length) process.stderr.write(`sample shop (stderr, last lines):\n${shop.stderr.slice(-20).join('\n')}\n`);
  await traffic?.stop().catch(() => undefined);
  await shop?.stop().catch(() => undefined);
  if (shop) await dropSampleShopBroker(`alerting${process.pid}.`).catch((e) => process.stderr.write(`alerting: the shop's queues not deleted: ${e}\n`));
  await st?.stop();
  await al?.stop();
  await r?.stop();
  pg?.stop();
  await traceStore?.close();
}, 60_000);

describe('alerting end to end: incidents → alerts → the right channels → resolved', () => {
  it('normal traffic: no alert fires, nothing is sent', async () => {
    await waitFor('orders flowing through Prometheus', async () => (await st.prometheus.query('sum(shop_orders_created_total)'))[0]?.value[1] > 20, 90_000);
    // Warm-up: the shop starting from nothing is itself a burst to the anomaly framework until its
    // one-hour median (÷ 20: three minutes) holds only normal traffic. Wait (bounded) until
    // nothing fires, then watch normal traffic for 30 s: no alert, no notification.
    const relevant = (a: any) => !LOAD_BOUND(a);
    await waitFor('the start-up transient to end (no alert firing for 10 s)', async () => {
      const quietSince = Date.now();
      while (Date.now() - quietSince < 10_000) {
        if ((await firingAlerts()).filter(relevant).length > 0) return false;
        await sleep(1000);
      }
      return true;
    }, 300_000);
    note('warm-up over');
    const t0 = Date.now();
    const loadBound = new Set<string>();
    for (let i = 0; i < 15; i++) {
      const firing = await firingAlerts();
      for (const a of firing.filter(LOAD_BOUND)) loadBound.add(`${a.labels.alertname}{${a.labels.service}/${a.labels.component}${a.labels.anomaly_name ? ` ${a.labels.anomaly_name}` : ''}}`);
      expect(firing.filter(relevant).map((a) => `${a.labels.alertname}{${a.labels.service}/${a.labels.component}} ${a.annotations.description}`)).toEqual([]);
      await sleep(2000);
    }
    const names = new Set(received().filter((n) => n.at >= t0).map((n) => n.text));
    expect([...names].filter((t) => !/ShopSloLatencyBurn|ShopSlowResponses|latency_p95/.test(t))).toEqual([]);
    note(`normal traffic: quiet for 30 s${loadBound.size ? ` (latency alerts of a loaded machine, not counted: ${[...loadBound].join(' ')})` : ''}`);
  }, 420_000);

  it('a 5xx burst in the Shop API pages (ShopHttpErrorRatioHigh, critical): SMS, Telegram, chat, the shop team\'s mail', async () => {
    await runIncident({
      name: '5xx burst', alertname: 'ShopHttpErrorRatioHigh', where: 'shop-api/shop-api', also: /CRITICAL|RESOLVED/, channels: PAGE, mailbox: 'shop-team@shop.example.com',
      inject: () => post(`${shopUrl()}/admin/faults`, { errors: true }),
      recover: () => post(`${shopUrl()}/admin/faults`, { errors: false }),
    });
  }, 300_000);

  it('a CRITICAL record pages at once (ShopCriticalLog)', async () => {
    await runIncident({
      name: 'CRITICAL record', alertname: 'ShopCriticalLog', where: 'shop-api/shop-api', channels: PAGE, mailbox: 'shop-team@shop.example.com',
      inject: () => post(`${shopUrl()}/admin/critical`, {}),
      recover: async () => undefined, // one record: the alert ends when it leaves the window
    });
  }, 300_000);

  it('a PostgreSQL outage raises ShopDbQueryFailures for the Shop DB: messenger and the ops mailbox, no SMS', async () => {
    const sessions: pgClient.Client[] = [];
    await runIncident({
      name: 'PostgreSQL outage', alertname: 'ShopDbQueryFailures', where: '/shop-db', channels: NOTIFY, mailbox: 'ops@shop.example.com',
      inject: async () => {
        // Sessions open at that moment, as under traffic (the shop's pools may hold none right
        // then): PostgreSQL logs each one it terminates (FATAL), which the collector reads.
        for (let i = 0; i < 6; i++) {
          const c = new pgClient.Client({ connectionString: pg.url('shop') });
          c.on('error', () => undefined); // the outage ends the session: expected
          await c.connect();
          await c.query('SELECT 1');
          sessions.push(c);
        }
        pg.stop();
      },
      recover: async () => {
        pg.start();
        await Promise.allSettled(sessions.map((c) => c.end()));
      },
    });
  }, 300_000);

  it('an order-creation burst raises ShopAnomaly (orders_created, up): messenger and mail, no SMS', async () => {
    // A rate input is judged only once it is eligible (shop-anomaly.rules.yml: active in enough of
    // the last day's hours, read by a subquery stepped by the hour, 3 minutes in the test's time
    // scale). On a fresh stack that is the first such step after its series exist, up to ~3
    // minutes after the start: a burst that began and ended before it raised nothing (a CI run
    // where the incidents before this one went fast). The precondition, not the assertion, waits.
    await waitFor('orders_created eligible for the anomaly detectors', async () => ((await st.prometheus.query('shop:anomaly:eligible{anomaly_name="orders_created",service="shop-api"}')).length > 0 ? true : undefined), 240_000);
    let burst: Fixture | undefined;
    await runIncident({
      name: 'order burst', alertname: 'ShopAnomaly', where: 'shop-api/shop-api', also: /orders_created/, channels: NOTIFY, mailbox: 'shop-team@shop.example.com',
      inject: async () => { burst = startTraffic(10, 30, 150); },
      recover: async () => { await burst?.exited; },
    });
  }, 540_000);

  it('slow MES processing raises ShopMesProcessingDelayed: messenger and mail, no SMS', async () => {
    await runIncident({
      name: 'slow MES', alertname: 'ShopMesProcessingDelayed', where: 'mes-api/mes-api', channels: NOTIFY, mailbox: 'shop-team@shop.example.com',
      inject: () => post(`${mesUrl()}/admin/faults`, { slowMs: 6000 }),
      recover: () => post(`${mesUrl()}/admin/faults`, { slowMs: 0 }),
    });
  }, 300_000);

  it('the collector stopping pages (ShopCollectorDown) and mutes what depends on it', async () => {
    let tCollector = Date.now();
    await runIncident({
      name: 'collector stopped', alertname: 'ShopCollectorDown', where: 'otelcol-shop/pipeline', channels: PAGE, mailbox: 'ops@shop.example.com',
      inject: async () => { tCollector = Date.now(); await st.collector.stop(); },
      recover: async () => {
        st.collector = stack.startCollector(dir, ports, collectorOpts);
        await st.collector.ready;
      },
    });
    // While it was down, every service went silent: those alerts were inhibited, not sent.
    expect(received().filter((n) => n.at >= tCollector && /ShopServiceSilent/.test(n.text))).toEqual([]);
  }, 300_000);

  it('the SIEM received every alert above, firing and resolved, in the collector\'s RFC 5424 feed', async () => {
    const want = ['ShopHttpErrorRatioHigh', 'ShopCriticalLog', 'ShopDbQueryFailures', 'ShopAnomaly', 'ShopMesProcessingDelayed', 'ShopCollectorDown'];
    const lines = await waitFor('firing and resolved lines of every incident in the SIEM', () => {
      const l: string[] = st.siem.lines().filter((x: string) => / alert\.(firing|resolved) /.test(x));
      return want.every((a) => ['firing', 'resolved'].every((s) => l.some((x) => x.includes(`alert="${a}"`) && x.includes(`alert_status="${s}"`)))) ? l : undefined;
    }, 60_000);
    const line = lines.find((x) => x.includes('alert="ShopCriticalLog"') && x.includes('alert_status="firing"'))!;
    expect(line).toMatch(/^<\d+>1 \S+ \S+ alertmanager \S+ alert\.firing \[shop@32473 /);
    expect(line).toContain('alert_severity="critical"');
    expect(line).toContain('alert_component="shop-api"');
    expect(line).toMatch(/FIRING critical ShopCriticalLog shop-api\/shop-api: /);
  }, 120_000);

  it('every panel query of the provisioned dashboards, variables expanded, returns data from this Prometheus', async () => {
    // @ts-ignore
    const dashboards: any = await import('../scripts/alerting/dashboards.mjs');
    const queries = dashboards.panelQueries();
    expect(queries.length).toBeGreaterThan(40);
    // As Grafana runs them: instant queries at now, the others as range queries over the last
    // 10 minutes (the incidents above), step 15 s; variables at their defaults.
    const emptyOf = async (list: any[]) => {
      const end = Date.now() / 1000;
      const empty: any[] = [];
      for (const q of list) {
        const expr = dashboards.expandVariables(q.expr, { range: '10m', variables: q.variables });
        const url = q.instant
          ? `${st.prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`
          : `${st.prometheus.url}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${end - 600}&end=${end}&step=15`;
        const json: any = await (await fetch(url)).json();
        expect(json.status, `${q.dashboard} / ${q.panel}: ${expr}: ${JSON.stringify(json.error)}`).toBe('success');
        if (json.data.result.length === 0) empty.push(q);
      }
      return empty;
    };
    // The collector outage just above leaves the anomaly level unset at "now" until the span
    // metrics are back and a rule evaluation has seen them (shop-anomaly.rules.yml: no level
    // while the pipeline was down): a query at now may be empty for a few evaluations, as
    // Grafana's would be. Each empty one is asked again for up to a minute; none may stay empty.
    let empty = await emptyOf(queries);
    for (const until = Date.now() + 60_000; empty.length > 0 && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 3000));
      empty = await emptyOf(empty);
    }
    expect(empty.map((q) => `${q.dashboard} / ${q.panel}: ${dashboards.expandVariables(q.expr, { range: '10m', variables: q.variables })}`)).toEqual([]);
  }, 150_000);
});
