// The telemetry pipeline on one machine, for the demo and the end-to-end tests: our collector
// build (otelcol-shop) with the top-level otel-collector.yaml, a real Prometheus scraping it, and
// rsyslog standing in for the SIEM's syslog input (its received lines land in a file, verbatim).
// Every process listens on 127.0.0.1 only, on the ports given (defaults: the usual ones).
//   const stack = await startStack({ dir, ports }); … await stack.stop();
// Needs `bash scripts/pipeline-deps.sh` first (Debian's prometheus and rsyslog; the collector build).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_PORTS = { otlpHttp: 4318, otlpGrpc: 4317, promExporter: 8889, health: 13133, selfMetrics: 8888, prometheus: 9090, siem: 6514, store: 4320 };

/** The collector binary: built (or found in the cache) by scripts/collector-build.sh, whose last line is its path. */
export function collectorBinary() {
  const out = execFileSync('bash', [path.join(ROOT, 'scripts', 'collector-build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop();
}

/** The environment that points otel-collector.yaml at the given ports and directory. */
export function collectorEnv(ports, dir, extra = {}) {
  return {
    SHOP_OTEL_COLLECTOR_HTTP_ENDPOINT: `127.0.0.1:${ports.otlpHttp}`,
    SHOP_OTEL_COLLECTOR_GRPC_ENDPOINT: `127.0.0.1:${ports.otlpGrpc}`,
    SHOP_OTEL_COLLECTOR_PROMETHEUS_ENDPOINT: `127.0.0.1:${ports.promExporter}`,
    SHOP_OTEL_COLLECTOR_HEALTH_ENDPOINT: `127.0.0.1:${ports.health}`,
    SHOP_OTEL_COLLECTOR_SELF_METRICS_PORT: String(ports.selfMetrics),
    SHOP_OTEL_COLLECTOR_STORAGE_DIR: path.join(dir, 'collector-storage'),
    SHOP_OTEL_SIEM_PORT: String(ports.siem),
    SHOP_OTEL_TRACE_STORE_ENDPOINT: `http://127.0.0.1:${ports.store}/v1/traces`,
    SHOP_OTEL_LOG_STORE_ENDPOINT: `http://127.0.0.1:${ports.store}/v1/logs`,
    SHOP_OTEL_SPANMETRICS_FLUSH_INTERVAL: '2s',
    SHOP_OTEL_COLLECTOR_BATCH_TIMEOUT: '500ms',
    ...extra,
  };
}

function spawnLogged(name, cmd, args, env, logFile) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  for (const s of [child.stdout, child.stderr]) {
    s.setEncoding('utf8');
    s.on('data', (c) => {
      lines.push(...c.split('\n').filter(Boolean));
      if (lines.length > 5000) lines.splice(0, lines.length - 5000);
      if (logFile) writeFileSync(logFile, c, { flag: 'a' });
    });
  }
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.lines = lines;
  child.label = name;
  return child;
}

async function waitHttp(url, name, child, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}) before it was ready:\n${child.lines.slice(-20).join('\n')}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${name} was not ready at ${url} within ${ms} ms:\n${child?.lines.slice(-20).join('\n') ?? ''}`);
}

async function waitTcp(port, name, child, ms = 15_000) {
  const net = await import('node:net');
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}) before it was ready:\n${child.lines.slice(-20).join('\n')}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not listen on 127.0.0.1:${port} within ${ms} ms`);
}

async function stopChild(child, ms = 10_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const t = setTimeout(() => child.kill('SIGKILL'), ms);
  child.kill('SIGTERM');
  await child.exited;
  clearTimeout(t);
}

/**
 * rsyslog as the SIEM's syslog input: RFC 5424 over TCP on `port`, each message written verbatim
 * to `file`. With `tls: { cert, key }` it accepts only TLS (rsyslog's gtls driver, Debian's rsyslog-gnutls).
 */
