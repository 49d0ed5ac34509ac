import type { Agent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { Socket } from 'node:net';
import { gzip } from 'node:zlib';
import type { ExportResponse, IExporterTransport } from '@opentelemetry/otlp-exporter-base';
import type { OtlpNodeHttpConfiguration } from '../internal-types';
import { VERSION } from '../version';
import { FINAL, Http1Client, MAX_BODY_BYTES, type Http1Answer } from './http1-client';
import { exiting, sleepUnlessExiting, timeLeft } from './exit-state';

/**
 * The OTLP/HTTP transport, owned so that telemetry can never hold the process open, and as cheap
 * on the app's event loop as the endpoint allows: a plain-`http:` collector is sent to through our
 * own HTTP/1.1 client (http1-client.ts, which says why), an `https:` one through node:https with
 * the TLS agent the OTLP resolver built.
 *
 * Upstream's transport keeps its sockets referenced and waits between retries on referenced
 * timers: with a slow or dead collector, an app that finished its own work stays alive until the
 * export gives up (OTEL_EXPORTER_OTLP_TIMEOUT, 10 s by default). Here sockets and retry timers
 * are unref'd: an export in flight never keeps the event loop alive; the shutdown hooks
 * (pipeline/shutdown.ts) keep it alive deliberately, for at most SHOP_OTEL_SHUTDOWN_TIMEOUT_MS.
 * Retry policy as upstream: 429/502/503/504 and network errors, 5 attempts, backoff ×1.5 from
 * 1 s up to 5 s with ±20 % jitter, Retry-After honoured, never past the export deadline — and,
 * once the process is exiting (exit-state.ts), never past the shutdown bound: a connection
 * refused at exit is final, a retry is made only if it fits in the time left.
 */
const RETRYABLE = new Set([429, 502, 503, 504]);
const USER_AGENT = `shop-otel/${VERSION} OTel-OTLP-Exporter-JavaScript`;

function retryAfterMillis(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const seconds = Number.parseInt(header, 10);
  if (Number.isInteger(seconds)) return seconds > 0 ? seconds * 1000 : 0;
  const at = new Date(header).getTime() - Date.now();
  return Number.isFinite(at) ? Math.max(0, at) : undefined;
}

function compress(data: Uint8Array, algorithm: 'gzip' | 'none'): Promise<Uint8Array> {
  if (algorithm !== 'gzip') return Promise.resolve(data);
  return new Promise((resolve, reject) => gzip(data, (err, out) => (err ? reject(err) : resolve(out))));
}

/**
 * `request` as node:http (or node:https) defines it, not as instrumentation-http wraps it: our
 * own export requests are never traced (the exporter suppresses tracing), yet the wrapper parsed
 * each one's URL and options before it looked (its getRequestInfo and outgoingRequest were 3.2 %
 * of the busy samples of exported winston calls, bench/micro/cpu-profile.mjs BENCH_PROFILE_LOGS=1;
 * bench/RESULTS.md, "amqplib's headers, the export requests and the winston call in steady
 * state"). A wrapper made by shimmer (what every OpenTelemetry instrumentation uses) keeps the
 * function it wraps as `__original`; any other is called as it is.
 */
export function unwrapped<F extends (...args: never[]) => unknown>(fn: F): F {
  let f: F = fn;
  for (let i = 0; i < 8; i++) {
    const original = (f as unknown as { __original?: unknown }).__original;
    if (typeof original !== 'function') break;
    f = original as F;
  }
  return f;
}

/**
 * A plain-http endpoint: our own HTTP/1.1 client (http1-client.ts says why). No proxy is lost by
 * it: the agent the OTLP resolver builds for node:http connects directly too (Node 24's
 * NODE_USE_ENV_PROXY routes only its global agents; test/env-proxy.test.ts pins it, on 24 and 22).
 */
function ownClientFor(url: URL): Http1Client | undefined {
  return url.protocol === 'http:' ? new Http1Client(url) : undefined;
}

function answered(error: Error | undefined, answer: Http1Answer | undefined): ExportResponse {
  if (answer === undefined) {
    const e = error ?? new Error('OTLP export failed');
    // A header that cannot be sent, an answer past the size bound: the same next time.
    return FINAL.has((e as NodeJS.ErrnoException).code ?? '') ? { status: 'failure', error: e } : { status: 'retryable', error: e };
  }
  return byStatus(answer.status, answer.retryAfter, answer.body);
}

/** What an answer's status means for the export, whichever client read it. */
function byStatus(status: number, retryAfter: string | undefined, body: Buffer): ExportResponse {
  if (status >= 200 && status < 300) return { status: 'success', data: body };
  if (RETRYABLE.has(status)) return { status: 'retryable', retryInMillis: retryAfterMillis(retryAfter) };
  return { status: 'failure', error: new Error(`OTLP export failed with HTTP ${status}`) };
}

class UnrefHttpTransport implements IExporterTransport {
  private agent: Promise<Agent> | undefined;
  private url: URL | undefined;
  private request: typeof import('node:http').request | undefined;
  /** Our own client for a plain-http endpoint; null where node:https sends. */
  private client: Http1Client | null | undefined;
  /** The headers every request carries besides the configured ones. */
  private readonly extra: Record<string, string>;

  constructor(private readonly options: OtlpNodeHttpConfiguration) {
    this.extra = { 'User-Agent': options.userAgent ? `${options.userAgent} ${USER_AGENT}` : USER_AGENT };
    if (options.compression === 'gzip') this.extra['Content-Encoding'] = 'gzip';
  }

  async send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    const url = (this.url ??= new URL(this.options.url));
    if (this.client === undefined) this.client = ownClientFor(url) ?? null;
    // No time left (a retry scheduled late): do not start a request that cannot finish.
    // (req.setTimeout() throws on a negative value; before the error listener was attached,
    // that left a request whose next socket error was an uncaught exception in the app.)
    if (!(timeoutMillis >= 1)) return { status: 'failure', error: new Error('OTLP export deadline passed before the request could start') };
    if (this.client !== null) {
      const client = this.client;
      const headers = { ...(await this.options.headers()), ...this.extra };
      const body = this.options.compression === 'gzip' ? await compress(data, 'gzip') : data;
      return new Promise<ExportResponse>((resolve) => client.post(headers, body, timeoutMillis, (error, answer) => resolve(answered(error, answer))));
    }
    return this.sendWithNodeHttp(url, data, timeoutMillis);
  }

  private async sendWithNodeHttp(url: URL, data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    // Resolved once: with require-in-the-middle installed every require() call resolves the
    // name again (seen in the bench's profile of the export path).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const request = (this.request ??= unwrapped(((url.protocol === 'https:' ? require('node:https') : require('node:http')) as typeof import('node:http')).request));
    this.agent ??= Promise.resolve(this.options.agentFactory(url.protocol) as Agent | Promise<Agent>);
    const [agent, headers, body] = await Promise.all([this.agent, this.options.headers(), compress(data, this.options.compression)]);
    const reqOptions: RequestOptions = { method: 'POST', headers: { ...headers, ...this.extra }, agent };

    return new Promise<ExportResponse>((resolve) => {
      let settled = false;
      const done = (r: ExportResponse) => {
        if (!settled) {
          settled = true;
          resolve(r);
        }
      };
      let req: ClientRequest;
      try {
        req = request(url, reqOptions, (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY_BYTES) {
              done({ status: 'failure', error: new Error('OTLP export response too large') });
              res.destroy();
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => done(byStatus(res.statusCode ?? 0, res.headers['retry-after'] as string | undefined, Buffer.concat(chunks))));
          res.on('error', (e) => done({ status: 'retryable', error: e }));
        });
        // The error listener first: nothing below may leave a request without one.
        req.on('error', (e) => done({ status: 'retryable', error: e }));
        req.on('socket', (socket: Socket) => socket.unref());
        req.setTimeout(Math.max(1, Math.floor(timeoutMillis)), () => {
          req.destroy();
          done({ status: 'retryable', error: new Error('OTLP export request timed out') });
        });
        req.end(body);
      } catch (e) {
        done({ status: 'failure', error: e as Error });
      }
    });
  }

  shutdown(): void {
    this.client?.close();
    void this.agent?.then((a) => a.destroy()).catch(() => undefined);
  }
}

