// The collector figure: spans and log records per second per core, and memory, at saturation
// of the collector built by scripts/collector-build.sh. Load: pre-encoded OTLP/protobuf batches
// shaped like the bench service's telemetry (2.5 spans : 1.1 log records per request), sent
// with a few requests in flight over keep-alive; the collector's own CPU (utime+stime) and RSS
// from /proc. Its config: the deployed otel-collector.yaml, every address moved to a bench port
// through its own variables (the trace/log store -> the bench's counting receiver, the SIEM ->
// a TCP sink, server-log files -> empty files, storage -> a temp dir); if it cannot start here,
// the minimal bench/collector/bench-collector.yaml (otlp -> batch -> otlp_http to the counting
// receiver), and the table says so.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { logsRequest, tracesRequest } from './lib/otlp-encode.mjs';
import { cpuMs, rssMb } from './lib/proc.mjs';
import { ROOT } from './variants.mjs';
import { freePort } from '../scripts/pipeline/ports.mjs';

const PORT = await freePort(); // these below the ephemeral range (scripts/pipeline/ports.mjs)
const [GRPC_PORT, HEALTH_PORT, PROM_PORT, SELF_PORT] = [await freePort(), await freePort(), await freePort(), await freePort()];

function build() {
  return new Promise((resolve, reject) => {
    execFile('bash', [path.join(ROOT, 'scripts/collector-build.sh')], { cwd: ROOT, timeout: 30 * 60_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`collector build failed: ${stderr.slice(-500)}`));
      resolve(stdout.trim().split('\n').pop());
    });
  });
}

function post(agent, pathname, body) {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: PORT, path: pathname, method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** Drive at full speed for `seconds`: returns items accepted. */
async function drive(seconds, inFlight) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });
  const traces = tracesRequest(250);
  const logsBody = logsRequest(110);
  let spans = 0;
  let logs = 0;
  let refused = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        if ((await post(agent, '/v1/traces', traces)) === 200) spans += 250;
        else refused++;
        if ((await post(agent, '/v1/logs', logsBody)) === 200) logs += 110;
        else refused++;
      }
    }),
  );
  agent.destroy();
  return { spans, logs, refused };
}

function startSink() {
  let bytes = 0;
  const server = net.createServer((sock) => sock.on('data', (d) => (bytes += d.length)).on('error', () => undefined));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, bytes: () => bytes, close: () => server.close() })));
}

async function startStore() {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bench/lib/receiver.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) => proc.stdout.once('data', (d) => resolve(Number(/receiver (\d+)/.exec(String(d))?.[1]))));
  const counts = () =>
    new Promise((resolve) => http.get({ host: '127.0.0.1', port, path: '/counts' }, (res) => {
      const c = [];
      res.on('data', (d) => c.push(d));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(c).toString())));
    }).on('error', () => resolve({})));
  return { port, counts, close: () => proc.kill() };
}

async function runWith(bin, config, env, quick, log) {
  const proc = spawn(bin, ['--config', config], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = [];
  proc.stderr.on('data', (d) => {
    stderr.push(String(d));
    if (stderr.length > 100) stderr.shift();
  });
  try {
    for (let i = 0; ; i++) {
      if (proc.exitCode !== null) {
        const text = stderr.join('');
        throw new Error(`collector exited: ${(/Error: .*(\n.*){0,3}/.exec(text)?.[0] ?? text.slice(-800)).trim()}`);
      }
      if ((await post(undefined, '/v1/traces', tracesRequest(3))) === 200) break;
      if (i > 300) throw new Error('collector not accepting after 30 s');
      await sleep(100);
    }
    const idleRss = rssMb(proc.pid);
    await drive(quick ? 2 : 4, 4); // warm-up
    const rounds = [];
    for (let r = 0; r < (quick ? 2 : 3); r++) {
      const c0 = cpuMs(proc.pid);
      const t0 = performance.now();
      const got = await drive(quick ? 4 : 8, 4);
      const wall = (performance.now() - t0) / 1000;
      const cpuS = (cpuMs(proc.pid) - c0) / 1000;
      rounds.push({ ...got, wall, cpuS, rssMb: rssMb(proc.pid), spansPerCoreS: got.spans / cpuS, logsPerCoreS: got.logs / cpuS, spansPerS: got.spans / wall, logsPerS: got.logs / wall, cores: cpuS / wall });
      log(`collector round ${r + 1}: ${(got.spans / wall).toFixed(0)} spans/s + ${(got.logs / wall).toFixed(0)} records/s on ${(cpuS / wall).toFixed(2)} cores, RSS ${rssMb(proc.pid).toFixed(0)} MB${got.refused ? `, ${got.refused} refused` : ''}`);
    }
    return { idleRssMb: idleRss, rounds };
  } finally {
    proc.kill('SIGTERM');
    await Promise.race([new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r))), sleep(5000)]);
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
}

export async function runCollectorBench({ quick, log }) {
  const bin = await build();
  const deployed = path.join(ROOT, 'otel-collector.yaml');
  const fallback = path.join(ROOT, 'bench/collector/bench-collector.yaml');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'shop-otel-bench-collector-'));
  const sink = await startSink();
  const store = await startStore();
  try {
    if (existsSync(deployed) && process.env.BENCH_COLLECTOR_CONFIG !== 'minimal') {
      for (const f of ['pg.json', 'rabbit.log']) writeFileSync(path.join(tmp, f), '');
      const env = {
        SHOP_OTEL_COLLECTOR_HTTP_ENDPOINT: `127.0.0.1:${PORT}`,
        SHOP_OTEL_COLLECTOR_GRPC_ENDPOINT: `127.0.0.1:${GRPC_PORT}`,
        SHOP_OTEL_COLLECTOR_HEALTH_ENDPOINT: `127.0.0.1:${HEALTH_PORT}`,
        SHOP_OTEL_COLLECTOR_PROMETHEUS_ENDPOINT: `127.0.0.1:${PROM_PORT}`,
        SHOP_OTEL_COLLECTOR_SELF_METRICS_PORT: String(SELF_PORT),
        SHOP_OTEL_COLLECTOR_STORAGE_DIR: tmp,
        SHOP_OTEL_COLLECTOR_LOG_LEVEL: 'warn',
        SHOP_OTEL_POSTGRESQL_LOG: path.join(tmp, 'pg.json'),
        SHOP_OTEL_RABBITMQ_LOG: path.join(tmp, 'rabbit.log'),
        SHOP_OTEL_SIEM_HOST: '127.0.0.1',
        SHOP_OTEL_SIEM_PORT: String(sink.port),
        SHOP_OTEL_TRACE_STORE_ENDPOINT: `http://127.0.0.1:${store.port}/v1/traces`,
        SHOP_OTEL_LOG_STORE_ENDPOINT: `http://127.0.0.1:${store.port}/v1/logs`,
      };
      try {
        const r = await runWith(bin, deployed, env, quick, log);
        const c = await store.counts();
        return { binary: bin, config: 'otel-collector.yaml', deployedConfigPresent: true, ...r, store: { spans: c.spans, logs: c.logs }, siemBytes: sink.bytes() };
      } catch (e) {
        log(`the deployed config did not run here (${String(e.message).slice(0, 300)}); using ${path.relative(ROOT, fallback)}`);
      }
    }
    const r = await runWith(bin, fallback, { BENCH_OTLP_PORT: String(PORT), BENCH_STORE_ENDPOINT: `http://127.0.0.1:${store.port}` }, quick, log);
    return { binary: bin, config: path.relative(ROOT, fallback), deployedConfigPresent: existsSync(deployed), ...r };
  } finally {
    sink.close();
    store.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}
