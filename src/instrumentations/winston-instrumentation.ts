import { context, isSpanContextValid, trace, type SpanContext } from '@opentelemetry/api';
import { WinstonInstrumentation, type WinstonInstrumentationConfig } from '@opentelemetry/instrumentation-winston';
import { shopDiag } from '../diag';
import type { WinstonSink } from './winston-record-transport';

/**
 * instrumentation-winston as it is — trace_id/span_id/trace_flags and the active context on
 * every record (its patch of Logger.prototype.write), its configuration, its enable/disable —
 * except for the transport its patch of Logger.prototype.configure adds to every logger: ours
 * (winston-record-transport.ts) instead of @opentelemetry/winston-transport's, the cheaper path
 * to the same records. Not added at all when log sending is off (OTEL_LOGS_EXPORTER=none), as
 * upstream's `disableLogSending`.
 *
 * The hook is upstream's `_getPatchedConfigure` (a private method of 0.69; test/winston-transport.test.ts
 * fails if an upgrade renames it: records would then stop being exported).
 *
 * Correlation is upstream's `_handleLogCorrelation` with the same fields in the same order
 * (trace_id, span_id, trace_flags as `0` + hex), minus its per-record costs: a fields object
 * merged with Object.assign, the config read twice, and the span context validated (two regular
 * expressions) on every record although a request's records share one span context — the last
 * valid one is remembered. A configured logHook or disableLogCorrelation (not reachable through
 * shop-otel's configuration, kept for safety) takes upstream's own method.
 */
type Configure = (this: unknown, ...args: unknown[]) => unknown;

export class ShopWinstonInstrumentation extends WinstonInstrumentation {
  private readonly sink: WinstonSink | undefined;
  private readonly sendLogs: boolean;

  constructor(config: WinstonInstrumentationConfig, sink: WinstonSink | undefined) {
    // Upstream never adds its own transport; ours is added below when sending is on.
    super({ ...config, disableLogSending: true });
    this.sendLogs = config.disableLogSending !== true && sink !== undefined;
    this.sink = sink;
    // Private in upstream's typings, looked up when winston's logger.js is loaded (after this constructor).
    const self = this as unknown as { _getPatchedConfigure: () => (original: Configure) => Configure; _handleLogCorrelation: (record: Record<string, unknown>) => Record<string, unknown> };
    self._getPatchedConfigure = () => this.patchedConfigure();
    const upstreamCorrelation = self._handleLogCorrelation;
    if (typeof upstreamCorrelation === 'function' && !config.logHook && !config.disableLogCorrelation) {
      let lastValid: SpanContext | undefined;
      self._handleLogCorrelation = (record) => {
        const span = trace.getSpan(context.active());
        if (span === undefined) return record;
        const sc = span.spanContext();
        if (sc !== lastValid) {
          if (!isSpanContextValid(sc)) return record;
          lastValid = sc;
        }
        record.trace_id = sc.traceId;
        record.span_id = sc.spanId;
        record.trace_flags = `0${sc.traceFlags.toString(16)}`;
        return record;
      };
    }
  }

  private patchedConfigure(): (original: Configure) => Configure {
    return (original) => {
      const instrumentation = this;
      return function patchedConfigure(this: unknown, ...args: unknown[]) {
        const options = args[0] as { transports?: unknown } | undefined;
        if (instrumentation.sendLogs && options && typeof options === 'object') {
          try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const { WinstonRecordTransport } = require('./winston-record-transport') as typeof import('./winston-record-transport');
            const original = options.transports;
            const transports = Array.isArray(original) ? [...original] : original ? [original] : [];
            transports.push(new WinstonRecordTransport(instrumentation.sink as WinstonSink));
            options.transports = transports;
          } catch (e) {
            shopDiag.warn('winston: the OpenTelemetry transport could not be added; this logger\'s records are not exported', e);
          }
        }
        return original.apply(this, args);
      };
    };
  }
}
