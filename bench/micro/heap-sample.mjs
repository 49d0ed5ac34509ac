// Where the bench app's allocation goes, by allocation site: V8's sampling heap profiler
// (bench/lib/heap-sampling-probe.cjs) over 14 s at a fixed rate (after 4 s of start and warm-up),
// the sampled bytes by the top frames of their allocation stacks, and the share allocated inside
// @opentelemetry/core's attribute checks (the figure behind scripts/bundle/otel-patches.mjs).
// Needs the services; exporters point at a closed port (what is exported does not matter here).
//   node bench/micro/heap-sample.mjs [rate] [-- preload args...]    (default preload: --import shop-otel/register)
//   HEAP_SAMPLE_MINOR=1: every allocation (objects collected by minor GCs included); otherwise
//   only what was promoted. HEAP_SAMPLE_DEPTH (2), HEAP_SAMPLE_TOP (30): the table's shape.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixedRate } from '../lib/load.mjs';
import { spawnVariantApp } from '../lib/harness.mjs';
import { freePort } from '../../scripts/pipeline/ports.mjs';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const preload = dash >= 0 ? argv.slice(dash + 1) : ['--import', 'shop-otel/register'];
const RATE = Number((dash >= 0 ? argv.slice(0, dash) : argv)[0] ?? 450);
const dir = mkdtempSync(path.join(os.tmpdir(), 'shop-otel-heap-sample-'));
const out = path.join(dir, 'profile.json');
const env = { HEAP_SAMPLE_OUT: out, HEAP_SAMPLE_MINOR: process.env.HEAP_SAMPLE_MINOR ?? '', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_SERVICE_NAME: 'heap-sample' };
const app = await spawnVariantApp({ name: 'heap-sample', args: ['--require', path.resolve('bench/lib/heap-sampling-probe.cjs'), ...preload], port: await freePort(), env });
await fixedRate(app.base, RATE, RATE * 18);
app.proc.kill('SIGUSR2');
for (let i = 0; i < 100; i++) {
  await sleep(100);
  try {
    readFileSync(out);
    break;
  } catch {
    // not written yet
  }
}
await app.stop();
const profile = JSON.parse(readFileSync(out, 'utf8'));
rmSync(dir, { recursive: true, force: true });

const DEPTH = Number(process.env.HEAP_SAMPLE_DEPTH ?? 2);
const CORE_ATTRIBUTE_CHECKS = new Set(['cleanAttributesInternal', 'maybeAddAttributeInternal', 'isAnyValue', 'isAnyValueInternal', 'isAnyValueObject', 'copyAndTruncAnyValue']);
const by = new Map();
let total = 0;
let core = 0;
const walk = (node, stack) => {
  const cf = node.callFrame;
  const frame = { name: cf.functionName || '(anonymous)', where: `${cf.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|bench)\//, '$1/')}:${cf.lineNumber + 1}` };
  const frames = [frame, ...stack];
  if (node.selfSize > 0) {
    total += node.selfSize;
    // Native allocations (a Map, a WeakSet, an array of entries) name their JS caller second.
    if (frames.slice(0, 2).some((f) => CORE_ATTRIBUTE_CHECKS.has(f.name))) core += node.selfSize;
    const key = frames.slice(0, DEPTH).map((f) => `${f.name} ${f.where}`).join(' < ');
    by.set(key, (by.get(key) ?? 0) + node.selfSize);
  }
  for (const c of node.children) walk(c, frames);
};
walk(profile.head, []);
console.log(`${preload.join(' ') || 'bare'}, ${RATE} req/s, ${process.env.HEAP_SAMPLE_MINOR === '1' ? 'every allocation' : 'promoted only'}: ${(total / 1048576).toFixed(1)} MB sampled; inside core's attribute checks ${((core / total) * 100).toFixed(1)} %`);
for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.HEAP_SAMPLE_TOP ?? 30))) console.log(`${(v / 1024).toFixed(0).padStart(8)} KB  ${k}`);
process.exit(0);
