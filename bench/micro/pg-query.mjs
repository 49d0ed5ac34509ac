// CPU per pg query (pool.query with two parameters, sequential, inside a parent span), for bare,
// shop-otel without its pg instrumentation, shop-otel, and an older build: what the pg query
// span costs, alone. Each variant in processes of its own, alternating, medians of the rounds
// after the first two of each process. Needs PostgreSQL (scripts/services.sh); exporters off, so
// the figure is the instrumentation's and the span's, not the export's.
//   node bench/micro/pg-query.mjs [runs]      BENCH_BEFORE_DIST=<dist> adds an older build
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ROOT } from '../variants.mjs';

const RUNS = Number(process.argv[2] ?? 3);
const run = promisify(execFile);
const LOOP = path.join(ROOT, 'bench/lib/pg-query-loop.cjs');
const reg = ['--import', 'shop-otel/register'];
const quiet = { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', PG_LOOP_PARENT: '1' };
const variants = {
  bare: { args: [], env: {} },
  'shop-otel, pg not instrumented': { args: reg, env: { ...quiet, OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg' } },
  'shop-otel': { args: reg, env: quiet },
  ...(process.env.BENCH_BEFORE_DIST ? { 'older build': { args: ['--import', pathToFileURL(path.join(path.resolve(process.env.BENCH_BEFORE_DIST), 'register.mjs')).href], env: quiet } } : {}),
};
const res = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < RUNS; r++) {
  const names = Object.keys(variants);
  for (const name of names.map((_, i) => names[(i + r) % names.length])) {
    const v = variants[name];
    const { stdout } = await run(process.execPath, [...v.args, LOOP], { cwd: ROOT, env: { PATH: process.env.PATH, DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://shop:shop@127.0.0.1:5432/shop', ...v.env }, timeout: 300_000 });
    res[name].push(...JSON.parse(stdout).slice(2));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(res.bare);
const without = median(res['shop-otel, pg not instrumented']);
console.log(`node ${process.version}, ${RUNS} runs per variant, medians of ${res.bare.length} rounds; µs of CPU per query`);
for (const [name, xs] of Object.entries(res)) {
  const m = median(xs);
  console.log(`${name.padEnd(32)} ${m.toFixed(1).padStart(6)} µs (bare ${(m - base >= 0 ? '+' : '')}${(m - base).toFixed(1)}${name === 'bare' || name.startsWith('shop-otel, pg') ? '' : `; the pg span ${(m - without).toFixed(1)}`})`);
}
