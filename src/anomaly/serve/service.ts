/**
 * The anomaly service: every `step` it reads each query's new points from Prometheus
 * (`query_range` from where it left off; at first start, from `warmup` ago: the warm-up), scores
 * them with one detector per result series it owns (`--shard`), and keeps the gauges of
 * /metrics current. A failing Prometheus is retried with doubling back-off and reported (log line
 * and `shop_anomaly_prometheus_up`), never thrown. State is saved on stop and periodically.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { ServeConfig, SeriesQuery } from './config';
import { MAX_POINTS_PER_QUERY, PrometheusError, queryRange, type RangeSeries } from './prometheus-api';
import { SeriesModel, type SeriesLabels } from './series-model';
import { ownsSeries } from './shard';
import { readState, writeState, type ServiceState } from './state-file';

/** Steps without a point after which a series' gauges are dropped (it stopped existing). */
const DROP_AFTER_IDLE_STEPS = 30;
const SERVICE_LABELS = ['service_name', 'service', 'job'];

export type Log = (message: string) => void;

export class AnomalyService {
  readonly registry = new Registry();
  readonly series = new Map<string, SeriesModel>();
  private readonly queryEnds = new Map<string, number>();
  private readonly gauges: Record<'score' | 'value' | 'expected' | 'lower' | 'upper', Gauge<keyof SeriesLabels>>;
  private readonly up: Gauge;
  private readonly failures: Counter;
  private readonly points: Counter;
  private readonly seriesCount: Gauge;
  private readonly stateBytes: Gauge;
  private readonly lastSuccess: Gauge;
  private failing = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking: Promise<void> | undefined;
  private lastSave = Date.now();

  constructor(
    readonly config: ServeConfig,
    private readonly log: Log = (m) => process.stderr.write(`shop-otel-anomaly: ${m}\n`),
    private readonly now: () => number = () => Date.now() / 1000,
  ) {
    const labelNames = ['series', 'service', 'component'] as const;
    const g = (name: string, help: string) => new Gauge({ name, help, labelNames, registers: [this.registry] });
    this.gauges = {
      score: g('shop_anomaly_score', 'Anomaly score of the last point, 0…1 (each time scale\'s surprise held while an event lasts)'),
      value: g('shop_anomaly_value', 'Last value of the series, as the query returned it'),
      expected: g('shop_anomaly_expected', 'Value the detector expected for the last point'),
      lower: g('shop_anomaly_lower', 'Lower edge of the expected band'),
      upper: g('shop_anomaly_upper', 'Upper edge of the expected band'),
    };
    this.up = new Gauge({ name: 'shop_anomaly_prometheus_up', help: '1 when the last read from Prometheus succeeded', registers: [this.registry] });
    this.failures = new Counter({ name: 'shop_anomaly_prometheus_failures_total', help: 'Failed reads from Prometheus', registers: [this.registry] });
    this.points = new Counter({ name: 'shop_anomaly_points_total', help: 'Points scored (warm-up included)', registers: [this.registry] });
    this.seriesCount = new Gauge({ name: 'shop_anomaly_series', help: 'Series scored by this replica (its shard)', registers: [this.registry] });
    this.stateBytes = new Gauge({ name: 'shop_anomaly_state_bytes', help: 'Bytes of detector state held', registers: [this.registry] });
    this.lastSuccess = new Gauge({ name: 'shop_anomaly_last_read_timestamp_seconds', help: 'When the last read from Prometheus succeeded', registers: [this.registry] });
    new Gauge({ name: 'shop_anomaly_shard', help: 'This replica\'s shard', labelNames: ['index', 'count'], registers: [this.registry] })
      .set({ index: String(config.shard.index), count: String(config.shard.count) }, 1);
    this.up.set(0);
  }

  /** Restores the saved state, if any (a bad file: one diagnostic, then a fresh start). */
  restore(): void {
    let state: ServiceState | undefined;
    try {
      state = readState(this.config.statePath);
    } catch (e) {
      this.log(`state ${this.config.statePath} not restored (${(e as Error).message}); starting fresh`);
      return;
    }
    if (!state) return;
    let restored = 0;
    for (const [key, s] of Object.entries(state.series)) {
      if (!ownsSeries(key, this.config.shard)) continue;
      try {
        this.series.set(key, SeriesModel.fromJSON(key, s));
        restored++;
      } catch (e) {
        this.log(`state of ${key} not restored (${(e as Error).message})`);
      }
    }
    const names = new Set(this.config.queries.map((q) => q.name));
    for (const [name, end] of Object.entries(state.queryEnds)) if (names.has(name)) this.queryEnds.set(name, end);
    this.log(`restored ${restored} series from ${this.config.statePath} (saved ${new Date(state.savedAt * 1000).toISOString()})`);
    for (const m of this.series.values()) this.publish(m);
  }

