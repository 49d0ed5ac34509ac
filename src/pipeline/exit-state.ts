/**
 * Whether the process is on its way out, and how much of the shutdown bound is left.
 *
 * The transport (otlp-transport.ts) asks this before every retry: while the app runs, a refused
 * connection or a 503 is worth retrying (a collector restarting comes back); once the exit has
 * begun, a refused connection is final and a retry is made only if it can still happen within
 * the time left. Retries already sleeping are woken when the exit begins, so that they give up
 * at once instead of holding the exit for their backoff.
 */
let deadline: number | undefined;
const waiters = new Set<() => void>();

/** Start the exit clock (the first call wins: one bound for the whole exit). */
export function beginExit(boundMs: number): void {
  if (deadline !== undefined) return;
  deadline = Date.now() + boundMs;
  for (const wake of [...waiters]) wake();
  waiters.clear();
}

export function exiting(): boolean {
  return deadline !== undefined;
}

/** Milliseconds left of the exit bound (Infinity while not exiting). */
export function timeLeft(): number {
  return deadline === undefined ? Infinity : Math.max(0, deadline - Date.now());
}

/** The exit deadline as epoch milliseconds, if the exit has begun. */
export function exitDeadline(): number | undefined {
  return deadline;
}

/**
 * Sleep `ms` on an unref'd timer (it never holds the process open), or less: resolves early,
 * with false, as soon as the exit begins.
 */
export function sleepUnlessExiting(ms: number): Promise<boolean> {
  if (deadline !== undefined) return Promise.resolve(false);
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      waiters.delete(wake);
      resolve(true);
    }, ms);
    timer.unref();
    waiters.add(wake);
  });
}