const MAX_ATTEMPTS = 5;
/** Connection-level failures: at exit, nothing listening now will not be listening in a second. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export function unreachable(error: unknown): boolean {
  return UNREACHABLE.has((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}

class UnrefRetryingTransport implements IExporterTransport {
  constructor(private readonly inner: IExporterTransport) {}

  async send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    const deadline = Date.now() + timeoutMillis;
    const left = () => Math.min(deadline - Date.now(), timeLeft());
    let backoff = 1000;
    let result = await this.inner.send(data, Math.min(timeoutMillis, timeLeft()));
    for (let attempt = 1; result.status === 'retryable' && attempt < MAX_ATTEMPTS; attempt++) {
      if (exiting() && unreachable(result.error)) return result;
      const jittered = Math.min(backoff * (1 + (Math.random() * 0.4 - 0.2)), 5000);
      backoff *= 1.5;
      const wait = result.retryInMillis ?? jittered;
      if (wait >= left()) return result;
      const start = Date.now();
      if (!(await sleepUnlessExiting(wait))) {
        // The exit began while we slept: a refused connection is final (as above), any other
        // failure is retried only if the rest of the wait and the retry still fit.
        if (unreachable(result.error)) return result;
        const rest = wait - (Date.now() - start);
        if (rest >= left()) return result;
        if (rest > 0) await new Promise<void>((r) => setTimeout(r, rest).unref());
      }
      const remaining = left();
      if (remaining < 1) return result;
      result = await this.inner.send(data, remaining);
    }
    return result;
  }

  shutdown(): void {
    this.inner.shutdown();
  }
}

/** One attempt, no retries (the exit flusher's worker decides itself what it can still retry). */
export function createSingleAttemptTransport(options: OtlpNodeHttpConfiguration): IExporterTransport {
  return new UnrefHttpTransport(options);
}

export function createUnrefTransport(options: OtlpNodeHttpConfiguration): IExporterTransport {
  return new UnrefRetryingTransport(new UnrefHttpTransport(options));
}
