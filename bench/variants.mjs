// The variants: how each one is started on the same app, with its documented preload and its
// defaults, only pointed at the local receiver (http/protobuf) and with cloud resource detectors
// off (they probe metadata endpoints off this machine).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PEERS = path.join(ROOT, 'bench', 'peers');
/** Each peer in a folder of its own under bench/peers (their OpenTelemetry API lines differ). */
export const peerDir = (name) => path.join(PEERS, name);

const DETECTORS = 'env,host,os,process,serviceinstance';

/**
 * What each part of shop-otel costs (`--ablation`): shop-otel with one part switched off, through
 * its ordinary configuration.
 */
export function ablations(receiver) {
  const base = variants(receiver).find((v) => v.id === 'shop-otel');
  const off = (id, label, env, args = base.args) => ({ ...base, id, label, args, env: { ...base.env, ...env } });
  return [
    off('so:esm-hook', 'shop-otel with the ESM loader hook kept (SHOP_OTEL_ESM_HOOK=on)', { SHOP_OTEL_ESM_HOOK: 'on' }),
    off('so:no-export', 'shop-otel, no exporter for any signal', { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' }),
    off('so:no-log-export', 'shop-otel, winston correlation but no log export', { OTEL_LOGS_EXPORTER: 'none' }),
    off('so:no-redact', 'shop-otel, redaction off', { SHOP_OTEL_REDACT: 'false' }),
    off('so:no-runtime', 'shop-otel without runtime-node metrics', { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'runtime-node' }),
    off('so:http-only', 'shop-otel, http instrumentation only', { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http' }),
    off('so:disabled', 'shop-otel loaded, OTEL_SDK_DISABLED=true', { OTEL_SDK_DISABLED: 'true' }),
    // BENCH_BEFORE_DIST=<dist of an older build>[,<another>…] (inside the repository, e.g.
    // node_modules/.dist-before, so that it resolves the same packages): each build, started the
    // same way, for before/after rows: so:before, so:before2, …
    ...(process.env.BENCH_BEFORE_DIST ?? '')
      .split(',')
      .filter(Boolean)
      .map((dist, i) => off(`so:before${i === 0 ? '' : i + 1}`, `shop-otel as built in ${dist}`, {}, ['--import', pathToFileURL(path.join(dist, 'register.mjs')).href])),
  ];
}

/**
 * Full export of every signal over OTLP/protobuf to `receiver`: what the main bench gives every
 * OpenTelemetry variant, and the micro-benchmarks their shop-otel variant.
 * @param {string} receiver e.g. http://127.0.0.1:4318
 */
export function otlpEnv(receiver) {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_METRICS_EXPORTER: 'otlp',
  };
}

/** @param {string} receiver e.g. http://127.0.0.1:4318 */
export function variants(receiver) {
  const otlp = otlpEnv(receiver);
  return [
    { id: 'bare', label: 'no instrumentation', cwd: ROOT, args: [], env: {}, exportsLogs: false },
    { id: 'shop-otel', label: 'shop-otel/register', cwd: ROOT, args: ['--import', 'shop-otel/register'], env: { ...otlp }, exportsLogs: true },
    {
      id: 'upstream',
      label: 'upstream auto-instrumentations-node/register (defaults)',
      cwd: peerDir('upstream'),
      args: ['--require', '@opentelemetry/auto-instrumentations-node/register'],
      env: { ...otlp, OTEL_NODE_RESOURCE_DETECTORS: DETECTORS },
      exportsLogs: true,
    },
    {
      id: 'upstream-limited',
      label: 'upstream, limited to shop-otel\'s instrumentations',
      cwd: peerDir('upstream'),
      args: ['--require', '@opentelemetry/auto-instrumentations-node/register'],
      env: { ...otlp, OTEL_NODE_RESOURCE_DETECTORS: DETECTORS, OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici,express,pg,amqplib,winston,runtime-node' },
      exportsLogs: true,
    },
    {
      id: 'edot',
      label: 'Elastic @elastic/opentelemetry-node',
      cwd: peerDir('edot'),
      args: ['--require', '@elastic/opentelemetry-node'],
      // Log sending is opt-in in EDOT: on, so that it does the same work as the others.
      env: { ...otlp, OTEL_NODE_RESOURCE_DETECTORS: DETECTORS, ELASTIC_OTEL_NODE_ENABLE_LOG_SENDING: 'true' },
      exportsLogs: true,
    },
    {
      id: 'splunk',
      label: 'Splunk @splunk/otel',
      cwd: peerDir('splunk'),
      args: ['--require', '@splunk/otel/instrument'],
      // 4.7.2 (4.11 does not install here) throws at start with http/json; protobuf (set above) works. Log export is opt-in.
      env: { ...otlp, SPLUNK_AUTOMATIC_LOG_COLLECTION: 'true' },
      exportsLogs: true,
    },
    {
      id: 'dd-trace',
      label: 'Datadog dd-trace',
      cwd: peerDir('dd-trace'),
      args: ['--require', 'dd-trace/init'],
      // Traces to the local "agent" (the receiver). dd-trace does not export log records: it
      // injects trace IDs into them (DD_LOGS_INJECTION) and leaves shipping to the agent.
      env: {
        DD_TRACE_AGENT_URL: receiver,
        DD_LOGS_INJECTION: 'true',
        DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
        DD_REMOTE_CONFIGURATION_ENABLED: 'false',
        DD_TRACE_STARTUP_LOGS: 'false',
        DD_DOGSTATSD_HOSTNAME: '127.0.0.1',
        DD_AGENT_HOST: '127.0.0.1',
      },
      exportsLogs: false,
    },
  ];
}
