import { propagation, type Context, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import { W3CBaggagePropagator } from '@opentelemetry/core';
import { BAGGAGE_CUSTOMER_ID, BAGGAGE_DEBUG, BAGGAGE_ORDER_ID, BAGGAGE_ORDER_SINCE, HEADER_CUSTOMER_ID, HEADER_DEBUG, HEADER_ORDER_ID } from '../attributes';
import { debugControl } from '../policy/debug-control';
import { BusinessScope, getScope, setScope, type IdSettings } from './scope';

/**
 * W3C baggage, plus the business IDs.
 *
 * extract: every incoming request and consumed message gets a fresh BusinessScope, seeded from
 * the `shop.order.id` / `shop.customer.id` baggage entries or the `x-order-id` / `x-customer-id`
 * headers (validated: a forged or malformed value is dropped).
 * inject: the scope's IDs join whatever baggage the context carries, so every outgoing HTTP call
 * and every published message carries them to the next service.
 */
export class BusinessIdPropagator implements TextMapPropagator {
  private readonly baggage = new W3CBaggagePropagator();

  constructor(private readonly settings: IdSettings) {}

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const scope = getScope(context);
    if (scope && (scope.orderId !== undefined || scope.customerId !== undefined || scope.debug !== undefined)) {
      let bag = propagation.getBaggage(context) ?? propagation.createBaggage();
      if (scope.orderId !== undefined) bag = bag.setEntry(BAGGAGE_ORDER_ID, { value: scope.orderId });
      if (scope.orderSince !== undefined) bag = bag.setEntry(BAGGAGE_ORDER_SINCE, { value: String(scope.orderSince) });
      if (scope.customerId !== undefined) bag = bag.setEntry(BAGGAGE_CUSTOMER_ID, { value: scope.customerId });
      if (scope.debug !== undefined) bag = bag.setEntry(BAGGAGE_DEBUG, { value: scope.debug });
      context = propagation.setBaggage(context, bag);
    }
    this.baggage.inject(context, carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    context = this.baggage.extract(context, carrier, getter);
    const scope = new BusinessScope(this.settings, getScope(context));
    const bag = propagation.getBaggage(context);
    scope.offer('order', bag?.getEntry(BAGGAGE_ORDER_ID)?.value ?? headerValue(getter, carrier, HEADER_ORDER_ID), 'incoming baggage/header');
    scope.offer('customer', bag?.getEntry(BAGGAGE_CUSTOMER_ID)?.value ?? headerValue(getter, carrier, HEADER_CUSTOMER_ID), 'incoming baggage/header');
    const since = Number(bag?.getEntry(BAGGAGE_ORDER_SINCE)?.value);
    if (scope.orderId !== undefined && Number.isSafeInteger(since) && since > 0 && since <= Date.now() + 60_000) scope.orderSince = since;
    const marker = bag?.getEntry(BAGGAGE_DEBUG)?.value ?? headerValue(getter, carrier, HEADER_DEBUG);
    if (typeof marker === 'string' && marker.length > 0 && marker !== scope.debug) {
      const check = debugControl.check(marker);
      scope.debug = check.ok ? marker : undefined;
      if (!check.ok) scope.debugRejected = check.reason;
    }
    return setScope(context, scope);
  }

  fields(): string[] {
    return this.baggage.fields();
  }
}

function headerValue(getter: TextMapGetter, carrier: unknown, name: string): unknown {
  const v = getter.get(carrier, name);
  return Array.isArray(v) ? v[0] : v;
}
