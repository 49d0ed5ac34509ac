// Soak: the bench app under shop-otel, a fixed rate of the order mix (POST /orders, GET
// /orders/:id) for ten minutes against a healthy receiver. Reports the RSS slope (least squares
// over the run after a warm-up) and the exact record counts: every request that succeeded logged
// exactly one record ("order created" / "order looked up"), so the app side is known from the
// responses, and the receiver counts what arrived by body. Zero lost means equal counts.
// Usage: node bench/soak.mjs [--quick] [--seconds S] [--rate R]   (--quick: 60 s)
import { setTimeout as sleep } from 'node:timers/promises';
import { fixedRate } from './lib/load.mjs';
import { rssMb, machine } from './lib/proc.mjs';
import path from 'node:path';
import { prepareTable, slopePerMinute, startBenchApp, startCountingReceiver } from './lib/harness.mjs';
import { ROOT } from './variants.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const QUICK = argv.includes('--quick');
const SECONDS = opt('--seconds', QUICK ? 60 : 600);
const RATE = opt('--rate', 100);
const WARM_S = Math.min(60, SECONDS / 6);
const floors = (samples, windowS) => {
  const by = new Map();
  for (const [t, v] of samples) {
    const k = Math.floor(t / windowS);
    if (!by.has(k) || v < by.get(k)[1]) by.set(k, [t, v]);
  }
  return [...by.values()];
};
const log = (...a) => process.stderr.write(`soak: ${a.join(' ')}\n`);

const tag = `soak${process.pid}`;
const table = `soak_orders_${process.pid}`;
const db = await prepareTable(table);
const receiver = await startCountingReceiver();
const app = await startBenchApp({ endpoint: receiver.url, table, tag, env: { OTEL_METRIC_EXPORT_INTERVAL: '10000' }, preload: [path.join(ROOT, 'bench/lib/heap-probe.cjs')] });
try {
  log(`${SECONDS} s at ${RATE} req/s against ${app.base}`);
  const samples = [];
  const t0 = Date.now();
  const sampler = setInterval(() => {
    try {
      samples.push([(Date.now() - t0) / 1000, rssMb(app.proc.pid)]);
    } catch {
      // the app has gone: reported below
    }
  }, 5000);
  const count = Math.round(SECONDS * RATE);
  const load = await fixedRate(app.base, RATE, count, 32);
  clearInterval(sampler);
  const alive = app.proc.exitCode === null && app.proc.signalCode === null;
  // Let the last batch go out on its own (batch delay 1 s), then exit as a deployment does.
  await sleep(2500);
  const exit = await app.stop();
  await sleep(500);
  const counts = await receiver.counts();
  const posts = Math.ceil(count / 2);
  const gets = Math.floor(count / 2);
  const steady = samples.filter(([t]) => t >= WARM_S);
  const result = {
    machine: machine(),
    seconds: SECONDS,
    rate: RATE,
    requests: count,
    errors: load.errors,
    p50: load.p50,
    p99: load.p99,
    alive,
    exit,
    rssStartMb: steady[0]?.[1],
    rssEndMb: steady.at(-1)?.[1],
    rssMaxMb: Math.max(...samples.map(([, v]) => v)),
    rssSlopeMbPerMin: slopePerMinute(steady),
    heapStartMb: app.heap.find(([t]) => t >= WARM_S)?.[1],
    heapEndMb: app.heap.at(-1)?.[1],
    heapSlopeMbPerMin: slopePerMinute(app.heap.filter(([t]) => t >= WARM_S)),
    // The floor of each minute (≈ what survives a GC): the leak signal, without the GC's sawtooth.
    heapFloorSlopeMbPerMin: slopePerMinute(floors(app.heap.filter(([t]) => t >= WARM_S), 60)),
    heap: app.heap,
    appSide: { 'order created': posts, 'order looked up': gets },
    receiverSide: { 'order created': counts.logBodies['order created'] ?? 0, 'order looked up': counts.logBodies['order looked up'] ?? 0 },
    spans: counts.spans,
    logsTotal: counts.logs,
    samples,
  };
  const lost = load.errors === 0 ? posts + gets - result.receiverSide['order created'] - result.receiverSide['order looked up'] : NaN;
  result.recordsLost = lost;
  console.log(JSON.stringify(result));
  log(`errors ${load.errors}; p50 ${load.p50.toFixed(1)} ms, p99 ${load.p99.toFixed(1)} ms; RSS ${result.rssStartMb?.toFixed(1)} → ${result.rssEndMb?.toFixed(1)} MB (max ${result.rssMaxMb.toFixed(1)}), slope ${result.rssSlopeMbPerMin.toFixed(3)} MB/min after ${WARM_S} s warm-up; heap in use ${result.heapStartMb?.toFixed(1)} → ${result.heapEndMb?.toFixed(1)} MB, slope ${result.heapSlopeMbPerMin.toFixed(3)} MB/min (per-minute floor: ${result.heapFloorSlopeMbPerMin.toFixed(3)} MB/min)`);
  log(`records: app ${posts} + ${gets}, receiver ${result.receiverSide['order created']} + ${result.receiverSide['order looked up']}; lost ${lost}; spans ${counts.spans}; exit ${JSON.stringify(exit)}`);
  if (lost !== 0 || !alive) process.exitCode = 1;
} finally {
  if (app.proc.exitCode === null && app.proc.signalCode === null) app.proc.kill('SIGKILL');
  receiver.stop();
  await db.drop().catch(() => undefined);
}
