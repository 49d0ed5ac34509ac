// Load generation: saturation with wrk (C, cheap on a 2-core machine), fixed-rate open loop in
// Node (wrk has no rate mode): request i is due at t0 + i/rate and its latency is measured from
// when it was due, so a slow response delays nothing and hides nothing (no coordinated omission).
import { execFile } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const MIX = fileURLToPath(new URL('../wrk/mix.lua', import.meta.url));
export const ORDER = JSON.stringify({ customerId: 'cust-0042', email: 'jane.doe@example.com', items: [{ sku: 'PLA-RED-1KG', qty: 2, price: 19.9 }, { sku: 'PRINT-SVC', qty: 1, price: 35 }] });

/** wrk -t1 -cN -dS with the POST/GET mix: requests per second and errors. */
export function saturate(base, seconds, connections = 32) {
  return new Promise((resolve, reject) => {
    execFile('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', MIX, base], { timeout: (seconds + 30) * 1000 }, (err, stdout) => {
      // wrk comes from Debian (bench/run.sh installs it; the micro-benchmarks do not).
      if (err?.code === 'ENOENT') return reject(new Error('wrk is not installed: run bench/run.sh once, or apt-get install wrk'));
      if (err) return reject(err);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
      const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
      const sockErr = /Socket errors: (.*)/.exec(stdout)?.[1];
      resolve({ rps, non2xx, sockErr, raw: stdout });
    });
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** `count` requests of the mix at `rate` per second; latencies in ms. */
export function fixedRate(base, rate, count, connections = 64) {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const lat = new Float64Array(count);
  let done = 0;
  let errors = 0;
  let sent = 0;
  const t0 = performance.now() + 20;
  return new Promise((resolve) => {
    const finish = () => {
      agent.destroy();
      const sorted = Array.from(lat).sort((a, b) => a - b);
      resolve({ count, errors, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1], seconds: (performance.now() - t0) / 1000 });
    };
    const send = (i, due) => {
      const post = i % 2 === 0;
      const req = http.request(
        { host: url.hostname, port: url.port, agent, method: post ? 'POST' : 'GET', path: post ? '/orders' : '/orders/ord_seed_0001', headers: post ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ORDER) } : {} },
        (res) => {
          res.resume();
          res.on('end', () => {
            lat[i] = performance.now() - due;
            if (res.statusCode >= 400) errors++;
            if (++done === count) finish();
          });
        },
      );
      req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        lat[i] = performance.now() - due;
        errors++;
        if (++done === count) finish();
      });
      req.end(post ? ORDER : undefined);
    };
    const tick = () => {
      const now = performance.now();
      while (sent < count && t0 + (sent * 1000) / rate <= now) {
        send(sent, t0 + (sent * 1000) / rate);
        sent++;
      }
      if (sent < count) setTimeout(tick, 1);
    };
    setTimeout(tick, 20);
  });
}

/** One request; resolves with the status (or 0 on a connection error). */
export function request(base, method, path, body) {
  const url = new URL(path, base);
  return new Promise((resolve) => {
    const req = http.request(url, { method, headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body);
  });
}

/** Sequential requests on one keep-alive connection, `pauseMs` apart. */
export async function sequential(base, method, path, n, pauseMs = 0) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(path, base);
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const status = await new Promise((resolve) => {
      const req = http.request(url, { method, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(0));
      req.end();
    });
    if (status !== 200) errors++;
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
  agent.destroy();
  return errors;
}

/**
 * Latency with nothing else in flight: one request at a time on a keep-alive connection,
 * `pauseMs` apart, alternating the order mix (POST /orders, GET /orders/:id). On a noisy machine
 * this is the p99 that still says something about the app (no queueing behind other requests).
 */
export async function quietLatency(base, n, pauseMs = 10, getPath = '/orders/ord_seed_0001') {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const lat = [];
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const post = i % 2 === 0;
    const t0 = performance.now();
    const status = await new Promise((resolve) => {
      const req = http.request(new URL(post ? '/orders' : getPath, base), { method: post ? 'POST' : 'GET', agent, headers: post ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ORDER) } : {} }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(0));
      req.end(post ? ORDER : undefined);
    });
    lat.push(performance.now() - t0);
    if (status < 200 || status >= 300) errors++;
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))];
  return { p50: q(50), p99: q(99), errors, count: n };
}