export function startSiem(dir, port, { tls } = {}) {
  const work = path.join(dir, 'rsyslog');
  mkdirSync(work, { recursive: true });
  const file = path.join(dir, 'siem.log');
  const conf = path.join(work, 'rsyslog.conf');
  writeFileSync(conf, [
    tls
      ? `global(workDirectory="${work}" DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="${tls.cert}" DefaultNetstreamDriverCertFile="${tls.cert}" DefaultNetstreamDriverKeyFile="${tls.key}")`
      : `global(workDirectory="${work}")`,
    tls ? 'module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")' : 'module(load="imtcp")',
    `input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="siem")`,
    'template(name="verbatim" type="string" string="%rawmsg%\\n")',
    `ruleset(name="siem") { action(type="omfile" file="${file}" template="verbatim" flushOnTXEnd="on" asyncWriting="off") }`,
    '',
  ].join('\n'));
  const child = spawnLogged('rsyslog', '/usr/sbin/rsyslogd', ['-n', '-f', conf, '-i', path.join(work, 'rsyslogd.pid')], {}, path.join(dir, 'rsyslog.out'));
  const siem = {
    child,
    file,
    ready: waitTcp(port, 'rsyslog', child),
    /** The lines the SIEM has received so far. */
    lines: () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []),
    stop: () => stopChild(child),
  };
  return siem;
}

/**
 * Prometheus (Debian's package) scraping the collector's exporter (and its own metrics) every second.
 * With `ruleFiles` (globs) it evaluates those rules every `evaluationInterval`; with
 * `alertmanagers` (host:port) it sends its alerts there. `externalLabels` (e.g. a replica name)
 * are dropped from the alerts it sends, so that replicas' alerts are the same alert to Alertmanager.
 */
