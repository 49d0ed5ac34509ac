#!/usr/bin/env node
// The Grafana dashboards of the compose stack (collector/stack/grafana/dashboards/*.json), written
// from the compact definitions below so that every panel has the same shape: the provisioned
// Prometheus data source, a legend, units, and a link to the matching traces in the trace store.
//   node scripts/alerting/dashboards.mjs --write    # regenerate the JSON files
//   node scripts/alerting/dashboards.mjs --check    # exit 1 when a committed file differs
// Also exports panelQueries() and expandVariables() for test/alerting.test.ts, which runs every
// panel's query against the end-to-end Prometheus (Grafana itself is not installable here).
// ml-anomaly.json is the anomaly engineer's and is left alone.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRACES_BASE } from './links.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DASHBOARD_DIR = path.join(ROOT, 'collector', 'stack', 'grafana', 'dashboards');
/** Dashboards provisioned here but generated (and proven) elsewhere. */
export const NOT_OURS = new Set(['ml-anomaly.json']);
export const SCHEMA_VERSION = 41;
const DS = { type: 'prometheus', uid: 'prometheus' };
const ALERTMANAGER_UI = 'http://127.0.0.1:9093';

// ---- Links to traces: Jaeger's search for the series' service over the panel's time range
// (Grafana's ${__from}/${__to} are milliseconds; Jaeger wants microseconds).
const tracesLink = (serviceField = '${__field.labels.service_name}', extra = '') => ({
  title: 'Traces of ${__field.labels.service_name} in this time range',
  url: `${TRACES_BASE}/search?service=${serviceField}${extra}&lookback=custom&start=\${__from}000&end=\${__to}000&limit=20`,
  targetBlank: true,
});
const SERVICE_TRACES = [tracesLink()];
const SERVICE_TRACES_ERRORS = [tracesLink('${__field.labels.service_name}', '&tags=%7B%22error%22%3A%22true%22%7D')];
const SVC_LABEL_TRACES = [{ ...tracesLink('${__field.labels.service}'), title: 'Traces of ${__field.labels.service} in this time range' }];

const SERVER = 'span_kind="SPAN_KIND_SERVER", service_name=~"$service"';
const rate = (sel) => `rate(${sel}[$__rate_interval])`;

// ---- Panel builders ------------------------------------------------------------------------
function ts(title, targets, { unit = 'short', links = [], description, stack = false, min } = {}) {
  return {
    type: 'timeseries',
    title,
    ...(description ? { description } : {}),
    datasource: DS,
    fieldConfig: {
      defaults: {
        unit,
        ...(min !== undefined ? { min } : {}),
        links,
        custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: stack ? 30 : 10, showPoints: 'never', spanNulls: false, stacking: { mode: stack ? 'normal' : 'none', group: 'A' } },
      },
      overrides: [],
    },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] }, tooltip: { mode: 'multi', sort: 'desc' } },
    targets: targets.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), datasource: DS, expr, legendFormat, range: true })),
  };
}
function stat(title, expr, { unit = 'short', links = [], thresholds, description, instant = true } = {}) {
  return {
    type: 'stat',
    title,
    ...(description ? { description } : {}),
    datasource: DS,
    fieldConfig: {
      defaults: {
        unit,
        links,
        thresholds: { mode: 'absolute', steps: thresholds ?? [{ color: 'green', value: null }] },
        color: { mode: 'thresholds' },
      },
      overrides: [],
    },
    options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area', justifyMode: 'auto', orientation: 'auto', textMode: 'auto', wideLayout: true, showPercentChange: false, percentChangeColorMode: 'standard' },
    targets: [{ refId: 'A', datasource: DS, expr, legendFormat: '__auto', instant, range: !instant }],
  };
}
function table(title, expr, { links = [], description } = {}) {
  return {
    type: 'table',
    title,
    ...(description ? { description } : {}),
    datasource: DS,
    fieldConfig: { defaults: { links, custom: { align: 'auto', cellOptions: { type: 'auto' }, inspect: false } }, overrides: [] },
    options: { showHeader: true, cellHeight: 'sm', frameIndex: 0 },
    transformations: [{ id: 'labelsToFields', options: { mode: 'columns' } }, { id: 'organize', options: { excludeByName: { Time: true }, indexByName: {}, renameByName: { Value: 'value' } } }],
    targets: [{ refId: 'A', datasource: DS, expr, format: 'table', instant: true, range: false }],
  };
}
function bars(title, expr, legendFormat, { unit = 'short', links = [] } = {}) {
  return {
    type: 'bargauge',
    title,
    datasource: DS,
    fieldConfig: { defaults: { unit, links, thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }] }, color: { mode: 'palette-classic' } }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: false, calcs: [] }, orientation: 'horizontal', displayMode: 'gradient', showUnfilled: true, valueMode: 'color', namePlacement: 'auto', sizing: 'auto', minVizHeight: 16, minVizWidth: 8, maxVizHeight: 300, reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } },
    targets: [{ refId: 'A', datasource: DS, expr, legendFormat, instant: true, range: false }],
  };
}
const row = (title) => ({ type: 'row', title, collapsed: false, panels: [] });

