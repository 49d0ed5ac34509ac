import { ExportResultCode, loggingErrorHandler, type ErrorHandler, type ExportResult } from '@opentelemetry/core';
import { shopDiag } from '../diag';
import { ShutdownAbort } from './export-gate';

/**
 * Telemetry that will never reach the collector, counted by signal and reason, and said once.
 *
 * Reasons: `queue_full` (the collector has not taken what is queued and the queue's bound is
 * reached: the newest record is dropped, memory stays bounded), `export_failed` (the collector
 * refused it, answered an error, or did not answer, after the transport's retries),
 * `shutdown` (still pending when the shutdown bound passed) and `unredactable` (a span with a
 * part that could be neither redacted nor replaced: never exported unchecked; see
 * Redactor.redactSpan), `unencodable` (one the protobuf encoder could not write, left out of its
 * request so that the rest of the batch goes: otlp-protobuf-writer.ts). Each loss is added to the counter
 * `shop_otel.export.dropped {signal, reason}` (exported with the other metrics, cumulative, so a
 * collector that comes back receives the count of what it missed); the first loss of the process
 * is also one line on stderr — not one per batch, which a dead collector would turn into noise.
 */
export type SignalName = 'traces' | 'logs' | 'metrics';
export type DropReason = 'queue_full' | 'export_failed' | 'shutdown' | 'unredactable' | 'unencodable';
type Sink = (signal: SignalName, reason: DropReason, count: number) => void;

export class ExportDrops {
  private sink: Sink | undefined;
  private reported = false;
  private readonly totals = new Map<string, number>();

  /** Where counts go once the meter exists (sdk.ts). */
  setSink(sink: Sink): void {
    this.sink = sink;
  }

  drop(signal: SignalName, reason: DropReason, count: number, error?: unknown): void {
    if (count <= 0) return;
    const key = `${signal}/${reason}`;
    this.totals.set(key, (this.totals.get(key) ?? 0) + count);
    try {
      this.sink?.(signal, reason, count);
    } catch {
      // A metric that cannot be recorded is not worth more than the telemetry it counts.
    }
    if (!this.reported) {
      this.reported = true;
      const why = error instanceof Error && error.message ? `: ${error.message}` : '';
      shopDiag.warn(`telemetry lost: ${count} ${signal} (${reason}${why}); further losses are counted in the metric shop_otel.export.dropped {signal, reason}, not reported again.`);
    }
  }

  /** A completed export: count it if it failed. */
  settled(signal: SignalName, result: ExportResult, count: number): void {
    if (result.code === ExportResultCode.SUCCESS) return;
    if (result.error) exportErrors.add(result.error);
    this.drop(signal, result.error instanceof ShutdownAbort ? 'shutdown' : 'export_failed', count, result.error);
  }

  /** What was dropped so far, by `signal/reason`. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.totals);
  }
}

/**
 * The SDK's batch processors and metric reader hand every failed export to the global error
 * handler, which prints it with its stack: one line per batch, for as long as the collector is
 * down. Those failures are counted above and said once; here they go to the debug level. Every
 * other error is printed as before.
 */
const exportErrors = new WeakSet<object>();
const SDK_EXPORT_FAILURE = /^(PeriodicExportingMetricReader: metrics export|BatchLogRecordProcessor: log record export failed|BatchSpanProcessor: span export failed|Timeout$)/;

export function quietExportFailures(): ErrorHandler {
  const print = loggingErrorHandler();
  return (e) => {
    const exportFailure = e instanceof ShutdownAbort || (typeof e === 'object' && e !== null && exportErrors.has(e)) || SDK_EXPORT_FAILURE.test(String((e as Error | undefined)?.message ?? e));
    if (exportFailure) shopDiag.debug('export failed (counted in shop_otel.export.dropped):', e);
    else print(e);
  };
}
