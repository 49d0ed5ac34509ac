/**
 * `shop-otel-anomaly serve` end to end: a real Prometheus holding two days of seasonal order
 * history (backfilled with promtool), live points from an exporter it scrapes, the service warming
 * up from query_range, quiet on normal data, an order-creation burst raising the score and, with
 * Prometheus evaluating ml-anomaly.rules.yml, the ShopAnomalyScoreHigh alert; the dashboard's
 * queries return data; state survives a restart; a Prometheus that is down is retried.
 *
 * Clock: the service reads every 5 s here (production: 60 s), so the production rules run with
 * their windows and `for:` divided by 12 (test/support/anomaly-stack.ts scaledRules).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfill, freePort, ROOT, scaledRules, spawnLogged, startPrometheus, waitFor, type Prom, type Proc } from './support/anomaly-stack';

const STEP = 5; // seconds between the service's points
const HISTORY_DAYS = 2;
const CLI = path.join(ROOT, 'dist', 'cli', 'anomaly.js');
const RULES = path.join(ROOT, 'collector', 'stack', 'prometheus', 'rules', 'ml-anomaly.rules.yml');
const DASHBOARD = path.join(ROOT, 'collector', 'stack', 'grafana', 'dashboards', 'ml-anomaly.json');
const QUERIES = [{ name: 'orders_created', component: 'shop-api', query: 'sum by (service_name) (rate(shop_orders_created_total[1m]))' }];

/** Orders per 5-second bucket: a daily cycle (±40 %) around 2 orders/s, deterministic noise, and a burst ×5 once switched on. */
class OrderCounter {
  private readonly cum: number[] = [];
  burstFrom = Infinity;
  constructor(readonly t0: number) {}
  private inc(k: number): number {
    const t = this.t0 + STEP * k;
    let h = Math.imul(k + 1, 2654435761) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 2246822519) >>> 0;
    const u = (h >>> 8) / 2 ** 24;
    const base = Math.max(1, Math.round(10 * (1 + 0.4 * Math.sin((2 * Math.PI * t) / 86400)) + (u * 6 - 3)));
    return t >= this.burstFrom ? base * 5 : base;
  }
  at(t: number): number {
    const k = Math.floor((t - this.t0) / STEP);
    while (this.cum.length <= k) this.cum.push((this.cum.at(-1) ?? 0) + this.inc(this.cum.length));
    return k < 0 ? 0 : this.cum[k];
  }
}

