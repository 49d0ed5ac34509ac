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
 * and handed on at once. Every exporting processor behind it sees every span exactly once:
 * one BusinessIdSpanProcessor hands each span to all of them (with one wrapper per exporter, the
 * wrappers shared the scope's waiting list, so OTEL_TRACES_EXPORTER=otlp,console duplicated
 * spans in one exporter and lost them in the other). forceFlush and shutdown hand on whatever
 * still waits.
 */
export class BusinessIdSpanProcessor implements SpanProcessor {
  /**
   * The scopes with spans waiting, as a list through the scopes themselves (BusinessScope's
   * waitPrev/waitNext) rather than a Set: a long-lived Set that gains and loses an entry per
   * request rehashes every few operations, and each new table, referenced from the old
   * generation, survived V8's scavenges: 828 of the 12 500 KB that `bench/micro/heap-sample.mjs`
   * (promoted only, 450 req/s) sampled came from `Set.prototype.delete` here.
   */
  private waitingHead: BusinessScope | undefined;
  private isShutdown = false;

  private readonly next: readonly SpanProcessor[];

  constructor(next: SpanProcessor | readonly SpanProcessor[]) {
    this.next = Array.isArray(next) ? next : [next as SpanProcessor];
  }

  private handOn(span: ReadableSpan): void {
    for (const p of this.next) {
      try {
        p.onEnd(span);
      } catch (e) {
        shopDiag.debug('span processor failed', e);
      }
    }
  }

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
    for (const p of this.next) p.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const scope = (span as unknown as ScopedSpan)[kScope];
    if (scope === undefined) {
      this.handOn(span);
      return;
    }
    if ((span as unknown) === scope.root) {
      scope.rootEnded = true;
      this.release(scope);
      stamp(span, scope);
      this.handOn(span);
      return;
    }
    if (!scope.rootEnded && !scope.complete && scope.pending.length < MAX_PENDING_SPANS && !this.isShutdown) {
      scope.pending.push(span);
      this.listWaiting(scope);
      return;
    }
    stamp(span, scope);
    this.handOn(span);
  }

  private release(scope: BusinessScope): void {
    if (scope.pending.length === 0) return;
    const spans = scope.pending;
    scope.pending = [];
    this.unlistWaiting(scope);
    for (const s of spans) {
      stamp(s, scope);
      this.handOn(s);
    }
  }

  private listWaiting(scope: BusinessScope): void {
    if (scope.waitListed) return;
    scope.waitListed = true;
    scope.waitPrev = undefined;
    scope.waitNext = this.waitingHead;
    if (this.waitingHead !== undefined) this.waitingHead.waitPrev = scope;
    this.waitingHead = scope;
  }

  private unlistWaiting(scope: BusinessScope): void {
    if (!scope.waitListed) return;
    scope.waitListed = false;
    if (scope.waitPrev !== undefined) scope.waitPrev.waitNext = scope.waitNext;
    else this.waitingHead = scope.waitNext;
    if (scope.waitNext !== undefined) scope.waitNext.waitPrev = scope.waitPrev;
    scope.waitPrev = undefined;
    scope.waitNext = undefined;
  }

  private releaseAll(): void {
    while (this.waitingHead !== undefined) {
      const scope = this.waitingHead;
      this.unlistWaiting(scope);
      this.release(scope);
    }
  }

  forceFlush(): Promise<void> {
    this.releaseAll();
    return Promise.all(this.next.map((p) => p.forceFlush())).then(() => undefined);
  }

  shutdown(): Promise<void> {
    this.isShutdown = true;
    this.releaseAll();
    return Promise.all(this.next.map((p) => p.shutdown())).then(() => undefined);
  }
}

/**
 * Write the scope's IDs onto an ended span. The SDK ignores setAttribute after end, so the
 * attribute map (the object the exporter reads) is written directly; only missing keys.
 */
function stamp(span: ReadableSpan, scope: BusinessScope): void {
  const attrs = span.attributes as Record<string, unknown>;
  const stale = (v: unknown) => v === undefined || (scope.replaced !== undefined && scope.replaced.has(v as string));
  if (scope.orderId !== undefined && stale(attrs[ATTR_ORDER_ID])) attrs[ATTR_ORDER_ID] = scope.orderId;
  if (scope.customerId !== undefined && stale(attrs[ATTR_CUSTOMER_ID])) attrs[ATTR_CUSTOMER_ID] = scope.customerId;
}

/** The scope a started span belongs to (hooks that receive only the span use this). */
export function scopeOfSpan(span: Span): BusinessScope | undefined {
  return (span as unknown as ScopedSpan)[kScope];
}
