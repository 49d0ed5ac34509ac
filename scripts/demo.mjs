// The demo: the sample shop, instrumented with `--import shop-otel/register`, exporting to our
// collector (otelcol-shop with otel-collector.yaml), which feeds a real Prometheus, rsyslog as the
// SIEM's syslog input, and the journey viewer as the trace/log store. Traffic runs, then the demo
// shows, for the richest order journeys, the trace across services with its correlated log lines
// and IDs, what Prometheus now holds, and what the SIEM received; then injects an incident (a 5xx
// burst in the Shop API), shows the alert it raised and what each channel received (local SMTP
// inbox, Telegram, chat and SMS-gateway receivers, the SIEM), and tells where to look. The alert
// rules run in the fast profile (render-rules.mjs --time-scale 20) so that they fire within the demo.
//   node scripts/demo.mjs [--duration 15] [--rate 5] [--burst 20] [--keep | --no-keep]
// --keep (the default on a terminal) leaves everything running until Ctrl-C.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_PORTS, startStack } from './pipeline/stack.mjs';
import { renderRules } from './alerting/render-rules.mjs';
import { startLocalReceivers } from './alerting/local-receivers.mjs';
import { startAlerting } from './alerting/alerting-stack.mjs';
import { maskPhone } from '../dist/alerting/mask.js';

const TIME_SCALE = 20;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    rate: { type: 'string', default: '5' },
    burst: { type: 'string', default: '20' },
    journeys: { type: 'string', default: '2' },
    keep: { type: 'boolean', default: Boolean(process.stdout.isTTY && process.stdin.isTTY) },
    'no-keep': { type: 'boolean', default: false },
  },
});
const keep = values.keep && !values['no-keep'];
const work = path.join(root, '.cache', 'demo');
const logs = path.join(work, 'service-logs');

function run(args, env = {}, { echo = true } = {}) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  child.lines = [];
  let rest = '';
  child.stdout.on('data', (c) => {
    rest += c;
    const lines = rest.split('\n');
    rest = lines.pop();
    for (const l of lines) {
      child.lines.push(l);
      if (echo) process.stdout.write(`${l}\n`);
    }
  });
  child.exited = new Promise((r) => child.on('exit', r));
  return child;
}
const waitFor = async (child, re, ms = 60_000) => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.lines.some((l) => re.test(l))) return;
    if (child.exitCode !== null) throw new Error(`process exited before printing ${re}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${re}`);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

rmSync(work, { recursive: true, force: true });
mkdirSync(logs, { recursive: true });
const ports = DEFAULT_PORTS;
console.log('demo: starting the pipeline: otelcol-shop (otel-collector.yaml), Prometheus, rsyslog as the SIEM input, the journey viewer as the trace store…');
const viewer = run(['scripts/demo/journey-viewer.mjs', '--port', String(ports.store), '--journeys', values.journeys]);
await waitFor(viewer, /journey viewer/);
let stack;
let receivers;
let alerting;
try {
  receivers = await startLocalReceivers(path.join(work, 'receivers'));
  alerting = await startAlerting({ dir: path.join(work, 'alerting'), receivers, otlpLogsUrl: `http://127.0.0.1:${ports.otlpHttp}/v1/logs`, timeScale: TIME_SCALE, port: 9093 });
  const ruleFiles = renderRules(path.join(work, 'rules'), { scale: TIME_SCALE });
  stack = await startStack({ dir: work, ports, collector: { extraEnv: { SHOP_OTEL_STORE_ENCODING: 'json' } }, prometheus: { ruleFiles, alertmanagers: alerting.targets } });
} catch (err) {
  await alerting?.stop();
  await receivers?.stop();
  console.error(`demo: the pipeline did not start (is another demo or Prometheus running on these ports?): ${err.message}`);
  viewer.kill('SIGKILL');
  process.exit(1);
}
const shop = run(['samples/shop.mjs', '--quiet', '--logs', logs], {
  SAMPLE_NODE_OPTIONS: '--import shop-otel/register',
  OTEL_EXPORTER_OTLP_ENDPOINT: stack.otlpEndpoint,
  OTEL_METRIC_EXPORT_INTERVAL: '5000',
  OTEL_BSP_SCHEDULE_DELAY: '500',
  OTEL_BLRP_SCHEDULE_DELAY: '500',
});

let status = 0;
async function shutdown() {
  shop.kill('SIGTERM');
  await shop.exited;
  await stack.stop();
  await alerting.stop();
  await receivers.stop();
  viewer.kill('SIGKILL'); // its summary was printed above already
  await viewer.exited;
}

