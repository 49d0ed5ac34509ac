/**
 * Shapes of third-party internals that shop-otel relies on, in one place, so that an upgrade
 * that changes them is found here (and by the tests), not scattered through the code.
 */

/**
 * sdk-logs' LogRecordImpl keeps its body in `_body` and ignores the `body` setter once the record
 * is emitted (read-only). Redaction runs at export time, after that, so it writes `_body`; our
 * PrimitiveLogRecord (pipeline/direct-logs.ts) keeps its body in the same field.
 */
export interface LogRecordImplInternals {
  _body?: unknown;
}

/**
 * Node's EventEmitter keeps its listeners in `_events`, a prototype-less object keyed by event
 * (instrumentations/http-server.ts reads it to skip the context for events nobody listens to).
 */
export interface EmitterInternals {
  _events?: Record<string | symbol, unknown>;
}

/** sdk-logs' Logger keeps its instrumentation scope, the object its records carry, in `_instrumentationScope`. */
export interface SdkLoggerInternals {
  _instrumentationScope?: unknown;
}

/**
 * The resolved OTLP/HTTP exporter configuration that `convertLegacyHttpOptions` (from
 * `@opentelemetry/otlp-exporter-base/node-http`) returns: the standard OTEL_EXPORTER_OTLP_*
 * environment (endpoint, headers, timeout, compression, TLS files) already applied. Its type
 * is not exported by the package, so its shape is written here.
 */
export interface OtlpNodeHttpConfiguration {
  url: string;
  headers: () => Promise<Record<string, string>>;
  agentFactory: (protocol: string) => unknown;
  userAgent?: string;
  timeoutMillis: number;
  concurrencyLimit: number;
  compression: 'gzip' | 'none';
}
