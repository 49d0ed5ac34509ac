import { propagation, trace, type Baggage, type Context, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import { W3CBaggagePropagator, isTracingSuppressed } from '@opentelemetry/core';
import { BAGGAGE_CUSTOMER_ID, BAGGAGE_DEBUG, BAGGAGE_ORDER_ID, BAGGAGE_ORDER_SINCE, HEADER_CUSTOMER_ID, HEADER_DEBUG, HEADER_ORDER_ID } from '../attributes';
import { debugControl } from '../policy/debug-control';
import { BusinessScope, getScope, setScope, type IdSettings } from './scope';
import { BaggageDestinations } from './trust';
import { normalizeId } from './validate';

/**
 * W3C baggage, plus the business IDs, across the trust boundary (see trust.ts).
 *
 * extract: every incoming request and consumed message gets a fresh BusinessScope. The
 * `shop.order.id` / `shop.customer.id` baggage entries or the `x-order-id` / `x-customer-id`
 * headers are validated and held as *propagated*: the instrumentation believes them only once
 * it knows the sender is trusted (BusinessScope.trust, from the HTTP request hook and the AMQP
 * consume hook). A DEBUG marker is signed and bound to one trace, so it is checked here for
 * anyone (policy/debug-control.ts).
 * inject: the scope's IDs join whatever baggage the context carries — minus what an untrusted
 * peer sent — and go only to internal destinations and the listed hosts; elsewhere no baggage
 * header is written at all.
 */
export class BusinessIdPropagator implements TextMapPropagator {
  private readonly baggage = new W3CBaggagePropagator();
  private readonly destinations: BaggageDestinations;

  constructor(
    private readonly settings: IdSettings,
    baggageHosts: readonly string[] = [],
  ) {
    this.destinations = new BaggageDestinations(baggageHosts);
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    if (!this.mayReceiveBaggage(context)) return;
    const scope = getScope(context);
    let bag = propagation.getBaggage(context);
    if (bag !== undefined && scope?.untrustedBaggage !== undefined) bag = withoutEntriesOf(bag, scope.untrustedBaggage);
    if (scope && (scope.orderId !== undefined || scope.customerId !== undefined || scope.debug !== undefined)) {
      if (bag === undefined) {
        // The usual case (the request carried no baggage): the header W3CBaggagePropagator would
        // write for a baggage of just these entries, without building the baggage, the context and
        // the key pairs (in process 4.0 against 0.5 µs; bench/micro/span-start.mjs, "baggage").
        if (!isTracingSuppressed(context)) {
          const header = idsBaggageHeader(scope.orderId, scope.orderId !== undefined ? scope.orderSince : undefined, scope.customerId, scope.debug);
          if (header.length > 0) setter.set(carrier, 'baggage', header);
        }
        return;
      }
      if (scope.orderId !== undefined) bag = bag.setEntry(BAGGAGE_ORDER_ID, { value: scope.orderId });
      if (scope.orderSince !== undefined && scope.orderId !== undefined) bag = bag.setEntry(BAGGAGE_ORDER_SINCE, { value: String(scope.orderSince) });
      if (scope.customerId !== undefined) bag = bag.setEntry(BAGGAGE_CUSTOMER_ID, { value: scope.customerId });
      if (scope.debug !== undefined) bag = bag.setEntry(BAGGAGE_DEBUG, { value: scope.debug });
    }
    if (bag === undefined) return;
    this.baggage.inject(propagation.setBaggage(context, bag), carrier, setter);
  }

  /**
   * The destination, from the client or producer span the instrumentation injects for
   * (`server.address`). A message goes to the broker and from there to this shop's own
   * consumers: it counts as internal. No span, no address: no baggage.
   */
  private mayReceiveBaggage(context: Context): boolean {
    const span = trace.getSpan(context) as unknown as { attributes?: Record<string, unknown> } | undefined;
    const attrs = span?.attributes;
    if (attrs === undefined) return false;
    if (attrs['messaging.system'] !== undefined) return true;
    const host = attrs['server.address'] ?? attrs['net.peer.name'];
    return typeof host === 'string' && this.destinations.allowed(host);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    context = this.baggage.extract(context, carrier, getter);
    const scope = new BusinessScope(this.settings, getScope(context));
    const bag = propagation.getBaggage(context);
    const max = this.settings.maxLength;
    const orderId = normalizeId(bag?.getEntry(BAGGAGE_ORDER_ID)?.value ?? headerValue(getter, carrier, HEADER_ORDER_ID), max, 'incoming baggage/header');
    const customerId = normalizeId(bag?.getEntry(BAGGAGE_CUSTOMER_ID)?.value ?? headerValue(getter, carrier, HEADER_CUSTOMER_ID), max, 'incoming baggage/header');
    const since = Number(bag?.getEntry(BAGGAGE_ORDER_SINCE)?.value);
    if (orderId !== undefined || customerId !== undefined || bag !== undefined) {
      scope.propagated = {
        orderId,
        customerId,
        orderSince: orderId !== undefined && Number.isSafeInteger(since) && since > 0 && since <= Date.now() + 60_000 ? since : undefined,
        baggage: bag,
      };
    }
    const marker = bag?.getEntry(BAGGAGE_DEBUG)?.value ?? headerValue(getter, carrier, HEADER_DEBUG);
    if (typeof marker === 'string' && marker.length > 0 && marker !== scope.debug) {
      const check = debugControl.check(marker, trace.getSpanContext(context)?.traceId);
      scope.debug = check.ok ? marker : undefined;
      if (!check.ok) scope.debugRejected = check.reason;
    }
    return setScope(context, scope);
  }

  fields(): string[] {
    return this.baggage.fields();
  }
}

// W3CBaggagePropagator's limits (core's baggage/constants): a pair longer than 4096 characters is
// left out, and a pair that would take the header past 8192.
const MAX_PAIR = 4096;
const MAX_HEADER = 8192;
const KEY_ORDER_ID = encodeURIComponent(BAGGAGE_ORDER_ID);
const KEY_ORDER_SINCE = encodeURIComponent(BAGGAGE_ORDER_SINCE);
const KEY_CUSTOMER_ID = encodeURIComponent(BAGGAGE_CUSTOMER_ID);
const KEY_DEBUG = encodeURIComponent(BAGGAGE_DEBUG);

function addPair(header: string, key: string, value: string | undefined): string {
  if (value === undefined) return header;
  const pair = `${key}=${encodeURIComponent(value)}`;
  if (pair.length > MAX_PAIR) return header;
  const next = header === '' ? pair : `${header},${pair}`;
  return next.length > MAX_HEADER ? header : next;
}

/** The baggage header of the entries order ID, order since, customer ID and DEBUG marker, in that order, as W3CBaggagePropagator serialises them. */
export function idsBaggageHeader(orderId: string | undefined, orderSince: number | undefined, customerId: string | undefined, debug: string | undefined): string {
  let header = addPair('', KEY_ORDER_ID, orderId);
  header = addPair(header, KEY_ORDER_SINCE, orderSince === undefined ? undefined : String(orderSince));
  header = addPair(header, KEY_CUSTOMER_ID, customerId);
  return addPair(header, KEY_DEBUG, debug);
}

/** `bag` without the entries that came, unchanged, from an untrusted peer. */
function withoutEntriesOf(bag: Baggage, untrusted: Baggage): Baggage {
  let out = bag;
  for (const [key, entry] of untrusted.getAllEntries()) {
    if (out.getEntry(key)?.value === entry.value) out = out.removeEntry(key);
  }
  return out;
}

function headerValue(getter: TextMapGetter, carrier: unknown, name: string): unknown {
  const v = getter.get(carrier, name);
  return Array.isArray(v) ? v[0] : v;
}
