import { context as apiContext, type Attributes, type Context } from '@opentelemetry/api';
import { logs, type Logger } from '@opentelemetry/api';
import { ATTR_CUSTOMER_ID, ATTR_ORDER_ID } from '../attributes';
import { getScope } from '../business-ids/scope';
import { shopDiag } from '../diag';
import { VERSION } from '../version';
import { EVENTS, LEVELS, type EventName, type Level } from './schema';

/**
 * Emits the policy's events as OpenTelemetry log records: `event.name` (also the record's
 * event name), the event's severity, its attributes. A missing required attribute is reported
 * once per event and attribute (a diagnostic, never a throw) and the record is still emitted,
 * marked `shop.event.incomplete`, so nothing the app reported is lost.
 */
let logger: Logger | undefined;
const reported = new Set<string>();

export interface EmitOptions {
  /** The context the event belongs to (default: the active one). */
  context?: Context;
  /** The record's body (default: the event name). */
  body?: string;
  /** Overrides the schema's level (e.g. an HTTP failure that is CRITICAL). */
  level?: Level;
}

export function errorType(error: unknown): string {
  if (error instanceof Error) return (error as { code?: unknown }).code !== undefined ? String((error as { code?: unknown }).code) : error.name;
  if (typeof error === 'string' && error.length > 0) return error.slice(0, 100);
  return 'Error';
}

export function emitEvent(name: EventName, attributes: Attributes, options: EmitOptions = {}): void {
  try {
    const spec = EVENTS[name];
    const ctx = options.context ?? apiContext.active();
    const scope = getScope(ctx);
    // A loop, not `filter` with a closure: an event per query, and nearly always nothing missing.
    let missing: string[] | undefined;
    for (const key of spec.required) {
      const v = attributes[key];
      if (v !== undefined && v !== null && v !== '') continue;
      if (key === ATTR_ORDER_ID ? scope?.orderId !== undefined : key === ATTR_CUSTOMER_ID ? scope?.customerId !== undefined : false) continue;
      (missing ??= []).push(key);
    }
    if (missing !== undefined) {
      for (const key of missing) {
        const k = `${name}/${key}`;
        if (!reported.has(k)) {
          reported.add(k);
          shopDiag.warn(`event ${name} is missing its required attribute ${key}; emitted anyway, marked shop.event.incomplete.`);
        }
      }
    }
    const level = options.level ?? spec.level;
    logger ??= logs.getLogger('shop-otel.events', VERSION);
    logger.emit({
      eventName: name,
      severityNumber: LEVELS[level],
      severityText: level,
      body: options.body ?? name,
      attributes: missing !== undefined ? { 'event.name': name, ...attributes, 'shop.event.incomplete': true } : { 'event.name': name, ...attributes },
      context: ctx,
    });
  } catch (e) {
    shopDiag.debug(`event ${name} could not be emitted`, e);
  }
}
