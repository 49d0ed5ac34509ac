import { AggregationTemporality, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { BatchConfig, OtlpProtocol } from '../config';

/**
 * The OTLP exporters, built on their first use instead of at start.
 *
 * The exporter stack (otlp-exporter-base, otlp-transformer's serializers and their protobuf
 * writer) is needed only once there is something to send. Measured on the bench machine
 * (`node -e` requiring it after the rest of the SDK, 3 runs): 14–26 ms, about a tenth of what
 * shop-otel loads at start. It is required at the first export instead (the first batch, ≥ 1 s
 * after start by default), or at flush/shutdown if nothing was exported before: a one-off cost in
 * a timer callback rather than on the start-up path. (Loading it on a timer right after start
 * was tried: it lands while the app awaits its own connections and delays them as much.)
 * Nothing changes in what is sent or how.
 */
type Exporters = typeof import('./exporters');
let loaded: Exporters | undefined;
export function exporters(): Exporters {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('./exporters') as Exporters);
}

abstract class Lazy<T extends { shutdown(): Promise<void>; forceFlush?(): Promise<void> }> {
  private inner: T | undefined;
  constructor(private readonly build: () => T) {}
  protected get(): T {
    return (this.inner ??= this.build());
  }
  shutdown(): Promise<void> {
    return this.inner ? this.inner.shutdown() : Promise.resolve();
  }
  forceFlush(): Promise<void> {
    return this.inner?.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * The span and log exporters answer `export` with the request body they serialised for it
 * (undefined if none was: a full queue of exports, nothing to send), which the exit ledger keeps
 * in place of the batch's items (pending-ledger.ts). The serializer is synchronous inside
 * upstream's export, so the body is the one this call made.
 */
export class LazySpanExporter extends Lazy<SpanExporter> implements SpanExporter {
  private readonly serialised: SerialisedBody = { body: undefined };
  /** `batch`: the batch processor's configuration, which sizes the exporter's concurrency (export-concurrency.ts). */
  constructor(protocol: OtlpProtocol, batch?: BatchConfig) {
    super(() => exporters().otlpSpanExporter(protocol, batch, this.serialised));
  }
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): Uint8Array | undefined {
    return takeBody(this.serialised, () => this.get().export(spans, done));
  }
}

export class LazyLogExporter extends Lazy<LogRecordExporter> implements LogRecordExporter {
  private readonly serialised: SerialisedBody = { body: undefined };
  constructor(protocol: OtlpProtocol, batch?: BatchConfig) {
    super(() => exporters().otlpLogExporter(protocol, batch, this.serialised));
  }
  export(records: ReadableLogRecord[], done: (r: ExportResult) => void): Uint8Array | undefined {
    return takeBody(this.serialised, () => this.get().export(records, done));
  }
}

/** Where an exporter's serializer leaves the last body it made (exporters.ts). */
export interface SerialisedBody {
  body: Uint8Array | undefined;
}

function takeBody(slot: SerialisedBody, run: () => void): Uint8Array | undefined {
  slot.body = undefined;
  try {
    run();
    return slot.body;
  } finally {
    slot.body = undefined;
  }
}

export class LazyMetricExporter extends Lazy<PushMetricExporter> implements PushMetricExporter {
  constructor(protocol: OtlpProtocol) {
    super(() => exporters().otlpMetricExporter(protocol));
  }
  /** What otlpMetricExporter answers (cumulative, as upstream's default), known without loading it. */
  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }
  export(metrics: ResourceMetrics, done: (r: ExportResult) => void): void {
    this.get().export(metrics, done);
  }
}
