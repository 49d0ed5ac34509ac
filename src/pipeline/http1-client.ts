import { connect, type Socket } from 'node:net';

/**
 * A minimal HTTP/1.1 client for the OTLP export requests to a plain `http:` collector: keep-alive
 * connections, one request at a time on each, the response read by Content-Length, by chunked
 * encoding or to the connection's close.
 *
 * Why our own and not node:http or undici, measured (bench/micro/export-request.mjs, Node 24, one
 * export at a time to the bench receiver on loopback, the process' CPU per request beyond the
 * pacing timer's): node:http 176 µs, undici's Client 152 µs, a keep-alive socket written by hand
 * 52 µs. The exporters send tens of requests a second under load (~23 at the bench's 800 req/s,
 * each batch of 128 spans or log records its own request), so the client's own cost is paid per
 * ~100 app requests or winston calls, on the app's event loop; node:http's generality (its
 * parser, OutgoingMessage, the agent's socket events and queues) buys nothing an OTLP POST needs.
 *
 * Scope: `http:` only (an `https:` endpoint keeps node:https and the TLS agent the OTLP resolver
 * built from the certificate variables, otlp-transport.ts), no proxy (as node:http with the
 * resolver's agent), no `Expect: 100-continue`, no pipelining.
 *
 * Bounded against a hostile or broken server: a response head is at most 64 KiB, a body at most
 * 4 MiB, a chunk-size or trailer line at most 1 KiB; past any of them the connection is dropped
 * and the request fails. Bytes after a complete response (nothing a server may send unasked) drop
 * the connection instead of being read as the next response. Every socket always has an error
 * listener, and the callback is called exactly once per request: nothing here throws into the app.
 *
 * Keep-alive as undici does it: an idle connection is closed after 4 s, or one second before the
 * server's own `Keep-Alive: timeout=N` hint; a server that closes first (Node's http server does
 * after 5 s, the batch processors' timers fire every 5 s) is seen when the connection is next taken,
 * and a request whose reused connection turns out closed before any byte of the answer is sent
 * once more on a new connection. (The server closed it idle as the request went out; a duplicate
 * could come only from a server that processed a request and then closed without answering it.)
 */

const MAX_HEAD_BYTES = 64 * 1024;
/** The largest answer body read, here and by the transport's node:https path. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_LINE_BYTES = 1024;
const IDLE_TIMEOUT_MS = 4000;
const MAX_IDLE_TIMEOUT_MS = 60_000;
const MAX_IDLE_CONNECTIONS = 16;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
// RFC 9110 token and field-value characters (node:http's own checks, linear).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE_INVALID = /[^\t\x20-\x7e\x80-\xff]/;
// Set by this client from the URL and the body: a caller's value for these is ignored.
const OWN_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'expect']);

export interface Http1Answer {
  status: number;
  /** The Retry-After header, as sent. */
  retryAfter: string | undefined;
  body: Buffer;
}

/** Called once per request: with an error (network, timeout, protocol) or with the answer. */
export type Http1Callback = (error: Error | undefined, answer: Http1Answer | undefined) => void;

function errorWithCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** The codes of errors that sending again cannot cure (the transport does not retry them). */
export const FINAL = new Set(['ERR_INVALID_HTTP_TOKEN', 'ERR_INVALID_CHAR', 'ERR_OTLP_RESPONSE_TOO_LARGE']);
const tooLarge = () => errorWithCode('OTLP export response too large', 'ERR_OTLP_RESPONSE_TOO_LARGE');

