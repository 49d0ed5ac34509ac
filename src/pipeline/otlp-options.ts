import { convertLegacyHttpOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import type { OtlpProtocol } from '../config';
import type { OtlpNodeHttpConfiguration } from '../internal-types';

/**
 * The resolved OTLP/HTTP configuration of one signal, from upstream's own resolver (so every
 * standard OTEL_EXPORTER_OTLP_* variable means what it means upstream). Shared by the exporters
 * (exporters.ts) and the exit flusher's worker (exit-flush-worker.ts), so both send to the same
 * place with the same headers, compression and TLS files.
 */
export type OtlpSignal = 'TRACES' | 'METRICS' | 'LOGS';
export const OTLP_PATHS: Record<OtlpSignal, string> = { TRACES: 'v1/traces', METRICS: 'v1/metrics', LOGS: 'v1/logs' };

export function otlpHttpOptions(signal: OtlpSignal, protocol: OtlpProtocol): OtlpNodeHttpConfiguration {
  const contentType = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
  return convertLegacyHttpOptions({}, signal, OTLP_PATHS[signal], { 'Content-Type': contentType }) as unknown as OtlpNodeHttpConfiguration;
}