export function startPrometheus(dir, ports, { ruleFiles = [], alertmanagers = [], evaluationInterval = '1s', externalLabels = {}, name = 'prometheus' } = {}) {
  const work = path.join(dir, name);
  mkdirSync(work, { recursive: true });
  const conf = path.join(work, 'prometheus.yml');
  const ext = Object.entries(externalLabels);
  writeFileSync(conf, [
    `global: { scrape_interval: 1s, evaluation_interval: ${evaluationInterval}${ext.length ? `, external_labels: { ${ext.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')} }` : ''} }`,
    ...(ruleFiles.length ? ['rule_files:', ...ruleFiles.map((f) => `  - ${JSON.stringify(f)}`)] : []),
    ...(alertmanagers.length ? [
      'alerting:',
      ...(ext.length ? [`  alert_relabel_configs: [ { action: labeldrop, regex: "${ext.map(([k]) => k).join('|')}" } ]`] : []),
      `  alertmanagers: [ { static_configs: [ { targets: [ ${alertmanagers.map((a) => JSON.stringify(a)).join(', ')} ] } ] } ]`,
    ] : []),
    'scrape_configs:',
    '  - job_name: otelcol-shop',
    '    honor_labels: true   # keep the job (service) and instance labels the collector sets',
    `    static_configs: [ { targets: [ "127.0.0.1:${ports.promExporter}" ] } ]`,
    '  - job_name: otelcol-shop-self',
    `    static_configs: [ { targets: [ "127.0.0.1:${ports.selfMetrics}" ] } ]`,
    '',
  ].join('\n'));
  const url = `http://127.0.0.1:${ports.prometheus}`;
  const child = spawnLogged(name, '/usr/bin/prometheus', [
    `--config.file=${conf}`, `--storage.tsdb.path=${path.join(work, 'data')}`, `--web.listen-address=127.0.0.1:${ports.prometheus}`,
    '--storage.tsdb.retention.time=1d', '--log.level=warn',
    // Alerts to Alertmanager at every evaluation, not once a minute: fast tests, fast resolution.
    ...(alertmanagers.length ? ['--rules.alert.resend-delay=1s'] : []),
  ], {}, path.join(dir, `${name}.out`));
  return {
    child,
    url,
    ready: waitHttp(`${url}/-/ready`, name, child),
    /** An instant query through Prometheus' HTTP API: the result vector. */
    async query(q) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`);
      const json = await res.json();
      if (json.status !== 'success') throw new Error(`prometheus query ${q}: ${JSON.stringify(json)}`);
      return json.data.result;
    },
    /** The alerts its rules hold now (pending and firing). */
    async alerts() {
      const json = await (await fetch(`${url}/api/v1/alerts`)).json();
      return json.data.alerts;
    },
    stop: () => stopChild(child),
  };
}

/**
 * Debian's Alertmanager (0.25) with a rendered config (scripts/alerting/render-alertmanager.mjs).
 * `clusterPort` and `peers` (host:port) make it one node of a gossip cluster on loopback; without
 * them clustering is off.
 */
// peerTimeout: how long the second node waits for the first's notification log entry before it
// sends too. 2 s sent duplicates when the whole suite loaded the two cores (the first node's
// webhook call and its gossip took longer); Alertmanager's default is 15 s.
export function startAlertmanager(dir, { port, configFile, clusterPort, peers = [], name = 'alertmanager', peerTimeout = '6s' }) {
  const work = path.join(dir, name);
  mkdirSync(work, { recursive: true });
  const url = `http://127.0.0.1:${port}`;
  const cluster = clusterPort
    ? [`--cluster.listen-address=127.0.0.1:${clusterPort}`, `--cluster.advertise-address=127.0.0.1:${clusterPort}`, ...peers.map((p) => `--cluster.peer=${p}`), `--cluster.peer-timeout=${peerTimeout}`, '--cluster.gossip-interval=100ms', '--cluster.pushpull-interval=2s']
    : ['--cluster.listen-address='];
  const child = spawnLogged(name, '/usr/bin/prometheus-alertmanager', [
    `--config.file=${configFile}`, `--storage.path=${path.join(work, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
    `--web.external-url=${url}`, '--log.level=info', ...cluster,
  ], {}, path.join(dir, `${name}.out`));
  return {
    child,
    url,
    ready: waitHttp(`${url}/-/ready`, name, child),
    /** The alerts it holds (API v2), with their state (active, suppressed: inhibited or silenced). */
    async alerts() {
      return (await fetch(`${url}/api/v2/alerts`)).json();
    },
    stop: () => stopChild(child),
  };
}

/** One of our Node commands (dist/cli/NAME.js, built by `npm run build`), with its environment. */
export function startCommand(dir, name, env, readyPattern) {
  const child = spawnLogged(name, process.execPath, [path.join(ROOT, 'dist', 'cli', `${name}.js`)], env, path.join(dir, `${name}.out`));
  const ready = (async () => {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${child.lines.join('\n')}`);
      if (child.lines.some((l) => readyPattern.test(l))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${name} did not start within 15 s:\n${child.lines.join('\n')}`);
  })();
  return { child, ready, stop: () => stopChild(child) };
}

/** otelcol-shop with otel-collector.yaml (and overlays), configured through its environment. */
export function startCollector(dir, ports, { binary = collectorBinary(), extraEnv = {}, overlays = [] } = {}) {
  const args = ['--config', path.join(ROOT, 'otel-collector.yaml'), ...overlays.flatMap((o) => ['--config', o])];
  const child = spawnLogged('otelcol-shop', binary, args, collectorEnv(ports, dir, extraEnv), path.join(dir, 'collector.out'));
  return {
    child,
    binary,
    ready: waitHttp(`http://127.0.0.1:${ports.health}/`, 'otelcol-shop', child, 60_000),
    stop: () => stopChild(child),
  };
}

/** The whole pipeline: SIEM input, collector, Prometheus (`prometheus`: its options, e.g. rules and Alertmanagers). */
export async function startStack({ dir, ports = DEFAULT_PORTS, collector = {}, prometheus = {} } = {}) {
  mkdirSync(dir, { recursive: true });
  const siem = startSiem(dir, ports.siem);
  const col = startCollector(dir, ports, collector);
  const prom = startPrometheus(dir, ports, prometheus);
  try {
    await Promise.all([siem.ready, col.ready, prom.ready]);
  } catch (err) {
    // A port in use, a bad config: leave nothing running behind the error.
    await Promise.allSettled([col.stop(), prom.stop(), siem.stop()]);
    throw err;
  }
  const stack = {
    ports,
    /** Replaceable (a test restarts the SIEM input): stop() stops whichever is current. */
    siem,
    collector: col,
    prometheus: prom,
    otlpEndpoint: `http://127.0.0.1:${ports.otlpHttp}`,
    async stop() {
      await stack.collector.stop();
      await Promise.all([stack.prometheus.stop(), stack.siem.stop()]);
    },
  };
  return stack;
}
