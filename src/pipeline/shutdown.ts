import { shopDiag } from '../diag';
import { beginExit, exitDeadline, timeLeft } from './exit-state';

/**
 * Flush on the way out, within one bound for the whole exit, without changing how the app exits.
 *
 * - SIGTERM/SIGINT: if the app listens for the signal itself, its handler runs as before and we
 *   only flush what is pending now — without holding the process open and without switching
 *   export off if the collector is slow (the app may go on running); the final shutdown happens
 *   when the app then exits. If nobody else listens, we shut down and re-raise the signal, so
 *   the process ends exactly as it would have without us.
 * - The event loop running dry (`beforeExit`): shut down, then let the process end.
 * - `process.exit()` and an uncaught exception: untouched (process.exit never returns, the crash
 *   prints and exits as before); on their synchronous `exit` event, what is still pending is
 *   sent by the exit flusher (exit-flush.ts), which blocks for at most what is left of the bound.
 * Once the exit has begun (exit-state.ts) a collector that refuses connections is given up at
 * once: a collector that is down costs the exit nothing, a slow one at most `timeoutMs`.
 */
export interface Flushable {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  /** Complete every export still in flight as failed (see export-gate.ts); `final` also fails later ones. */
  abortPending(final: boolean): void;
  /** Send, synchronously, what is still unacknowledged; return by `deadline` (epoch ms). */
  flushSync(deadline: number): void;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Run `work`, resolving true when it finished, false when it failed or `timeoutMs` passed.
 * `hold`: the timer is *referenced*, keeping the event loop alive while we flush (export
 * sockets and retry timers are unref'd, see otlp-transport.ts), for no longer than the bound.
 */
function bounded(work: () => Promise<void>, timeoutMs: number, what: string, hold: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      shopDiag.warn(`${what} did not finish within ${timeoutMs} ms; pending telemetry may be lost.`);
      resolve(false);
    }, timeoutMs);
    if (!hold) timer.unref();
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

/** What the hooks give back: their removal, and the bounded flush and shutdown the public API offers (sdk.ts). */
export interface ShutdownHooks {
  remove(): void;
  /**
   * Flush within the bound; what did not finish then is abandoned, export goes on. It holds the
   * process open while it runs (at most the bound), as an app that awaits it expects: an awaited
   * promise alone does not, and the process would reach beforeExit, the final shutdown, mid-flush.
   */
  flush(): Promise<void>;
  /** The final shutdown, the one the exit paths use: within the bound, then whatever is pending is failed. */
  shutdown(): Promise<void>;
}

export function installShutdownHooks(target: Flushable, timeoutMs: number): ShutdownHooks {
  let final: Promise<boolean> | undefined;
  const shutdownOnce = (): Promise<boolean> =>
    (final ??= (() => {
      beginExit(timeoutMs);
      return bounded(() => target.shutdown(), Math.max(1, timeLeft()), 'telemetry shutdown', true).then((ok) => {
        if (!ok) target.abortPending(true);
        return ok;
      });
    })());

  const flush = (hold: boolean): Promise<void> =>
    bounded(() => target.forceFlush(), timeoutMs, 'telemetry flush', hold).then((ok) => {
      if (!ok) target.abortPending(false);
    });

  const handlers = new Map<string, () => void>();
  for (const signal of SIGNALS) {
    const handler = (): void => {
      const appListens = process.listenerCount(signal) > 1;
      if (appListens) {
        // Not final: the app decides whether it exits, and this flush does not hold the process.
        // If the app exits, beforeExit/exit finish the job.
        void flush(false);
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
      if (!ok) process.exit(process.exitCode as number | undefined);
    });
  };
  process.on('beforeExit', onBeforeExit);

  // process.exit(), an uncaught exception, or the end of any of the paths above: whatever is
  // still pending goes out now, synchronously, within what is left of the bound. Kept for the
  // life of the process (it costs nothing when nothing is pending).
  process.on('exit', () => {
    try {
      beginExit(timeoutMs);
      const deadline = exitDeadline();
      if (deadline !== undefined && timeLeft() > 0) target.flushSync(deadline);
    } catch {
      // never into the app's exit
    }
  });

  return {
    remove: () => {
      for (const [signal, handler] of handlers) process.removeListener(signal, handler);
      process.removeListener('beforeExit', onBeforeExit);
    },
    flush: () => flush(true),
    shutdown: () => shutdownOnce().then(() => undefined),
  };
}
