import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { OtlpProtocol } from '../config';
import { withSdkDiagMuted } from '../diag';
import type { ExitFlushJob } from './exit-flush-worker';
import { exporters } from './lazy-exporters';
import { takeLeftOut } from './otlp-protobuf-writer';
import type { OtlpSignal } from './otlp-options';
import type { PendingLedger } from './pending-ledger';

/**
 * The flush for the exits that do not return to the event loop: `process.exit()` and an
 * uncaught exception (both emit `exit` synchronously, then the process ends).
 *
 * What the ledgers (pending-ledger.ts) still hold — queued, in flight or between retries — is
 * collected here on the main thread (the bodies of the batches in flight as they were sent, the
 * queued items redacted and serialised), handed to a worker thread that sends it, and
 * the main thread blocks on `Atomics.wait` until the worker is done or the deadline passes: the
 * way pino's thread-stream flushes at exit. `process.exit()` thus never returns and never runs
 * another line of the app, yet what was logged before it leaves. The worker is started only
 * when there is something to send (measured on the bench machine: ~100 ms from its start to the
 * collector's answer on loopback, under load from other jobs); a refused connection ends it at
 * once. What was in flight may arrive twice (the collector may have read it before the exit):
 * at least once, never lost for a collector that answers within the bound.
 * Not flushed here: metrics (their collection is asynchronous; the last interval of a process
 * that ends by process.exit() or a crash is lost; at SIGTERM and natural end they are flushed).
 */
export interface ExitPart<T extends object> {
  signal: OtlpSignal;
  protocol: OtlpProtocol;
  ledger: PendingLedger<T>;
  /** Redacts in place; returns what may be exported (redacting-exporters.ts). */
  redact(items: T[]): T[];
}

// Beside this module: dist/pipeline/exit-flush-worker.js (tsc) for this file as tsc built it,
// dist/exit-flush-worker.js (the worker's own bundle, scripts/bundle.mjs) for this code inside
// dist/bundle.js, whose __dirname is dist/.
const WORKER = path.join(__dirname, 'exit-flush-worker.js');

export type ExitFlushOutcome = 'nothing' | 'sent' | 'failed' | 'timed-out' | 'unavailable';

export class ExitFlusher {
  constructor(
    private readonly spans: Array<ExitPart<ReadableSpan>>,
    private readonly logs: Array<ExitPart<ReadableLogRecord>>,
  ) {}

  /** Send what is pending; returns no later than `deadline` (epoch ms). Never throws. */
  flushSync(deadline: number): ExitFlushOutcome {
    try {
      const bodies = withSdkDiagMuted(() => this.collect());
      if (bodies.length === 0) return 'nothing';
      if (Date.now() >= deadline || !existsSync(WORKER)) return 'unavailable';
      const flag = new SharedArrayBuffer(4);
      const job: ExitFlushJob = { flag, deadline, bodies };
      // execArgv [] : the worker must not load shop-otel itself (--import/--require are inherited).
      const worker = new Worker(WORKER, { workerData: job, execArgv: [], stdout: true, stderr: true });
      worker.unref();
      const state = new Int32Array(flag);
      Atomics.wait(state, 0, 0, Math.max(0, deadline - Date.now()));
      const code = Atomics.load(state, 0);
      return code === 1 ? 'sent' : code === 0 || code === 3 ? 'timed-out' : 'failed';
    } catch {
      return 'failed';
    }
  }

  /** Take what the ledgers hold: the bodies of the batches in flight as they were sent, then the queued items, redacted and serialised. */
  private collect(): ExitFlushJob['bodies'] {
    const bodies: ExitFlushJob['bodies'] = [];
    const add = <T extends object>(part: ExitPart<T>, serialise: (protocol: OtlpProtocol, items: T[]) => Uint8Array | undefined) => {
      const inFlight = part.ledger.takeSent();
      const items = part.ledger.take();
      if (inFlight.length === 0 && items.length === 0) return;
      const resolved = exporters().resolvedOtlp(part.signal);
      for (const body of inFlight) bodies.push({ signal: part.signal, protocol: part.protocol, body, resolved });
      if (items.length === 0) return;
      const safe = part.redact(items);
      if (safe.length === 0) return;
      const body = serialise(part.protocol, safe);
      // What the encoder left out is counted here, not charged to a later export's batch.
      part.ledger.drops.drop(part.ledger.signal, 'unencodable', takeLeftOut());
      if (body) bodies.push({ signal: part.signal, protocol: part.protocol, body, resolved });
    };
    for (const part of this.spans) add(part, (protocol, items) => exporters().serializeSpans(protocol, items));
    for (const part of this.logs) add(part, (protocol, items) => exporters().serializeLogs(protocol, items));
    return bodies;
  }
}
