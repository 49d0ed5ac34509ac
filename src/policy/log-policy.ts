import { context as apiContext, type Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { getScope } from '../business-ids/scope';
import type { DebugControl } from './debug-control';
import { LEVELS, levelFromName, type Level } from './schema';

/**
 * The policy's levels, between the app's records and the exporting processors.
 *
 * - Severity: a record without a severity number (e.g. winston's `critical`, which no standard
 *   level map knows) gets the policy's level from its text, so CRITICAL sits above ERROR.
 * - Minimum level: records below the component's level (INFO by default: DEBUG off) are not
 *   exported, unless DEBUG is on for the service, or for the record's trace.
 * Records it lets through are handed to `next` unchanged.
 */
export class PolicyLogProcessor implements LogRecordProcessor {
  private readonly min: number;

  constructor(
    private readonly next: LogRecordProcessor[],
    minLevel: Level,
    private readonly debug: () => DebugControl,
  ) {
    this.min = LEVELS[minLevel];
  }

  onEmit(record: ReadWriteLogRecord, ctx?: Context): void {
    let severity = record.severityNumber;
    if (severity === undefined && record.severityText !== undefined) {
      const level = levelFromName(record.severityText);
      if (level !== undefined) {
        severity = LEVELS[level];
        record.setSeverityNumber(severity);
      }
    }
    if (severity !== undefined && severity < this.min && !this.debugOn(ctx)) return;
    for (const p of this.next) p.onEmit(record, ctx);
  }

  private debugOn(ctx: Context | undefined): boolean {
    return this.debug().serviceDebug || getScope(ctx ?? apiContext.active())?.debug !== undefined;
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.next.map((p) => p.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.next.map((p) => p.shutdown()));
  }
}
