// The benchmark: one service (bench/app/server.cjs) under each variant (bench/variants.mjs), in
// one run, round-robin (each round starts one variant later), medians over rounds, ratios to
// the uninstrumented baseline. See bench/README.md. Usage: node bench/run.mjs [--quick]
//   [--rounds N] [--only id,id] [--rate R] [--no-collector] [--no-count] [--out FILE]
//   [--ablation]: bare, shop-otel and shop-otel with one part off (what each part costs)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { cpuFineMs, cpuMs, machine, rssMb } from './lib/proc.mjs';
import { fixedRate, quietLatency, request, saturate, sequential } from './lib/load.mjs';
import { ablations, peerDir, ROOT, variants } from './variants.mjs';
import { runCollectorBench } from './collector.mjs';
import { writeResults } from './report.mjs';
import { dropBroker, startCountingReceiver } from './lib/harness.mjs';
import { freePort } from '../scripts/pipeline/ports.mjs';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const QUICK = flag('--quick');
const P = QUICK
  ? { rounds: 2, warmS: 2, satS: 4, fixedS: 4, delayS: 3, quietN: 100, logReqs: 40, logN: 250, logPauseMs: 15, logWarmReqs: 80 }
  : { rounds: 5, warmS: 3, satS: 8, fixedS: 6, delayS: 4, quietN: 300, logReqs: 60, logN: 250, logPauseMs: 15, logWarmReqs: 120 };
P.rounds = Number(opt('--rounds', P.rounds));
const ONLY = opt('--only', undefined)?.split(',');
const PORT = await freePort(); // below the ephemeral range (scripts/pipeline/ports.mjs)
const BASE = `http://127.0.0.1:${PORT}`;
const DATABASE_URL = process.env.BENCH_PG_URL ?? 'postgres://shop:shop@127.0.0.1:5432/shop';
const AMQP_URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

const log = (...a) => process.stderr.write(`bench: ${a.join(' ')}\n`);
const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

async function prepareDb() {
  const pg = createRequire(path.join(ROOT, 'package.json'))('pg');
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  // UNLOGGED: no WAL fsync per INSERT; this disk's fsync latency (ms, erratic) would otherwise
  // dominate p99 and hide what instrumentation costs.
  await client.query('DROP TABLE IF EXISTS bench_orders');
  await client.query('CREATE UNLOGGED TABLE IF NOT EXISTS bench_orders (id text PRIMARY KEY, customer_id text NOT NULL, status text NOT NULL, email text, items int, total numeric, created_at timestamptz DEFAULT now())');
  await client.query('TRUNCATE bench_orders');
  await client.query("INSERT INTO bench_orders (id, customer_id, status, items, total) VALUES ('ord_seed_0001', 'cust-0042', 'created', 2, 74.8)");
  await client.end();
}


/** Spawn the app under a variant; resolves when it served its first request (start-up time). */
async function startApp(v) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, OTEL_SERVICE_NAME: 'bench-orders', ...v.env, PORT: String(PORT), DATABASE_URL, AMQP_URL };
  if ((await request(BASE, 'GET', '/health')).status !== 0) throw new Error(`port ${PORT} is taken by another process`);
  const t0 = performance.now();
  // The loop-delay probe first (bench/lib/loop-delay-probe.cjs), over an IPC channel.
  const proc = spawn(process.execPath, ['--require', path.join(ROOT, 'bench/lib/loop-delay-probe.cjs'), ...v.args, path.join(ROOT, 'bench/app/server.cjs')], { cwd: v.cwd, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const stderr = [];
  proc.stderr.on('data', (d) => {
    stderr.push(String(d));
    if (stderr.length > 200) stderr.shift();
  });
  let exited = false;
  proc.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`${v.id} exited at start: ${stderr.join('').slice(-2000)}`);
    const r = await request(BASE, 'GET', '/health');
    if (r.status === 200) break;
    if (performance.now() - t0 > 30_000) throw new Error(`${v.id} not serving after 30 s: ${stderr.join('').slice(-2000)}`);
    await sleep(5);
  }
  return { proc, startupMs: performance.now() - t0, stderr };
}

