import { context, trace } from '@opentelemetry/api';
import { DEFAULT_CUSTOMER_ID_FIELDS, DEFAULT_ORDER_ID_FIELDS, type BusinessIdKind } from '../attributes';
import { ATTRIBUTE_OF, BusinessScope, getScope, setScope, type IdSettings } from './scope';

/**
 * The public API for IDs a service mints or knows better than what was inferred. Each call
 * validates the ID, writes it into the current request's scope (so every later span, log record,
 * outgoing call and message carries it, and the request's earlier spans get it at its end) and
 * onto the active span. Never throws; a malformed ID is dropped with a debug diagnostic.
 */
let settings: IdSettings = { orderFields: DEFAULT_ORDER_ID_FIELDS, customerFields: DEFAULT_CUSTOMER_ID_FIELDS, maxLength: 64 };

export function setActiveSettings(next: IdSettings): void {
  settings = next;
}

function set(kind: BusinessIdKind, value: unknown): boolean {
  try {
    const active = context.active();
    const scope = getScope(active);
    const id = scope ? scope.set(kind, value, 'API') : new BusinessScope(settings).set(kind, value, 'API');
    if (id === undefined) return false;
    trace.getActiveSpan()?.setAttribute(ATTRIBUTE_OF[kind], id);
    return true;
  } catch {
    return false;
  }
}

/** Mark the current request as belonging to this order. Returns false if the ID was rejected. */
export function setOrderId(orderId: string | number): boolean {
  return set('order', orderId);
}

/** Mark the current request as belonging to this customer. Returns false if the ID was rejected. */
export function setCustomerId(customerId: string | number): boolean {
  return set('customer', customerId);
}

export interface BusinessIds {
  orderId?: string;
  customerId?: string;
}

/** The IDs known to the current request. */
export function getBusinessIds(): BusinessIds {
  const scope = getScope(context.active());
  return scope ? { orderId: scope.orderId, customerId: scope.customerId } : {};
}

/**
 * Run `fn` in a new scope carrying these IDs (for work that starts outside any request: a job,
 * a timer, a CLI). Spans, records, calls and messages inside carry them.
 */
export function withBusinessIds<T>(ids: { orderId?: string | number; customerId?: string | number }, fn: () => T): T {
  let ctx = context.active();
  try {
    const scope = new BusinessScope(settings, getScope(ctx));
    if (ids.orderId !== undefined) scope.set('order', ids.orderId, 'API');
    if (ids.customerId !== undefined) scope.set('customer', ids.customerId, 'API');
    ctx = setScope(ctx, scope);
  } catch {
    // fall through: run fn unscoped rather than not at all
  }
  return context.with(ctx, fn);
}
