/**
 * shop-otel's public API. Most services need none of it: `node --import shop-otel/register`
 * does everything. These cover what cannot be inferred.
 */
export { start, type ShopOtel } from './sdk';
export { setOrderId, setCustomerId, getBusinessIds, withBusinessIds, type BusinessIds } from './business-ids/api';
export { resolveConfig, type ShopOtelConfig, type ShopOtelOptions } from './config';
export * from './attributes';
export { VERSION } from './version';
export { events } from './policy/events-api';
export { emitEvent, type EmitOptions } from './policy/emitter';
export { mintDebugMarker } from './policy/debug-control';
export { EVENTS, COMPONENTS, LEVELS, type EventName, type ComponentName, type Level } from './policy/schema';
