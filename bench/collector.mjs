// The collector figure: spans and log records per second per core, and memory, at saturation
// of the collector built by scripts/collector-build.sh. Load: pre-encoded OTLP/protobuf batches
// shaped like the bench service's telemetry (2.5 spans : 1.1 log records per request), sent
// with a few requests in flight over keep-alive; the collector's own CPU (utime+stime) and RSS
// from /proc. Its config: the deployed otel-collector.yaml when it can run here on loopback
// with only an OTLP receiver's port changed, else bench/collector/bench-collector.yaml.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { logsRequest, tracesRequest } from './lib/otlp-encode.mjs';
import { cpuMs, rssMb } from './lib/proc.mjs';
import { ROOT } from './variants.mjs';

const PORT = 38318;

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

export async function runCollectorBench({ quick, log }) {
  const bin = await build();
  const deployed = path.join(ROOT, 'otel-collector.yaml');
  // The deployed config listens on the well-known ports and exports to the shop's backends: on a
  // shared machine it may collide with a running collector, so it is used only when asked for.
  const useDeployed = process.env.BENCH_COLLECTOR_CONFIG === 'deployed' && existsSync(deployed);
  const config = useDeployed ? deployed : path.join(ROOT, 'bench/collector/bench-collector.yaml');
  const proc = spawn(bin, ['--config', config], { env: { ...process.env, BENCH_OTLP_PORT: String(PORT) }, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = [];
  proc.stderr.on('data', (d) => stderr.push(String(d)));
  try {
    for (let i = 0; ; i++) {
      if (proc.exitCode !== null) throw new Error(`collector exited: ${stderr.join('').slice(-1000)}`);
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
      log(`collector round ${r + 1}: ${(got.spans / wall).toFixed(0)} spans/s + ${(got.logs / wall).toFixed(0)} records/s on ${(cpuS / wall).toFixed(2)} cores, RSS ${rssMb(proc.pid).toFixed(0)} MB`);
    }
    return { binary: bin, config: path.relative(ROOT, config), deployedConfigPresent: existsSync(deployed), idleRssMb: idleRss, rounds };
  } finally {
    proc.kill('SIGTERM');
    await Promise.race([new Promise((r) => proc.once('exit', r)), sleep(5000)]);
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
}
