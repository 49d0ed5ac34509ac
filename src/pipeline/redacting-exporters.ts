import type { ExportResult } from '@opentelemetry/core';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ExportGate } from './export-gate';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { LogRecordImplInternals } from '../internal-types';
import type { Redactor } from '../privacy/redactor';

/**
 * The last step before the wire: redact a batch in place, then hand it to the real exporter,
 * its completion tracked by the export gate (see export-gate.ts). Placed after batching, so the
 * cost falls on the export timer, not on the request path.
 */
export class RedactingSpanExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly redactor: Redactor,
    private readonly gate: ExportGate,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const done = this.gate.track(resultCallback);
    if (!done) return;
    for (const span of spans) this.redactor.redactSpan(span as unknown as Parameters<Redactor['redactSpan']>[0]);
    this.inner.export(spans, done);
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
  ) {}

  export(records: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    const done = this.gate.track(resultCallback);
    if (!done) return;
    for (const record of records) {
      this.redactor.redactAttributes(record.attributes as Record<string, unknown>);
      const body = record.body;
      const redacted = this.redactor.redactLogBody(body);
      if (redacted !== body) (record as unknown as LogRecordImplInternals)._body = redacted;
    }
    this.inner.export(records, done);
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
  ) {
    if (inner.selectAggregationTemporality) this.selectAggregationTemporality = inner.selectAggregationTemporality.bind(inner);
    if (inner.selectAggregation) this.selectAggregation = inner.selectAggregation.bind(inner);
  }

  selectAggregationTemporality?: PushMetricExporter['selectAggregationTemporality'];
  selectAggregation?: PushMetricExporter['selectAggregation'];

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    const done = this.gate.track(resultCallback);
    if (done) this.inner.export(metrics, done);
  }

  forceFlush(): Promise<void> {
    return this.gate.guard(this.inner.forceFlush());
  }

  shutdown(): Promise<void> {
    return this.gate.guard(this.inner.shutdown());
  }
}
