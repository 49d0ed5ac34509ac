import { createContextKey, type Baggage, type Context, type Span } from '@opentelemetry/api';
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

/** What arrived with a request or message (headers, baggage), validated, not yet believed. */
export interface Propagated {
  orderId?: string;
  customerId?: string;
  orderSince?: number;
  /** The incoming W3C baggage, all of it (ours and anyone else's entries). */
  baggage?: Baggage;
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
  /** BusinessIdSpanProcessor's list of scopes with pending spans (span-processor.ts). */
  waitListed = false;
  waitPrev: BusinessScope | undefined = undefined;
  waitNext: BusinessScope | undefined = undefined;
  /**
   * The trust boundary (see trust.ts): what came with the request waits here until the
   * instrumentation knows who sent it (trust()), then is believed or discarded.
   */
  propagated: Propagated | undefined;
  /** Incoming baggage from an untrusted peer: never forwarded. */
  untrustedBaggage: Baggage | undefined;
  /** Which IDs the request itself named (route, body, query, payload, log metadata, API), not a header. */
  private readonly own = { order: false, customer: false };
  /** IDs replaced by the request's own (a header said one order, the route another): stamped over. */
  replaced: Set<string> | undefined;

  constructor(readonly settings: IdSettings, parent?: BusinessScope) {
    if (parent) {
      this.orderId = parent.orderId;
      this.customerId = parent.customerId;
      this.orderSince = parent.orderSince;
      this.debug = parent.debug;
      this.own.order = parent.own.order;
      this.own.customer = parent.own.customer;
      this.untrustedBaggage = parent.untrustedBaggage;
    }
  }

  /**
   * Decide on what came with the request: from a trusted peer its IDs fill in what the request
   * has not named itself; otherwise they, and its baggage, are dropped. Once only.
   */
  trust(trusted: boolean): void {
    const p = this.propagated;
    if (p === undefined) return;
    this.propagated = undefined;
    if (!trusted) {
      this.untrustedBaggage = p.baggage;
      return;
    }
    if (this.orderId === undefined && p.orderId !== undefined) {
      this.orderId = p.orderId;
      this.orderSince = p.orderSince ?? this.orderSince ?? Date.now();
    }
    if (this.customerId === undefined && p.customerId !== undefined) this.customerId = p.customerId;
  }

  /** Did the request itself name this ID (not a header or baggage)? */
  hasOwn(kind: BusinessIdKind): boolean {
    return this.own[kind];
  }

  get(kind: BusinessIdKind): string | undefined {
    return kind === 'order' ? this.orderId : this.customerId;
  }

  /** Both IDs named by the request itself: nothing left to look for. */
  get complete(): boolean {
    return this.own.order && this.own.customer;
  }


  /**
   * Record an ID found at `source`. Validated here; the first valid value of a kind wins (a
   * request is about one order), so a later, different value never relabels earlier spans.
   * Returns the accepted value, if any.
   */
  offer(kind: BusinessIdKind, value: unknown, source: string): string | undefined {
    const current = this.get(kind);
    if (current !== undefined && this.own[kind]) return current;
    const id = normalizeId(value, this.settings.maxLength, source);
    if (id === undefined) return undefined;
    this.own[kind] = true;
    if (id === current) return id;
    // The request's own word beats a header or baggage entry that said otherwise.
    if (current !== undefined) (this.replaced ??= new Set()).add(current);
    if (kind === 'order') {
      if (current !== undefined || this.orderSince === undefined) this.orderSince = Date.now();
      this.orderId = id;
    } else this.customerId = id;
    return id;
  }

  /** Replace an ID (the public API: a service that knows better than what was inferred). */
  set(kind: BusinessIdKind, value: unknown, source: string): string | undefined {
    const id = normalizeId(value, this.settings.maxLength, source);
    if (id === undefined) return undefined;
    const current = this.get(kind);
    if (current !== undefined && current !== id) (this.replaced ??= new Set()).add(current);
    this.own[kind] = true;
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
