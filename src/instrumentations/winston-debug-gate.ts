import { context } from '@opentelemetry/api';
import { getScope } from '../business-ids/scope';
import { debugControl } from '../policy/debug-control';

/**
 * DEBUG on demand for winston. winston drops a record below a transport's level before the
 * transport sees it, so the OpenTelemetry transport's `level` answers 'debug' exactly while DEBUG
 * is on, for the service or for the active request's trace, and otherwise what it was configured
 * with (by default: inherit the logger's level). When DEBUG is off, `logger.debug()` costs what
 * it cost without shop-otel; the app's own transports are never touched.
 */
const kLevel = Symbol('shop-otel.configured-level');
const installed = new WeakSet<object>();

/** On the prototype of the transport that sends to OpenTelemetry (winston-record-transport.ts). */
export function installWinstonDebugGate(proto: object): void {
  if (installed.has(proto)) return;
  Object.defineProperty(proto, 'level', {
    configurable: true,
    get(this: { [kLevel]?: string }) {
      if (debugControl.serviceDebug || getScope(context.active())?.debug !== undefined) return 'debug';
      return this[kLevel];
    },
    set(this: { [kLevel]?: string }, value: string | undefined) {
      this[kLevel] = value;
    },
  });
  installed.add(proto);
}
