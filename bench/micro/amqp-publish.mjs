// CPU per amqplib publish (channel.publish without options, inside a parent span), for bare,
// shop-otel without its amqplib instrumentation, shop-otel, and an older build: what the publish
// span and its headers cost, alone. Each variant in processes of its own, alternating, medians of
// the rounds after the first two of each process. Needs RabbitMQ (scripts/services.sh); exporters
// off, so the figure is the instrumentation's and the span's, not the export's.
//   node bench/micro/amqp-publish.mjs [runs]      BENCH_BEFORE_DIST=<dist> adds an older build
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ROOT } from '../variants.mjs';

const RUNS = Number(process.argv[2] ?? 3);
const run = promisify(execFile);
const LOOP = path.join(ROOT, 'bench/lib/amqp-publish-loop.cjs');
const reg = ['--import', 'shop-otel/register'];
const quiet = { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', AMQP_LOOP_PARENT: '1' };
const variants = {
  bare: { args: [], env: {} },
  'shop-otel, amqplib not instrumented': { args: reg, env: { ...quiet, OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'amqplib' } },
  'shop-otel': { args: reg, env: quiet },
  ...(process.env.BENCH_BEFORE_DIST ? { 'older build': { args: ['--import', pathToFileURL(path.join(path.resolve(process.env.BENCH_BEFORE_DIST), 'register.mjs')).href], env: quiet } } : {}),
};
const res = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < RUNS; r++) {
  const names = Object.keys(variants);
  for (const name of names.map((_, i) => names[(i + r) % names.length])) {
    const v = variants[name];
    const { stdout } = await run(process.execPath, [...v.args, LOOP], { cwd: ROOT, env: { PATH: process.env.PATH, AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', ...v.env }, timeout: 300_000 });
    res[name].push(...JSON.parse(stdout).slice(2));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(res.bare);
const without = median(res['shop-otel, amqplib not instrumented']);
console.log(`node ${process.version}, ${RUNS} runs per variant, medians of ${res.bare.length} rounds; µs of CPU per publish`);
for (const [name, xs] of Object.entries(res)) {
  const m = median(xs);
  console.log(`${name.padEnd(36)} ${m.toFixed(2).padStart(7)} µs (bare ${(m - base >= 0 ? '+' : '')}${(m - base).toFixed(2)}${name === 'bare' || name.startsWith('shop-otel, amqplib') ? '' : `; the publish span ${(m - without).toFixed(2)}`})`);
}
