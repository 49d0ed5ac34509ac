import type { Context, Span } from '@opentelemetry/api';
import type { ReadableSpan, Span as SdkSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_CUSTOMER_ID, ATTR_ORDER_ID } from '../attributes';
import { shopDiag } from '../diag';
import { getScope, MAX_PENDING_SPANS, type BusinessScope } from './scope';

const kScope = Symbol('shop-otel.scope');
type ScopedSpan = { [kScope]?: BusinessScope };

/**
 * Puts `shop.order.id` / `shop.customer.id` on every span of a request, including the spans that
 * ended before the ID was known.
 *
 * An order ID is often found late: a `POST /orders` mints it after the CRM call and the INSERT
 * have ended. So a span that ends while its scope still lacks an ID waits (at most
 * MAX_PENDING_SPANS per request) until the request's root span ends; then every waiting span is
 * stamped with what the request learnt and handed on. Spans ending after the root are stamped
 * and handed on at once. The wrapped processor (the batching exporter) sees every span exactly
 * once; forceFlush and shutdown hand on whatever still waits.
 */
export class BusinessIdSpanProcessor implements SpanProcessor {
  private readonly waiting = new Set<BusinessScope>();
  private isShutdown = false;

  constructor(private readonly next: SpanProcessor) {}

  onStart(span: SdkSpan, parentContext: Context): void {
    try {
      const scope = getScope(parentContext);
      if (scope) {
        (span as unknown as ScopedSpan)[kScope] = scope;
        if (scope.root === undefined) scope.root = span;
        if (scope.orderId !== undefined) span.setAttribute(ATTR_ORDER_ID, scope.orderId);
        if (scope.customerId !== undefined) span.setAttribute(ATTR_CUSTOMER_ID, scope.customerId);
      }
    } catch (e) {
      shopDiag.debug('business ID span start failed', e);
    }
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const scope = (span as unknown as ScopedSpan)[kScope];
    if (scope === undefined) {
      this.next.onEnd(span);
      return;
    }
    if ((span as unknown) === scope.root) {
      scope.rootEnded = true;
      this.release(scope);
      stamp(span, scope);
      this.next.onEnd(span);
      return;
    }
    if (!scope.rootEnded && !scope.complete && scope.pending.length < MAX_PENDING_SPANS && !this.isShutdown) {
      scope.pending.push(span);
      this.waiting.add(scope);
      return;
    }
    stamp(span, scope);
    this.next.onEnd(span);
  }

  private release(scope: BusinessScope): void {
    if (scope.pending.length === 0) return;
    const spans = scope.pending;
    scope.pending = [];
    this.waiting.delete(scope);
    for (const s of spans) {
      stamp(s, scope);
      this.next.onEnd(s);
    }
  }

  private releaseAll(): void {
    for (const scope of [...this.waiting]) this.release(scope);
  }

  forceFlush(): Promise<void> {
    this.releaseAll();
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    this.isShutdown = true;
    this.releaseAll();
    return this.next.shutdown();
  }
}

/**
 * Write the scope's IDs onto an ended span. The SDK ignores setAttribute after end, so the
 * attribute map (the object the exporter reads) is written directly; only missing keys.
 */
function stamp(span: ReadableSpan, scope: BusinessScope): void {
  const attrs = span.attributes as Record<string, unknown>;
  if (scope.orderId !== undefined && attrs[ATTR_ORDER_ID] === undefined) attrs[ATTR_ORDER_ID] = scope.orderId;
  if (scope.customerId !== undefined && attrs[ATTR_CUSTOMER_ID] === undefined) attrs[ATTR_CUSTOMER_ID] = scope.customerId;
}

/** The scope a started span belongs to (hooks that receive only the span use this). */
export function scopeOfSpan(span: Span): BusinessScope | undefined {
  return (span as unknown as ScopedSpan)[kScope];
}
