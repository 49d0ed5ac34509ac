// What bench/soak.mjs and bench/faults.mjs share: the bench app (bench/app/server.cjs) under
// shop-otel on an ephemeral port, with a table, exchange and queue of its own (other benchmarks
// and tests use the same PostgreSQL and RabbitMQ), and the counting receiver as a child process.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixedRate, request, saturate } from './load.mjs';
import { ROOT } from '../variants.mjs';

// The children this process started (the apps, the receiver): killed when it exits, a crash
// included, so that a benchmark that dies does not leave them serving (and holding the
// caller's pipe open, which looks like a hang).
const children = new Set();
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export const DATABASE_URL = process.env.BENCH_PG_URL ?? 'postgres://shop:shop@127.0.0.1:5432/shop';
export const AMQP_URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export function slopePerMinute(samples) {
  // least squares of [t (s), v] pairs, per minute
  const n = samples.length;
  if (n < 2) return NaN;
  const mt = samples.reduce((s, [t]) => s + t, 0) / n;
  const mv = samples.reduce((s, [, v]) => s + v, 0) / n;
  let num = 0;
  let den = 0;
  for (const [t, v] of samples) {
    num += (t - mt) * (v - mv);
    den += (t - mt) ** 2;
  }
  return (num / den) * 60;
}