try {
  await waitFor(shop, /shop: ready/);
  console.log(`\ndemo: driving traffic for ${values.duration} s at ${values.rate} orders/s, then a burst of ${values.burst} (one model file corrupted on purpose)…`);
  const traffic = run(['samples/traffic.mjs', '--rate', values.rate, '--duration', values.duration, '--burst', values.burst, '--corrupt', '--wait', '4']);
  await traffic.exited;
  await sleep(4000); // span metrics flush, Prometheus scrapes
  viewer.kill('SIGUSR2'); // print the richest journeys
  await sleep(500);

  const q = async (query) => (await stack.prometheus.query(query)).map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  const line = (label, rows, fmt) => console.log(`  ${label.padEnd(34)} ${rows.length ? rows.map(fmt).join(', ') : '(none yet)'}`);
  console.log('\ndemo: what Prometheus holds now (through the collector):');
  line('requests per service (server)', await q('sum by (service_name) (traces_span_metrics_calls_total{span_kind="SPAN_KIND_SERVER"})'), (r) => `${r.labels.service_name} ${r.value}`);
  line('p95 latency per service, ms', await q('histogram_quantile(0.95, sum by (service_name, le) (traces_span_metrics_duration_milliseconds_bucket{span_kind="SPAN_KIND_SERVER"}))'), (r) => `${r.labels.service_name} ${Math.round(r.value)}`);
  line('orders created', await q('sum(shop_orders_created_total)'), (r) => String(r.value));
  line('order status changes', await q('sum by (shop_order_status) (shop_order_status_changes_total)'), (r) => `${r.labels.shop_order_status} ${r.value}`);
  line('log records by severity', await q('sum by (severity) (shop_log_records_total)'), (r) => `${r.labels.severity} ${r.value}`);
  line('warning/error events', await q('sum by (event_name) (shop_events_total{severity=~"WARNING|ERROR|CRITICAL"})'), (r) => `${r.labels.event_name} ${r.value}`);

  const siem = stack.siem.lines();
  console.log(`\ndemo: the SIEM received ${siem.length} RFC 5424 lines (WARNING and above, and security events); the first few:`);
  for (const l of siem.slice(0, 5)) console.log(`  ${l.length > 400 ? `${l.slice(0, 400)}…` : l}`);

  // ---- An incident: a 5xx burst in the Shop API, and what it raised where.
  console.log('\ndemo: incident: order creation fails with 500 for 25 s (node samples/traffic.mjs --fault errors)…');
  const t0 = Date.now();
  const incident = run(['samples/traffic.mjs', '--rate', '4', '--duration', '25', '--bad-ratio', '0', '--fault', 'errors', '--wait', '1'], {}, { echo: false });
  const about = (text) => /ShopHttpErrorRatioHigh/.test(text);
  const got = () => ({
    email: receivers.smtp.inbox.filter((m) => about(m.subject)),
    telegram: receivers.telegram.messages.filter((m) => about(m.body.text)),
    chat: receivers.chat.messages.filter((m) => about(JSON.stringify(m.body))),
    sms: receivers.sms.messages.filter((m) => about(m.body.text)),
  });
  for (let deadline = Date.now() + 90_000; Date.now() < deadline; await sleep(1000)) {
    const g = got();
    if (g.email.length && g.telegram.length && g.chat.length && g.sms.length) break;
  }
  await incident.exited;
  const firing = (await stack.prometheus.alerts()).filter((a) => a.state === 'firing');
  console.log(`demo: alerts firing ${Math.round((Date.now() - t0) / 1000)} s after the incident began:`);
  for (const a of firing) console.log(`  ${a.labels.severity.padEnd(8)} ${a.labels.alertname} ${a.labels.service}/${a.labels.component}: ${a.annotations.summary}`);
  const g = got();
  const first = (text) => String(text).split('\n').slice(0, 6).map((l) => `      ${l.replace(/<[^>]+>/g, '')}`).join('\n');
  console.log('demo: what each channel received about ShopHttpErrorRatioHigh (critical → SMS + messenger + e-mail):');
  for (const m of g.email.slice(0, 1)) console.log(`  e-mail (SMTP, STARTTLS + AUTH) to ${m.to.join(', ')}: "${m.subject}"\n${first(m.text)}`);
  for (const m of g.telegram.slice(0, 1)) console.log(`  Telegram ${m.path.replace(/bot[^/]+/, 'bot<token>')} chat ${m.body.chat_id}:\n${first(m.body.text)}`);
  for (const m of g.chat.slice(0, 1)) console.log(`  chat webhook ${m.body.channel}: "${m.body.attachments?.[0]?.title}"`);
  for (const m of g.sms.slice(0, 2)) console.log(`  SMS to ${maskPhone(m.body.to)} through the bridge:\n${first(m.body.text)}`);
  const siemAlerts = stack.siem.lines().filter((l) => / alert\.(firing|resolved) /.test(l));
  const siemLine = siemAlerts.find((l) => l.includes('alert="ShopHttpErrorRatioHigh"')) ?? siemAlerts[0];
  console.log(`  SIEM (through shop-otel-alert-siem and the collector): ${siemAlerts.length} alert line(s), e.g.\n      ${(siemLine ?? '(none yet)').slice(0, 400)}`);

  console.log(`
demo: where to look
  Prometheus UI        ${stack.prometheus.url}/alerts   (the rules, fast profile ÷${TIME_SCALE}); graph: sum by (service_name) (rate(traces_span_metrics_calls_total[1m]))
  Alertmanager UI      ${alerting.url}   (alerts, silences; amtool silence add --alertmanager.url=${alerting.url} …)
  the collector's scrape endpoint  http://127.0.0.1:${ports.promExporter}/metrics
  the SIEM feed        ${stack.siem.file}
  the channels         SMTP inbox ${receivers.smtp.dir} (.eml), Telegram ${receivers.telegram.logFile}, chat ${receivers.chat.logFile}, SMS gateway ${receivers.sms.logFile}
  each service's own (winston) output, trace_id/span_id in every line: ${path.relative(root, logs)}/<service>.log
  how it is wired      docs/collector.md, docs/siem.md, docs/alerting.md`);
  if (keep) {
    console.log('\ndemo: everything keeps running (send more traffic: node samples/traffic.mjs); Ctrl-C stops it.');
    await new Promise((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  }
} catch (err) {
  console.error(`demo: ${err.message}`);
  status = 1;
}
await shutdown();
process.exit(status);
