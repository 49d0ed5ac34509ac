// CPU per request of the bench app's order mix at a fixed rate, for bare and shop-otel variants,
// alternating rounds, medians: the main bench's CPU figure alone, to decide one change quickly.
// Needs the services; starts its own receiver.
//   node bench/micro/cpu-request.mjs [rounds] [rate] [seconds]
//   CPU_REQUEST_CONFIGS='{"label": {...env}}' replaces the shop-otel rows (bare is always run);
//   BENCH_BEFORE_DIST=<dist> adds an older build.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpuFineMs, rssMb } from '../lib/proc.mjs';
import { fixedRate } from '../lib/load.mjs';
import { alternatingRounds, dropBroker, warmUp, prepareTable, rowsFromEnv, spawnVariantApp, startCountingReceiver } from '../lib/harness.mjs';
import { freePort } from '../../scripts/pipeline/ports.mjs';
import { otlpEnv } from '../variants.mjs';

const [ROUNDS = 3, RATE = 450, SECONDS = 10] = process.argv.slice(2).map(Number);
const receiver = await startCountingReceiver();
const table = `cpureq_${process.pid}`;
const db = await prepareTable(table);
const otel = otlpEnv(receiver.url);
const reg = ['--import', 'shop-otel/register'];
const configs = {
  bare: { args: [], env: {} },
  ...rowsFromEnv('CPU_REQUEST_CONFIGS', '{"shop-otel": {}}', { args: reg, env: otel }),
  ...(process.env.BENCH_BEFORE_DIST ? { 'older build': { args: ['--import', pathToFileURL(path.join(process.env.BENCH_BEFORE_DIST, 'register.mjs')).href], env: otel } } : {}),
};
const res = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
try {
  for (const [round, name] of alternatingRounds(Object.keys(configs), ROUNDS)) {
    const c = configs[name];
    const app = await spawnVariantApp({ name, args: c.args, port: await freePort(), env: { TABLE: table, EXCHANGE: `cpureq.${process.pid}`, QUEUE: `cpureq.${process.pid}`, OTEL_SERVICE_NAME: 'cpu-request', ...c.env } });
    const base = app.base;
    await warmUp(base, RATE, RATE * 3); // warm-up (JIT, pools): as the main bench's (harness.mjs)
    const c0 = cpuFineMs(app.proc.pid);
    const r = await fixedRate(base, RATE, RATE * SECONDS);
    const us = ((cpuFineMs(app.proc.pid) - c0) * 1000) / (RATE * SECONDS);
    res[name].push({ us, p50: r.p50, p99: r.p99, rss: rssMb(app.proc.pid), errors: r.errors });
    await app.stop();
    process.stderr.write(`cpu-request: round ${round + 1} ${name}: ${us.toFixed(0)} µs/request, p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} ms, RSS ${res[name].at(-1).rss.toFixed(0)} MB\n`);
  }
} finally {
  receiver.stop();
  await db.drop().catch(() => undefined);
  await dropBroker(`cpureq.${process.pid}`).catch(() => undefined);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bare = median(res.bare.map((r) => r.us));
console.log(`node ${process.version}, ${ROUNDS} alternating rounds × ${SECONDS} s at ${RATE} req/s; medians`);
for (const [name, rs] of Object.entries(res)) {
  const us = median(rs.map((r) => r.us));
  console.log(`${name.padEnd(40)} ${us.toFixed(0)} µs/request (${(us / bare).toFixed(2)}× bare), p99 ${median(rs.map((r) => r.p99)).toFixed(1)} ms, RSS ${median(rs.map((r) => r.rss)).toFixed(0)} MB, errors ${rs.reduce((n, r) => n + r.errors, 0)}; runs ${rs.map((r) => r.us.toFixed(0)).join(' ')}`);
}
process.exit(0);
