/**
 * The exit flusher's worker thread (see exit-flush.ts): sends the request bodies it is given to
 * the collector while the main thread waits on `Atomics.wait`, then says it is done through the
 * shared flag. One attempt per body; a retryable answer is retried once only if its Retry-After
 * (or 100 ms) still fits before the deadline; a refused connection is final. It loads nothing of
 * the SDK but the OTLP configuration resolver and our transport, and writes nothing anywhere.
 */
import { workerData } from 'node:worker_threads';
import type { OtlpProtocol } from '../config';
import type { OtlpNodeHttpConfiguration } from '../internal-types';
import type { ResolvedOtlp } from './exporters';
import type { OtlpSignal } from './otlp-options';
import { createSingleAttemptTransport, unreachable } from './otlp-transport';

export interface ExitFlushJob {
  flag: SharedArrayBuffer;
  deadline: number;
  bodies: Array<{ signal: OtlpSignal; protocol: OtlpProtocol; body: Uint8Array; resolved?: ResolvedOtlp }>;
}

/**
 * Resolved configurations are plain http (exporters.ts, remember()), sent by our own client
 * (http1-client.ts), which needs no agent: the worker need not load node:http for one.
 */
const noAgent = (): undefined => undefined;

/** The exporter's own configuration when the main thread had it resolved; else resolve it here. */
function options(job: ExitFlushJob['bodies'][number]): OtlpNodeHttpConfiguration {
  const r = job.resolved;
  if (r?.headers) {
    const headers = r.headers;
    return { url: r.url, compression: r.compression, userAgent: r.userAgent, headers: async () => headers, agentFactory: noAgent, timeoutMillis: 10_000, concurrencyLimit: 1 };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { otlpHttpOptions } = require('./otlp-options') as typeof import('./otlp-options');
  return otlpHttpOptions(job.signal, job.protocol);
}

const { flag, deadline, bodies } = workerData as ExitFlushJob;
const state = new Int32Array(flag);

function finish(code: number): void {
  Atomics.store(state, 0, code);
  Atomics.notify(state, 0);
}

async function send(job: ExitFlushJob['bodies'][number]): Promise<boolean> {
  const transport = createSingleAttemptTransport(options(job));
  try {
    let r = await transport.send(job.body, deadline - Date.now());
    if (r.status === 'retryable' && !unreachable(r.error)) {
      const wait = r.retryInMillis ?? 100;
      if (Date.now() + wait < deadline - 50) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        r = await transport.send(job.body, deadline - Date.now());
      }
    }
    return r.status === 'success';
  } finally {
    transport.shutdown();
  }
}

// The transport's sockets are unref'd: this timer keeps the worker alive until the deadline.
const keepAlive = setTimeout(() => finish(3), Math.max(0, deadline - Date.now()));
process.on('uncaughtException', () => finish(2));
Promise.all(bodies.map((b) => send(b).catch(() => false))).then(
  (ok) => {
    clearTimeout(keepAlive);
    finish(ok.every(Boolean) ? 1 : 2);
  },
  () => finish(2),
);
