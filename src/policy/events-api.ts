import type { Attributes } from '@opentelemetry/api';
import { setCustomerId, setOrderId } from '../business-ids/api';
import { shopDiag } from '../diag';
import { emitEvent, errorType } from './emitter';

/**
 * The domain events of the user's logging policy, typed. Each call emits one log record with
 * `event.name`, the policy's level and the required attributes, correlated to the current trace
 * and carrying the business IDs. IDs passed here also become the request's IDs (every span and
 * record of it carries them). Nothing here throws.
 *
 *   import { events } from 'shop-otel';
 *   events.orderCreated({ orderId, customerId });
 */
type Extra = { attributes?: Attributes };
type Id = string | number;

function ids(orderId?: Id, customerId?: Id): Attributes {
  const out: Attributes = {};
  if (orderId !== undefined && setOrderId(orderId)) out['shop.order.id'] = String(orderId);
  if (customerId !== undefined && setCustomerId(customerId)) out['shop.customer.id'] = String(customerId);
  return out;
}

/** Field names only: a CRM change set never exports values. Missing or not a list/object: none (the event is marked incomplete). */
function fieldNames(changes: unknown): string[] | undefined {
  if (Array.isArray(changes)) return changes.slice(0, 256).map((c) => String(c));
  if (changes !== null && typeof changes === 'object') return Object.keys(changes).slice(0, 256);
  return undefined;
}

/**
 * Every method is wrapped: a call with missing or odd arguments (`customerProfileUpdated()`
 * without `changes`, `orderCreated(undefined)`) is a diagnostic, never a throw into the app.
 */
function guarded<T extends Record<string, (f: never) => void>>(api: T): T {
  const out = {} as Record<string, (f: unknown) => void>;
  for (const [name, fn] of Object.entries(api)) {
    out[name] = (f: unknown) => {
      try {
        (fn as (f: unknown) => void)(f ?? {});
      } catch (e) {
        shopDiag.debug(`events.${name}() failed`, e);
      }
    };
  }
  return out as unknown as T;
}

export const events = guarded({
  // Shop API
  orderCreated: (f: { orderId: Id; customerId: Id } & Extra) => emitEvent('shop.order.created', { ...f.attributes, ...ids(f.orderId, f.customerId) }, { body: 'order created' }),
  orderStatusChanged: (f: { orderId: Id; status: string } & Extra) =>
    emitEvent('shop.order.status_changed', { ...f.attributes, ...ids(f.orderId), 'shop.order.status': f.status }, { body: `order status changed to ${f.status}` }),
  orderFailed: (f: { orderId?: Id; error: unknown } & Extra) =>
    emitEvent('shop.order.failed', { ...f.attributes, ...ids(f.orderId), 'error.type': errorType(f.error) }, { body: 'order processing failed' }),

  // CRM API
  customerProfileUpdated: (f: { customerId: Id; changes: readonly string[] | Record<string, unknown> } & Extra) =>
    emitEvent('crm.customer.profile_updated', { ...f.attributes, ...ids(undefined, f.customerId), ...(fieldNames(f.changes) !== undefined ? { 'crm.changed_fields': fieldNames(f.changes) } : {}) }, { body: 'customer profile updated' }),
  customerFetchFailed: (f: { customerId?: Id; error: unknown } & Extra) =>
    emitEvent('crm.customer.fetch_failed', { ...f.attributes, ...ids(undefined, f.customerId), 'error.type': errorType(f.error) }, { body: 'customer data fetch failed' }),

  // MES API
  mesOrderProcessed: (f: { orderId: Id; status: string } & Extra) =>
    emitEvent('mes.order.processed', { ...f.attributes, ...ids(f.orderId), 'mes.processing.status': f.status }, { body: `order processing ${f.status}` }),
  mesOrderFailed: (f: { orderId?: Id; error: unknown } & Extra) =>
    emitEvent('mes.order.failed', { ...f.attributes, ...ids(f.orderId), 'error.type': errorType(f.error) }, { body: 'order processing error' }),
  mesOrderDelayed: (f: { orderId: Id; delayMs: number } & Extra) =>
    emitEvent('mes.order.delayed', { ...f.attributes, ...ids(f.orderId), 'mes.delay_ms': f.delayMs }, { body: 'order processing delayed' }),

  // Internal shop container
  operationCompleted: (f: { type: string; result: string; orderId?: Id } & Extra) =>
    emitEvent('shop.operation.completed', { ...f.attributes, ...ids(f.orderId), 'shop.operation.type': f.type, 'shop.operation.result': f.result }, { body: `${f.type}: ${f.result}` }),
  operationFailed: (f: { type: string; error: unknown; orderId?: Id } & Extra) =>
    emitEvent('shop.operation.failed', { ...f.attributes, ...ids(f.orderId), 'shop.operation.type': f.type, 'error.type': errorType(f.error) }, { body: `${f.type} failed` }),
  operationStep: (f: { type: string; step: string; orderId?: Id } & Extra) =>
    emitEvent('shop.operation.step', { ...f.attributes, ...ids(f.orderId), 'shop.operation.type': f.type, 'shop.operation.step': f.step }, { body: `${f.type}: ${f.step}` }),

  // CRM container
  crmInteraction: (f: { customerId: Id; type: string; orderId?: Id } & Extra) =>
    emitEvent('crm.interaction', { ...f.attributes, ...ids(f.orderId, f.customerId), 'crm.interaction.type': f.type }, { body: `customer interaction: ${f.type}` }),
  crmInteractionFailed: (f: { customerId?: Id; type: string; error: unknown } & Extra) =>
    emitEvent('crm.interaction.failed', { ...f.attributes, ...ids(undefined, f.customerId), 'crm.interaction.type': f.type, 'error.type': errorType(f.error) }, { body: `customer interaction ${f.type} failed` }),

  // 3D-file storage
  fileOperation: (f: { fileId: string; operation: string } & Extra) =>
    emitEvent('storage.file.operation', { ...f.attributes, 'storage.file.id': f.fileId, 'storage.operation.type': f.operation }, { body: `file ${f.operation}` }),
  fileAccessFailed: (f: { fileId?: string; operation: string; error: unknown } & Extra) =>
    emitEvent('storage.file.access_failed', { ...f.attributes, ...(f.fileId ? { 'storage.file.id': f.fileId } : {}), 'storage.operation.type': f.operation, 'error.type': errorType(f.error) }, { body: `file ${f.operation} failed` }),
  fileIntegrityFailed: (f: { fileId: string; expected?: string; actual?: string } & Extra) =>
    emitEvent(
      'storage.file.integrity_failed',
      { ...f.attributes, 'storage.file.id': f.fileId, ...(f.expected ? { 'storage.file.checksum.expected': f.expected } : {}), ...(f.actual ? { 'storage.file.checksum.actual': f.actual } : {}) },
      { body: 'file integrity check failed' },
    ),
});