/** The request's head up to the blank line, or an Error naming the header that cannot be sent. */
export function requestHead(path: string, host: string, headers: Record<string, string>, bodyLength: number): string | Error {
  let head = `POST ${path} HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const text = String(value);
    if (!TOKEN.test(name)) return errorWithCode(`OTLP export header name ${JSON.stringify(name.slice(0, 64))} is not a valid HTTP token`, 'ERR_INVALID_HTTP_TOKEN');
    if (FIELD_VALUE_INVALID.test(text)) return errorWithCode(`OTLP export header ${name} has characters HTTP does not allow (e.g. a line break)`, 'ERR_INVALID_CHAR');
    if (OWN_HEADERS.has(name.toLowerCase())) continue;
    head += `${name}: ${text}\r\n`;
  }
  return `${head}Content-Length: ${bodyLength}\r\n\r\n`;
}

interface Exchange {
  head: string;
  body: Uint8Array;
  timeoutMillis: number;
  callback: Http1Callback;
  /** Whether it was already sent once on a reused connection that closed unanswered. */
  resent: boolean;
}

const enum Framing {
  Length,
  Chunked,
  Close,
  None,
}

const enum ChunkState {
  Size,
  Data,
  DataEnd,
  Trailer,
}

/** One keep-alive connection and the parse state of the answer it is reading. */
class Connection {
  readonly socket: Socket;
  /** Requests answered on it so far: a connection with any is a reused one. */
  answered = 0;
  idleTimeout = IDLE_TIMEOUT_MS;
  exchange: Exchange | undefined;
  closed = false;
  private error: Error | undefined;
  // The bytes of the answer read so far (grown by doubling: linear in the answer's size). Past
  // `len` the buffer holds stale bytes: every search checks that its match ends within `len`.
  private buf = Buffer.allocUnsafe(0);
  private len = 0;
  private pos = 0;
  private headDone = false;
  private status = 0;
  private retryAfter: string | undefined;
  private framing = Framing.None;
  private remaining = 0;
  private keep = true;
  private chunkState = ChunkState.Size;
  private body: Buffer[] = [];
  private bodySize = 0;
  private trailerBytes = 0;

  constructor(
    private readonly pool: Http1Client,
    host: string,
    port: number,
  ) {
    const socket = connect({ host, port, noDelay: true, keepAlive: true });
    this.socket = socket;
    socket.unref();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e: Error) => (this.error ??= e));
    socket.on('end', () => this.onEnd());
    socket.on('close', () => this.onClose());
    socket.on('timeout', () => this.onTimeout());
  }

  start(exchange: Exchange): void {
    this.exchange = exchange;
    this.reset();
    const socket = this.socket;
    socket.setTimeout(Math.max(1, Math.floor(exchange.timeoutMillis)));
    socket.cork();
    socket.write(exchange.head, 'latin1');
    if (exchange.body.byteLength > 0) socket.write(exchange.body);
    socket.uncork();
  }

  private reset(): void {
    this.len = 0;
    this.pos = 0;
    this.headDone = false;
    this.status = 0;
    this.retryAfter = undefined;
    this.framing = Framing.None;
    this.remaining = 0;
    this.keep = true;
    this.chunkState = ChunkState.Size;
    this.body = [];
    this.bodySize = 0;
    this.trailerBytes = 0;
  }

  private onData(chunk: Buffer): void {
    if (this.exchange === undefined) {
      // Nothing asked: a server speaking out of turn. The connection cannot be trusted.
      this.socket.destroy();
      return;
    }
    this.append(chunk);
    const failure = this.parse();
    if (failure !== undefined) this.fail(failure, true);
  }

  private append(chunk: Buffer): void {
    const need = this.len + chunk.length;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2, 512));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    chunk.copy(this.buf, this.len);
    this.len = need;
  }

  /** Reads what it can; completes the exchange when the answer is whole; an Error if it is malformed. */
  private parse(): Error | undefined {
    for (;;) {
      if (!this.headDone) {
        const end = this.buf.indexOf(HEAD_END, this.pos);
        if (end < 0 || end + 4 > this.len) {
          if (this.len - this.pos > MAX_HEAD_BYTES) return new Error('OTLP export response head too large');
          return undefined;
        }
        if (end - this.pos > MAX_HEAD_BYTES) return new Error('OTLP export response head too large');
        const failure = this.readHead(this.buf.toString('latin1', this.pos, end));
        this.pos = end + 4;
        if (failure !== undefined) return failure;
        if (!this.headDone) continue; // an interim 1xx answer: the real one follows
      }
      switch (this.framing) {
        case Framing.None:
          return this.complete();
        case Framing.Length: {
          const take = Math.min(this.remaining, this.len - this.pos);
          if (take > 0) this.keepBody(this.pos, this.pos + take);
          this.pos += take;
          this.remaining -= take;
          return this.remaining === 0 ? this.complete() : undefined;
        }
        case Framing.Close: {
          if (this.len > this.pos) {
            if (this.bodySize + (this.len - this.pos) > MAX_BODY_BYTES) return tooLarge();
            this.keepBody(this.pos, this.len);
            this.pos = this.len;
          }
          return undefined; // complete at the connection's end
        }
        case Framing.Chunked:
          return this.readChunks();
      }
    }
  }

  private keepBody(from: number, to: number): void {
    this.body.push(Buffer.from(this.buf.subarray(from, to)));
    this.bodySize += to - from;
  }

  private readHead(head: string): Error | undefined {
    const lines = head.split('\r\n');
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
    if (statusLine === null) return new Error('OTLP export response is not HTTP/1.x');
    const status = Number(statusLine[2]);
    if (status >= 100 && status < 200) {
      if (status === 101) return new Error('OTLP export response switched protocols');
      return undefined; // 100 Continue, 103 Early Hints: read the next head
    }
    this.status = status;
    this.keep = statusLine[1] === '1';
    let length: number | undefined;
    let chunked = false;
    let encoded = false;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const colon = line.indexOf(':');
      if (colon <= 0) return new Error('OTLP export response has a malformed header line');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d{1,10}$/.test(value)) return new Error('OTLP export response has an invalid Content-Length');
        const n = Number(value);
        if (length !== undefined && length !== n) return new Error('OTLP export response has conflicting Content-Length headers');
        length = n;
      } else if (name === 'transfer-encoding') {
        encoded = true;
        chunked = value.toLowerCase().endsWith('chunked');
      } else if (name === 'connection') {
        const v = value.toLowerCase();
        if (v.includes('close')) this.keep = false;
        else if (v.includes('keep-alive') && statusLine[1] === '0') this.keep = true;
      } else if (name === 'retry-after') {
        this.retryAfter = value;
      } else if (name === 'keep-alive') {
        const m = /(?:^|[\s,])timeout=(\d{1,6})/i.exec(value);
        if (m !== null) this.idleTimeout = Math.min(MAX_IDLE_TIMEOUT_MS, Math.max(0, Number(m[1]) * 1000 - 1000));
      }
    }
    this.headDone = true;
    if (status === 204 || status === 304) {
      this.framing = Framing.None;
    } else if (encoded) {
      // RFC 9112 6.3: Transfer-Encoding wins over Content-Length; not chunked last means "to the close".
      this.framing = chunked ? Framing.Chunked : Framing.Close;
      if (length !== undefined || !chunked) this.keep = false;
    } else if (length !== undefined) {
      if (length > MAX_BODY_BYTES) return tooLarge();
      this.framing = length === 0 ? Framing.None : Framing.Length;
      this.remaining = length;
    } else {
      this.framing = Framing.Close;
      this.keep = false;
    }
    return undefined;
  }

  private readChunks(): Error | undefined {
    for (;;) {
      switch (this.chunkState) {
        case ChunkState.Size: {
          const eol = this.buf.indexOf(CRLF, this.pos);
          if (eol < 0 || eol + 2 > this.len) return this.len - this.pos > MAX_LINE_BYTES ? new Error('OTLP export response chunk size line too long') : undefined;
          if (eol - this.pos > MAX_LINE_BYTES) return new Error('OTLP export response chunk size line too long');
          const line = this.buf.toString('latin1', this.pos, eol);
          const semi = line.indexOf(';');
          const hex = (semi < 0 ? line : line.slice(0, semi)).trim();
          if (!/^[0-9a-fA-F]{1,7}$/.test(hex)) return new Error('OTLP export response has an invalid chunk size');
          const size = Number.parseInt(hex, 16);
          this.pos = eol + 2;
          if (size === 0) {
            this.chunkState = ChunkState.Trailer;
          } else {
            if (this.bodySize + size > MAX_BODY_BYTES) return tooLarge();
            this.remaining = size;
            this.chunkState = ChunkState.Data;
          }
          break;
        }
        case ChunkState.Data: {
          const take = Math.min(this.remaining, this.len - this.pos);
          if (take > 0) this.keepBody(this.pos, this.pos + take);
          this.pos += take;
          this.remaining -= take;
          if (this.remaining > 0) return undefined;
          this.chunkState = ChunkState.DataEnd;
          break;
        }
        case ChunkState.DataEnd: {
          if (this.len - this.pos < 2) return undefined;
          if (this.buf[this.pos] !== 13 || this.buf[this.pos + 1] !== 10) return new Error('OTLP export response chunk not followed by CRLF');
          this.pos += 2;
          this.chunkState = ChunkState.Size;
          break;
        }
        case ChunkState.Trailer: {
          const eol = this.buf.indexOf(CRLF, this.pos);
          if (eol < 0 || eol + 2 > this.len) return this.len - this.pos > MAX_LINE_BYTES ? new Error('OTLP export response trailer too long') : undefined;
          const empty = eol === this.pos;
          this.trailerBytes += eol - this.pos + 2;
          if (this.trailerBytes > MAX_HEAD_BYTES) return new Error('OTLP export response trailer too long');
          this.pos = eol + 2;
          if (empty) return this.complete();
          break;
        }
      }
    }
  }

  /** The answer is whole: hand the connection back (or drop it) and call back. */
  private complete(): undefined {
    const exchange = this.exchange;
    if (exchange === undefined) return undefined;
    const answer: Http1Answer = { status: this.status, retryAfter: this.retryAfter, body: this.body.length === 1 ? this.body[0] : Buffer.concat(this.body, this.bodySize) };
    const reusable = this.keep && this.pos === this.len && !this.closed;
    this.exchange = undefined;
    this.answered++;
    this.body = [];
    this.len = 0;
    this.pos = 0;
    this.pool.release(this, reusable);
    exchange.callback(undefined, answer);
    return undefined;
  }

  private fail(error: Error, destroy: boolean): void {
    const exchange = this.exchange;
    this.exchange = undefined;
    if (destroy) this.socket.destroy();
    this.pool.forget(this);
    exchange?.callback(error, undefined);
  }

  private onEnd(): void {
    if (this.exchange !== undefined && this.headDone && this.framing === Framing.Close) {
      this.keep = false;
      this.complete();
    }
  }

  private onClose(): void {
    this.closed = true;
    this.pool.forget(this);
    const exchange = this.exchange;
    if (exchange === undefined) return;
    if (this.headDone && this.framing === Framing.Close) {
      this.complete();
      return;
    }
    this.exchange = undefined;
    // A reused connection the server had closed: nothing of the answer came, so nothing was
    // processed. Once more on a new connection.
    if (this.answered > 0 && this.len === 0 && !exchange.resent) {
      exchange.resent = true;
      this.pool.dispatch(exchange);
      return;
    }
    exchange.callback(this.error ?? errorWithCode('OTLP export connection closed before the answer', 'ECONNRESET'), undefined);
  }

  private onTimeout(): void {
    if (this.exchange === undefined) {
      this.socket.destroy(); // idle past its keep-alive
      return;
    }
    this.fail(errorWithCode('OTLP export request timed out', 'ETIMEDOUT'), true);
  }
}

export class Http1Client {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private closed = false;
  private readonly host: string;
  private readonly port: number;
  private readonly hostHeader: string;
  readonly path: string;

  constructor(url: URL) {
    this.host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.port = url.port === '' ? 80 : Number(url.port);
    this.hostHeader = url.host;
    this.path = `${url.pathname || '/'}${url.search}`;
  }

  /** POSTs `body` with `headers`; `callback` gets the answer or the error, once. Never throws. */
  post(headers: Record<string, string>, body: Uint8Array, timeoutMillis: number, callback: Http1Callback): void {
    const head = requestHead(this.path, this.hostHeader, headers, body.byteLength);
    if (typeof head !== 'string') {
      callback(head, undefined);
      return;
    }
    this.dispatch({ head, body, timeoutMillis, callback, resent: false });
  }

  /** Sends an exchange on an idle connection or a new one. */
  dispatch(exchange: Exchange): void {
    if (this.closed) {
      exchange.callback(new Error('OTLP export client closed'), undefined);
      return;
    }
    try {
      let connection: Connection | undefined;
      while ((connection = this.idle.pop()) !== undefined) {
        if (!connection.closed && !connection.socket.destroyed && connection.socket.readyState === 'open') break;
      }
      if (connection === undefined) {
        connection = new Connection(this, this.host, this.port);
        this.all.add(connection);
      }
      connection.start(exchange);
    } catch (e) {
      exchange.callback(e instanceof Error ? e : new Error(String(e)), undefined);
    }
  }

  /** An answered connection: idle for the next request, or closed. */
  release(connection: Connection, reusable: boolean): void {
    if (reusable && connection.idleTimeout > 0 && this.idle.length < MAX_IDLE_CONNECTIONS) {
      connection.socket.setTimeout(connection.idleTimeout);
      this.idle.push(connection);
    } else {
      connection.socket.destroy();
      this.forget(connection);
    }
  }

  forget(connection: Connection): void {
    this.all.delete(connection);
    const i = this.idle.indexOf(connection);
    if (i >= 0) this.idle.splice(i, 1);
  }

  /** Closes every connection; requests still in flight fail, and so does every later one. */
  close(): void {
    this.closed = true;
    for (const c of [...this.all]) c.socket.destroy();
    this.idle.length = 0;
  }
}