/** A table of the run's own, with the seed row the GET half of the mix reads. */
export async function prepareTable(name) {
  const pg = createRequire(path.join(ROOT, 'package.json'))('pg');
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS ${name}`);
  await client.query(`CREATE UNLOGGED TABLE ${name} (id text PRIMARY KEY, customer_id text NOT NULL, status text NOT NULL, email text, items int, total numeric, created_at timestamptz DEFAULT now())`);
  await client.query(`INSERT INTO ${name} (id, customer_id, status, items, total) VALUES ('ord_seed_0001', 'cust-0042', 'created', 2, 74.8)`);
  await client.end();
  return {
    drop: async () => {
      const c = new pg.Client({ connectionString: DATABASE_URL });
      await c.connect();
      await c.query(`DROP TABLE IF EXISTS ${name}`);
      await c.end();
    },
  };
}

/**
 * [round, name] for `rounds` rounds over `names`, each round starting one further along, so that
 * no variant always runs first (or right after the same one): the order every micro-benchmark
 * here alternates its variants in.
 */
export function* alternatingRounds(names, rounds) {
  for (let round = 0; round < rounds; round++) for (let i = 0; i < names.length; i++) yield [round, names[(i + round) % names.length]];
}

/**
 * The warm-up the main bench gives a variant before its CPU phase (bench/run.mjs: 3 s and then
 * 8 s at saturation, then the fixed rate): wrk at saturation for BENCH_WARM_S seconds (11), then
 * `settle` requests at the fixed `rate` (over `connections`, load.mjs' default if not given).
 * Why the micro-benchmarks share it: V8 tiers a function up by how much of it has run, so a
 * warm-up of a few thousand requests at the fixed rate left it still compiling in the measured
 * phase. `cpu-perf.mjs` (CPU_PERF_WORKERS=1) found V8's worker
 * threads in optimising compilation for 22 µs per request (bare) and 32 (shop-otel) after 8 000
 * requests, 2.4 and 4.6 after 40 000: a cost a service in its steady state does not pay, and more
 * of it for the variant with more code.
 */
export async function warmUp(base, rate, settle = rate, connections = undefined) {
  await saturate(base, Number(process.env.BENCH_WARM_S ?? 11));
  await fixedRate(base, rate, settle, connections);
}

/**
 * The shop-otel rows a micro-benchmark takes from an environment variable holding
 * '{"<label>": {<variables>}, …}' (`fallback` when it is unset): each row started with `args`,
 * its variables over `env`. CPU_REQUEST_CONFIGS, MEMORY_CONFIGS, LOG_BURST_EXTRA.
 */
export function rowsFromEnv(variable, fallback, { args, env }) {
  const rows = JSON.parse(process.env[variable] ?? fallback);
  return Object.fromEntries(Object.entries(rows).map(([label, vars]) => [label, { args, env: { ...env, ...vars } }]));
}

/**
 * Deletes the bench app's queue and exchange (it asserts both, non-durable but not auto-deleted,
 * and nothing consumes: left behind, the queue holds up to 10 000 messages). The micro-benchmarks
 * give both one name; the main bench uses the app's defaults, `bench.orders` and `bench.events`.
 */
export async function dropBroker(queue, exchange = queue) {
  const amqp = createRequire(path.join(ROOT, 'package.json'))('amqplib');
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    await channel.deleteQueue(queue);
    await channel.deleteExchange(exchange);
  } finally {
    await connection.close();
  }
}

/** bench/lib/receiver.mjs as a child process: counts what arrives; GET /counts. */
export async function startCountingReceiver() {
  const proc = track(spawn(process.execPath, [path.join(ROOT, 'bench/lib/receiver.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const port = await new Promise((resolve, reject) => {
    proc.stdout.once('data', (d) => resolve(Number(/receiver (\d+)/.exec(String(d))?.[1])));
    proc.once('exit', () => reject(new Error('receiver exited')));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    proc,
    counts: async () => {
      for (let i = 0; ; i++) {
        const r = await request(url, 'GET', '/counts');
        if (r.status === 200) return JSON.parse(r.body);
        if (i === 5) throw new Error(`receiver: no counts (status ${r.status}, exit code ${proc.exitCode}, signal ${proc.signalCode})`);
        await sleep(1000);
      }
    },
    reset: () => request(url, 'POST', '/reset'),
    stop: () => proc.kill('SIGTERM'),
  };
}

/**
 * The bench app under one variant (`args`: its preload, none for bare) on `port`, for the micro
 * benchmarks that compare variants (bench/micro/cpu-request.mjs, log-burst.mjs): resolves once it
 * answers /health; a variant that exits or does not answer within 30 s is a failed run.
 */
export async function spawnVariantApp({ name, args, env, port, onStdout }) {
  // stdout stays ignored (the app's winston Console output is part of what is measured) unless
  // `onStdout` reads it (V8's --trace-gc lines go there); the last 2 KB of stderr are kept so
  // that a start that fails says why.
  const proc = track(spawn(process.execPath, [...args, path.join(ROOT, 'bench/app/server.cjs')], { cwd: ROOT, env: { PATH: process.env.PATH, PORT: String(port), DATABASE_URL, AMQP_URL, ...env }, stdio: ['ignore', onStdout ? 'pipe' : 'ignore', 'pipe'] }));
  if (onStdout) proc.stdout.on('data', onStdout);
  let stderrTail = '';
  proc.stderr.on('data', (d) => {
    stderrTail = (stderrTail + d).slice(-2048);
  });
  const base = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  while ((await request(base, 'GET', '/health').catch(() => ({ status: 0 }))).status !== 200) {
    if (proc.exitCode !== null || Date.now() - t0 > 30_000) {
      proc.kill('SIGKILL');
      throw new Error(`${name}: the bench app did not start (exit code ${proc.exitCode}); its stderr ended with:\n${stderrTail}`);
    }
    await sleep(20);
  }
  return {
    proc,
    base,
    stop: () => {
      proc.kill('SIGTERM');
      return new Promise((resolve) => (proc.exitCode !== null ? resolve() : proc.once('exit', resolve)));
    },
  };
}

/** The bench app under `node --require shop-otel/register`, listening on an ephemeral port. */
export async function startBenchApp({ endpoint, table, tag, env = {}, preload = [] }) {
  const fullEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    OTEL_SERVICE_NAME: `bench-${tag}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    PORT: '0',
    DATABASE_URL,
    AMQP_URL,
    TABLE: table,
    EXCHANGE: `bench.${tag}.events`,
    QUEUE: `bench.${tag}.orders`,
    ...env,
  };
  const flags = preload.flatMap((p) => ['--require', p]);
  const proc = track(spawn(process.execPath, [...flags, '--require', 'shop-otel/register', path.join(ROOT, 'bench/app/server.cjs')], { cwd: ROOT, env: fullEnv, stdio: ['ignore', 'ignore', 'pipe'] }));
  const stderr = [];
  const heap = [];
  let port;
  proc.stderr.on('data', (d) => {
    for (const line of String(d).split('\n')) {
      if (!line) continue;
      const h = /^heap-probe (\d+)/.exec(line);
      if (h) {
        heap.push([(Date.now() - t0) / 1000, Number(h[1]) / 1024 / 1024]);
        continue;
      }
      stderr.push(line);
      if (stderr.length > 500) stderr.shift();
      const m = /bench-app listening on (\d+)/.exec(line);
      if (m) port = Number(m[1]);
    }
  });
  const t0 = Date.now();
  while (port === undefined) {
    if (proc.exitCode !== null) throw new Error(`bench app exited at start:\n${stderr.join('\n')}`);
    if (Date.now() - t0 > 30_000) throw new Error(`bench app not listening after 30 s:\n${stderr.join('\n')}`);
    await sleep(20);
  }
  const base = `http://127.0.0.1:${port}`;
  return {
    proc,
    base,
    stderr,
    /** [seconds since start, MB] from bench/lib/heap-probe.cjs, when preloaded. */
    heap,
    async stop() {
      const exited = new Promise((resolve) => (proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.once('exit', resolve)));
      proc.kill('SIGTERM');
      const ok = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!ok) {
        proc.kill('SIGKILL');
        await exited;
      }
      return { code: proc.exitCode, signal: proc.signalCode, killed: !ok };
    },
  };
}
