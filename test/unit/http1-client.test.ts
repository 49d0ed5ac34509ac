import { execFileSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Client, requestHead, type Http1Answer } from '../../src/pipeline/http1-client';
import { REPO } from '../support/fixture';

// The export requests' own HTTP/1.1 client (pipeline/http1-client.ts), against real servers on
// loopback: node:http's for the ordinary answers, raw sockets for what a broken or hostile
// server sends.
type Result = { error?: Error & { code?: string }; answer?: Http1Answer };
const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

function post(client: Http1Client, body: Uint8Array | string = 'x', headers: Record<string, string> = { 'Content-Type': 'application/x-protobuf' }, timeout = 5000): Promise<Result> {
  return new Promise((resolve) => {
    let calls = 0;
    client.post(headers, typeof body === 'string' ? Buffer.from(body) : body, timeout, (error, answer) => {
      calls++;
      // Exactly once: a second call would fail the test where it is awaited next.
      if (calls > 1) throw new Error('callback called twice');
      resolve({ error, answer });
    });
  });
}

async function httpServer(handler: http.RequestListener): Promise<{ url: URL; server: http.Server; connections: () => number }> {
  const server = http.createServer(handler);
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  closers.push(() => server.closeAllConnections());
  return { url: new URL(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}/v1/traces`), server, connections: () => connections };
}

/** A TCP server whose `onRequest(socket, n)` answers the n-th request head of each connection by hand. */
async function rawServer(onRequest: (socket: net.Socket, n: number, head: string) => void): Promise<{ url: URL; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    let buf = '';
    let n = 0;
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.slice(0, end);
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        buf = buf.slice(end + 4 + length);
        onRequest(socket, ++n, head);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { url: new URL(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}/v1/logs`), connections: () => connections };
}

