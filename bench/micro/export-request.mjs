// What one OTLP export request costs the app's process in CPU, by HTTP client: shop-otel's own
// transport (dist/pipeline/otlp-transport.js, over its own HTTP/1.1 client for http: endpoints),
// that client alone (dist/pipeline/http1-client.js), node:http's request alone, a raw
// keep-alive socket writing the request by hand, and undici's Client.dispatch (resolved from
// bench/peers/edot, which ships it; skipped if absent). Each sends an empty /v1/traces body to the
// bench receiver on loopback, one at a time, 2 ms apart; a row "timer only" is the pacing's own
// cost, to subtract. Sized the "cheaper HTTP client" step in bench/RESULTS.md ("Next steps").
//   npm run build && node bench/micro/export-request.mjs [requests]
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from '../variants.mjs';

const require = createRequire(`${ROOT}/package.json`);
const { createUnrefTransport } = require(`${ROOT}/dist/pipeline/otlp-transport.js`);
const { Http1Client } = require(`${ROOT}/dist/pipeline/http1-client.js`);
const N = Number(process.argv[2] ?? 2000);
const recv = spawn(process.execPath, [path.join(ROOT, 'bench/lib/receiver.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((r) => recv.stdout.once('data', (d) => r(Number(/receiver (\d+)/.exec(String(d))[1]))));
const body = new Uint8Array(0);
const pace = () => new Promise((r) => setTimeout(r, 2));

async function run(label, once) {
  for (let i = 0; i < 300; i++) await once(); // warm-up: JIT, sockets
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    await once();
    await pace();
  }
  const c = process.cpuUsage(c0);
  console.log(`${label.padEnd(24)} ${((c.user + c.system) / N).toFixed(0)} µs CPU per request (user ${(c.user / N).toFixed(0)}, system ${(c.system / N).toFixed(0)})`);
}

try {
  const transport = createUnrefTransport({ url: `http://127.0.0.1:${port}/v1/traces`, compression: 'none', headers: async () => ({ 'Content-Type': 'application/x-protobuf' }), agentFactory: () => new http.Agent({ keepAlive: true }), timeoutMillis: 10_000, concurrencyLimit: 30 });
  await run('shop-otel transport', async () => {
    const r = await transport.send(body, 10_000);
    if (r.status !== 'success') throw new Error(`export failed: ${r.status}`);
  });

  const client = new Http1Client(new URL(`http://127.0.0.1:${port}/v1/traces`));
  await run('shop-otel Http1Client', () => new Promise((resolve, reject) => client.post({ 'Content-Type': 'application/x-protobuf' }, body, 10_000, (e, a) => (e ? reject(e) : resolve(a)))));
  client.close();

  const agent = new http.Agent({ keepAlive: true });
  await run('node:http request', () => new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent, headers: { 'Content-Type': 'application/x-protobuf' } }, (res) => res.resume().on('end', resolve));
    req.end(body);
  }));

  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let pending;
  let buf = '';
  sock.on('data', (d) => {
    buf += d.toString('latin1');
    const h = buf.indexOf('\r\n\r\n');
    if (h < 0) return;
    const len = Number(/content-length: *(\d+)/i.exec(buf.slice(0, h))?.[1] ?? 0);
    if (buf.length < h + 4 + len) return;
    buf = buf.slice(h + 4 + len);
    const p = pending;
    pending = undefined;
    p();
  });
  const head = `POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n`;
  await run('raw keep-alive socket', () => new Promise((r) => {
    pending = r;
    sock.write(head);
  }));
  sock.destroy();

  let undici;
  try {
    undici = createRequire(path.join(ROOT, 'bench/peers/edot/package.json'))('undici');
  } catch {
    console.log('undici Client.dispatch    skipped: not installed under bench/peers/edot');
  }
  if (undici) {
    const client = new undici.Client(`http://127.0.0.1:${port}`);
    await run('undici Client.dispatch', () => new Promise((resolve, reject) => client.dispatch({ path: '/v1/traces', method: 'POST', headers: ['content-type', 'application/x-protobuf'], body }, { onConnect() {}, onHeaders: () => true, onData: () => true, onComplete: resolve, onError: reject })));
    await client.close();
  }
  await run('timer only', () => Promise.resolve());
} finally {
  recv.kill();
}
process.exit(0);
