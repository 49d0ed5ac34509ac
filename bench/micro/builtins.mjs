// What loading a Node built-in costs a process at start: wall time of `node -e <requires>` in
// fresh processes, alternating, medians, against node:http alone (every HTTP service loads it).
// The figure behind loading node:https only when the app does (src/instrumentations/http-server.ts).
//   node bench/micro/builtins.mjs [runs]
import { execFileSync } from 'node:child_process';

const RUNS = Number(process.argv[2] ?? 15);
const variants = {
  'node:http': 'require("http")',
  '+ node:https (tls, crypto)': 'require("http");require("https")',
  '+ node:crypto': 'require("http");require("crypto")',
  '+ node:worker_threads': 'require("http");require("worker_threads")',
  '+ node:v8': 'require("http");require("v8")',
  '+ node:vm': 'require("http");require("vm")',
};
const res = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let i = 0; i < RUNS; i++) {
  for (const [name, code] of Object.entries(variants)) {
    const t0 = process.hrtime.bigint();
    execFileSync(process.execPath, ['-e', code]);
    res[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(res['node:http']);
console.log(`node ${process.version}, ${RUNS} alternating runs each; medians of wall time`);
for (const [name, xs] of Object.entries(res)) console.log(`${name.padEnd(28)} ${median(xs).toFixed(1)} ms${name === 'node:http' ? ' (baseline)' : ` (+${(median(xs) - base).toFixed(1)})`}`);
