// The unit-test cases of the threshold rules: for each alert, input series in promtool's
// notation ('0+10x30' = 0, 10, 20, … one a minute; '_x10 5+5x20' = absent for 10 minutes, then
// a new series from 5), the times to look, and what must (not) fire there, with the exact
// summary and description. gen-rule-tests.mjs turns them into collector/stack/prometheus/rules/*.test.yml.
// Counts are the `*:increase5m` signals: a series that existed 5 minutes before counts its
// increase; a new one its whole value (shop-signals.rules.yml).

const sel = (name, labels) => `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
const server = (service, component, extra = {}) => sel('traces_span_metrics_calls_total', { service_name: service, shop_component: component, job: service, span_kind: 'SPAN_KIND_SERVER', status_code: 'STATUS_CODE_UNSET', http_route: '/orders', ...extra });
const serverErr = (service, component, extra = {}) => server(service, component, { status_code: 'STATUS_CODE_ERROR', http_response_status_code: '500', ...extra });
const logs = (service, component, severity) => sel('shop_log_records_total', { service_name: service, shop_component: component, job: service, severity });
const event = (name, service, component, severity) => sel('shop_events_total', { event_name: name, service_name: service, shop_component: component, job: service, severity });
const bucket = (metric, service, component, kind, le) => sel(metric, { service_name: service, shop_component: component, job: service, span_kind: kind, status_code: 'STATUS_CODE_UNSET', le });
const self = (name, labels = {}) => sel(name, { job: 'otelcol-shop-self', instance: 'otelcol-shop:8888', ...labels });

const W = (severity, category, service, component, extra = {}) => ({ severity, category, service, component, ...extra });

/** An event-count warning: `values` of one event series, quiet at `quietAt`, firing at `at` with `value`. */
function eventAlert({ alert, event: ev, service, component, severity = 'WARNING', values, quietAt, at, category = 'warning', summary, description, normal }) {
  const series = { [event(ev, service, component, severity)]: values };
  if (normal) series[event(ev, normal.service, normal.component, severity)] = normal.values;
  return {
    name: `${alert}: ${ev} from ${service}${normal ? `, not from ${normal.service} (${normal.values})` : ''}`,
    series,
    alerts: [
      { at: quietAt, alert, fire: [] },
      { at, alert, fire: [{ labels: W('warning', category, service, component), summary, description }] },
    ],
  };
}

const errors = {
  rules: ['shop-signals.rules.yml', 'shop-errors.rules.yml'],
  order: ['shop-signals', 'shop-errors'],
  tests: [
    {
      name: 'a 5xx burst in the Shop API, a high error share in the MES, a stray error in the CRM, a busy file store',
      series: {
        [server('shop-api', 'shop-api')]: '0+100x40',
        // The first 500 of the route: a new series at minute 10 already holding 10 failures.
        [serverErr('shop-api', 'shop-api')]: '_x10 10+10x30',
        [server('mes-api', 'mes-api')]: '0+100x40',
        [serverErr('mes-api', 'mes-api')]: '0+50x40',
        [server('crm-api', 'crm-api')]: '0+100x40',
        [serverErr('crm-api', 'crm-api')]: '_x20 1x20',
        [server('file-store', 'file-storage')]: '0+10000x40',
        [serverErr('file-store', 'file-storage')]: '0+60x40',
      },
      alerts: [
        { at: 2, alert: 'ShopHttpErrorRatioHigh', fire: [] },
        { at: 4, alert: 'ShopHttpErrorRatioHigh', fire: [{ labels: W('critical', 'error', 'mes-api', 'mes-api'), summary: 'mes-api: 33.33% of requests fail', description: '33.33% of the server requests of mes-api (component mes-api) failed in the last 5 minutes (5xx or an exception; critical above 20 %, at least 10 failures).' }] },
        { at: 16, alert: 'ShopHttpErrorRatioHigh', fire: [
          { labels: W('critical', 'error', 'mes-api', 'mes-api'), summary: 'mes-api: 33.33% of requests fail', description: '33.33% of the server requests of mes-api (component mes-api) failed in the last 5 minutes (5xx or an exception; critical above 20 %, at least 10 failures).' },
          { labels: W('warning', 'error', 'mes-api', 'mes-api'), summary: 'mes-api: 33.33% of requests fail', description: '33.33% of the server requests of mes-api (component mes-api) failed in the last 5 minutes (5xx or an exception; threshold 5 %, at least 5 failures).' },
        ] },
        { at: 25, alert: 'ShopHttpErrorRatioHigh', fire: [
          { labels: W('critical', 'error', 'mes-api', 'mes-api'), summary: 'mes-api: 33.33% of requests fail', description: '33.33% of the server requests of mes-api (component mes-api) failed in the last 5 minutes (5xx or an exception; critical above 20 %, at least 10 failures).' },
          { labels: W('warning', 'error', 'mes-api', 'mes-api'), summary: 'mes-api: 33.33% of requests fail', description: '33.33% of the server requests of mes-api (component mes-api) failed in the last 5 minutes (5xx or an exception; threshold 5 %, at least 5 failures).' },
          { labels: W('warning', 'error', 'shop-api', 'shop-api'), summary: 'shop-api: 9.091% of requests fail', description: '9.091% of the server requests of shop-api (component shop-api) failed in the last 5 minutes (5xx or an exception; threshold 5 %, at least 5 failures).' },
        ] },
        { at: 5, alert: 'ShopHttpErrorRateHigh', fire: [] },
        { at: 8, alert: 'ShopHttpErrorRateHigh', fire: [
          { labels: W('warning', 'error', 'file-store', 'file-storage'), summary: 'file-store: 60 failed requests per minute', description: 'file-store (component file-storage) failed 60 requests per minute over the last 5 minutes (threshold 10 per minute).' },
          { labels: W('warning', 'error', 'mes-api', 'mes-api'), summary: 'mes-api: 50 failed requests per minute', description: 'mes-api (component mes-api) failed 50 requests per minute over the last 5 minutes (threshold 10 per minute).' },
        ] },
      ],
      exprs: [
        // The new-series rule: the 500s counted from their first sample, the single stray error too.
        { expr: 'shop:server_errors:increase5m{service=~"shop-api|crm-api"}', at: 12, samples: [{ labels: 'shop:server_errors:increase5m{service="shop-api",component="shop-api"}', value: 30 }] },
        { expr: 'shop:server_errors:increase5m{service=~"shop-api|crm-api"}', at: 22, samples: [{ labels: 'shop:server_errors:increase5m{service="crm-api",component="crm-api"}', value: 1 }, { labels: 'shop:server_errors:increase5m{service="shop-api",component="shop-api"}', value: 50 }] },
        { expr: 'shop:server_requests:increase5m{service="shop-api"}', at: 22, samples: [{ labels: 'shop:server_requests:increase5m{service="shop-api",component="shop-api"}', value: 550 }] },
      ],
    },
    {
      name: 'ERROR records: a steady stream alerts, a single stray one does not',
      series: {
        [logs('shop-internal', 'shop-db', 'ERROR')]: '0+3x30',
        [logs('crm-api', 'crm-api', 'ERROR')]: '_x15 1x15',
        [logs('crm-api', 'crm-api', 'INFO')]: '0+100x30',
      },
      alerts: [
        { at: 8, alert: 'ShopErrorLogsHigh', fire: [] },
        { at: 20, alert: 'ShopErrorLogsHigh', fire: [{ labels: W('warning', 'error', 'shop-internal', 'shop-db'), summary: 'shop-internal / shop-db: 15 ERROR records in 5 minutes', description: 'shop-internal logged 15 ERROR records for component shop-db in the last 5 minutes (threshold 10).' }] },
      ],
    },
    {
      name: 'one CRITICAL record pages at once, and stays firing 5 minutes after the 5-minute window',
      series: {
        [logs('mes-api', 'mes-api', 'INFO')]: '0+50x45',
        [logs('mes-api', 'mes-api', 'CRITICAL')]: '_x30 1x15',
      },
      alerts: [
        { at: 29, alert: 'ShopCriticalLog', fire: [] },
        { at: 30, alert: 'ShopCriticalLog', fire: [{ labels: W('critical', 'critical', 'mes-api', 'mes-api'), summary: 'mes-api / mes-api: CRITICAL record', description: 'mes-api logged 1 CRITICAL record(s) for component mes-api in the last 5 minutes. Read them in the log store or the SIEM (severity CRITICAL).' }] },
        { at: 39, alert: 'ShopCriticalLog', fire: [{ annotatedAt: 34, labels: W('critical', 'critical', 'mes-api', 'mes-api'), summary: 'mes-api / mes-api: CRITICAL record', description: 'mes-api logged 1 CRITICAL record(s) for component mes-api in the last 5 minutes. Read them in the log store or the SIEM (severity CRITICAL).' }] },
        { at: 41, alert: 'ShopCriticalLog', fire: [] },
      ],
    },
  ],
};

const warnings = {
  rules: ['shop-signals.rules.yml', 'shop-warnings.rules.yml'],
  order: ['shop-signals', 'shop-warnings'],
  tests: [
    {
      name: 'slow responses: p95 from the span-metric histogram of the Shop API; the CRM stays fast',
      series: {
        [server('shop-api', 'shop-api')]: '0+20x30',
        [bucket('traces_span_metrics_duration_milliseconds_bucket', 'shop-api', 'shop-api', 'SPAN_KIND_SERVER', '1000')]: '0+2x30',
        [bucket('traces_span_metrics_duration_milliseconds_bucket', 'shop-api', 'shop-api', 'SPAN_KIND_SERVER', '2500')]: '0+20x30',
        [bucket('traces_span_metrics_duration_milliseconds_bucket', 'shop-api', 'shop-api', 'SPAN_KIND_SERVER', '+Inf')]: '0+20x30',
        [server('crm-api', 'crm-api')]: '0+20x30',
        [bucket('traces_span_metrics_duration_milliseconds_bucket', 'crm-api', 'crm-api', 'SPAN_KIND_SERVER', '1000')]: '0+20x30',
        [bucket('traces_span_metrics_duration_milliseconds_bucket', 'crm-api', 'crm-api', 'SPAN_KIND_SERVER', '+Inf')]: '0+20x30',
      },
      alerts: [
        { at: 10, alert: 'ShopSlowResponses', fire: [] },
        { at: 12, alert: 'ShopSlowResponses', fire: [{ labels: W('warning', 'warning', 'shop-api', 'shop-api'), summary: 'shop-api: p95 latency 2417 ms', description: 'The 95th percentile of the server requests of shop-api (component shop-api) took 2417 ms over the last 5 minutes (threshold 1000 ms, from the span-metric histograms).' }] },
      ],
    },
    eventAlert({ alert: 'ShopDbSlowQueries', event: 'db.query.slow', service: 'shop-api', component: 'shop-db', values: '0+3x30', quietAt: 13, at: 15, normal: { service: 'mes-api', component: 'mes-db', values: '0+1x30' },
      summary: 'shop-db: 15 slow queries in 5 minutes (shop-api)', description: 'shop-api saw 15 slow statements on shop-db in the last 5 minutes (event db.query.slow; threshold 10, for 10 minutes).' }),
    {
      name: 'PostgreSQL stops under traffic: failed queries (events) and failed pg spans per client; one stray failure does not alert',
      series: {
        [event('db.query.failed', 'shop-api', 'shop-db', 'ERROR')]: '_x10 5+5x20',
        [sel('traces_span_metrics_calls_total', { service_name: 'shop-internal', shop_component: 'shop-internal', job: 'shop-internal', span_kind: 'SPAN_KIND_CLIENT', span_name: 'pg.query:UPDATE shop', status_code: 'STATUS_CODE_ERROR' })]: '_x10 3+3x20',
        [event('db.query.failed', 'mes-api', 'mes-db', 'ERROR')]: '_x20 1x10',
      },
      alerts: [
        { at: 10, alert: 'ShopDbQueryFailures', fire: [] },
        { at: 13, alert: 'ShopDbQueryFailures', fire: [
          { labels: W('warning', 'error', 'shop-api', 'shop-db'), summary: 'shop-db: 20 failed queries or connections in 5 minutes (shop-api)', description: 'shop-api saw 20 queries or connections to shop-db fail in the last 5 minutes (db.query.failed or failed pg spans: threshold 5; db.connection.failed: threshold 2). Is PostgreSQL up and accepting connections?' },
          { labels: W('warning', 'error', 'shop-internal', 'shop-db'), summary: 'shop-db: 12 failed queries or connections in 5 minutes (shop-internal)', description: 'shop-internal saw 12 queries or connections to shop-db fail in the last 5 minutes (db.query.failed or failed pg spans: threshold 5; db.connection.failed: threshold 2). Is PostgreSQL up and accepting connections?' },
        ] },
        { at: 25, alert: 'ShopDbQueryFailures', fire: [
          { labels: W('warning', 'error', 'shop-api', 'shop-db'), summary: 'shop-db: 25 failed queries or connections in 5 minutes (shop-api)', description: 'shop-api saw 25 queries or connections to shop-db fail in the last 5 minutes (db.query.failed or failed pg spans: threshold 5; db.connection.failed: threshold 2). Is PostgreSQL up and accepting connections?' },
          { labels: W('warning', 'error', 'shop-internal', 'shop-db'), summary: 'shop-db: 15 failed queries or connections in 5 minutes (shop-internal)', description: 'shop-internal saw 15 queries or connections to shop-db fail in the last 5 minutes (db.query.failed or failed pg spans: threshold 5; db.connection.failed: threshold 2). Is PostgreSQL up and accepting connections?' },
        ] },
      ],
    },
    {
      name: 'PostgreSQL shuts down: it logs a FATAL line per connection it ends (db.connection.failed); held 5 minutes after',
      series: {
        [event('db.connection.failed', 'postgresql', 'shop-db', 'ERROR')]: '_x10 3x30',
        [event('db.connection.failed', 'postgresql', 'mes-db', 'ERROR')]: '_x10 1x30',
      },
      alerts: [
        { at: 10, alert: 'ShopDbQueryFailures', fire: [] },
        { at: 11, alert: 'ShopDbQueryFailures', fire: [{ labels: W('warning', 'error', 'postgresql', 'shop-db'), summary: 'shop-db: 3 failed queries or connections in 5 minutes (postgresql)', description: 'postgresql saw 3 queries or connections to shop-db fail in the last 5 minutes (db.query.failed or failed pg spans: threshold 5; db.connection.failed: threshold 2). Is PostgreSQL up and accepting connections?' }] },
        { at: 19, alert: 'ShopDbQueryFailures', fire: [{ annotatedAt: 14, labels: W('warning', 'error', 'postgresql', 'shop-db'), summary: 'shop-db: 3 failed queries or connections in 5 minutes (postgresql)', description: 'postgresql saw 3 queries or connections to shop-db fail in the last 5 minutes (db.query.failed or failed pg spans: threshold 5; db.connection.failed: threshold 2). Is PostgreSQL up and accepting connections?' }] },
        { at: 21, alert: 'ShopDbQueryFailures', fire: [] },
      ],
    },
    eventAlert({ alert: 'ShopMessageDeliveryFailures', event: 'messaging.delivery.failed', service: 'shop-api', component: 'message-queue', severity: 'ERROR', values: '0+2x30', quietAt: 4, at: 6, normal: { service: 'crm-internal', component: 'message-queue', values: '_x10 1x20' },
      summary: 'message-queue: 10 delivery failures in 5 minutes (shop-api)', description: 'shop-api: 10 message deliveries failed or the broker reported errors in the last 5 minutes (events messaging.delivery.failed, messaging.broker.error; threshold 5).' }),
    eventAlert({ alert: 'ShopMessageRoutingFailures', event: 'messaging.routing.failed', service: 'shop-internal', component: 'message-queue', values: '0+2x30', quietAt: 7, at: 9, normal: { service: 'rabbitmq', component: 'message-queue', values: '0+0.5x30' },
      summary: 'message-queue: 10 messages unroutable or dead-lettered in 5 minutes (shop-internal)', description: 'shop-internal: 10 messages could not be routed or were dead-lettered in the last 5 minutes (event messaging.routing.failed; threshold 5, for 5 minutes). Look at the dead-letter queue.' }),
    {
      name: 'MES processing delayed: late orders, and a slow consumer (p95 of the consumer spans)',
      series: {
        [event('mes.order.delayed', 'mes-api', 'mes-api', 'WARNING')]: '_x10 1+1x20',
        [bucket('traces_span_metrics_duration_milliseconds_bucket', 'mes-api', 'mes-api', 'SPAN_KIND_CONSUMER', '5000')]: '0+1x30',
        [bucket('traces_span_metrics_duration_milliseconds_bucket', 'mes-api', 'mes-api', 'SPAN_KIND_CONSUMER', '10000')]: '0+10x30',
        [bucket('traces_span_metrics_duration_milliseconds_bucket', 'mes-api', 'mes-api', 'SPAN_KIND_CONSUMER', '+Inf')]: '0+10x30',
        [bucket('traces_span_metrics_duration_milliseconds_bucket', 'shop-internal', 'shop-internal', 'SPAN_KIND_CONSUMER', '5000')]: '0+10x30',
        [bucket('traces_span_metrics_duration_milliseconds_bucket', 'shop-internal', 'shop-internal', 'SPAN_KIND_CONSUMER', '+Inf')]: '0+10x30',
      },
      alerts: [
        { at: 5, alert: 'ShopMesProcessingDelayed', fire: [] },
        { at: 7, alert: 'ShopMesProcessingDelayed', fire: [{ labels: W('warning', 'warning', 'mes-api', 'mes-api', { reason: 'slow_processing' }), summary: 'mes-api: MES processing delayed (slow_processing)', description: 'The MES took 9722 ms (p95) to process an order message over the last 5 minutes (threshold 5000 ms).' }] },
        { at: 18, alert: 'ShopMesProcessingDelayed', fire: [
          { labels: W('warning', 'warning', 'mes-api', 'mes-api', { reason: 'delayed_orders' }), summary: 'mes-api: MES processing delayed (delayed_orders)', description: '5 orders reached the MES late in the last 5 minutes (event mes.order.delayed; threshold 3).' },
          { labels: W('warning', 'warning', 'mes-api', 'mes-api', { reason: 'slow_processing' }), summary: 'mes-api: MES processing delayed (slow_processing)', description: 'The MES took 9722 ms (p95) to process an order message over the last 5 minutes (threshold 5000 ms).' },
        ] },
      ],
    },
    eventAlert({ alert: 'ShopFileAccessErrors', event: 'storage.file.access_failed', service: 'file-store', component: 'file-storage', severity: 'ERROR', values: '0+2x30', quietAt: 7, at: 9, normal: { service: 'file-store', component: 'file-storage-b', values: '_x10 2x20' },
      summary: 'file-store: 10 file access errors in 5 minutes', description: '10 file operations of file-store failed in the last 5 minutes (event storage.file.access_failed; threshold 5).' }),
    {
      name: 'a 3D file fails its integrity check: fires on the first one, held 15 minutes',
      series: { [event('storage.file.integrity_failed', 'mes-api', 'mes-api', 'WARNING')]: '_x20 1x30' },
      alerts: [
        { at: 19, alert: 'ShopFileIntegrityFailed', fire: [] },
        { at: 20, alert: 'ShopFileIntegrityFailed', fire: [{ labels: W('warning', 'warning', 'mes-api', 'mes-api'), summary: 'mes-api: 1 3D file(s) failed the integrity check', description: '1 file(s) failed their checksum verification in mes-api (component mes-api) in the last 5 minutes (event storage.file.integrity_failed). The SIEM line has the file, order and trace IDs.' }] },
        { at: 38, alert: 'ShopFileIntegrityFailed', fire: [{ annotatedAt: 24, labels: W('warning', 'warning', 'mes-api', 'mes-api'), summary: 'mes-api: 1 3D file(s) failed the integrity check', description: '1 file(s) failed their checksum verification in mes-api (component mes-api) in the last 5 minutes (event storage.file.integrity_failed). The SIEM line has the file, order and trace IDs.' }] },
        { at: 41, alert: 'ShopFileIntegrityFailed', fire: [] },
      ],
    },
    eventAlert({ alert: 'ShopUnusualCustomerActivity', event: 'crm.customer.unusual_activity', service: 'crm-api', component: 'crm-api', values: '_x5 1x20', quietAt: 4, at: 6,
      summary: 'crm-api: unusual customer activity (1 in 5 minutes)', description: 'crm-api reported 1 unusual-activity event(s) in the last 5 minutes (crm.customer.unusual_activity, crm.interaction.unusual). The SIEM has the customer IDs.' }),
    {
      name: '401/403 burst on the Shop API; a few 403 on the CRM do not alert',
      series: {
        [server('shop-api', 'shop-api', { http_response_status_code: '401' })]: '0+10x30',
        [server('crm-api', 'crm-api', { http_response_status_code: '403' })]: '0+1x30',
      },
      alerts: [
        { at: 3, alert: 'ShopAuthFailuresBurst', fire: [] },
        { at: 6, alert: 'ShopAuthFailuresBurst', fire: [{ labels: W('warning', 'warning', 'shop-api', 'shop-api'), summary: 'shop-api: 50 requests refused (401/403) in 5 minutes', description: 'shop-api (component shop-api) refused 50 requests for their credentials in the last 5 minutes (threshold 20). The SIEM has the http.server.auth_failed lines.' }] },
      ],
    },
    eventAlert({ alert: 'ShopDbAuthFailures', event: 'db.auth.failed', service: 'postgresql', component: 'shop-db', values: '_x5 1+1x20', quietAt: 7, at: 9, normal: { service: 'postgresql', component: 'mes-db', values: '_x5 1+1x1' },
      summary: 'shop-db: 5 failed database logins in 5 minutes', description: 'PostgreSQL refused 5 logins to shop-db in the last 5 minutes (event db.auth.failed; threshold 3). A wrong password in a deployment, or someone guessing.' }),
    eventAlert({ alert: 'ShopBrokerAuthFailures', event: 'messaging.auth.failed', service: 'rabbitmq', component: 'message-queue', values: '_x5 1+1x20', quietAt: 7, at: 9,
      summary: 'message-queue: 5 failed broker logins in 5 minutes', description: 'RabbitMQ refused 5 logins in the last 5 minutes (event messaging.auth.failed; threshold 3).' }),
    eventAlert({ alert: 'ShopDebugMarkerRejected', event: 'shop.debug.marker_rejected', service: 'shop-api', component: 'shop-api', values: '_x5 1+1x20', quietAt: 7, at: 9, normal: { service: 'crm-api', component: 'crm-api', values: '_x5 1x20' },
      summary: 'shop-api: 5 rejected DEBUG markers in 5 minutes', description: 'shop-api rejected 5 x-shop-debug markers in the last 5 minutes (event shop.debug.marker_rejected; threshold 3): forged or expired tokens.' }),
  ],
};

const P = (severity, extra) => ({ severity, category: 'pipeline', component: 'pipeline', service: 'otelcol-shop', ...extra });
const pipeline = {
  rules: ['shop-signals.rules.yml', 'shop-pipeline.rules.yml'],
  order: ['shop-signals', 'shop-signals-info', 'shop-pipeline'],
  tests: [
    {
      name: 'the collector stops: both its scrape targets fail',
      series: {
        [sel('up', { job: 'otelcol-shop', instance: 'otelcol-shop:8889' })]: '1x5 0x10',
        [sel('up', { job: 'otelcol-shop-self', instance: 'otelcol-shop:8888' })]: '1x5 0x10',
        [sel('up', { job: 'prometheus', instance: 'localhost:9090' })]: '1x15',
      },
      alerts: [
        { at: 5, alert: 'ShopCollectorDown', fire: [] },
        { at: 7, alert: 'ShopCollectorDown', fire: [
          { labels: P('critical', { job: 'otelcol-shop', instance: 'otelcol-shop:8889' }), summary: 'otelcol-shop is down (otelcol-shop:8889)', description: 'Prometheus cannot scrape the collector (job otelcol-shop) for a minute: no new metrics, logs to the SIEM or traces arrive from any service. Every alert that reads the pipeline\'s metrics is blind.' },
          { labels: P('critical', { job: 'otelcol-shop-self', instance: 'otelcol-shop:8888' }), summary: 'otelcol-shop is down (otelcol-shop:8888)', description: 'Prometheus cannot scrape the collector (job otelcol-shop-self) for a minute: no new metrics, logs to the SIEM or traces arrive from any service. Every alert that reads the pipeline\'s metrics is blind.' },
        ] },
        { at: 14, alert: 'ShopScrapeTargetDown', fire: [] },
      ],
    },
    {
      name: 'the collector\'s target is gone from Prometheus altogether; another target is down',
      series: { [sel('up', { job: 'prometheus', instance: 'localhost:9090' })]: '1x5 0x10' },
      alerts: [
        { at: 2, alert: 'ShopCollectorDown', fire: [{ labels: P('critical', { job: 'otelcol-shop-self' }), summary: 'otelcol-shop is down (no scrape target)', description: 'Prometheus cannot scrape the collector (job otelcol-shop-self) for a minute: no new metrics, logs to the SIEM or traces arrive from any service. Every alert that reads the pipeline\'s metrics is blind.' }] },
        { at: 9, alert: 'ShopScrapeTargetDown', fire: [] },
        { at: 11, alert: 'ShopScrapeTargetDown', fire: [{ labels: { severity: 'warning', category: 'pipeline', component: 'pipeline', service: 'prometheus', job: 'prometheus', instance: 'localhost:9090' }, summary: 'scrape target localhost:9090 (job prometheus) is down', description: 'Prometheus has not scraped localhost:9090 of job prometheus for 5 minutes.' }] },
      ],
    },
    {
      name: 'services that stop sending: one frozen (the exporter repeats its last value), one gone; one alive',
      series: {
        [sel('nodejs_eventloop_time_seconds_total', { job: 'crm-api', instance: 'otelcol-shop:8889', nodejs_eventloop_state: 'idle' })]: '0+60x20 1200x30',
        [sel('nodejs_eventloop_time_seconds_total', { job: 'shop-internal', instance: 'otelcol-shop:8889', nodejs_eventloop_state: 'idle' })]: '0+60x20',
        [sel('nodejs_eventloop_time_seconds_total', { job: 'shop-api', instance: 'otelcol-shop:8889', nodejs_eventloop_state: 'idle' })]: '0+60x50',
        [server('crm-api', 'crm-api')]: '0+10x50',
      },
      alerts: [
        { at: 28, alert: 'ShopServiceSilent', fire: [] },
        { at: 31, alert: 'ShopServiceSilent', fire: [
          { labels: { severity: 'warning', category: 'pipeline', job: 'crm-api', service: 'crm-api', component: 'crm-api' }, summary: 'crm-api has stopped sending telemetry', description: 'No new runtime metrics from crm-api (component crm-api) for 10 minutes, though it sent them in the last 6 hours: the service is down, hangs, or cannot reach the collector.' },
          { labels: { severity: 'warning', category: 'pipeline', job: 'shop-internal', service: 'shop-internal', component: 'unknown' }, summary: 'shop-internal has stopped sending telemetry', description: 'No new runtime metrics from shop-internal (component unknown) for 10 minutes, though it sent them in the last 6 hours: the service is down, hangs, or cannot reach the collector.' },
        ] },
      ],
    },
    {
      name: 'a service stops while the collector is down too: not called silent until the collector has been back 10 minutes',
      series: {
        [sel('up', { job: 'otelcol-shop', instance: 'otelcol-shop:8889' })]: '1x15 0x5 1x30',
        [sel('nodejs_eventloop_time_seconds_total', { job: 'crm-api', instance: 'otelcol-shop:8889', nodejs_eventloop_state: 'idle' })]: '0+60x15 _x5 900x30',
        [server('crm-api', 'crm-api')]: '0+10x50',
      },
      alerts: [
        { at: 26, alert: 'ShopServiceSilent', fire: [] },
        // up is 0 from minute 16 to 21: the guard holds to 31 (to 30 in Prometheus 3, whose
        // ranges leave out their start), pending from 32, firing at 37 (36).
        { at: 34, alert: 'ShopServiceSilent', fire: [] },
        { at: 38, alert: 'ShopServiceSilent', fire: [{ labels: { severity: 'warning', category: 'pipeline', job: 'crm-api', service: 'crm-api', component: 'crm-api' }, summary: 'crm-api has stopped sending telemetry', description: 'No new runtime metrics from crm-api (component crm-api) for 10 minutes, though it sent them in the last 6 hours: the service is down, hangs, or cannot reach the collector.' }] },
      ],
    },
    {
      // As the collector's Prometheus exporter writes the service's counter (checked against
      // otelcol-shop: job is the service, the scope's labels beside signal and reason).
      name: 'a service loses telemetry: its counter appears with its first loss and grows; another\'s stays flat',
      series: {
        [sel('shop_otel_export_dropped_total', { job: 'shop-api', instance: 'otelcol-shop:8889', otel_scope_name: 'shop-otel', reason: 'queue_full', signal: 'traces' })]: '_x8 40+10x12',
        [sel('shop_otel_export_dropped_total', { job: 'crm-api', instance: 'otelcol-shop:8889', otel_scope_name: 'shop-otel', reason: 'export_failed', signal: 'logs' })]: '7x20',
      },
      alerts: [
        // crm-api's counter is older than 5 minutes and flat: quiet (in its first 5 minutes, as at
        // Prometheus' start, a counter cannot be told from a new one and counts whole).
        { at: 7, alert: 'ShopTelemetryLost', fire: [] },
        { at: 9, alert: 'ShopTelemetryLost', fire: [{ labels: { severity: 'warning', category: 'pipeline', component: 'pipeline', service: 'shop-api', job: 'shop-api', signal: 'traces', reason: 'queue_full' }, summary: 'shop-api lost 50 traces (queue_full) in 5 minutes', description: 'shop-api dropped 50 traces items before they reached the collector in the last 5 minutes, reason queue_full (queue_full: the collector did not take them fast enough; export_failed: refused or unanswered after the retries; unredactable, unencodable: a span or record that could not be made safe or written). The service said the first loss on stderr.' }] },
      ],
    },
    {
      name: 'the collector refuses data (memory limiter) and an exporter fails; a full store queue; the SIEM queue fills',
      series: {
        [self('otelcol_receiver_refused_log_records_total', { receiver: 'otlp', transport: 'http' })]: '0x5 0+100x20',
        [self('otelcol_receiver_refused_spans_total', { receiver: 'otlp', transport: 'http' })]: '0x25',
        [self('otelcol_exporter_send_failed_spans_total', { exporter: 'otlp_http/store' })]: '0x5 0+60x20',
        [self('otelcol_exporter_send_failed_log_records_total', { exporter: 'otlp_http/store' })]: '0x5 0+60x20',
        [self('otelcol_exporter_queue_size', { exporter: 'otlp_http/store', data_type: 'traces' })]: '0x5 4000x20',
        [self('otelcol_exporter_queue_capacity', { exporter: 'otlp_http/store', data_type: 'traces' })]: '5000x25',
        [self('otelcol_exporter_queue_size', { exporter: 'syslog', data_type: 'logs' })]: '0x5 20000x20',
        [self('otelcol_exporter_queue_capacity', { exporter: 'syslog', data_type: 'logs' })]: '100000x25',
      },
      alerts: [
        { at: 9, alert: 'ShopCollectorRefusingData', fire: [] },
        { at: 12, alert: 'ShopCollectorRefusingData', fire: [{ labels: P('warning', { receiver: 'otlp' }), summary: 'otelcol-shop: receiver otlp refuses data (1.667 items/s)', description: 'Receiver otlp refused or failed 1.667 items per second over the last 5 minutes: the memory limiter is shedding load (SHOP_OTEL_COLLECTOR_MEMORY_LIMIT_MIB) or the data is malformed. The senders drop what is refused.' }] },
        { at: 9, alert: 'ShopCollectorExportFailing', fire: [] },
        { at: 12, alert: 'ShopCollectorExportFailing', fire: [{ labels: P('warning', { exporter: 'otlp_http/store' }), summary: 'otelcol-shop: exporter otlp_http/store is losing data (2 items/s)', description: 'Exporter otlp_http/store failed to send, or could not queue, 2 items per second over the last 5 minutes. Its destination is down or refuses the data; see the collector\'s log.' }] },
        { at: 9, alert: 'ShopCollectorQueueFilling', fire: [] },
        { at: 11, alert: 'ShopCollectorQueueFilling', fire: [{ labels: P('warning', { exporter: 'otlp_http/store', data_type: 'traces' }), summary: 'otelcol-shop: otlp_http/store queue at 80%', description: 'The sending queue of exporter otlp_http/store (traces) is 80% full (threshold 50 %, for 5 minutes). At 100 % new data is dropped.' }] },
        { at: 14, alert: 'ShopSiemQueueGrowing', fire: [] },
        { at: 16, alert: 'ShopSiemQueueGrowing', fire: [{ labels: P('warning', { exporter: 'syslog' }), summary: 'otelcol-shop: SIEM queue at 20% and growing', description: 'The syslog exporter cannot keep up with the SIEM (SHOP_OTEL_SIEM_HOST): its queue is 20% full. At 100 % new security records are dropped.' }] },
      ],
    },
    {
      name: 'the SIEM queue grows steadily, still under 10 %',
      series: {
        [self('otelcol_exporter_queue_size', { exporter: 'syslog', data_type: 'logs' })]: '0+100x40',
        [self('otelcol_exporter_queue_capacity', { exporter: 'syslog', data_type: 'logs' })]: '100000x40',
      },
      alerts: [
        { at: 15, alert: 'ShopSiemQueueGrowing', fire: [] },
        { at: 20, alert: 'ShopSiemQueueGrowing', fire: [{ labels: P('warning', { exporter: 'syslog' }), summary: 'otelcol-shop: SIEM queue at 2% and growing', description: 'The syslog exporter cannot keep up with the SIEM (SHOP_OTEL_SIEM_HOST): its queue is 2% full. At 100 % new security records are dropped.' }] },
      ],
    },
  ],
};

const sloSeries = (errPerMin, okPerMin, minutes) => ({
  [sel('traces_span_metrics_calls_total', { service_name: 'shop-api', shop_component: 'shop-api', job: 'shop-api', span_kind: 'SPAN_KIND_SERVER', status_code: 'STATUS_CODE_UNSET' })]: `0+${okPerMin}x${minutes}`,
  [sel('traces_span_metrics_calls_total', { service_name: 'shop-api', shop_component: 'shop-api', job: 'shop-api', span_kind: 'SPAN_KIND_SERVER', status_code: 'STATUS_CODE_ERROR' })]: `0+${errPerMin}x${minutes}`,
});
const latSeries = (fastPerMin, totalPerMin, minutes) => ({
  [bucket('traces_span_metrics_duration_milliseconds_bucket', 'shop-api', 'shop-api', 'SPAN_KIND_SERVER', '1000')]: `0+${fastPerMin}x${minutes}`,
  [bucket('traces_span_metrics_duration_milliseconds_bucket', 'shop-api', 'shop-api', 'SPAN_KIND_SERVER', '+Inf')]: `0+${totalPerMin}x${minutes}`,
  [sel('traces_span_metrics_duration_milliseconds_count', { service_name: 'shop-api', shop_component: 'shop-api', job: 'shop-api', span_kind: 'SPAN_KIND_SERVER', status_code: 'STATUS_CODE_UNSET' })]: `0+${totalPerMin}x${minutes}`,
});
const S = (severity, slo) => ({ severity, category: 'slo', slo, service: 'shop-api', component: 'shop-api' });
const sloDesc = (pct, fast, slo) => slo === 'availability'
  ? `${pct} of the requests of shop-api were bad (failed: a 5xx or an exception) over the long window; the SLO allows 0.5 % over 30d. ${fast ? 'Burning 14.4x over 1h and 5m, or 6x over 6h and 30m exhausts the budget within days: act now.' : 'Burning 3x over 1d and 2h, or 1x over 3d and 6h exhausts it before the period ends.'}`
  : `${pct} of the requests of shop-api were bad (slower than 1000 ms) over the long window; the SLO allows 1 % over 30d. ${fast ? 'Burning 14.4x over 1h and 5m, or 6x over 6h and 30m exhausts the budget within days: act now.' : 'Burning 3x over 1d and 2h, or 1x over 3d and 6h exhausts it before the period ends.'}`;
const sloAlert = (name, severity, slo, pct, fast) => ({ labels: S(severity, slo), summary: `shop-api: ${slo} SLO burning its error budget ${fast ? 'fast' : 'steadily'} (${pct} bad)`, description: sloDesc(pct, fast, slo) });

const slo = {
  rules: ['shop-slo.rules.yml'],
  order: ['shop-slo-sli', 'shop-slo-alerts'],
  tests: [
    {
      name: '10 % of requests fail (20x the budget): pages, and opens a ticket',
      series: sloSeries(100, 900, 40),
      alerts: [
        { at: 2, alert: 'ShopSloAvailabilityBurnFast', fire: [] },
        { at: 4, alert: 'ShopSloAvailabilityBurnFast', fire: [sloAlert('ShopSloAvailabilityBurnFast', 'critical', 'availability', '10%', true)] },
        { at: 15, alert: 'ShopSloAvailabilityBurnSlow', fire: [] },
        { at: 17, alert: 'ShopSloAvailabilityBurnSlow', fire: [sloAlert('ShopSloAvailabilityBurnSlow', 'warning', 'availability', '10%', false)] },
      ],
    },
    {
      name: '2 % fail (4x): a ticket, no page',
      series: sloSeries(20, 980, 40),
      alerts: [
        { at: 30, alert: 'ShopSloAvailabilityBurnFast', fire: [] },
        { at: 17, alert: 'ShopSloAvailabilityBurnSlow', fire: [sloAlert('ShopSloAvailabilityBurnSlow', 'warning', 'availability', '2%', false)] },
      ],
    },
    {
      name: '0.2 % fail (within the budget): nothing',
      series: sloSeries(2, 998, 40),
      alerts: [
        { at: 30, alert: 'ShopSloAvailabilityBurnFast', fire: [] },
        { at: 30, alert: 'ShopSloAvailabilityBurnSlow', fire: [] },
      ],
    },
    {
      name: 'not a single failure: the availability ratio is 0, not absent (no error series exists)',
      series: { [sel('traces_span_metrics_calls_total', { service_name: 'shop-api', shop_component: 'shop-api', job: 'shop-api', span_kind: 'SPAN_KIND_SERVER', status_code: 'STATUS_CODE_UNSET' })]: '0+100x40' },
      alerts: [{ at: 30, alert: 'ShopSloAvailabilityBurnFast', fire: [] }],
      exprs: [{ expr: 'shop:slo_errors:ratio_rate5m{slo="availability"}', at: 10, samples: [{ labels: 'shop:slo_errors:ratio_rate5m{slo="availability",service="shop-api",component="shop-api"}', value: 0 }] }],
    },
    {
      name: '20 % slower than 1 s (20x the latency budget): pages and tickets',
      series: latSeries(800, 1000, 40),
      alerts: [
        { at: 2, alert: 'ShopSloLatencyBurnFast', fire: [] },
        { at: 4, alert: 'ShopSloLatencyBurnFast', fire: [sloAlert('ShopSloLatencyBurnFast', 'critical', 'latency', '20%', true)] },
        { at: 17, alert: 'ShopSloLatencyBurnSlow', fire: [sloAlert('ShopSloLatencyBurnSlow', 'warning', 'latency', '20%', false)] },
      ],
    },
    {
      name: '5 % slower than 1 s (5x): a ticket, no page; 0.5 % slow: nothing',
      series: latSeries(950, 1000, 40),
      alerts: [
        { at: 30, alert: 'ShopSloLatencyBurnFast', fire: [] },
        { at: 17, alert: 'ShopSloLatencyBurnSlow', fire: [sloAlert('ShopSloLatencyBurnSlow', 'warning', 'latency', '5%', false)] },
      ],
    },
    {
      name: '0.5 % slower than 1 s (within the budget): nothing',
      series: latSeries(995, 1000, 40),
      alerts: [
        { at: 30, alert: 'ShopSloLatencyBurnFast', fire: [] },
        { at: 30, alert: 'ShopSloLatencyBurnSlow', fire: [] },
      ],
    },
  ],
};

const inputLabels = (name, type, service, component) => `shop:anomaly:input{anomaly_name="${name}",anomaly_type="${type}",component="${component}",service="${service}"}`;
const anomalyInputs = {
  rules: ['shop-anomaly-inputs.rules.yml'],
  tests: [
    {
      name: 'the inputs of the anomaly framework, from the span metrics and the business counters',
      series: {
        [server('shop-api', 'shop-api')]: '0+54x30',
        [serverErr('shop-api', 'shop-api')]: '0+6x30',
        [bucket('traces_span_metrics_duration_milliseconds_bucket', 'shop-api', 'shop-api', 'SPAN_KIND_SERVER', '100')]: '0+30x30',
        [bucket('traces_span_metrics_duration_milliseconds_bucket', 'shop-api', 'shop-api', 'SPAN_KIND_SERVER', '250')]: '0+60x30',
        [bucket('traces_span_metrics_duration_milliseconds_bucket', 'shop-api', 'shop-api', 'SPAN_KIND_SERVER', '+Inf')]: '0+60x30',
        // A service without a single failure: error_ratio 0, not absent.
        [server('crm-api', 'crm-api')]: '0+30x30',
        // An idle service: no error_ratio or latency input (no traffic), requests 0.
        [server('file-store', 'file-storage')]: '5x30',
        [sel('shop_orders_created_total', { service_name: 'shop-api', job: 'shop-api' })]: '0+12x30',
      },
      exprs: [
        { expr: 'shop:anomaly:input{anomaly_name="requests"}', at: 20, samples: [
          { labels: inputLabels('requests', 'rate', 'crm-api', 'crm-api'), value: 30 },
          { labels: inputLabels('requests', 'rate', 'file-store', 'file-storage'), value: 0 },
          { labels: inputLabels('requests', 'rate', 'shop-api', 'shop-api'), value: 60 },
        ] },
        { expr: 'shop:anomaly:input{anomaly_name="orders_created"}', at: 20, samples: [{ labels: inputLabels('orders_created', 'rate', 'shop-api', 'shop-api'), value: 12 }] },
        { expr: 'shop:anomaly:input{anomaly_name="error_ratio"}', at: 20, samples: [
          { labels: inputLabels('error_ratio', 'ratio', 'crm-api', 'crm-api'), value: 0 },
          { labels: inputLabels('error_ratio', 'ratio', 'shop-api', 'shop-api'), value: 0.1 },
        ] },
        { expr: 'shop:anomaly:input{anomaly_name="latency_p95"}', at: 20, samples: [{ labels: inputLabels('latency_p95', 'latency', 'shop-api', 'shop-api'), value: 235 }] },
      ],
    },
  ],
};

export const FILES = {
  'shop-errors.test.yml': errors,
  'shop-warnings.test.yml': warnings,
  'shop-pipeline.test.yml': pipeline,
  'shop-slo.test.yml': slo,
  'shop-anomaly-inputs.test.yml': anomalyInputs,
};