async function metricsText(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}
function metricValue(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(name) && (l[name.length] === ' ' || l[name.length] === '{'));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('shop-otel-anomaly serve against a real Prometheus', () => {
  let dir: string;
  let prom: Prom;
  let exporter: Server;
  let counter: OrderCounter;
  let servePort: number;
  let serve: Proc | undefined;
  const serveArgs = () => [
    CLI, 'serve', '--prometheus', prom.url, '--listen', `127.0.0.1:${servePort}`, '--queries', path.join(dir, 'queries.json'),
    '--step', `${STEP}s`, '--warmup', `${HISTORY_DAYS}d`, '--state', path.join(dir, 'state', 'anomaly.json'),
  ];

  beforeAll(async () => {
    expect(existsSync(CLI), 'run `npx tsc -p tsconfig.json` first').toBe(true);
    dir = mkdtempSync(path.join(tmpdir(), 'shop-anomaly-'));
    writeFileSync(path.join(dir, 'queries.json'), JSON.stringify(QUERIES));
    const now = Math.floor(Date.now() / 1000);
    counter = new OrderCounter(now - HISTORY_DAYS * 86400);
    exporter = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`# TYPE shop_orders_created_total counter\nshop_orders_created_total{service_name="shop-api"} ${counter.at(Date.now() / 1000)}\n`);
    });
    await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
    const exporterAddr = `127.0.0.1:${(exporter.address() as { port: number }).port}`;
    // The history, with the labels the live scrape will carry (job, instance), so it is one series.
    const lines = ['# HELP shop_orders_created Orders created', '# TYPE shop_orders_created counter'];
    for (let t = counter.t0; t <= now; t += STEP) {
      lines.push(`shop_orders_created_total{instance="${exporterAddr}",job="shop-api",service_name="shop-api"} ${counter.at(t)} ${t}`);
    }
    lines.push('# EOF');
    const data = path.join(dir, 'data');
    backfill(`${lines.join('\n')}\n`, dir, data);
    writeFileSync(path.join(dir, 'ml-anomaly.rules.yml'), scaledRules(RULES, 60 / STEP));
    servePort = await freePort();
    prom = await startPrometheus(dir, data, [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'rule_files: [ ml-anomaly.rules.yml ]',
      'scrape_configs:',
      `  - { job_name: shop-api, static_configs: [ { targets: [ "${exporterAddr}" ] } ] }`,
      `  - { job_name: shop-otel-anomaly, static_configs: [ { targets: [ "127.0.0.1:${servePort}" ] } ] }`,
      '',
    ].join('\n'));
  });

  afterAll(async () => {
    await serve?.stop();
    await prom?.proc.stop();
    exporter?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('warms up from two days of history, stays quiet on normal data, and a burst of orders fires ShopAnomalyScoreHigh', async () => {
    // The backfilled history is queryable.
    const history = await prom.query(`count_over_time(shop_orders_created_total[${HISTORY_DAYS}d])`);
    expect(Number(history[0]?.value[1])).toBeGreaterThan(30_000);

    serve = spawnLogged(process.execPath, serveArgs(), path.join(dir, 'serve.log'));
    const warm = await waitFor('warm-up', async () => {
      const v = metricValue(await metricsText(servePort), 'shop_anomaly_points_total');
      return v !== undefined && v >= (HISTORY_DAYS * 86400) / STEP - 20 ? v : undefined;
    }, 60_000);
    expect(warm).toBeLessThan((HISTORY_DAYS * 86400) / STEP + 100);

    // Normal data for 45 s (9 points): no high score, no alert.
    await new Promise((r) => setTimeout(r, 45_000));
    const quiet = await prom.query('max_over_time(shop_anomaly_score{series="orders_created"}[40s])');
    expect(quiet).toHaveLength(1);
    expect(quiet[0].metric).toMatchObject({ series: 'orders_created', service: 'shop-api', component: 'shop-api' });
    expect(Number(quiet[0].value[1])).toBeLessThan(0.25);
    expect((await prom.alerts()).filter((a) => a.labels.alertname === 'ShopAnomalyScoreHigh')).toEqual([]);

    // Orders ×5 from now on.
    counter.burstFrom = Date.now() / 1000;
    const alert = await waitFor('ShopAnomalyScoreHigh firing', async () =>
      (await prom.alerts()).find((a) => a.labels.alertname === 'ShopAnomalyScoreHigh' && a.state === 'firing'), 150_000, 1000);
    expect(alert.labels).toMatchObject({ series: 'orders_created', service: 'shop-api', component: 'shop-api', severity: 'warning', category: 'anomaly' });
    expect(alert.annotations.runbook_url).toBe('docs/runbooks/ShopAnomalyScoreHigh.md');
    const value = await prom.query('shop_anomaly_value{series="orders_created"}');
    const upper = await prom.query('shop_anomaly_upper{series="orders_created"}');
    expect(Number(value[0].value[1])).toBeGreaterThan(Number(upper[0].value[1]));
  }, 300_000);

  it("the dashboard's queries return data", async () => {
    const board = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
    const exprs = board.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr.replaceAll('$series', 'orders_created').replaceAll('$service', 'shop-api') })));
    expect(exprs.length).toBeGreaterThanOrEqual(6);
    for (const { panel, expr } of exprs) {
      const r = await prom.query(expr);
      expect(r.length, `${panel}: ${expr}`).toBeGreaterThan(0);
    }
  });

  it('saves its state on SIGTERM and restores it at start instead of warming up again', async () => {
    expect(await serve!.stop()).toBe(0);
    const state = JSON.parse(readFileSync(path.join(dir, 'state', 'anomaly.json'), 'utf8')) as { series: Record<string, { detector: { count: number } }> };
    const saved = Object.values(state.series);
    expect(saved).toHaveLength(1);
    expect(saved[0].detector.count).toBeGreaterThan((HISTORY_DAYS * 86400) / STEP);
    serve = spawnLogged(process.execPath, serveArgs(), path.join(dir, 'serve.log'));
    await waitFor('restored state', async () => (serve!.output().includes('restored 1 series') ? true : undefined), 20_000);
    const points = await waitFor('first read after restart', async () => {
      const t = await metricsText(servePort);
      return metricValue(t, 'shop_anomaly_prometheus_up') === 1 ? metricValue(t, 'shop_anomaly_points_total') : undefined;
    }, 30_000);
    expect(points).toBeLessThan(100); // only the points since the stop, not two days again
  });

  it('--shard i/n: of two replicas, exactly one scores a series', async () => {
    const replicas = await Promise.all([0, 1].map(async (i) => {
      const port = await freePort();
      const proc = spawnLogged(process.execPath, [CLI, 'serve', '--prometheus', prom.url, '--listen', `127.0.0.1:${port}`, '--queries', path.join(dir, 'queries.json'),
        '--step', `${STEP}s`, '--warmup', '1h', '--shard', `${i}/2`, '--state', path.join(dir, `shard-${i}.json`)], path.join(dir, `shard-${i}.log`));
      return { port, proc };
    }));
    try {
      const counts = await Promise.all(replicas.map(({ port }) => waitFor('first read', async () => {
        const t = await metricsText(port);
        return metricValue(t, 'shop_anomaly_prometheus_up') === 1 ? metricValue(t, 'shop_anomaly_series') : undefined;
      }, 30_000)));
      expect([...counts].sort()).toEqual([0, 1]);
      const owner = replicas[counts.indexOf(1)];
      const other = replicas[counts.indexOf(0)];
      expect(await metricsText(owner.port)).toMatch(/shop_anomaly_score\{series="orders_created",service="shop-api",component="shop-api"\} /);
      expect(await metricsText(other.port)).not.toMatch(/shop_anomaly_score\{/);
    } finally {
      for (const r of replicas) expect(await r.proc.stop()).toBe(0);
    }
  });

  it('a Prometheus that is slow (accepts, never answers) times out, is retried and reported', async () => {
    const silent = createServer(() => undefined); // holds every request open
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = await freePort();
    const p = spawnLogged(process.execPath, [CLI, 'serve', '--prometheus', `http://127.0.0.1:${(silent.address() as { port: number }).port}`,
      '--listen', `127.0.0.1:${port}`, '--queries', path.join(dir, 'queries.json'), '--step', '1s', '--timeout', '300ms', '--backoff-max', '1s',
      '--state', path.join(dir, 'slow-state.json')], path.join(dir, 'slow.log'));
    try {
      const text = await waitFor('two timed-out reads', async () => {
        const t = await metricsText(port);
        return (metricValue(t, 'shop_anomaly_prometheus_failures_total') ?? 0) >= 2 ? t : undefined;
      }, 30_000);
      expect(metricValue(text, 'shop_anomaly_prometheus_up')).toBe(0);
      expect(p.output()).toMatch(/Prometheus read failed \(http:\/\/127\.0\.0\.1:\d+ did not answer within 300 ms\); attempt 2/);
    } finally {
      expect(await p.stop()).toBe(0);
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('a Prometheus that is down is retried with back-off and reported, never a crash', async () => {
    const port = await freePort();
    const deadProm = `http://127.0.0.1:${await freePort()}`;
    const p = spawnLogged(process.execPath, [CLI, 'serve', '--prometheus', deadProm, '--listen', `127.0.0.1:${port}`, '--queries', path.join(dir, 'queries.json'),
      '--step', '1s', '--backoff-max', '2s', '--state', path.join(dir, 'dead-state.json')], path.join(dir, 'dead.log'));
    try {
      const text = await waitFor('three failed reads', async () => {
        const t = await metricsText(port);
        return (metricValue(t, 'shop_anomaly_prometheus_failures_total') ?? 0) >= 3 ? t : undefined;
      }, 30_000);
      expect(metricValue(text, 'shop_anomaly_prometheus_up')).toBe(0);
      expect(p.child.exitCode).toBeNull();
      expect(p.output()).toMatch(/Prometheus read failed \(http:\/\/127\.0\.0\.1:\d+ unreachable \(ECONNREFUSED\)\); attempt 3, retrying in 2\.0s/);
    } finally {
      expect(await p.stop()).toBe(0);
    }
  });
});
