import { shopDiag } from '../diag';

/**
 * Flush on the way out, within a bound, without changing how the app exits.
 *
 * - SIGTERM/SIGINT: if the app listens for the signal itself, its handler runs as before and we
 *   only flush what is pending now; the final shutdown happens when the app then exits. If
 *   nobody else listens, we shut down and re-raise the signal, so the process ends exactly as it
 *   would have without us.
 * - process.exit(): deferred until the flush is done or the bound has passed, then carried out
 *   with the same code.
 * - The event loop running dry (`beforeExit`): shut down, then let the process end.
 * A collector that is down or slow costs at most `timeoutMs` at exit, never more.
 */
export interface Flushable {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  /** Complete every export still in flight as failed (see export-gate.ts). */
  abortPending(): void;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Run `work`, resolving true when it finished, false when it failed or `timeoutMs` passed. The
 * timer is deliberately *referenced*: it keeps the event loop alive while we flush (export
 * sockets and retry timers are unref'd, see otlp-transport.ts), and for no longer than the bound.
 */
function bounded(work: () => Promise<void>, timeoutMs: number, what: string): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      shopDiag.warn(`${what} did not finish within ${timeoutMs} ms; pending telemetry may be lost.`);
      resolve(false);
    }, timeoutMs);
    let p: Promise<void>;
    try {
      p = work();
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      (e: unknown) => {
        clearTimeout(timer);
        shopDiag.warn(`${what} failed`, e);
        resolve(false);
      },
    );
  });
}

export function installShutdownHooks(target: Flushable, timeoutMs: number): () => void {
  // Once a flush has timed out the collector is known to be unresponsive: what follows gets a
  // short bound, so the exit as a whole stays close to one `timeoutMs`.
  let timedOut = false;
  const budget = () => (timedOut ? Math.min(timeoutMs, 200) : timeoutMs);
  const run = (work: () => Promise<void>, what: string) =>
    bounded(work, budget(), what).then((ok) => {
      if (!ok) {
        timedOut = true;
        target.abortPending();
      }
      return ok;
    });
  let final: Promise<boolean> | undefined;
  const shutdownOnce = (): Promise<boolean> => (final ??= run(() => target.shutdown(), 'telemetry shutdown'));

  const handlers = new Map<string, () => void>();
  for (const signal of SIGNALS) {
    const handler = (): void => {
      const appListens = process.listenerCount(signal) > 1;
      if (appListens) {
        void run(() => target.forceFlush(), 'telemetry flush');
        return;
      }
      void shutdownOnce().then(() => {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      });
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }

  const onBeforeExit = (): void => {
    if (final) return;
    void shutdownOnce().then((ok) => {
      // A flush that timed out may leave a socket open: end the process as it meant to.
      if (!ok) realExit(process.exitCode as number | undefined);
    });
  };
  process.on('beforeExit', onBeforeExit);

  const realExit = process.exit.bind(process);
  let exiting = false;
  const deferredExit = function exit(code?: number | string | null): never {
    if (exiting) return realExit(code as number | undefined);
    exiting = true;
    if (code !== undefined && code !== null) process.exitCode = code as number;
    void shutdownOnce().then(() => realExit(process.exitCode as number | undefined));
    return undefined as never;
  } as typeof process.exit;
  process.exit = deferredExit;

  return () => {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    process.removeListener('beforeExit', onBeforeExit);
    if (process.exit === deferredExit) process.exit = realExit;
  };
}
