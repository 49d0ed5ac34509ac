import { context as apiContext, type Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR_COMPONENT, ATTR_CUSTOMER_ID, ATTR_ORDER_ID } from '../attributes';
import { offerFromObject } from './extract';
import { BusinessScope, getScope, type IdSettings } from './scope';

/**
 * Business IDs (and the service's policy component) on every log record.
 *
 * A record emitted inside a request gets the request's IDs. The record's own metadata counts as
 * a discovery: `logger.info('order created', { orderId })` teaches the request its order ID, so
 * the spans of that request (see BusinessIdSpanProcessor) and everything it calls afterwards
 * carry it too.
 */
export class BusinessIdLogProcessor implements LogRecordProcessor {
  constructor(
    private readonly component: string | undefined,
    private readonly settings: IdSettings,
  ) {}

  onEmit(record: ReadWriteLogRecord, ctx?: Context): void {
    if (this.component !== undefined && record.attributes[ATTR_COMPONENT] === undefined) {
      record.setAttribute(ATTR_COMPONENT, this.component);
    }
    // Outside a request, the record's own metadata still names its IDs (a throwaway scope).
    const scope = getScope(ctx ?? apiContext.active()) ?? new BusinessScope(this.settings);
    const attrs = record.attributes;
    if (!scope.complete) offerFromObject(scope, attrs, 'log record');
    if (scope.orderId !== undefined && attrs[ATTR_ORDER_ID] === undefined) record.setAttribute(ATTR_ORDER_ID, scope.orderId);
    if (scope.customerId !== undefined && attrs[ATTR_CUSTOMER_ID] === undefined) record.setAttribute(ATTR_CUSTOMER_ID, scope.customerId);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
