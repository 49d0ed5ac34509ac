// Collector faults, as the app's clients see them: p50/p99 of the order mix at a fixed rate while
// the collector is healthy, down, hanging (accepts, never answers), restarted mid-window,
// throttling (429 and 503 with Retry-After) or answering garbage — each as a ratio to the healthy
// collector, measured alternating in one run (each round rotates the order; medians over rounds).
// One app process (bench/app/server.cjs under --require shop-otel/register) for the whole run;
// the collector is an OTLP endpoint of our own in this process, switched between faults, on
// loopback. Between windows it is healthy for a few seconds, so each window starts drained.
// Usage: node bench/faults.mjs [--quick] [--rounds N] [--rate R] [--seconds S]
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixedRate } from './lib/load.mjs';
import { cpuMs, rssMb, machine } from './lib/proc.mjs';
import { prepareTable, startBenchApp } from './lib/harness.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const QUICK = argv.includes('--quick');
const ROUNDS = opt('--rounds', QUICK ? 1 : 3);
const RATE = opt('--rate', 100);
const SECONDS = opt('--seconds', QUICK ? 4 : 8);
const SETTLE_MS = 3000;
const log = (...a) => process.stderr.write(`faults: ${a.join(' ')}\n`);

// ---- the collector, with switchable faults ------------------------------------------------
let fault = 'healthy';
const seen = {};
const sockets = new Set();
const collector = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    seen[fault] = (seen[fault] ?? 0) + 1;
    if (fault === 'hang') return;
    if (fault === 'garbage') return req.socket.end('\x00\x01 not HTTP \xff\r\n\r\n');
    if (fault === '429' || fault === '503') {
      res.statusCode = Number(fault);
      res.setHeader('retry-after', '1');
      return res.end();
    }
    res.setHeader('content-type', 'application/x-protobuf');
    res.end();
  });
});
collector.on('connection', (s) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});
await new Promise((r) => collector.listen(0, '127.0.0.1', r));
const PORT = collector.address().port;
let listening = true;
const down = () =>
  new Promise((resolve) => {
    if (!listening) return resolve();
    listening = false;
    for (const s of sockets) s.destroy();
    collector.close(() => resolve());
  });
const up = () =>
  new Promise((resolve) => {
    if (listening) return resolve();
    collector.listen(PORT, '127.0.0.1', () => {
      listening = true;
      resolve();
    });
  });

const CONDITIONS = ['healthy', 'down', 'hang', 'restart', '429', '503', 'garbage'];
async function enter(c) {
  fault = c === 'down' || c === 'restart' ? 'healthy' : c;
  if (c === 'down' || c === 'restart') await down();
  if (c === 'restart') setTimeout(() => void up(), (SECONDS * 1000) / 3);
}
async function leave() {
  fault = 'healthy';
  await up();
  for (const s of sockets) s.destroy(); // hung requests: as a collector restart would
}

const table = `faults_orders_${process.pid}`;
const db = await prepareTable(table);
const app = await startBenchApp({ endpoint: `http://127.0.0.1:${PORT}`, table, tag: `faults${process.pid}`, env: { OTEL_METRIC_EXPORT_INTERVAL: '5000' } });
const results = Object.fromEntries(CONDITIONS.map((c) => [c, []]));
try {
  log(`${ROUNDS} round(s) × ${CONDITIONS.length} conditions × ${SECONDS} s at ${RATE} req/s`);
  await fixedRate(app.base, RATE, RATE * 3, 32); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    const order = CONDITIONS.map((_, i) => CONDITIONS[(i + round) % CONDITIONS.length]);
    for (const c of order) {
      await enter(c);
      const cpu0 = cpuMs(app.proc.pid);
      const r = await fixedRate(app.base, RATE, RATE * SECONDS, 32);
      // The app's CPU per request over the window (the fault's own cost, less exposed than
      // latency to what else runs on the machine).
      const cpuPerReq = (cpuMs(app.proc.pid) - cpu0) / (RATE * SECONDS);
      const rss = rssMb(app.proc.pid);
      await leave();
      results[c].push({ ...r, rss, cpuPerReq });
      log(`round ${round + 1} ${c.padEnd(8)} p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  CPU ${cpuPerReq.toFixed(3)} ms/req  errors ${r.errors}  RSS ${rss.toFixed(1)} MB`);
      await sleep(SETTLE_MS);
    }
  }
} finally {
  await app.stop();
  await down();
  await db.drop().catch(() => undefined);
}

const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const base = { p50: median(results.healthy.map((r) => r.p50)), p99: median(results.healthy.map((r) => r.p99)), cpu: median(results.healthy.map((r) => r.cpuPerReq)) };
const summary = CONDITIONS.map((c) => {
  const p50 = median(results[c].map((r) => r.p50));
  const p99 = median(results[c].map((r) => r.p99));
  const cpu = median(results[c].map((r) => r.cpuPerReq));
  return { condition: c, p50, p99, cpuPerReq: cpu, cpuRatio: cpu / base.cpu, p50Ratio: p50 / base.p50, p99Ratio: p99 / base.p99, errors: results[c].reduce((n, r) => n + r.errors, 0), rssMaxMb: Math.max(...results[c].map((r) => r.rss)) };
});
console.log(JSON.stringify({ machine: machine(), rounds: ROUNDS, rate: RATE, seconds: SECONDS, collectorRequests: seen, summary, results }));
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.error(`\nload average at the end: ${load}`);
console.error('\n| collector | p50 ms | p99 ms | p99 / healthy | CPU ms/request | CPU / healthy | errors | max RSS MB |\n|---|---|---|---|---|---|---|---|');
for (const s of summary) console.error(`| ${s.condition} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.p99Ratio.toFixed(3)} | ${s.cpuPerReq.toFixed(3)} | ${s.cpuRatio.toFixed(3)} | ${s.errors} | ${s.rssMaxMb.toFixed(1)} |`);