  save(): void {
    const series: ServiceState['series'] = {};
    for (const [key, m] of this.series) series[key] = m.toJSON();
    try {
      writeState(this.config.statePath, { v: 1, savedAt: this.now(), queryEnds: Object.fromEntries(this.queryEnds), series });
      this.lastSave = Date.now();
    } catch (e) {
      this.log(`state not saved to ${this.config.statePath} (${(e as Error).message})`);
    }
  }

  /** Reads and scores every query's new points once. Throws only PrometheusError. */
  async tick(): Promise<void> {
    const step = this.config.stepSeconds;
    const end = Math.floor(this.now() / step) * step;
    for (const q of this.config.queries) {
      const last = this.queryEnds.get(q.name);
      let start = last === undefined ? end - Math.floor(this.config.warmupSeconds / step) * step : last + step;
      while (start <= end) {
        const chunkEnd = Math.min(end, start + (MAX_POINTS_PER_QUERY - 1) * step);
        const result = await queryRange(this.config.prometheusUrl, q.query, start, chunkEnd, step, this.config.requestTimeoutMs);
        this.ingest(q, result);
        this.queryEnds.set(q.name, chunkEnd);
        start = chunkEnd + step;
      }
    }
    for (const m of this.series.values()) {
      if (m.lastTs < end - step * DROP_AFTER_IDLE_STEPS) this.drop(m);
    }
    this.seriesCount.set(this.series.size);
    let bytes = 0;
    for (const m of this.series.values()) bytes += m.detector.stateBytes;
    this.stateBytes.set(bytes);
  }

  private ingest(q: SeriesQuery, result: RangeSeries[]): void {
    for (const r of result) {
      const key = seriesKey(q.name, r.labels);
      if (!ownsSeries(key, this.config.shard)) continue;
      let m = this.series.get(key);
      if (!m) {
        m = new SeriesModel(key, labelsOf(q, r.labels));
        this.series.set(key, m);
      }
      let n = 0;
      for (const [t, v] of r.points) if (m.observe(t, v)) n++;
      if (n > 0) {
        this.points.inc(n);
        this.publish(m);
      }
    }
  }

  private publish(m: SeriesModel): void {
    if (!Number.isFinite(m.value)) return;
    const [lower, upper] = m.band(this.config.bandWidth);
    this.gauges.score.set(m.labels, m.score);
    this.gauges.value.set(m.labels, m.value);
    this.gauges.expected.set(m.labels, m.expected);
    this.gauges.lower.set(m.labels, lower);
    this.gauges.upper.set(m.labels, upper);
  }

  private drop(m: SeriesModel): void {
    for (const g of Object.values(this.gauges)) g.remove(m.labels);
    this.series.delete(m.key);
  }

  /** Starts the loop: restore, then tick every step; back-off while Prometheus fails. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.restore();
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.ticking = this.runTick().finally(() => (this.ticking = undefined));
    }, delayMs);
  }

  private async runTick(): Promise<void> {
    let delay: number;
    try {
      await this.tick();
      if (this.failing > 0) this.log(`Prometheus ${this.config.prometheusUrl} answers again after ${this.failing} failed attempt(s)`);
      this.failing = 0;
      this.up.set(1);
      this.lastSuccess.set(this.now());
      const stepMs = this.config.stepSeconds * 1000;
      delay = stepMs - (Date.now() % stepMs) + 50; // just after the next step boundary
    } catch (e) {
      if (!(e instanceof PrometheusError)) this.log(`unexpected error: ${(e as Error).stack ?? String(e)}`);
      this.failing++;
      this.up.set(0);
      this.failures.inc();
      delay = Math.min(this.config.backoffMaxMs, this.config.backoffMinMs * 2 ** Math.min(this.failing - 1, 20));
      this.log(`Prometheus read failed (${(e as Error).message}); attempt ${this.failing}, retrying in ${(delay / 1000).toFixed(1)}s`);
    }
    if (Date.now() - this.lastSave >= this.config.saveEverySeconds * 1000) this.save();
    this.schedule(delay);
  }

  /** Stops the loop, waits for a read in flight, saves the state. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.ticking) await this.ticking.catch(() => undefined);
    this.save();
  }
}

/** The identity of one result series: query name plus its labels, sorted. */
export function seriesKey(name: string, labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${name}{${parts.join(',')}}`;
}

function labelsOf(q: SeriesQuery, labels: Record<string, string>): SeriesLabels {
  const serviceLabel = SERVICE_LABELS.find((k) => labels[k] !== undefined);
  const others = Object.keys(labels).filter((k) => k !== '__name__' && k !== serviceLabel && k !== 'shop_component').sort();
  const series = others.length === 0 ? q.name : `${q.name}{${others.map((k) => `${k}="${labels[k]}"`).join(',')}}`;
  return { series, service: serviceLabel ? labels[serviceLabel] : '', component: labels.shop_component ?? q.component ?? '' };
}
