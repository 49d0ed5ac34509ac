// Start-up to the first served request (on the Node that runs it: `bash scripts/with-node.sh 24 node bench/micro/startup.mjs`), many alternating runs of the bench app per
// configuration (the main bench takes one per round). Needs the services (scripts/services.sh)
// and nothing listening on its port; exporters point at a closed port (nothing is exported before
// the first response anyway). Usage:
//   node bench/micro/startup.mjs [runs]     BENCH_BEFORE_DIST=<dist> adds an older build
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { request } from '../lib/load.mjs';
import { ROOT } from '../variants.mjs';
import { freePort } from '../../scripts/pipeline/ports.mjs';
const APP_PORT = await freePort();

const N = Number(process.argv[2] ?? 10);
const configs = {
  bare: { args: [] },
  'shop-otel': { args: ['--import', 'shop-otel/register'] },
  'shop-otel, no code cache': { args: ['--import', 'shop-otel/register'], env: { SHOP_OTEL_CODE_CACHE: 'off' } },
  'shop-otel, import-in-the-middle': { args: ['--import', 'shop-otel/register'], env: { SHOP_OTEL_ESM_HOOK: 'on' } },
  'shop-otel, OTEL_SDK_DISABLED': { args: ['--import', 'shop-otel/register'], env: { OTEL_SDK_DISABLED: 'true' } },
  // What any module.registerHooks pair costs a CommonJS app (its hooks run for every require()): pass-through hooks, nothing else.
  'bare, pass-through module hooks': { args: ['--import', `data:text/javascript,${encodeURIComponent("import { registerHooks } from 'node:module'; registerHooks({ resolve: (s, c, n) => n(s, c), load: (u, c, n) => n(u, c) });")}`] },
  'bare, ESM app': { args: [], app: 'server-esm.mjs' },
  'shop-otel, ESM app': { args: ['--import', 'shop-otel/register'], app: 'server-esm.mjs' },
  'shop-otel, ESM app, no code cache': { args: ['--import', 'shop-otel/register'], app: 'server-esm.mjs', env: { SHOP_OTEL_CODE_CACHE: 'off' } },
  // The default routes ESM imports of CommonJS packages to the require hook (src/instrumentations/esm-import-route.ts); these are the alternatives.
  'shop-otel, ESM app, import-in-the-middle': { args: ['--import', 'shop-otel/register'], app: 'server-esm.mjs', env: { SHOP_OTEL_ESM_HOOK: 'on' } },
  'shop-otel, ESM app, off-thread loader': { args: ['--import', 'shop-otel/register'], app: 'server-esm.mjs', env: { SHOP_OTEL_ESM_HOOK: 'async' } },
  // Neither (its libraries then go unpatched where only an ESM route would reach them): the floor.
  'shop-otel, ESM app, no ESM route': { args: ['--import', 'shop-otel/register'], app: 'server-esm.mjs', env: { SHOP_OTEL_ESM_HOOK: 'off' } },
  ...(process.env.BENCH_BEFORE_DIST ? {
      'older build': { args: ['--import', pathToFileURL(path.join(process.env.BENCH_BEFORE_DIST, 'register.mjs')).href] },
      'older build, ESM app': { args: ['--import', pathToFileURL(path.join(process.env.BENCH_BEFORE_DIST, 'register.mjs')).href], app: 'server-esm.mjs' },
    } : {}),
};
// BENCH_STARTUP_ONLY=<regex>: only the configurations whose name matches (bare always runs).
if (process.env.BENCH_STARTUP_ONLY) {
  const only = new RegExp(process.env.BENCH_STARTUP_ONLY);
  for (const k of Object.keys(configs)) if (k !== 'bare' && !only.test(k)) delete configs[k];
}
const env = { PATH: process.env.PATH, PORT: String(APP_PORT), DATABASE_URL: 'postgres://shop:shop@127.0.0.1:5432/shop', AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_SERVICE_NAME: 'startup' };
const res = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
// CPU time (user+sys, all threads) the process spent up to its first response: on a busy
// machine, wall time mostly measures the neighbours; CPU time is what the start-up itself costs.
const cpu = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
};
for (let i = 0; i < N; i++) {
  for (const [k, c] of Object.entries(configs)) {
    const t0 = performance.now();
    const p = spawn(process.execPath, [...c.args, path.join(ROOT, 'bench/app', c.app ?? 'server.cjs')], { cwd: ROOT, env: { ...env, ...c.env }, stdio: 'ignore' });
    for (;;) {
      if ((await request(`http://127.0.0.1:${APP_PORT}`, 'GET', '/health')).status === 200) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    res[k].push(performance.now() - t0);
    cpu[k].push(cpuMs(p.pid));
    p.kill('SIGKILL');
    await new Promise((r) => p.once('exit', r));
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bare = med(res.bare);
const bareCpu = med(cpu.bare);
console.log(`node ${process.version}, ${N} alternating runs per configuration; medians`);
for (const [k, xs] of Object.entries(res)) {
  const d = (v, b) => (k === 'bare' ? 'baseline' : `${v - b >= 0 ? '+' : ''}${(v - b).toFixed(0)} ms`);
  console.log(`${k.padEnd(40)} wall ${med(xs).toFixed(0)} ms (${d(med(xs), bare)}), CPU ${med(cpu[k]).toFixed(0)} ms (${d(med(cpu[k]), bareCpu)}); wall runs ${xs.map((x) => x.toFixed(0)).join(' ')}`);
}
