// What the instrumentations' CommonJS hook (require-in-the-middle, one for all of them, with
// `internals: true`, as @opentelemetry/instrumentation installs it) costs the app's own module
// loading, and what shop-otel's require filter (src/instrumentations/require-filter.ts) gives
// back: time to require express, pg, amqplib and winston, bare / under the hook / under the hook
// with the filter; alternating fresh processes, medians. Needs `npm run build`.
//   node bench/micro/require-hook.cjs [runs]
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const mode = process.env.REQUIRE_HOOK_MODE;
if (mode) {
  const Module = require('node:module');
  const before = Module.prototype.require;
  if (mode !== 'bare') {
    const { Hook } = require('require-in-the-middle');
    new Hook(null, { internals: true }, (exports) => exports);
  }
  if (mode === 'filter') {
    const { installRequireFilter } = require(path.join(__dirname, '../../dist/instrumentations/require-filter.js'));
    installRequireFilter(before, ['http', 'https', 'pg', 'pg-pool', 'amqplib', 'winston']);
  }
  const t0 = process.hrtime.bigint();
  for (const m of ['express', 'pg', 'amqplib', 'winston']) require(m);
  process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));
  process.exit(0);
}

const runs = Number(process.argv[2] ?? 10);
const modes = ['bare', 'hook', 'filter'];
const res = Object.fromEntries(modes.map((m) => [m, []]));
for (let i = 0; i < runs; i++) for (const m of modes) res[m].push(Number(execFileSync(process.execPath, [__filename], { env: { ...process.env, REQUIRE_HOOK_MODE: m } })));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`node ${process.version}, ${runs} alternating runs; ms to require express, pg, amqplib, winston (medians)`);
const labels = { bare: 'bare', hook: 'require-in-the-middle hook', filter: 'hook + shop-otel require filter' };
for (const m of modes) console.log(`${labels[m].padEnd(34)} ${median(res[m]).toFixed(0)} ms${m === 'bare' ? '' : ` (+${(median(res[m]) - median(res.bare)).toFixed(0)})`}; runs ${res[m].map((x) => x.toFixed(0)).join(' ')}`);
