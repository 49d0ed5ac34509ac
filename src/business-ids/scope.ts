import { createContextKey, type Context, type Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { ATTR_CUSTOMER_ID, ATTR_ORDER_ID, type BusinessIdKind } from '../attributes';
import { normalizeId } from './validate';

/**
 * The one place that knows how business IDs live in a context.
 *
 * A request (or a consumed message) gets one mutable BusinessScope in its context when its trace
 * context is extracted. Contexts are immutable, but IDs are often found only later in the
 * request's life (a route parameter after routing, a JSON body after parsing, an order ID the
 * service mints and logs). So the scope is the mutable holder every later discovery writes into
 * and every span, log record, outgoing request and published message of that request reads from.
 */
const SCOPE_KEY = createContextKey('shop-otel.business-scope');

export interface IdSettings {
  orderFields: readonly string[];
  customerFields: readonly string[];
  maxLength: number;
}

export const ATTRIBUTE_OF: Record<BusinessIdKind, string> = { order: ATTR_ORDER_ID, customer: ATTR_CUSTOMER_ID };

/** At most this many ended spans wait in one scope for IDs still to be found (see BusinessIdSpanProcessor). */
export const MAX_PENDING_SPANS = 256;

export class BusinessScope {
  orderId: string | undefined;
  customerId: string | undefined;
  /** When the order first appeared in its journey (epoch ms; travels as baggage `shop.order.since`). */
  orderSince: number | undefined;
  /** A verified per-request DEBUG marker (travels as baggage `shop.debug`). */
  debug: string | undefined;
  /** Why a marker that came with this request was refused (reported once, on its first span). */
  debugRejected: string | undefined;
  /** The first span started in this scope: the server or consumer span of the request. */
  root: Span | undefined;
  rootEnded = false;
  /** Spans that ended before the scope knew all its IDs, held until the root ends. */
  pending: ReadableSpan[] = [];

  constructor(readonly settings: IdSettings, parent?: BusinessScope) {
    if (parent) {
      this.orderId = parent.orderId;
      this.customerId = parent.customerId;
      this.orderSince = parent.orderSince;
      this.debug = parent.debug;
    }
  }

  get(kind: BusinessIdKind): string | undefined {
    return kind === 'order' ? this.orderId : this.customerId;
  }

  get complete(): boolean {
    return this.orderId !== undefined && this.customerId !== undefined;
  }

  /**
   * Record an ID found at `source`. Validated here; the first valid value of a kind wins (a
   * request is about one order), so a later, different value never relabels earlier spans.
   * Returns the accepted value, if any.
   */
  offer(kind: BusinessIdKind, value: unknown, source: string): string | undefined {
    const current = this.get(kind);
    if (current !== undefined) return current;
    const id = normalizeId(value, this.settings.maxLength, source);
    if (id === undefined) return undefined;
    if (kind === 'order') {
      this.orderId = id;
      this.orderSince ??= Date.now();
    } else this.customerId = id;
    return id;
  }

  /** Replace an ID (the public API: a service that knows better than what was inferred). */
  set(kind: BusinessIdKind, value: unknown, source: string): string | undefined {
    const id = normalizeId(value, this.settings.maxLength, source);
    if (id === undefined) return undefined;
    if (kind === 'order') {
      if (this.orderId !== id) this.orderSince = Date.now();
      this.orderId = id;
    } else this.customerId = id;
    return id;
  }
}

export function getScope(ctx: Context): BusinessScope | undefined {
  return ctx.getValue(SCOPE_KEY) as BusinessScope | undefined;
}

export function setScope(ctx: Context, scope: BusinessScope): Context {
  return ctx.setValue(SCOPE_KEY, scope);
}
