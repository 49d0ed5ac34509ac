// The runner shared by the in-process loop benchmarks (micro/pg-query.mjs, micro/amqp-publish.mjs):
// bare, shop-otel without one instrumentation, shop-otel, and an older build (BENCH_BEFORE_DIST),
// each running `loop` (a script that prints a JSON array of µs per operation, one per round) in
// processes of its own, alternating; the medians of the rounds after the first two of each
// process, printed with what the instrumented operation costs over the row without it.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ROOT } from '../variants.mjs';

const run = promisify(execFile);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `instrumentation`: the OTEL_NODE_DISABLED_INSTRUMENTATIONS name; `env`: every variant's; `quiet`: the instrumented rows' (exporters off, a parent span); `unit`: what one operation is. */
export async function runLoopVariants({ runs, loop, instrumentation, env, quiet, unit, decimals = 1 }) {
  const reg = ['--import', 'shop-otel/register'];
  const without = `shop-otel, ${instrumentation} not instrumented`;
  const variants = {
    bare: { args: [], env: {} },
    [without]: { args: reg, env: { ...quiet, OTEL_NODE_DISABLED_INSTRUMENTATIONS: instrumentation } },
    'shop-otel': { args: reg, env: quiet },
    ...(process.env.BENCH_BEFORE_DIST ? { 'older build': { args: ['--import', pathToFileURL(path.join(path.resolve(process.env.BENCH_BEFORE_DIST), 'register.mjs')).href], env: quiet } } : {}),
  };
  const res = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < runs; r++) {
    const names = Object.keys(variants);
    for (const name of names.map((_, i) => names[(i + r) % names.length])) {
      const v = variants[name];
      const { stdout } = await run(process.execPath, [...v.args, path.join(ROOT, loop)], { cwd: ROOT, env: { PATH: process.env.PATH, ...env, ...v.env }, timeout: 300_000 });
      res[name].push(...JSON.parse(stdout).slice(2));
    }
  }
  const base = median(res.bare);
  const bare = median(res[without]);
  console.log(`node ${process.version}, ${runs} runs per variant, medians of ${res.bare.length} rounds; µs of CPU per ${unit}`);
  for (const [name, xs] of Object.entries(res)) {
    const m = median(xs);
    const plain = name === 'bare' || name === without;
    console.log(`${name.padEnd(36)} ${m.toFixed(decimals).padStart(7)} µs (bare ${(m - base >= 0 ? '+' : '')}${(m - base).toFixed(decimals)}${plain ? '' : `; the ${unit} span ${(m - bare).toFixed(decimals)}`})`);
  }
}