async function stopApp(app) {
  const t0 = performance.now();
  const exited = new Promise((resolve) => (app.proc.exitCode !== null ? resolve() : app.proc.once('exit', resolve)));
  app.proc.kill('SIGTERM');
  const ok = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
  if (!ok) {
    app.proc.kill('SIGKILL');
    await exited;
  }
  return ok ? Math.round(performance.now() - t0) : 'killed after 5 s';
}

/** The app's young generation capacity in MiB (bench/lib/loop-delay-probe.cjs), as `{ youngMb }`, or undefined if it does not answer within 2 s. */
function askHeap(app) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      app.proc.off('message', onMessage);
      resolve(undefined);
    }, 2000);
    timer.unref();
    function onMessage(m) {
      if (!m?.heap) return;
      clearTimeout(timer);
      app.proc.off('message', onMessage);
      resolve(m.heap);
    }
    app.proc.on('message', onMessage);
    app.proc.send('heap');
  });
}

/** One variant, one round: every figure but the collector's. */
async function runOne(v, round, rate, receiver) {
  const r = { round };
  const app = await startApp(v);
  const pid = app.proc.pid;
  r.startupMs = app.startupMs;
  try {
    // Warm-up at saturation, then memory.
    await saturate(BASE, P.warmS);
    await sleep(1000);
    r.rssMb = rssMb(pid);
    r.youngMb = (await askHeap(app))?.youngMb;
    // Throughput at saturation.
    const sat = await saturate(BASE, P.satS);
    r.rps = sat.rps;
    r.satErrors = sat.non2xx + (sat.sockErr ? 1 : 0);
    await sleep(1000);
    // Latency and CPU per request at the fixed rate.
    const c0 = cpuMs(pid);
    const fixed = await fixedRate(BASE, rate, Math.round(rate * P.fixedS));
    await sleep(1000); // let the batches of this phase go out: their export is part of the cost
    r.cpuPerReqUs = ((cpuMs(pid) - c0) * 1000) / fixed.count;
    Object.assign(r, { p50: fixed.p50, p90: fixed.p90, p99: fixed.p99, fixedErrors: fixed.errors, fixedSeconds: fixed.seconds });
    r.rssAfterMb = rssMb(pid);
    r.youngAfterMb = (await askHeap(app))?.youngMb;
    // The app's event-loop delay under the same fixed rate (a phase of its own: the probe's 1 ms
    // timer stays out of the CPU window above), then latency one request at a time.
    const delay = new Promise((resolve) => {
      app.proc.once('message', (m) => resolve(m?.loopDelay));
      setTimeout(() => resolve(undefined), 20_000).unref();
    });
    app.proc.send('loop-delay:start');
    await fixedRate(BASE, rate, Math.round(rate * P.delayS));
    app.proc.send('loop-delay:stop');
    const ld = await delay;
    r.loopDelayP99 = ld?.p99;
    r.loopDelayMax = ld?.max;
    await sleep(500);
    const quiet = await quietLatency(BASE, P.quietN, 10);
    r.quietP50 = quiet.p50;
    r.quietP99 = quiet.p99;
    r.quietErrors = quiet.errors;
    // Cost per winston call inside a request span: (CPU of L requests with N calls - CPU of
    // L requests with none) / (L·N); each block followed by the same settle, so exports count.
    // Requests are paced (logPauseMs) so that the SDKs' default log queues (2048) keep up: a
    // record dropped at the queue would cost less than one exported. The share exported is kept.
    // Twice: first cold (the first L·N calls of the burst, V8 still compiling the log path on its
    // worker threads), then after logWarmReqs more bursts (the steady state a long-running
    // service is in; the table's figure). Measured why: bench/micro/log-burst.mjs splits the figure
    // by thread and bench/micro/jit-trace.mjs counts the compilations (RESULTS.md, "The winston
    // call in steady state").
    const logBlock = async () => {
      await sleep(500);
      const a0 = cpuFineMs(pid);
      await sequential(BASE, 'POST', '/log-burst?n=0', P.logReqs, P.logPauseMs);
      await sleep(1500);
      const a1 = cpuFineMs(pid);
      const logsBefore = (await receiver.counts()).logs;
      const b0 = cpuFineMs(pid);
      await sequential(BASE, 'POST', `/log-burst?n=${P.logN}`, P.logReqs, P.logPauseMs);
      await sleep(1500);
      const b1 = cpuFineMs(pid);
      const calls = P.logReqs * P.logN;
      return { us: (((b1 - b0) - (a1 - a0)) * 1000) / calls, exported: ((await receiver.counts()).logs - logsBefore) / calls };
    };
    const cold = await logBlock();
    r.logCallColdUs = cold.us;
    r.logsExportedColdShare = cold.exported;
    await sequential(BASE, 'POST', `/log-burst?n=${P.logN}`, P.logWarmReqs, P.logPauseMs);
    const warm = await logBlock();
    r.logCallUs = warm.us;
    r.logsExportedShare = warm.exported;
  } finally {
    r.stopMs = await stopApp(app);
  }
  r.stderrTail = app.stderr.join('').split('\n').filter(Boolean).slice(-5);
  return r;
}

