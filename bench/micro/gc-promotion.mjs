// What drives the RSS figure: V8's young generation grows (its semi-spaces doubling up to their
// maximum) when the bytes surviving its scavenges add up past its capacity. This runs the bench app
// under each variant with --trace-gc-nvp for a fixed-rate phase and reports, per request, the
// bytes allocated and the bytes promoted to the old generation, the scavenges, and the young
// generation's capacity at the end; alternating rounds, medians. Needs the services; starts its
// own receiver.
//   node bench/micro/gc-promotion.mjs [rounds] [rate] [seconds] ['{"label": {...env}}']
//   (bare and shop-otel by default; each extra label is shop-otel with that environment)
//   BENCH_BEFORE_DIST=<dist> adds an older build (inside the repository, e.g. node_modules/.dist-before)
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixedRate, request } from '../lib/load.mjs';
import { rssMb } from '../lib/proc.mjs';
import { AMQP_URL, DATABASE_URL, startCountingReceiver } from '../lib/harness.mjs';
import { ROOT } from '../variants.mjs';
import { freePort } from '../../scripts/pipeline/ports.mjs';

const [ROUNDS = 2, RATE = 450, SECONDS = 10] = process.argv.slice(2, 5).map(Number);
const receiver = await startCountingReceiver();
const configs = { bare: null, 'shop-otel': {}, ...JSON.parse(process.argv[5] ?? '{}'), ...(process.env.BENCH_BEFORE_DIST ? { 'older build': { before: true } } : {}) };
const res = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
const field = (line, k) => Number(new RegExp(`\\b${k}=([0-9.]+)`).exec(line)?.[1] ?? NaN);
try {
  for (let round = 0; round < ROUNDS; round++) {
    const names = Object.keys(configs);
    for (const name of names.map((_, i) => names[(i + round) % names.length])) {
      const env = configs[name];
      const port = await freePort();
      const register = env?.before ? pathToFileURL(path.resolve(process.env.BENCH_BEFORE_DIST, 'register.mjs')).href : 'shop-otel/register';
      const args = ['--trace-gc', '--trace-gc-nvp', ...(env === null ? [] : ['--import', register]), path.join(ROOT, 'bench/app/server.cjs')];
      const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_EXPORTER: 'otlp', OTEL_LOGS_EXPORTER: 'otlp', OTEL_METRICS_EXPORTER: 'otlp' };
      const app = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH, PORT: String(port), DATABASE_URL, AMQP_URL, OTEL_SERVICE_NAME: 'gc-promotion', ...otel, ...(env?.before ? {} : env ?? {}) }, stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      app.stdout.on('data', (d) => (out += d));
      const base = `http://127.0.0.1:${port}`;
      const t0 = Date.now();
      while ((await request(base, 'GET', '/health')).status !== 200) {
        if (app.exitCode !== null || Date.now() - t0 > 30_000) throw new Error(`${name}: the bench app did not start`);
        await sleep(20);
      }
      const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64); // the load generator's keep-alive pool (bench/lib/load.mjs)
      await fixedRate(base, RATE, RATE * 2, CONNECTIONS); // warm-up (JIT), not counted
      out = '';
      const run = await fixedRate(base, RATE, RATE * SECONDS, CONNECTIONS);
      await sleep(500);
      // The winston Console transport writes to stdout too: only the GC lines count.
      const scavenges = out.split('\n').filter((l) => l.includes('gc=s '));
      const sum = (k) => scavenges.reduce((a, l) => a + (field(l, k) || 0), 0);
      const r = {
        scavenges: scavenges.length,
        allocatedKb: sum('allocated') / 1024 / run.count,
        promotedKb: sum('promoted') / 1024 / run.count,
        youngMb: field(scavenges.at(-1) ?? '', 'new_space_capacity') / 1048576,
        rss: rssMb(app.pid),
      };
      res[name].push(r);
      process.stderr.write(`gc-promotion: round ${round + 1} ${name}: ${JSON.stringify(r)}\n`);
      app.kill('SIGTERM');
      await new Promise((resolve) => app.once('exit', resolve));
    }
  }
} finally {
  receiver.stop();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`node ${process.version}, ${ROUNDS} alternating rounds × ${SECONDS} s at ${RATE} req/s; medians`);
for (const [name, rs] of Object.entries(res)) {
  const m = (k) => median(rs.map((r) => r[k]));
  console.log(`${name.padEnd(32)} allocated ${m('allocatedKb').toFixed(1)} KB/request, promoted ${m('promotedKb').toFixed(2)} KB/request, ${m('scavenges')} scavenges, young generation ${m('youngMb').toFixed(0)} MB at the end, RSS ${m('rss').toFixed(0)} MB`);
}
process.exit(0);