// ---- Template variables --------------------------------------------------------------------
function queryVar(name, label, query, { all = true } = {}) {
  return {
    name,
    label,
    type: 'query',
    datasource: DS,
    query: { query, refId: `${name}-var`, qryType: 1 },
    refresh: 2,
    sort: 1,
    multi: all,
    includeAll: all,
    ...(all ? { allValue: '.+', current: { text: ['All'], value: ['$__all'] } } : { current: {} }),
    options: [],
    hide: 0,
    regex: '',
    skipUrlSync: false,
  };
}
const SERVICE_VAR = queryVar('service', 'Service', 'label_values(traces_span_metrics_calls_total{span_kind="SPAN_KIND_SERVER"}, service_name)');

// ---- The dashboards --------------------------------------------------------------------------
const RED = [
  ts('Requests / s per service', [[`sum by (service_name) (${rate(`traces_span_metrics_calls_total{${SERVER}}`)})`, '{{service_name}}']], { unit: 'reqps', links: SERVICE_TRACES }),
  ts('Error ratio (5xx, failed spans) per service', [[`sum by (service_name) (${rate(`traces_span_metrics_calls_total{${SERVER}, status_code="STATUS_CODE_ERROR"}`)}) / sum by (service_name) (${rate(`traces_span_metrics_calls_total{${SERVER}}`)})`, '{{service_name}}']], { unit: 'percentunit', links: SERVICE_TRACES_ERRORS, min: 0 }),
  ts('Latency p50 / p95 / p99 per service', [0.5, 0.95, 0.99].map((q) => [`histogram_quantile(${q}, sum by (service_name, le) (${rate(`traces_span_metrics_duration_milliseconds_bucket{${SERVER}}`)}))`, `{{service_name}} p${q * 100}`]), { unit: 'ms', links: SERVICE_TRACES }),
];

