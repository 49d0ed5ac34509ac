/**
 * `shop-otel-anomaly serve` configuration, resolved once into one typed object.
 * Precedence: command-line flags > environment (SHOP_OTEL_ANOMALY_*) > defaults. A bad value gets
 * one diagnostic naming the flag or variable, then the default; never a throw.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface SeriesQuery {
  /** Becomes the `series` label (e.g. orders_created). */
  name: string;
  /** PromQL; one detector per result series (e.g. per service). */
  query: string;
  /** Policy component, when the query is about one (a `shop_component` result label wins). */
  component?: string;
}

export interface ServeConfig {
  prometheusUrl: string;
  listenHost: string;
  listenPort: number;
  queries: SeriesQuery[];
  /** Resolution of every series, seconds (query_range step and the polling period). */
  stepSeconds: number;
  /** History read at start when there is no saved state, seconds. */
  warmupSeconds: number;
  /** Learned state: read at start, written on SIGTERM/SIGINT and every `saveEverySeconds`. */
  statePath: string;
  saveEverySeconds: number;
  /** This replica's shard of the series: index in [0, count). */
  shard: { index: number; count: number };
  /** Timeout of one Prometheus request, ms. */
  requestTimeoutMs: number;
  /** Back-off after a failed request: from min to max, doubling, ms. */
  backoffMinMs: number;
  backoffMaxMs: number;
  /** Band around the expected value: ± this many mean absolute errors. */
  bandWidth: number;
}

/** Default series: the collector's metric names (otel-collector.yaml: span metrics, signal_to_metrics). */
export const DEFAULT_QUERIES: readonly SeriesQuery[] = Object.freeze([
  { name: 'orders_created', component: 'shop-api', query: 'sum by (service_name) (rate(shop_orders_created_total[5m]))' },
  { name: 'http_requests', query: 'sum by (service_name) (rate(traces_span_metrics_calls_total{span_kind="SPAN_KIND_SERVER"}[5m]))' },
  { name: 'http_errors', query: 'sum by (service_name) (rate(traces_span_metrics_calls_total{span_kind="SPAN_KIND_SERVER",status_code="STATUS_CODE_ERROR"}[5m]))' },
  { name: 'latency_p50_ms', query: 'histogram_quantile(0.5, sum by (service_name, le) (rate(traces_span_metrics_duration_milliseconds_bucket{span_kind="SPAN_KIND_SERVER"}[5m])))' },
  { name: 'latency_p95_ms', query: 'histogram_quantile(0.95, sum by (service_name, le) (rate(traces_span_metrics_duration_milliseconds_bucket{span_kind="SPAN_KIND_SERVER"}[5m])))' },
  { name: 'mes_processed', component: 'mes-api', query: 'sum by (service_name) (rate(mes_orders_processed_total[5m]))' },
  { name: 'mes_processing_p95_ms', component: 'mes-api', query: 'histogram_quantile(0.95, sum by (service_name, le) (rate(traces_span_metrics_duration_milliseconds_bucket{span_kind="SPAN_KIND_SERVER",shop_component="mes-api"}[5m])))' },
]);

export const SERVE_DEFAULTS: Readonly<Omit<ServeConfig, 'queries'>> = Object.freeze({
  prometheusUrl: 'http://127.0.0.1:9090',
  listenHost: '127.0.0.1',
  listenPort: 9465,
  stepSeconds: 60,
  warmupSeconds: 7 * 86400,
  statePath: 'shop-otel-anomaly-state.json',
  saveEverySeconds: 300,
  shard: { index: 0, count: 1 },
  requestTimeoutMs: 10_000,
  backoffMinMs: 1000,
  backoffMaxMs: 60_000,
  bandWidth: 3,
});

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** `90s`, `5m`, `7d`, `1h30m`, or a bare number of seconds → seconds; NaN when malformed. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(t)) !== null) {
    total += Number(m[1]) * UNITS[m[2]];
    end = re.lastIndex;
  }
  return end === t.length && end > 0 ? total : NaN;
}

/** A query file: JSON `[{ "name", "query", "component"? }]`, or lines `name = promql` (# comments). */
export function parseQueries(text: string): SeriesQuery[] {
  const t = text.trim();
  let list: unknown;
  if (t.startsWith('[')) list = JSON.parse(t);
  else {
    list = t
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => {
        const i = l.indexOf('=');
        if (i < 0) throw new Error(`"${l}" is not "name = promql"`);
        return { name: l.slice(0, i).trim(), query: l.slice(i + 1).trim() };
      });
  }
  if (!Array.isArray(list) || list.length === 0) throw new Error('no queries');
  const names = new Set<string>();
  return list.map((q, i) => {
    const { name, query, component } = (q ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_:.-]*$/.test(name)) throw new Error(`query ${i + 1}: bad name`);
    if (typeof query !== 'string' || query.trim() === '') throw new Error(`query ${i + 1} (${name}): empty query`);
    if (names.has(name)) throw new Error(`query ${i + 1}: name ${name} used twice`);
    names.add(name);
    return component === undefined ? { name, query } : { name, query, component: String(component) };
  });
}

