import { createOtlpNetworkExportDelegate, OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExporterMetrics } from '@opentelemetry/otlp-exporter-base/node-http';
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
import type { OtlpProtocol } from '../config';
import type { OtlpNodeHttpConfiguration } from '../internal-types';
import { createUnrefTransport } from './otlp-transport';

/**
 * OTLP/HTTP exporters for the three signals, protobuf (default) or JSON, built from upstream's
 * serializers and configuration (so every standard OTEL_EXPORTER_OTLP_* variable means what it
 * means upstream) on our own transport (see otlp-transport.ts). Loading the serializers only,
 * not six exporter packages, also trims start-up.
 */
type Signal = 'TRACES' | 'METRICS' | 'LOGS';
const PATHS: Record<Signal, string> = { TRACES: 'v1/traces', METRICS: 'v1/metrics', LOGS: 'v1/logs' };
const COMPONENT: Record<Signal, string> = { TRACES: 'otlp_http_span_exporter', METRICS: 'otlp_http_metric_exporter', LOGS: 'otlp_http_log_exporter' };

function exporter<Internal, Response>(
  signal: Signal,
  protocol: OtlpProtocol,
  serializer: ISerializer<Internal, Response>,
  helper: IExporterMetricsHelper<Internal>,
): OTLPExporterBase<Internal> {
  const contentType = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
  const options = convertLegacyHttpOptions({}, signal, PATHS[signal], { 'Content-Type': contentType }) as unknown as OtlpNodeHttpConfiguration;
  const metrics = createOtlpHttpExporterMetrics(COMPONENT[signal], helper, options.url, undefined);
  return new OTLPExporterBase(createOtlpNetworkExportDelegate(options as never, serializer, metrics, createUnrefTransport(options)));
}

export function otlpSpanExporter(protocol: OtlpProtocol): SpanExporter {
  return exporter<ReadableSpan[], unknown>('TRACES', protocol, (protocol === 'http/json' ? JsonTraceSerializer : ProtobufTraceSerializer) as ISerializer<ReadableSpan[], unknown>, TraceExporterMetricsHelper as never);
}

export function otlpLogExporter(protocol: OtlpProtocol): LogRecordExporter {
  return exporter<ReadableLogRecord[], unknown>('LOGS', protocol, (protocol === 'http/json' ? JsonLogsSerializer : ProtobufLogsSerializer) as ISerializer<ReadableLogRecord[], unknown>, LogsExporterMetricsHelper as never);
}

/** Cumulative temporality (what Prometheus expects), as upstream's default. */
export function otlpMetricExporter(protocol: OtlpProtocol): PushMetricExporter {
  const base = exporter<ResourceMetrics, unknown>('METRICS', protocol, (protocol === 'http/json' ? JsonMetricsSerializer : ProtobufMetricsSerializer) as ISerializer<ResourceMetrics, unknown>, MetricsExporterMetricsHelper as never);
  return Object.assign(base, {
    selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
  }) as unknown as PushMetricExporter;
}
