import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERIES, parseDuration, parseQueries, resolveServeConfig, SERVE_DEFAULTS } from '../../src/anomaly/serve/config';
import { fnv1a, ownsSeries } from '../../src/anomaly/serve/shard';
import { seriesKey } from '../../src/anomaly/serve/service';

const resolve = (argv: string[], env: Record<string, string> = {}) => {
  const warnings: string[] = [];
  const config = resolveServeConfig(argv, env, (m) => warnings.push(m));
  return { config, warnings };
};

describe('serve configuration: flags > environment > defaults, bad values → one diagnostic and the default', () => {
  it('defaults', () => {
    const { config, warnings } = resolve([]);
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({ prometheusUrl: 'http://127.0.0.1:9090', listenHost: '127.0.0.1', listenPort: 9465, stepSeconds: 60, warmupSeconds: 7 * 86400, shard: { index: 0, count: 1 } });
    expect(config.queries.map((q) => q.name)).toEqual(DEFAULT_QUERIES.map((q) => q.name));
    expect(config.queries.find((q) => q.name === 'orders_created')?.query).toContain('shop_orders_created_total');
  });

  it('a flag wins over the environment, the environment over the default', () => {
    const env = { SHOP_OTEL_ANOMALY_STEP: '30s', SHOP_OTEL_ANOMALY_PROMETHEUS_URL: 'http://10.0.0.1:9090/', SHOP_OTEL_ANOMALY_SHARD: '1/3' };
    const { config, warnings } = resolve(['--step', '15s', '--listen', '0.0.0.0:9999'], env);
    expect(warnings).toEqual([]);
    expect(config.stepSeconds).toBe(15);
    expect(config.prometheusUrl).toBe('http://10.0.0.1:9090');
    expect(config.shard).toEqual({ index: 1, count: 3 });
    expect(config.listenHost).toBe('0.0.0.0');
    expect(config.listenPort).toBe(9999);
  });

  it('bad values: one diagnostic each, naming the flag or variable, then the default', () => {
    const { config, warnings } = resolve(['--shard', '3/3', '--step', 'soon'], { SHOP_OTEL_ANOMALY_PROMETHEUS_URL: 'ftp://x', SHOP_OTEL_ANOMALY_BAND: '-1', SHOP_OTEL_ANOMALY_QUERIES: '/nonexistent/q.json' });
    expect(config.shard).toEqual(SERVE_DEFAULTS.shard);
    expect(config.stepSeconds).toBe(60);
    expect(config.prometheusUrl).toBe(SERVE_DEFAULTS.prometheusUrl);
    expect(config.bandWidth).toBe(3);
    expect(config.queries).toHaveLength(DEFAULT_QUERIES.length);
    expect(warnings).toHaveLength(5);
    expect(warnings.join('\n')).toMatch(/--shard="3\/3" is not i\/n/);
    expect(warnings.join('\n')).toMatch(/--step="soon" is not a duration/);
    expect(warnings.join('\n')).toMatch(/SHOP_OTEL_ANOMALY_PROMETHEUS_URL="ftp:\/\/x" is not an http\(s\) URL/);
    expect(warnings.join('\n')).toMatch(/SHOP_OTEL_ANOMALY_QUERIES="\/nonexistent\/q.json" is not a readable query file/);
  });

  it('query files: JSON or "name = promql" lines', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shop-anomaly-q-'));
    try {
      const file = path.join(dir, 'q.txt');
      writeFileSync(file, '# the shop\norders = sum(rate(shop_orders_created_total[5m]))\n\nerrors = sum(rate(x[5m]))\n');
      const { config } = resolve(['--queries', file]);
      expect(config.queries).toEqual([
        { name: 'orders', query: 'sum(rate(shop_orders_created_total[5m]))' },
        { name: 'errors', query: 'sum(rate(x[5m]))' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(parseQueries('[{"name":"a","query":"up","component":"shop-api"}]')).toEqual([{ name: 'a', query: 'up', component: 'shop-api' }]);
    expect(() => parseQueries('[{"name":"a","query":"up"},{"name":"a","query":"up"}]')).toThrow(/used twice/);
    expect(() => parseQueries('[]')).toThrow(/no queries/);
  });

  it('durations', () => {
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('7d')).toBe(604800);
    expect(parseDuration('500ms')).toBe(0.5);
    expect(parseDuration('5 m')).toBeNaN();
    expect(parseDuration('')).toBeNaN();
  });
});

describe('sharding by hash', () => {
  it('every series has exactly one owner among n replicas, and the split is even', () => {
    const keys = Array.from({ length: 3000 }, (_, i) => seriesKey(`q${i % 7}`, { service_name: `svc-${i}`, le: String(i % 3) }));
    const counts = [0, 0, 0];
    for (const k of keys) {
      const owners = [0, 1, 2].filter((index) => ownsSeries(k, { index, count: 3 }));
      expect(owners).toHaveLength(1);
      counts[owners[0]]++;
    }
    for (const c of counts) expect(c).toBeGreaterThan(850);
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c); // FNV-1a test vector
  });

  it('the series key ignores label order and __name__', () => {
    expect(seriesKey('x', { b: '1', a: '2', __name__: 'm' })).toBe(seriesKey('x', { a: '2', b: '1' }));
  });
});
