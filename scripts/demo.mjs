// The demo: the sample shop, instrumented with `--import shop-otel/register`, driven by the
// traffic generator, its telemetry received by the journey viewer, which then shows, for the
// richest order journeys, the trace across services with its correlated log lines and IDs.
//   node scripts/demo.mjs [--duration 15] [--rate 5] [--burst 20]
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    rate: { type: 'string', default: '5' },
    burst: { type: 'string', default: '20' },
    'viewer-port': { type: 'string', default: process.env.DEMO_VIEWER_PORT ?? '4318' },
    journeys: { type: 'string', default: '2' },
  },
});
const logs = path.join(root, '.cache', 'demo-logs');
const viewerUrl = `http://127.0.0.1:${values['viewer-port']}`;

function run(name, args, env = {}, opts = {}) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], ...opts });
  child.lines = [];
  let rest = '';
  child.stdout.on('data', (c) => {
    rest += c;
    const lines = rest.split('\n');
    rest = lines.pop();
    for (const l of lines) {
      child.lines.push(l);
      if (opts.echo !== false) process.stdout.write(`${l}\n`);
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

const viewer = run('viewer', ['scripts/demo/journey-viewer.mjs', '--port', values['viewer-port'], '--journeys', values.journeys], {}, { echo: true });
await waitFor(viewer, /journey viewer/);
const shop = run('shop', ['samples/shop.mjs', '--quiet', '--logs', logs], {
  SAMPLE_NODE_OPTIONS: '--import shop-otel/register',
  OTEL_EXPORTER_OTLP_ENDPOINT: viewerUrl,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_METRIC_EXPORT_INTERVAL: '5000',
  OTEL_BSP_SCHEDULE_DELAY: '500',
  OTEL_BLRP_SCHEDULE_DELAY: '500',
});
let status = 0;
try {
  await waitFor(shop, /shop: ready/);
  console.log(`\ndemo: driving traffic for ${values.duration} s at ${values.rate} orders/s, then a burst of ${values.burst} (one model file corrupted on purpose)…`);
  const traffic = run('traffic', ['samples/traffic.mjs', '--rate', values.rate, '--duration', values.duration, '--burst', values.burst, '--corrupt', '--wait', '4']);
  await traffic.exited;
} catch (err) {
  console.error(`demo: ${err.message}`);
  status = 1;
}
shop.kill('SIGTERM');
await shop.exited;
viewer.kill('SIGTERM');
await viewer.exited;
console.log(`\ndemo: each service's own (winston) output, with trace_id/span_id in every line: ${path.relative(root, logs)}/<service>.log`);
console.log('demo: the same traffic through the bundled collector to Prometheus and the SIEM: see docs/collector.md');
process.exit(status);
