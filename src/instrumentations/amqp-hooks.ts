import { context, propagation, trace, type Span } from '@opentelemetry/api';
import { ATTR_CUSTOMER_ID, ATTR_ORDER_ID } from '../attributes';
import { offerFromJsonText } from '../business-ids/extract';
import { BusinessScope, getScope, setScope, type IdSettings } from '../business-ids/scope';
import { scopeOfSpan } from '../business-ids/span-processor';
import type { PeerTrust } from '../business-ids/trust';

/**
 * Business IDs through RabbitMQ. A published message's JSON payload is a discovery (the order a
 * service just created travels in it), and the message headers then carry the IDs as baggage;
 * a consumed message's payload seeds the consumer's scope when its headers carried none.
 */
export function publishHook(settings: IdSettings) {
  return (span: Span, info: { content: unknown; options?: { headers?: Record<string, unknown> } }): void => {
    const active = context.active();
    const scope = getScope(active) ?? new BusinessScope(settings);
    if (scope.complete) return;
    const before = `${scope.orderId}|${scope.customerId}`;
    offerFromJsonText(scope, info.content, 'published message payload');
    if (`${scope.orderId}|${scope.customerId}` === before) return;
    if (scope.orderId !== undefined) span.setAttribute(ATTR_ORDER_ID, scope.orderId);
    if (scope.customerId !== undefined) span.setAttribute(ATTR_CUSTOMER_ID, scope.customerId);
    // The instrumentation injected the headers before this hook ran: inject again, now with the IDs.
    const headers = info.options?.headers;
    if (headers) propagation.inject(setScope(trace.setSpan(active, span), scope), headers);
  };
}

/** A consumed message: its headers are believed when the broker is trusted (SHOP_OTEL_TRUSTED_PEERS has `amqp`, the default). */
export function consumeHook(trust: PeerTrust) {
  return (span: Span, info: { msg: { content?: unknown } }): void => {
    const scope = scopeOfSpan(span);
    if (scope === undefined) return;
    scope.trust(trust.amqp);
    if (scope.complete) return;
    offerFromJsonText(scope, info.msg.content, 'consumed message payload');
    if (scope.orderId !== undefined) span.setAttribute(ATTR_ORDER_ID, scope.orderId);
    if (scope.customerId !== undefined) span.setAttribute(ATTR_CUSTOMER_ID, scope.customerId);
  };
}