export const DASHBOARDS = {
  'shop-overview.json': {
    uid: 'shop-overview',
    title: 'Shop — overview',
    description: 'The shop at a glance: traffic, errors, latency, orders, active alerts and the pipeline. Start here; every panel links to the traces of its service.',
    tags: ['shop-otel', 'overview'],
    vars: [SERVICE_VAR],
    panels: [
      [stat('Requests / s', `sum(${rate(`traces_span_metrics_calls_total{${SERVER}}`)})`, { unit: 'reqps' }), 4, 4],
      [stat('Error ratio', `sum(${rate(`traces_span_metrics_calls_total{${SERVER}, status_code="STATUS_CODE_ERROR"}`)}) / sum(${rate(`traces_span_metrics_calls_total{${SERVER}}`)})`, { unit: 'percentunit', thresholds: [{ color: 'green', value: null }, { color: 'orange', value: 0.01 }, { color: 'red', value: 0.05 }] }), 4, 4],
      [stat('Latency p95', `histogram_quantile(0.95, sum by (le) (${rate(`traces_span_metrics_duration_milliseconds_bucket{${SERVER}}`)}))`, { unit: 'ms', thresholds: [{ color: 'green', value: null }, { color: 'orange', value: 500 }, { color: 'red', value: 1000 }] }), 4, 4],
      [stat('Orders / min', 'sum(rate(shop_orders_created_total[$__rate_interval])) * 60'), 4, 4],
      [stat('Alerts firing', 'count(ALERTS{alertstate="firing"}) or vector(0)', { thresholds: [{ color: 'green', value: null }, { color: 'red', value: 1 }], links: [{ title: 'Alertmanager', url: ALERTMANAGER_UI, targetBlank: true }] }), 4, 4],
      [stat('Collector up', 'min(up{job=~"otelcol-shop|otelcol-shop-self"})', { thresholds: [{ color: 'red', value: null }, { color: 'green', value: 1 }] }), 4, 4],
      ...RED.map((p) => [p, 8, 8]),
      [ts('WARNING+ log records / s per component', [['sum by (shop_component, severity) (rate(shop_log_records_total{severity=~"WARNING|ERROR|CRITICAL"}[$__rate_interval]))', '{{shop_component}} {{severity}}']], { unit: 'short' }), 12, 8],
      [ts('Orders created / min', [['sum(rate(shop_orders_created_total[$__rate_interval])) * 60', 'orders / min']]), 12, 8],
    ],
  },

  'shop-red.json': {
    uid: 'shop-red',
    title: 'Shop — RED per service',
    description: 'Rate, errors and duration of every HTTP API, from the server spans (span metrics), per service and route.',
    tags: ['shop-otel', 'red'],
    vars: [SERVICE_VAR],
    panels: [
      ...RED.map((p) => [p, 8, 8]),
      [ts('Requests / s per route and status', [[`sum by (service_name, http_request_method, http_route, http_response_status_code) (${rate(`traces_span_metrics_calls_total{${SERVER}}`)})`, '{{service_name}} {{http_request_method}} {{http_route}} {{http_response_status_code}}']], { unit: 'reqps', links: SERVICE_TRACES }), 12, 9],
      [ts('Mean latency per route', [[`sum by (service_name, http_route) (${rate(`traces_span_metrics_duration_milliseconds_sum{${SERVER}}`)}) / sum by (service_name, http_route) (${rate(`traces_span_metrics_duration_milliseconds_count{${SERVER}}`)})`, '{{service_name}} {{http_route}}']], { unit: 'ms', links: SERVICE_TRACES }), 12, 9],
      [ts('5xx / s per route', [[`sum by (service_name, http_route) (${rate(`traces_span_metrics_calls_total{${SERVER}, http_response_status_code=~"5.."}`)}) or sum by (service_name) (${rate(`traces_span_metrics_calls_total{${SERVER}}`)}) * 0`, '{{service_name}} {{http_route}}']], { unit: 'reqps', links: SERVICE_TRACES_ERRORS }), 12, 8],
      [ts('p95 latency (recording rule) per service', [['shop:server_latency_ms:p95_5m{service=~"$service"}', '{{service}} ({{component}})']], { unit: 'ms', links: SVC_LABEL_TRACES }), 12, 8],
    ],
  },

  'shop-logs.json': {
    uid: 'shop-logs',
    title: 'Shop — logs by severity and component',
    description: 'Every log record counted by the collector per service, policy component and severity, and the policy events.',
    tags: ['shop-otel', 'logs'],
    vars: [SERVICE_VAR],
    panels: [
      [ts('Log records / s per severity', [['sum by (severity) (rate(shop_log_records_total{service_name=~"$service"}[$__rate_interval]))', '{{severity}}']], { stack: true }), 12, 8],
      [ts('Log records / s per component', [['sum by (shop_component) (rate(shop_log_records_total{service_name=~"$service"}[$__rate_interval]))', '{{shop_component}}']], { stack: true }), 12, 8],
      [ts('WARNING+ records / s per service and component', [['sum by (service_name, shop_component, severity) (rate(shop_log_records_total{service_name=~"$service", severity=~"WARNING|ERROR|CRITICAL"}[$__rate_interval]))', '{{service_name}} {{shop_component}} {{severity}}']], { links: SERVICE_TRACES_ERRORS }), 24, 8],
      [bars('WARNING+ events in range', 'sort_desc(sum by (event_name) (increase(shop_events_total{service_name=~"$service", severity=~"WARNING|ERROR|CRITICAL"}[$__range])))', '{{event_name}}'), 12, 9],
      [table('Events per service and component in range', 'sort_desc(sum by (service_name, shop_component, event_name, severity) (increase(shop_events_total{service_name=~"$service"}[$__range])))', { links: SERVICE_TRACES }), 12, 9],
    ],
  },

  'shop-business.json': {
    uid: 'shop-business',
    title: 'Shop — business',
    description: 'Orders, their status transitions and the MES: from the policy events the services emit.',
    tags: ['shop-otel', 'business'],
    vars: [],
    panels: [
      [stat('Orders created in range', 'sum(increase(shop_orders_created_total[$__range]))'), 6, 4],
      [stat('Orders / min', 'sum(rate(shop_orders_created_total[$__rate_interval])) * 60'), 6, 4],
      [stat('MES processing p95', 'histogram_quantile(0.95, sum by (le) (rate(traces_span_metrics_duration_milliseconds_bucket{service_name="mes-api", span_kind="SPAN_KIND_CONSUMER"}[$__rate_interval])))', { unit: 'ms' }), 6, 4],
      [stat('Orders delayed at the MES in range', 'sum(increase(shop_events_total{event_name="mes.order.delayed"}[$__range])) or vector(0)'), 6, 4],
      [ts('Orders created / min', [['sum by (service_name) (rate(shop_orders_created_total[$__rate_interval])) * 60', 'orders / min ({{service_name}})']], { links: SERVICE_TRACES }), 12, 8],
      [ts('Order status transitions / min', [['sum by (shop_order_status) (rate(shop_order_status_changes_total[$__rate_interval])) * 60', '{{shop_order_status}}']], { stack: true }), 12, 8],
      [ts('MES processing time (consume → ack) p50 / p95', [0.5, 0.95].map((q) => [`histogram_quantile(${q}, sum by (service_name, le) (rate(traces_span_metrics_duration_milliseconds_bucket{service_name="mes-api", span_kind="SPAN_KIND_CONSUMER"}[$__rate_interval])))`, `p${q * 100}`]), { unit: 'ms', links: SERVICE_TRACES }), 12, 8],
      [ts('MES processing steps / min', [['sum by (mes_processing_status) (rate(mes_orders_processed_total[$__rate_interval])) * 60', '{{mes_processing_status}}']], { stack: true }), 12, 8],
      [ts('CRM profile updates / min', [['sum(rate(crm_profile_updates_total[$__rate_interval])) * 60', 'profile updates / min']]), 12, 7],
      [ts('Orders failed / delayed / min', [['sum by (event_name) (rate(shop_events_total{event_name=~"shop.order.failed|mes.order.failed|mes.order.delayed"}[$__rate_interval])) * 60 or sum(rate(shop_orders_created_total[$__rate_interval])) * 0', '{{event_name}}']]), 12, 7],
    ],
  },

  'shop-databases.json': {
    uid: 'shop-databases',
    title: 'Shop — databases (Shop DB, MES DB)',
    description: 'The two PostgreSQL databases as their clients see them (query spans, policy events) and as the server logs them.',
    tags: ['shop-otel', 'databases'],
    vars: [],
    panels: [
      // The pg client spans (span names pg.query:…, pg-pool.connect) of each service: mes-api
      // queries the MES DB, the others the Shop DB.
      [ts('Queries / s per client service', [['sum by (service_name) (rate(traces_span_metrics_calls_total{span_kind="SPAN_KIND_CLIENT", span_name=~"pg[.-].*"}[$__rate_interval]))', '{{service_name}}']], { unit: 'ops', links: SERVICE_TRACES }), 12, 8],
      [ts('Query latency p95 per client service', [['histogram_quantile(0.95, sum by (service_name, le) (rate(traces_span_metrics_duration_milliseconds_bucket{span_kind="SPAN_KIND_CLIENT", span_name=~"pg[.-].*"}[$__rate_interval])))', '{{service_name}}']], { unit: 'ms', links: SERVICE_TRACES }), 12, 8],
      [ts('Failed queries / s per client service', [['sum by (service_name) (rate(traces_span_metrics_calls_total{span_kind="SPAN_KIND_CLIENT", span_name=~"pg[.-].*", status_code="STATUS_CODE_ERROR"}[$__rate_interval])) or sum by (service_name) (rate(traces_span_metrics_calls_total{span_kind="SPAN_KIND_CLIENT", span_name=~"pg[.-].*"}[$__rate_interval])) * 0', '{{service_name}}']], { unit: 'ops', links: SERVICE_TRACES_ERRORS }), 12, 8],
      [ts('DB events / min (completed, slow, failed, connection, auth)', [['sum by (shop_component, event_name) (rate(shop_events_total{event_name=~"db\\\\..*"}[$__rate_interval])) * 60', '{{shop_component}} {{event_name}}']]), 12, 8],
      [ts('PostgreSQL server log records / s per severity', [['sum by (severity) (rate(shop_log_records_total{service_name="postgresql"}[$__rate_interval]))', '{{severity}}']], { stack: true }), 24, 7],
    ],
  },

  'shop-queue.json': {
    uid: 'shop-queue',
    title: 'Shop — message queue (RabbitMQ)',
    description: 'Publishing and consuming through RabbitMQ as the services see it, delivery and routing problems, and the broker\'s own log.',
    tags: ['shop-otel', 'queue'],
    vars: [],
    panels: [
      [ts('Messages published / s per service', [['sum by (service_name) (rate(traces_span_metrics_calls_total{span_kind="SPAN_KIND_PRODUCER"}[$__rate_interval]))', '{{service_name}}']], { unit: 'ops', links: SERVICE_TRACES }), 12, 8],
      [ts('Messages consumed / s per service', [['sum by (service_name) (rate(traces_span_metrics_calls_total{span_kind="SPAN_KIND_CONSUMER"}[$__rate_interval]))', '{{service_name}}']], { unit: 'ops', links: SERVICE_TRACES }), 12, 8],
      [ts('Consumer processing p95 per service', [['histogram_quantile(0.95, sum by (service_name, le) (rate(traces_span_metrics_duration_milliseconds_bucket{span_kind="SPAN_KIND_CONSUMER"}[$__rate_interval])))', '{{service_name}}']], { unit: 'ms', links: SERVICE_TRACES }), 12, 8],
      [ts('Queue events / min (processed, delivery and routing failures)', [['sum by (event_name) (rate(shop_events_total{shop_component="message-queue"}[$__rate_interval])) * 60', '{{event_name}}']]), 12, 8],
      [ts('RabbitMQ log records / s per severity', [['sum by (severity) (rate(shop_log_records_total{service_name="rabbitmq"}[$__rate_interval])) or sum(rate(shop_log_records_total{shop_component="message-queue"}[$__rate_interval])) * 0', '{{severity}}']]), 24, 7],
    ],
  },

  'shop-file-store.json': {
    uid: 'shop-file-store',
    title: 'Shop — 3D-file store',
    description: 'The 3D-model file store: operations, access errors, integrity failures, latency.',
    tags: ['shop-otel', 'file-store'],
    vars: [],
    panels: [
      [ts('File operations / min per type', [['sum by (storage_operation_type) (rate(storage_file_operations_total[$__rate_interval])) * 60', '{{storage_operation_type}}']], { stack: true }), 12, 8],
      [ts('File store requests / s per route and status', [['sum by (service_name, http_route, http_response_status_code) (rate(traces_span_metrics_calls_total{span_kind="SPAN_KIND_SERVER", shop_component="file-storage"}[$__rate_interval]))', '{{http_route}} {{http_response_status_code}}']], { unit: 'reqps', links: SERVICE_TRACES }), 12, 8],
      [ts('File store latency p95', [['histogram_quantile(0.95, sum by (service_name, le) (rate(traces_span_metrics_duration_milliseconds_bucket{span_kind="SPAN_KIND_SERVER", shop_component="file-storage"}[$__rate_interval])))', 'p95']], { unit: 'ms', links: SERVICE_TRACES }), 12, 8],
      [ts('Access errors and integrity failures / min', [['sum by (event_name) (rate(shop_events_total{event_name=~"storage\\\\.file\\\\.(access_failed|integrity_failed)"}[$__rate_interval])) * 60 or sum(rate(storage_file_operations_total[$__rate_interval])) * 0', '{{event_name}}']]), 12, 8],
    ],
  },

  'shop-anomalies.json': {
    uid: 'shop-anomalies',
    title: 'Shop — anomaly bands',
    description: 'The statistical anomaly framework (recording rules shop:anomaly:*): each input\'s actual level against its expected level and band, with daily and weekly seasonality; red when ShopAnomaly fires.',
    tags: ['shop-otel', 'anomaly'],
    vars: [queryVar('anomaly', 'Anomaly input', 'label_values(shop:anomaly:level, anomaly_name)'), queryVar('aservice', 'Service', 'label_values(shop:anomaly:level{anomaly_name=~"$anomaly"}, service)')],
    panels: [
      [ts('Actual level against the band', [
        ['shop:anomaly:level{anomaly_name=~"$anomaly", service=~"$aservice"}', 'actual {{anomaly_name}} {{service}}'],
        ['shop:anomaly:expected{anomaly_name=~"$anomaly", service=~"$aservice"}', 'expected {{anomaly_name}} {{service}}'],
        ['shop:anomaly:upper{anomaly_name=~"$anomaly", service=~"$aservice"}', 'upper {{anomaly_name}} {{service}}'],
        ['shop:anomaly:lower{anomaly_name=~"$anomaly", service=~"$aservice"}', 'lower {{anomaly_name}} {{service}}'],
      ], { links: SVC_LABEL_TRACES, description: 'actual = shop:anomaly:level; the band = shop:anomaly:lower … shop:anomaly:upper around shop:anomaly:expected.' }), 24, 10],
      [ts('Level ÷ expected', [['shop:anomaly:ratio{anomaly_name=~"$anomaly", service=~"$aservice"}', '{{anomaly_name}} {{service}}']], { links: SVC_LABEL_TRACES }), 12, 8],
      [ts('Last hour\'s median (the burst detector\'s reference)', [['shop:anomaly:median_1h{anomaly_name=~"$anomaly", service=~"$aservice"}', '{{anomaly_name}} {{service}}']], { links: SVC_LABEL_TRACES }), 12, 8],
      [table('ShopAnomaly alerts in range', 'max by (anomaly_name, service, component, direction) (max_over_time(ALERTS{alertname="ShopAnomaly"}[$__range])) or max by (anomaly_name, service) (shop:anomaly:level{anomaly_name=~"$anomaly"}) * 0', { links: SVC_LABEL_TRACES }), 24, 7],
    ],
  },

  'shop-alerts.json': {
    uid: 'shop-alerts',
    title: 'Shop — active alerts',
    description: 'What the rules fire (Prometheus ALERTS), by severity, category and component. Silences and notifications: Alertmanager.',
    tags: ['shop-otel', 'alerts'],
    vars: [],
    links: [{ title: 'Alertmanager', url: ALERTMANAGER_UI }],
    panels: [
      [stat('Critical firing', 'count(ALERTS{alertstate="firing", severity="critical"}) or vector(0)', { thresholds: [{ color: 'green', value: null }, { color: 'red', value: 1 }] }), 6, 4],
      [stat('Warnings firing', 'count(ALERTS{alertstate="firing", severity="warning"}) or vector(0)', { thresholds: [{ color: 'green', value: null }, { color: 'orange', value: 1 }] }), 6, 4],
      [stat('Pending', 'count(ALERTS{alertstate="pending"}) or vector(0)'), 6, 4],
      [stat('Alerts fired in range', 'count(count by (alertname, service, component) (max_over_time(ALERTS{alertstate="firing"}[$__range]))) or vector(0)'), 6, 4],
      [table('Firing now', 'ALERTS{alertstate="firing"} or on () vector(0)', { links: SVC_LABEL_TRACES }), 24, 8],
      [ts('Alerts firing per severity', [['count by (severity) (ALERTS{alertstate="firing"}) or sum by (severity) (max_over_time(ALERTS[$__range])) * 0', '{{severity}}']], { stack: true }), 12, 8],
      [table('Fired in range, per alert', 'sort_desc(sum by (alertname, severity, category, service, component) (count_over_time(ALERTS{alertstate="firing"}[$__range])))', { links: SVC_LABEL_TRACES }), 12, 8],
    ],
  },

  'shop-pipeline.json': {
    uid: 'shop-pipeline',
    title: 'Shop — pipeline health (otelcol-shop)',
    description: 'The collector\'s own metrics: is it up, what it receives, refuses, exports and fails to export, its queues (the SIEM\'s above all), its memory.',
    tags: ['shop-otel', 'pipeline'],
    vars: [],
    panels: [
      [stat('Collector scrape targets up', 'sum(up{job=~"otelcol-shop|otelcol-shop-self"})', { thresholds: [{ color: 'red', value: null }, { color: 'green', value: 2 }] }), 5, 4],
      [stat('SIEM queue', 'max(otelcol_exporter_queue_size{exporter="syslog"})', { thresholds: [{ color: 'green', value: null }, { color: 'orange', value: 500 }] }), 5, 4],
      [stat('Export failures in range', 'sum(increase(otelcol_exporter_send_failed_log_records_total[$__range])) + sum(increase(otelcol_exporter_send_failed_spans_total[$__range])) or vector(0)'), 5, 4],
      // Lost in the services themselves, before the collector (ShopTelemetryLost); the counter exists only after a loss.
      [stat('Lost in services in range', 'sum(increase(shop_otel_export_dropped_total[$__range])) or vector(0)', { thresholds: [{ color: 'green', value: null }, { color: 'orange', value: 1 }] }), 5, 4],
      [stat('Services sending', 'count(count by (service_name) (rate(traces_span_metrics_calls_total[$__rate_interval]) > 0))'), 4, 4],
      [ts('Accepted / s per receiver and signal', [
        ['sum by (receiver) (rate(otelcol_receiver_accepted_spans_total[$__rate_interval]))', 'spans {{receiver}}'],
        ['sum by (receiver) (rate(otelcol_receiver_accepted_log_records_total[$__rate_interval]))', 'log records {{receiver}}'],
        ['sum by (receiver) (rate(otelcol_receiver_accepted_metric_points_total[$__rate_interval]))', 'metric points {{receiver}}'],
      ]), 12, 8],
      [ts('Refused / s per receiver', [['sum by (receiver) (rate(otelcol_receiver_refused_spans_total[$__rate_interval])) + sum by (receiver) (rate(otelcol_receiver_refused_log_records_total[$__rate_interval]))', '{{receiver}}']]), 12, 8],
      [ts('Sent / s per exporter', [['sum by (exporter) (rate(otelcol_exporter_sent_log_records_total[$__rate_interval]))', 'log records {{exporter}}'], ['sum by (exporter) (rate(otelcol_exporter_sent_spans_total[$__rate_interval]))', 'spans {{exporter}}']]), 12, 8],
      // The failure counters exist only once something failed: `or … * 0` draws a zero line until then.
      [ts('Failed / s per exporter', [['sum by (exporter) (rate(otelcol_exporter_send_failed_log_records_total[$__rate_interval])) or sum by (exporter) (rate(otelcol_exporter_sent_log_records_total[$__rate_interval])) * 0', 'log records {{exporter}}'], ['sum by (exporter) (rate(otelcol_exporter_send_failed_spans_total[$__rate_interval])) or sum by (exporter) (rate(otelcol_exporter_sent_spans_total[$__rate_interval])) * 0', 'spans {{exporter}}']]), 12, 8],
      [ts('Exporter queues (fill ratio)', [['max by (exporter, data_type) (otelcol_exporter_queue_size) / max by (exporter, data_type) (otelcol_exporter_queue_capacity)', '{{exporter}} {{data_type}}']], { unit: 'percentunit' }), 12, 8],
      [ts('Collector memory (RSS)', [['max(otelcol_process_memory_rss_bytes)', 'rss']], { unit: 'bytes' }), 12, 8],
    ],
  },
};