/** Round 1 only: what a request exports (spans, records), at a low rate, after every batch timer. */
async function countPerRequest(v, receiver) {
  const app = await startApp(v);
  try {
    await fixedRate(BASE, 100, 50);
    await sleep(6000);
    await receiver.reset();
    const n = 200;
    await fixedRate(BASE, 100, n);
    await sleep(6500); // > the 5 s span batch delay of the SDKs, > dd-trace's 2 s flush
    const c = await receiver.counts();
    const names = Object.entries(c.names).sort((a, b) => b[1] - a[1]).map(([k, x]) => [k, Math.round((x / n) * 100) / 100]);
    return { spansPerReq: c.spans / n, logsPerReq: c.logs / n, correlatedPerReq: c.logsCorrelated / n, names: names.slice(0, 14), exportRequests: c.requests, errors: c.errors };
  } finally {
    await stopApp(app);
  }
}

async function main() {
  const started = new Date();
  const receiver = await startCountingReceiver();
  await prepareDb();
  // The app's queue (bench/app/server.cjs: bench.orders, capped at 10 000 messages, no consumer)
  // starts empty, as the table does and as on a fresh machine, not full from the last run.
  await dropBroker('bench.orders', 'bench.events');
  let list = variants(receiver.url);
  if (flag('--ablation')) list = [...list.filter((v) => v.id === 'bare' || v.id === 'shop-otel'), ...ablations(receiver.url)];
  if (ONLY) list = list.filter((v) => v.id === 'bare' || ONLY.includes(v.id));
  list = list.filter((v) => v.cwd === ROOT || existsSync(path.join(v.cwd, 'node_modules')));

  // The fixed rate: the same for every variant, well under every variant's saturation
  // (the peers keep about half of the bare throughput): 25 % of the bare service's, at most 800/s.
  let rate = Number(opt('--rate', 0));
  if (!rate) {
    const app = await startApp(list[0]);
    await saturate(BASE, 2);
    const { rps } = await saturate(BASE, QUICK ? 3 : 5);
    await stopApp(app);
    rate = Math.max(50, Math.min(800, Math.floor((rps * 0.25) / 50) * 50));
    log(`bare saturation ${rps.toFixed(0)} req/s: fixed rate ${rate} req/s`);
  }

  const perVariant = Object.fromEntries(list.map((v) => [v.id, { variant: v, rounds: [], counts: undefined, failures: [] }]));
  for (const v of flag('--no-count') ? [] : list) {
    try {
      perVariant[v.id].counts = await countPerRequest(v, receiver);
      log(`${v.id}: ${perVariant[v.id].counts.spansPerReq.toFixed(2)} spans/request, ${perVariant[v.id].counts.logsPerReq.toFixed(2)} log records/request`);
    } catch (e) {
      perVariant[v.id].failures.push(String(e.message ?? e));
      log(`${v.id}: count phase failed: ${e.message}`);
    }
  }
  for (let round = 0; round < P.rounds; round++) {
    const order = list.map((_, i) => list[(i + round) % list.length]);
    for (const v of order) {
      try {
        const r = await runOne(v, round + 1, rate, receiver);
        perVariant[v.id].rounds.push(r);
        log(`round ${round + 1} ${v.id}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} ms, ${r.cpuPerReqUs.toFixed(0)} µs CPU/req, RSS ${r.rssMb.toFixed(0)} MB, start ${r.startupMs.toFixed(0)} ms, log call ${r.logCallUs.toFixed(2)} µs (${(r.logsExportedShare * 100).toFixed(0)} % exported; cold ${r.logCallColdUs.toFixed(2)}), stop ${r.stopMs}`);
      } catch (e) {
        perVariant[v.id].failures.push(String(e.message ?? e));
        log(`round ${round + 1} ${v.id} failed: ${e.message}`);
      }
    }
  }
  receiver.proc.kill();

  const summary = {};
  for (const [id, pv] of Object.entries(perVariant)) {
    const m = (k) => median(pv.rounds.map((r) => r[k]));
    summary[id] = {
      label: pv.variant.label,
      command: `node ${pv.variant.args.join(' ')} bench/app/server.cjs`.replace(/\s+/g, ' '),
      cwd: path.relative(ROOT, pv.variant.cwd) || '.',
      env: pv.variant.env,
      rounds: pv.rounds.length,
      rps: m('rps'),
      p50: m('p50'),
      p99: m('p99'),
      cpuPerReqUs: m('cpuPerReqUs'),
      rssMb: m('rssMb'),
      rssAfterMb: m('rssAfterMb'),
      loopDelayP99: m('loopDelayP99'),
      loopDelayMax: m('loopDelayMax'),
      quietP50: m('quietP50'),
      quietP99: m('quietP99'),
      startupMs: m('startupMs'),
      logCallUs: m('logCallUs'),
      logsExportedShare: m('logsExportedShare'),
      logCallColdUs: m('logCallColdUs'),
      logsExportedColdShare: m('logsExportedColdShare'),
      errors: pv.rounds.reduce((s, r) => s + r.satErrors + r.fixedErrors, 0),
      stop: pv.rounds.map((r) => r.stopMs),
      counts: pv.counts,
      failures: pv.failures,
      raw: pv.rounds,
    };
  }

  let collector;
  if (!flag('--no-collector')) {
    try {
      collector = await runCollectorBench({ quick: QUICK, log });
    } catch (e) {
      collector = { error: String(e.message ?? e) };
      log(`collector phase failed: ${e.message}`);
    }
  }

  // Read each package.json from the folder npm installed it in: packages with an `exports` map
  // (sdk-trace 3.x, auto-instrumentations-node 0.82) do not expose `<name>/package.json` to require.
  const installed = (dir, name) => {
    try {
      return JSON.parse(readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      return 'not installed';
    }
  };
  const versions = { node: process.versions.node, 'shop-otel': JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version };
  for (const name of ['@opentelemetry/sdk-trace', 'express', 'pg', 'amqplib', 'winston']) versions[name] = installed(ROOT, name);
  for (const [name, dir] of [['@opentelemetry/auto-instrumentations-node', 'upstream'], ['@elastic/opentelemetry-node', 'edot'], ['@splunk/otel', 'splunk'], ['dd-trace', 'dd-trace']]) versions[name] = installed(peerDir(dir), name);
  const result = {
    started: started.toISOString(),
    finished: new Date().toISOString(),
    quick: QUICK,
    params: { ...P, rate },
    argv,
    machine: { ...machine(), cores: (await import('node:os')).cpus().length, node: process.version },
    versions,
    summary,
    collector,
  };
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const out = opt('--out', path.join(dir, 'latest.json'));
  writeFileSync(out, JSON.stringify(result, null, 2));
  await dropBroker('bench.orders', 'bench.events').catch((e) => log(`the app's queue not deleted: ${e.message}`));
  // A run written elsewhere (--out) leaves RESULTS.md alone: `node bench/report.mjs FILE` writes it.
  const toMd = opt('--out', undefined) === undefined || flag('--ablation');
  if (toMd) writeResults(result);
  log(`done in ${((Date.now() - started.getTime()) / 60000).toFixed(1)} min: ${path.relative(ROOT, out)}${toMd ? ', bench/RESULTS.md' : ''}`);
}

main().catch((e) => {
  log(`failed: ${e.stack}`);
  process.exit(1);
});
