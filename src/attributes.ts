/**
 * Attribute, baggage and header names that shop-otel writes or reads, in one place. Operators'
 * alert rules, dashboards and SIEM parsers depend on these names: change them only with a
 * migration note.
 */
export const ATTR_ORDER_ID = 'shop.order.id' as const;
export const ATTR_CUSTOMER_ID = 'shop.customer.id' as const;
export const ATTR_COMPONENT = 'shop.component' as const;

/** W3C baggage keys that carry the business IDs between services (HTTP and AMQP alike). */
export const BAGGAGE_ORDER_ID = ATTR_ORDER_ID;
export const BAGGAGE_CUSTOMER_ID = ATTR_CUSTOMER_ID;

/** When the order first appeared in its journey (epoch ms), for the MES delay rule. */
export const BAGGAGE_ORDER_SINCE = 'shop.order.since' as const;
/** A signed per-request DEBUG marker (see policy/debug-control.ts). */
export const BAGGAGE_DEBUG = 'shop.debug' as const;
export const HEADER_DEBUG = 'x-shop-debug' as const;

/** Plain headers a caller may set instead of baggage (HTTP request headers, AMQP message headers). */
export const HEADER_ORDER_ID = 'x-order-id' as const;
export const HEADER_CUSTOMER_ID = 'x-customer-id' as const;

/** Field names looked up in route/query parameters, JSON bodies, message payloads and log metadata. */
export const DEFAULT_ORDER_ID_FIELDS = ['orderId', 'order_id'] as const;
export const DEFAULT_CUSTOMER_ID_FIELDS = ['customerId', 'customer_id'] as const;

export type BusinessIdKind = 'order' | 'customer';
