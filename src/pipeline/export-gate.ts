import { ExportResultCode, type ExportResult } from '@opentelemetry/core';

/**
 * Every export's completion passes through here, so that shutdown can end the ones a dead or
 * slow collector holds.
 *
 * The SDK is answered at once (redacting-exporters.ts); the real completion — the ledger's
 * settlement and the drop count — is tracked here. When the shutdown bound passes, `abortAll`
 * completes every pending export as failed and releases every flush waiting on them; from then
 * on the gate is closed and new exports fail at once. A flush that is not the final one (SIGTERM
 * with the app's own handler, which may keep the app running) only abandons what is pending
 * (`abortPending`): the gate stays open, and the next batch is exported as usual. The
 * transport's own sockets and retries are unref'd (otlp-transport.ts), so what they still do in
 * the background holds nothing open.
 */
/** The error an export completes with when shutdown abandons it (counted as reason `shutdown`). */
export class ShutdownAbort extends Error {}

export class ExportGate {
  private readonly pending = new Set<(r: ExportResult) => void>();
  private closed = false;
  private release!: () => void;
  /** Resolved at the next abort (final or not); replaced after each. */
  private aborted = this.nextAbort();

  private nextAbort(): Promise<void> {
    return new Promise<void>((resolve) => (this.release = resolve));
  }

  /** Wrap an export callback: it completes once, either normally or by abortAll. */
  track(done: (r: ExportResult) => void): ((r: ExportResult) => void) | undefined {
    if (this.closed) {
      done({ code: ExportResultCode.FAILED, error: new ShutdownAbort('export skipped: shutting down after the collector did not answer') });
      return undefined;
    }
    let called = false;
    const once = (r: ExportResult) => {
      if (called) return;
      called = true;
      this.pending.delete(once);
      done(r);
    };
    this.pending.add(once);
    return once;
  }

  /**
   * An exporter's forceFlush/shutdown waits for every send in flight (retries included, up to
   * the export timeout): once aborted, stop waiting (the batch processor does not export while
   * it waits for its exporter's flush).
   */
  guard(work: Promise<void>): Promise<void> {
    return this.closed ? Promise.resolve() : Promise.race([work, this.aborted]);
  }

  /** Final: complete every pending export as failed, and fail every later one at once. */
  abortAll(): void {
    this.closed = true;
    this.abortPending();
  }

  /** Complete every pending export as failed; later exports go through as usual. */
  abortPending(): void {
    this.release();
    if (!this.closed) this.aborted = this.nextAbort();
    for (const done of [...this.pending]) done({ code: ExportResultCode.FAILED, error: new ShutdownAbort('export abandoned: the collector did not answer within the flush bound') });
  }
}
