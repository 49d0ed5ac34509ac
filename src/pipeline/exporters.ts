import { createOtlpNetworkExportDelegate, OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { createOtlpHttpExporterMetrics } from '@opentelemetry/otlp-exporter-base/node-http';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  LogsExporterMetricsHelper,
  MetricsExporterMetricsHelper,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
  TraceExporterMetricsHelper,
  type ISerializer,
  type IExporterMetricsHelper,
} from '@opentelemetry/otlp-transformer';
import type { ReadableLogRecord, LogRecordExporter } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { BatchConfig, OtlpProtocol } from '../config';
import { exportConcurrency } from './export-concurrency';
import type { OtlpNodeHttpConfiguration } from '../internal-types';
import { otlpHttpOptions, type OtlpSignal } from './otlp-options';
import { createUnrefTransport } from './otlp-transport';
import { encodeLogsRequest } from './otlp-logs-encoder';
import { encodeTraceRequest } from './otlp-trace-encoder';
import type { SerialisedBody } from './lazy-exporters';

/** Upstream's protobuf logs serializer with our encoder for the request (the same bytes, cheaper: otlp-logs-encoder.ts). */
const LogsProtobuf: ISerializer<ReadableLogRecord[], unknown> = {
  serializeRequest: encodeLogsRequest,
  deserializeResponse: (data) => ProtobufLogsSerializer.deserializeResponse(data),
};

/** Upstream's protobuf trace serializer with our encoder for the request (the same bytes, cheaper: otlp-trace-encoder.ts). */
const TraceProtobuf: ISerializer<ReadableSpan[], unknown> = {
  serializeRequest: encodeTraceRequest,
  deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
};

/**
 * OTLP/HTTP exporters for the three signals, protobuf (default) or JSON, built from upstream's
 * serializers and configuration (so every standard OTEL_EXPORTER_OTLP_* variable means what it
 * means upstream) on our own transport (see otlp-transport.ts). Loading the serializers only,
 * not six exporter packages, also trims start-up.
 */
type Signal = OtlpSignal;
const COMPONENT: Record<Signal, string> = { TRACES: 'otlp_http_span_exporter', METRICS: 'otlp_http_metric_exporter', LOGS: 'otlp_http_log_exporter' };

function exporter<Internal, Response>(
  signal: Signal,
  protocol: OtlpProtocol,
  serializer: ISerializer<Internal, Response>,
  helper: IExporterMetricsHelper<Internal>,
  batch?: BatchConfig,
): OTLPExporterBase<Internal> {
  const options = otlpHttpOptions(signal, protocol);
  if (batch !== undefined) options.concurrencyLimit = exportConcurrency(batch, options.timeoutMillis, options.concurrencyLimit);
  remember(signal, options);
  const metrics = createOtlpHttpExporterMetrics(COMPONENT[signal], helper, options.url, undefined);
  return new OTLPExporterBase(createOtlpNetworkExportDelegate(options as never, serializer, metrics, createUnrefTransport(options)));
}

/** A serializer that also leaves each body it makes in `slot` (lazy-exporters.ts: the exit ledger keeps it). */
function keepingBody<T>(serializer: ISerializer<T, unknown>, slot?: SerialisedBody): ISerializer<T, unknown> {
  if (slot === undefined) return serializer;
  return {
    serializeRequest: (items) => (slot.body = serializer.serializeRequest(items)),
    deserializeResponse: (data) => serializer.deserializeResponse(data),
  };
}

export function otlpSpanExporter(protocol: OtlpProtocol, batch?: BatchConfig, slot?: SerialisedBody): SpanExporter {
  const serializer = protocol === 'http/json' ? (JsonTraceSerializer as ISerializer<ReadableSpan[], unknown>) : TraceProtobuf;
  return exporter<ReadableSpan[], unknown>('TRACES', protocol, keepingBody(serializer, slot), TraceExporterMetricsHelper as never, batch);
}

export function otlpLogExporter(protocol: OtlpProtocol, batch?: BatchConfig, slot?: SerialisedBody): LogRecordExporter {
  const serializer = protocol === 'http/json' ? (JsonLogsSerializer as ISerializer<ReadableLogRecord[], unknown>) : LogsProtobuf;
  return exporter<ReadableLogRecord[], unknown>('LOGS', protocol, keepingBody(serializer, slot), LogsExporterMetricsHelper as never, batch);
}

/** Cumulative temporality (what Prometheus expects), as upstream's default. */
export function otlpMetricExporter(protocol: OtlpProtocol): PushMetricExporter {
  const base = exporter<ResourceMetrics, unknown>('METRICS', protocol, (protocol === 'http/json' ? JsonMetricsSerializer : ProtobufMetricsSerializer) as ISerializer<ResourceMetrics, unknown>, MetricsExporterMetricsHelper as never);
  return Object.assign(base, {
    selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
  }) as unknown as PushMetricExporter;
}

/** The request body an export of these would send (the exit flush serialises on the main thread, synchronously). */
export function serializeSpans(protocol: OtlpProtocol, spans: ReadableSpan[]): Uint8Array | undefined {
  return protocol === 'http/json' ? JsonTraceSerializer.serializeRequest(spans) : encodeTraceRequest(spans);
}

export function serializeLogs(protocol: OtlpProtocol, records: ReadableLogRecord[]): Uint8Array | undefined {
  return protocol === 'http/json' ? JsonLogsSerializer.serializeRequest(records) : encodeLogsRequest(records);
}

/**
 * What the exit flusher's worker needs to send without loading the OTLP configuration resolver
 * itself (100–175 ms measured on the bench machine under load, the larger part of an exit
 * flush): the resolved URL, headers and compression of each exporter built so far. Plain http
 * only — an https endpoint may carry TLS files that only the resolver's agent knows.
 */
export interface ResolvedOtlp {
  url: string;
  compression: 'gzip' | 'none';
  userAgent?: string;
  headers?: Record<string, string>;
}
const resolved = new Map<Signal, ResolvedOtlp>();

function remember(signal: Signal, options: OtlpNodeHttpConfiguration): void {
  if (!options.url.startsWith('http:')) return;
  const entry: ResolvedOtlp = { url: options.url, compression: options.compression, userAgent: options.userAgent };
  resolved.set(signal, entry);
  options.headers().then(
    (h) => (entry.headers = h),
    () => resolved.delete(signal),
  );
}

export function resolvedOtlp(signal: Signal): ResolvedOtlp | undefined {
  const r = resolved.get(signal);
  return r?.headers ? r : undefined;
}