describe('Http1Client', () => {
  it('posts the body with the headers, reads the answer, and keeps one connection alive across requests', async () => {
    const seen: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders; body: Buffer }> = [];
    const { url, connections } = await httpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
        res.setHeader('Content-Type', 'application/x-protobuf');
        res.end(Buffer.from([1, 2, 3]));
      });
    });
    const client = new Http1Client(url);
    closers.push(() => client.close());
    const big = Buffer.alloc(1 << 20, 7);
    for (const body of [Buffer.from('first'), big, Buffer.alloc(0), Buffer.from('last')]) {
      const r = await post(client, body, { 'Content-Type': 'application/x-protobuf', 'User-Agent': 'test-agent', Authorization: 'Bearer t' });
      expect(r.error).toBeUndefined();
      expect(r.answer?.status).toBe(200);
      expect([...(r.answer?.body ?? [])]).toEqual([1, 2, 3]);
    }
    expect(seen.map((s) => s.body.length)).toEqual([5, 1 << 20, 0, 4]);
    expect(seen[1].body.equals(big)).toBe(true);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/traces' });
    expect(seen[0].headers).toMatchObject({ host: url.host, 'content-type': 'application/x-protobuf', 'user-agent': 'test-agent', authorization: 'Bearer t', 'content-length': '5' });
    expect(connections()).toBe(1);
  });

  it('reads a chunked answer, a status with Retry-After, and an answer delimited by the close', async () => {
    const { url } = await httpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.headers['x-case'] === 'chunked') {
          res.write('ab');
          setTimeout(() => res.end('cde'), 5);
        } else {
          res.writeHead(503, { 'Retry-After': '7' });
          res.end();
        }
      });
    });
    const client = new Http1Client(url);
    closers.push(() => client.close());
    const chunked = await post(client, 'x', { 'X-Case': 'chunked' });
    expect(chunked.answer?.body.toString()).toBe('abcde');
    const busy = await post(client, 'x', { 'X-Case': 'busy' });
    expect(busy.answer).toMatchObject({ status: 503, retryAfter: '7' });

    const raw = await rawServer((socket) => socket.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end'));
    const closing = new Http1Client(raw.url);
    closers.push(() => closing.close());
    const r = await post(closing);
    expect(r.answer?.body.toString()).toBe('until the end');
    // HTTP/1.0 without keep-alive: the next request needs a new connection, and gets one.
    expect((await post(closing)).answer?.status).toBe(200);
    expect(raw.connections()).toBe(2);
  });

  it('reads past an interim 100 Continue, and takes a new connection after Connection: close or bytes beyond the answer', async () => {
    const cases: Array<[string, string]> = [
      ['100 Continue, then an answer with Connection: close', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'],
      // Nothing a server may send unasked: not read as the next answer.
      ['a second answer nobody asked for', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2'],
    ];
    for (const [label, answer] of cases) {
      const raw = await rawServer((socket) => socket.write(answer));
      const client = new Http1Client(raw.url);
      closers.push(() => client.close());
      expect((await post(client)).answer?.body.toString(), label).toBe('ok');
      expect((await post(client)).answer?.body.toString(), label).toBe('ok');
      expect(raw.connections(), label).toBe(2);
    }
  });

  it('sends once more on a new connection when a reused one closes unanswered, and only once', async () => {
    // Each connection answers its first request and closes on its second: what a server whose
    // keep-alive timeout passed while the connection sat idle does.
    const raw = await rawServer((socket, n) => (n === 1 ? socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1') : socket.destroy()));
    const client = new Http1Client(raw.url);
    closers.push(() => client.close());
    for (let i = 0; i < 3; i++) expect((await post(client)).answer?.status).toBe(200);
    expect(raw.connections()).toBe(3);

    // A new connection that closes unanswered is an error, not a loop.
    const refusing = await rawServer((socket) => socket.destroy());
    const fresh = new Http1Client(refusing.url);
    closers.push(() => fresh.close());
    const r = await post(fresh);
    expect(r.error?.code).toMatch(/ECONNRESET|EPIPE/);
    expect(refusing.connections()).toBe(1);
  });

  it('fails with a clear error, never throws, on malformed or oversized answers', async () => {
    const cases: Array<[string, (s: net.Socket) => void, RegExp]> = [
      ['not HTTP', (s) => s.write('hello there\r\n\r\n'), /not HTTP/],
      ['a head that never ends', (s) => s.write(`HTTP/1.1 200 OK\r\nX-Pad: ${'a'.repeat(100_000)}`), /head too large/],
      ['a body past 4 MiB', (s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n'), /too large/],
      ['a bad Content-Length', (s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n'), /invalid Content-Length/],
      ['a bad chunk size', (s) => s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), /invalid chunk size/],
      ['a chunk size line without end', (s) => s.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'1'.repeat(5000)}`), /chunk size line too long/],
      ['a header line without a colon', (s) => s.write('HTTP/1.1 200 OK\r\nbroken\r\n\r\n'), /malformed header/],
    ];
    for (const [label, answer, message] of cases) {
      const raw = await rawServer((socket) => answer(socket));
      const client = new Http1Client(raw.url);
      closers.push(() => client.close());
      const r = await post(client);
      expect(r.error?.message, label).toMatch(message);
      expect(r.answer, label).toBeUndefined();
    }
    const large = await rawServer((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n'));
    const client = new Http1Client(large.url);
    closers.push(() => client.close());
    expect((await post(client)).error?.code).toBe('ERR_OTLP_RESPONSE_TOO_LARGE');
  });

  it('times out a server that never answers, and reports a refused connection by its code', async () => {
    const raw = await rawServer(() => undefined);
    const client = new Http1Client(raw.url);
    closers.push(() => client.close());
    const t0 = Date.now();
    const r = await post(client, 'x', {}, 300);
    expect(r.error?.code).toBe('ETIMEDOUT');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);

    const probe = net.createServer();
    await new Promise<void>((res) => probe.listen(0, '127.0.0.1', res));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((res) => probe.close(res));
    const refused = new Http1Client(new URL(`http://127.0.0.1:${port}/v1/traces`));
    expect((await post(refused)).error?.code).toBe('ECONNREFUSED');
  });

  it('closes an idle connection a second before the server\'s Keep-Alive timeout, and reuses it before then', async () => {
    const raw = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=2\r\n\r\nok'));
    const client = new Http1Client(raw.url);
    closers.push(() => client.close());
    expect((await post(client)).answer?.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect((await post(client)).answer?.status).toBe(200);
    expect(raw.connections()).toBe(1); // reused within the second
    await new Promise((r) => setTimeout(r, 1300));
    expect((await post(client)).answer?.status).toBe(200);
    expect(raw.connections()).toBe(2); // closed by us after 2 − 1 s idle, a new one taken
  });

  it('once closed, fails a request in flight and every later one, opening no connection', async () => {
    const raw = await rawServer(() => undefined);
    const client = new Http1Client(raw.url);
    const inFlight = post(client);
    await new Promise((r) => setTimeout(r, 50));
    expect(raw.connections()).toBe(1);
    client.close();
    expect((await inFlight).error).toBeDefined();
    const later = await post(client);
    expect(later.error?.message).toMatch(/closed/);
    await new Promise((r) => setTimeout(r, 50));
    expect(raw.connections()).toBe(1);
  });

  it('refuses a header that would split the request, sending nothing', async () => {
    expect(requestHead('/v1/logs', 'h:1', { 'X-Ok': 'a\r\nX-Injected: 1' }, 0)).toMatchObject({ code: 'ERR_INVALID_CHAR' });
    expect(requestHead('/v1/logs', 'h:1', { 'Bad Name': 'v' }, 0)).toMatchObject({ code: 'ERR_INVALID_HTTP_TOKEN' });
    // The framing headers are the client's own: a configured value for them is not sent.
    expect(requestHead('/v1/logs', 'h:1', { 'content-length': '5', Host: 'evil', 'X-A': 'b' }, 3)).toBe('POST /v1/logs HTTP/1.1\r\nHost: h:1\r\nX-A: b\r\nContent-Length: 3\r\n\r\n');
    const raw = await rawServer(() => undefined);
    const client = new Http1Client(raw.url);
    closers.push(() => client.close());
    expect((await post(client, 'x', { 'X-Ok': 'a\nb' })).error?.code).toBe('ERR_INVALID_CHAR');
    expect(raw.connections()).toBe(0);
  });

  it('never holds the process open: a request in flight to a server that never answers does not keep it alive', () => {
    // In a process of its own: the server is in another process, the request hangs, the script ends.
    const server = `const s = require('net').createServer(() => {}).listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port)));`;
    const child = require('node:child_process').spawn(process.execPath, ['-e', server], { stdio: ['ignore', 'pipe', 'inherit'] });
    closers.push(() => child.kill());
    return new Promise<void>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => {
        try {
          const script = `
            const { Http1Client } = require('./dist/pipeline/http1-client.js');
            const c = new Http1Client(new URL('http://127.0.0.1:${Number(d)}/v1/traces'));
            c.post({}, Buffer.from('x'), 60000, () => { console.log('called back'); });
            const t0 = Date.now();
            process.on('exit', () => console.log('exited after ' + (Date.now() - t0) + ' ms'));`;
          const out = execFileSync(process.execPath, ['-e', script], { cwd: REPO, encoding: 'utf8', timeout: 20_000 });
          expect(out).toMatch(/^exited after \d+ ms\n$/);
          expect(Number(/after (\d+)/.exec(out)?.[1])).toBeLessThan(5000);
          resolve();
        } catch (e) {
          reject(e);
        }
      });
    });
  });
});