/** Lay the panels out on Grafana's 24-column grid, left to right, top to bottom. */
function layout(specs) {
  const panels = [];
  let x = 0;
  let y = 0;
  let rowH = 0;
  let id = 1;
  for (const [p, w, h] of specs) {
    if (x + w > 24) { x = 0; y += rowH; rowH = 0; }
    panels.push({ id: id++, gridPos: { x, y, w, h }, ...p });
    x += w;
    rowH = Math.max(rowH, h);
  }
  return panels;
}

export function buildDashboard(def) {
  return {
    uid: def.uid,
    title: def.title,
    description: def.description,
    tags: def.tags,
    editable: false,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    fiscalYearStartMonth: 0,
    liveNow: false,
    weekStart: '',
    annotations: {
      list: [
        { builtIn: 1, datasource: { type: 'grafana', uid: '-- Grafana --' }, enable: true, hide: true, iconColor: 'rgba(0, 211, 255, 1)', name: 'Annotations & Alerts', type: 'dashboard' },
        { datasource: DS, enable: true, hide: false, iconColor: 'red', name: 'Critical alerts firing', target: { refId: 'Anno', expr: 'ALERTS{alertstate="firing", severity="critical"}', step: '1m', titleFormat: '{{alertname}}', textFormat: '{{service}}/{{component}}', useValueForTime: false } },
      ],
    },
    links: [
      { title: 'shop-otel dashboards', type: 'dashboards', tags: ['shop-otel'], asDropdown: true, includeVars: false, keepTime: true, targetBlank: false, icon: 'external link', tooltip: '', url: '' },
      { title: 'Traces (Jaeger)', type: 'link', url: TRACES_BASE, asDropdown: false, includeVars: false, keepTime: false, targetBlank: true, icon: 'external link', tags: [], tooltip: 'the trace store' },
      ...(def.links ?? []).map((l) => ({ type: 'link', asDropdown: false, includeVars: false, keepTime: false, targetBlank: true, icon: 'external link', tags: [], tooltip: '', ...l })),
    ],
    templating: { list: def.vars },
    panels: layout(def.panels),
  };
}

