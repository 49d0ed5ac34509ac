import type { ExportResult } from '@opentelemetry/core';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ExportGate } from './export-gate';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { LogRecordImplInternals } from '../internal-types';
import type { Redactor } from '../privacy/redactor';
import type { ExportDrops } from './export-drops';
import type { PendingLedger } from './pending-ledger';

/**
 * The last step before the wire: redact a batch in place, then hand it to the real exporter,
 * its completion tracked by the export gate (see export-gate.ts). Placed after batching, so the
 * cost falls on the export timer, not on the request path. Each completion settles the batch in
 * the exit ledger (pending-ledger.ts), which also counts what failed.
 */
export class RedactingSpanExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly redactor: Redactor,
    private readonly gate: ExportGate,
    private readonly ledger?: PendingLedger<ReadableSpan>,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const ledger = this.ledger;
    const done = this.gate.track(ledger ? (r) => (ledger.settle(spans, r), resultCallback(r)) : resultCallback);
    if (!done) return;
    this.redact(spans);
    this.inner.export(spans, done);
  }

  /** In place; also used by the exit flush (exit-flush.ts) on what never reached export(). */
  redact(spans: ReadableSpan[]): void {
    for (const span of spans) {
      this.redactor.redactAttributes(span.attributes as Record<string, unknown>);
      for (const event of span.events) this.redactor.redactAttributes(event.attributes as Record<string, unknown> | undefined);
      if (span.status.message) (span.status as { message?: string }).message = this.redactor.redactString(span.status.message);
    }
  }

  shutdown(): Promise<void> {
    return this.gate.guard(this.inner.shutdown());
  }

  forceFlush(): Promise<void> {
    return this.gate.guard(this.inner.forceFlush?.() ?? Promise.resolve());
  }
}

export class RedactingLogExporter implements LogRecordExporter {
  constructor(
    private readonly inner: LogRecordExporter,
    private readonly redactor: Redactor,
    private readonly gate: ExportGate,
    private readonly ledger?: PendingLedger<ReadableLogRecord>,
  ) {}

  export(records: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    const ledger = this.ledger;
    const done = this.gate.track(ledger ? (r) => (ledger.settle(records, r), resultCallback(r)) : resultCallback);
    if (!done) return;
    this.redact(records);
    this.inner.export(records, done);
  }

  /** In place; also used by the exit flush (exit-flush.ts) on what never reached export(). */
  redact(records: ReadableLogRecord[]): void {
    for (const record of records) {
      this.redactor.redactAttributes(record.attributes as Record<string, unknown>);
      const body = record.body;
      if (body !== undefined && body !== null && typeof body !== 'number' && typeof body !== 'boolean') {
        const redacted = this.redactor.redactValue('', body);
        if (redacted !== body) (record as unknown as LogRecordImplInternals)._body = redacted;
      }
    }
  }

  shutdown(): Promise<void> {
    return this.gate.guard(this.inner.shutdown());
  }

  forceFlush(): Promise<void> {
    return this.gate.guard(this.inner.forceFlush?.() ?? Promise.resolve());
  }
}

/** Metrics carry no personal data (no IDs on metrics, by design): only the gate applies. */
export class GatedMetricExporter implements PushMetricExporter {
  constructor(
    private readonly inner: PushMetricExporter,
    private readonly gate: ExportGate,
    private readonly drops?: ExportDrops,
  ) {
    if (inner.selectAggregationTemporality) this.selectAggregationTemporality = inner.selectAggregationTemporality.bind(inner);
    if (inner.selectAggregation) this.selectAggregation = inner.selectAggregation.bind(inner);
  }

  selectAggregationTemporality?: PushMetricExporter['selectAggregationTemporality'];
  selectAggregation?: PushMetricExporter['selectAggregation'];

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    const drops = this.drops;
    const count = () => metrics.scopeMetrics.reduce((n, s) => n + s.metrics.length, 0);
    const done = this.gate.track(drops ? (r) => (drops.settled('metrics', r, count()), resultCallback(r)) : resultCallback);
    if (done) this.inner.export(metrics, done);
  }

  forceFlush(): Promise<void> {
    return this.gate.guard(this.inner.forceFlush());
  }

  shutdown(): Promise<void> {
    return this.gate.guard(this.inner.shutdown());
  }
}