type Warn = (message: string) => void;

export function resolveServeConfig(
  argv: string[],
  env: NodeJS.ProcessEnv,
  warn: Warn = (m) => process.stderr.write(`shop-otel-anomaly: ${m}\n`),
): ServeConfig {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    options: {
      prometheus: { type: 'string' },
      listen: { type: 'string' },
      queries: { type: 'string' },
      step: { type: 'string' },
      warmup: { type: 'string' },
      state: { type: 'string' },
      'save-every': { type: 'string' },
      shard: { type: 'string' },
      timeout: { type: 'string' },
      'backoff-max': { type: 'string' },
      band: { type: 'string' },
    },
  });
  const pick = (flag: string, variable: string): { text: string; source: string } | undefined => {
    const f = values[flag];
    if (typeof f === 'string') return { text: f, source: `--${flag}` };
    const e = env[variable];
    if (e !== undefined && e !== '') return { text: e, source: variable };
    return undefined;
  };
  function setting<T>(flag: string, variable: string, fallback: T, parse: (t: string) => T | undefined, what: string): T {
    const got = pick(flag, variable);
    if (!got) return fallback;
    let v: T | undefined;
    try {
      v = parse(got.text);
    } catch {
      v = undefined;
    }
    if (v === undefined) {
      warn(`${got.source}="${got.text}" is not ${what}; using ${JSON.stringify(fallback)}`);
      return fallback;
    }
    return v;
  }
  const D = SERVE_DEFAULTS;
  const positiveSeconds = (min: number) => (t: string) => {
    const s = parseDuration(t);
    return Number.isFinite(s) && s >= min ? s : undefined;
  };
  const prometheusUrl = setting('prometheus', 'SHOP_OTEL_ANOMALY_PROMETHEUS_URL', D.prometheusUrl, (t) => {
    const u = new URL(t);
    return u.protocol === 'http:' || u.protocol === 'https:' ? t.replace(/\/+$/, '') : undefined;
  }, 'an http(s) URL');
  const listen = setting('listen', 'SHOP_OTEL_ANOMALY_LISTEN', { host: D.listenHost, port: D.listenPort }, (t) => {
    const m = /^(?:(.*):)?(\d+)$/.exec(t.trim());
    if (!m) return undefined;
    const port = Number(m[2]);
    return port <= 65535 ? { host: m[1] || D.listenHost, port } : undefined;
  }, 'HOST:PORT');
  const queries = setting('queries', 'SHOP_OTEL_ANOMALY_QUERIES', [...DEFAULT_QUERIES], (t) => parseQueries(readFileSync(t, 'utf8')), 'a readable query file (JSON list or "name = promql" lines)');
  const shard = setting('shard', 'SHOP_OTEL_ANOMALY_SHARD', D.shard, (t) => {
    const m = /^(\d+)\/(\d+)$/.exec(t.trim());
    if (!m) return undefined;
    const index = Number(m[1]);
    const count = Number(m[2]);
    return count >= 1 && index < count ? { index, count } : undefined;
  }, 'i/n with 0 ≤ i < n');
  return {
    prometheusUrl,
    listenHost: listen.host,
    listenPort: listen.port,
    queries,
    stepSeconds: setting('step', 'SHOP_OTEL_ANOMALY_STEP', D.stepSeconds, positiveSeconds(1), 'a duration of 1s or more'),
    warmupSeconds: setting('warmup', 'SHOP_OTEL_ANOMALY_WARMUP', D.warmupSeconds, positiveSeconds(0), 'a duration'),
    statePath: setting('state', 'SHOP_OTEL_ANOMALY_STATE', D.statePath, (t) => (t.trim() ? t : undefined), 'a file path'),
    saveEverySeconds: setting('save-every', 'SHOP_OTEL_ANOMALY_SAVE_EVERY', D.saveEverySeconds, positiveSeconds(1), 'a duration of 1s or more'),
    shard,
    requestTimeoutMs: setting('timeout', 'SHOP_OTEL_ANOMALY_TIMEOUT', D.requestTimeoutMs / 1000, positiveSeconds(0.1), 'a duration of 100ms or more') * 1000,
    backoffMinMs: D.backoffMinMs,
    backoffMaxMs: setting('backoff-max', 'SHOP_OTEL_ANOMALY_BACKOFF_MAX', D.backoffMaxMs / 1000, positiveSeconds(1), 'a duration of 1s or more') * 1000,
    bandWidth: setting('band', 'SHOP_OTEL_ANOMALY_BAND', D.bandWidth, (t) => {
      const n = Number(t);
      return Number.isFinite(n) && n > 0 ? n : undefined;
    }, 'a positive number'),
  };
}