/** file name → dashboard JSON text, as committed. */
export function renderDashboards() {
  return Object.fromEntries(Object.entries(DASHBOARDS).map(([file, def]) => [file, `${JSON.stringify(buildDashboard(def), null, 2)}\n`]));
}

/**
 * Every query of the committed dashboards we provision (not NOT_OURS): panel targets, variables'
 * label_values(), annotations; `instant` as Grafana runs it (else a range query over the time range).
 */
export function panelQueries(dir = DASHBOARD_DIR) {
  const out = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && !NOT_OURS.has(f)).sort()) {
    const dash = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    const walk = (panels = []) => {
      for (const p of panels) {
        for (const t of p.targets ?? []) if (t.expr) out.push({ dashboard: file, panel: p.title, expr: t.expr, instant: t.instant === true, variables: dash.templating?.list ?? [] });
        walk(p.panels);
      }
    };
    walk(dash.panels);
    for (const v of dash.templating?.list ?? []) {
      const q = typeof v.query === 'string' ? v.query : v.query?.query;
      const m = /^label_values\((.+),\s*(\w+)\)$/.exec(q ?? '');
      if (m) out.push({ dashboard: file, panel: `variable $${v.name}`, expr: `group by (${m[2]}) (${m[1]})`, instant: true, variables: dash.templating.list });
    }
    for (const a of dash.annotations?.list ?? []) if (a.target?.expr) out.push({ dashboard: file, panel: `annotation ${a.name}`, expr: a.target.expr, instant: false, variables: [] });
  }
  return out;
}

