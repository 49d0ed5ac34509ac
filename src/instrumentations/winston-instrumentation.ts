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
    (this as unknown as { _getPatchedConfigure: () => (original: Configure) => Configure })._getPatchedConfigure = () => this.patchedConfigure();
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
