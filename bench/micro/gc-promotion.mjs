// What drives the RSS figure: V8's young generation grows (its semi-spaces doubling up to their
// maximum) when the bytes surviving its scavenges add up past its capacity. This runs the bench app
// under each variant with --trace-gc-nvp for a fixed-rate phase and reports, per request, the
// bytes allocated and the bytes promoted to the old generation, the scavenges, and the young
// generation's capacity at the end; alternating rounds, medians. Needs the services; starts its
// own receiver.
//   node bench/micro/gc-promotion.mjs [rounds] [rate] [seconds] ['{"label": {...env}}']
//   (bare and shop-otel by default; each extra label is shop-otel with that environment, where
//   NODE_FLAGS='--a --b' is not passed on but given to node: V8 flags for that row)
//   BENCH_BEFORE_DIST=<dist> adds an older build (inside the repository, e.g. node_modules/.dist-before)
//   BENCH_CONNECTIONS: the load generator's keep-alive pool (bench/lib/load.mjs; default 64)
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixedRate } from '../lib/load.mjs';
import { rssMb } from '../lib/proc.mjs';
import { alternatingRounds, spawnVariantApp, startCountingReceiver, warmUp } from '../lib/harness.mjs';
import { freePort } from '../../scripts/pipeline/ports.mjs';
import { otlpEnv } from '../variants.mjs';

const [ROUNDS = 2, RATE = 450, SECONDS = 10] = process.argv.slice(2, 5).map(Number);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const receiver = await startCountingReceiver();
const otel = { ...otlpEnv(receiver.url), OTEL_SERVICE_NAME: 'gc-promotion' };
const row = (register, { NODE_FLAGS = '', ...env } = {}) => ({ args: [...NODE_FLAGS.split(' ').filter(Boolean), ...(register ? ['--import', register] : [])], env: { ...otel, ...env } });
const configs = {
  bare: row(undefined),
  'shop-otel': row('shop-otel/register'),
  ...Object.fromEntries(Object.entries(JSON.parse(process.argv[5] ?? '{}')).map(([k, e]) => [k, row('shop-otel/register', e)])),
  ...(process.env.BENCH_BEFORE_DIST ? { 'older build': row(pathToFileURL(path.resolve(process.env.BENCH_BEFORE_DIST, 'register.mjs')).href) } : {}),
};
const res = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
const field = (line, k) => Number(new RegExp(`\\b${k}=([0-9.]+)`).exec(line)?.[1] ?? NaN);
try {
  for (const [round, name] of alternatingRounds(Object.keys(configs), ROUNDS)) {
    const c = configs[name];
    let out = '';
    const app = await spawnVariantApp({ name, args: ['--trace-gc', '--trace-gc-nvp', ...c.args], port: await freePort(), env: c.env, onStdout: (d) => (out += d) });
    await warmUp(app.base, RATE, RATE * 2, CONNECTIONS); // warm-up as the main bench's (harness.mjs: V8 still tiers up after a few thousand requests), not counted
    out = '';
    const run = await fixedRate(app.base, RATE, RATE * SECONDS, CONNECTIONS);
    await sleep(500);
    // The winston Console transport writes to stdout too: only the GC lines count.
    const scavenges = out.split('\n').filter((l) => l.includes('gc=s '));
    const sum = (k) => scavenges.reduce((a, l) => a + (field(l, k) || 0), 0);
    const r = {
      scavenges: scavenges.length,
      allocatedKb: sum('allocated') / 1024 / run.count,
      promotedKb: sum('promoted') / 1024 / run.count,
      // The scavenges' main-thread pauses (their parallel tasks on V8's workers are apart), and the bytes that survived them (copied, or promoted).
      pauseUs: (sum('pause') * 1000) / run.count,
      survivedKb: sum('new_space_survived') / 1024 / run.count,
      majorGcs: out.split('\n').filter((l) => /gc=(mc|ms|mmc) /.test(l)).length,
      youngMb: field(scavenges.at(-1) ?? '', 'new_space_capacity') / 1048576,
      rss: rssMb(app.proc.pid),
    };
    res[name].push(r);
    process.stderr.write(`gc-promotion: round ${round + 1} ${name}: ${JSON.stringify(r)}\n`);
    await app.stop();
  }
} finally {
  receiver.stop();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`node ${process.version}, ${ROUNDS} alternating rounds × ${SECONDS} s at ${RATE} req/s; medians`);
for (const [name, rs] of Object.entries(res)) {
  const m = (k) => median(rs.map((r) => r[k]));
  console.log(`${name.padEnd(32)} allocated ${m('allocatedKb').toFixed(1)} KB/request, promoted ${m('promotedKb').toFixed(2)} KB/request, ${m('scavenges')} scavenges (${m('pauseUs').toFixed(1)} µs of pause and ${m('survivedKb').toFixed(2)} KB surviving per request; ${m('majorGcs')} major GCs), young generation ${m('youngMb').toFixed(0)} MB at the end, RSS ${m('rss').toFixed(0)} MB`);
}
process.exit(0);