/**
 * A query as Grafana sends it: $__rate_interval, $__interval, $__range (and their ${…} forms)
 * replaced, each template variable at its provisioned default (All → its allValue).
 */
export function expandVariables(expr, { range = '1h', interval = '1m', rateInterval = '1m', variables = [] } = {}) {
  let out = expr
    .replace(/\$\{?__rate_interval\}?/g, rateInterval)
    .replace(/\$\{?__interval\}?/g, interval)
    .replace(/\$\{?__range\}?/g, range);
  for (const v of variables) {
    const value = v.includeAll ? v.allValue ?? '.*' : Array.isArray(v.current?.value) ? v.current.value[0] : v.current?.value ?? '.*';
    out = out.replace(new RegExp(`\\$\\{${v.name}(?::\\w+)?\\}|\\$${v.name}\\b`, 'g'), value);
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2];
  const files = renderDashboards();
  if (mode === '--write') {
    for (const [f, text] of Object.entries(files)) writeFileSync(path.join(DASHBOARD_DIR, f), text);
    console.log(`dashboards: wrote ${Object.keys(files).length} files to ${path.relative(ROOT, DASHBOARD_DIR)}`);
  } else if (mode === '--check') {
    const stale = Object.entries(files).filter(([f, text]) => { try { return readFileSync(path.join(DASHBOARD_DIR, f), 'utf8') !== text; } catch { return true; } }).map(([f]) => f);
    if (stale.length) { console.error(`dashboards: out of date: ${stale.join(', ')} (run node scripts/alerting/dashboards.mjs --write)`); process.exit(1); }
  } else {
    console.error('usage: dashboards.mjs --write | --check');
    process.exit(2);
  }
}
