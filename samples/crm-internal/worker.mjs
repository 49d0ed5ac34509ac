// CRM container (ESM): turns order status changes into customer interactions (notifications),
// recorded through the CRM API.
import common from '../lib/common.cjs';
import { events } from 'shop-otel';

const { config, createLogger, connectAmqp, onShutdown, getJson } = common;
const logger = createLogger('crm-internal');
const { connection, channel } = await connectAmqp(logger);
await channel.prefetch(10);

const { consumerTag } = await channel.consume(common.queue('crm.order-status'), async (msg) => {
  if (!msg) return;
  let change;
  try {
    change = JSON.parse(msg.content.toString('utf8'));
  } catch {
    logger.error('malformed status message', { messageId: msg.properties.messageId });
    return channel.nack(msg, false, false);
  }
  const type = `order-${change.status}-notification`;
  try {
    const r = await getJson(`${config.crmApiUrl}/customers/${encodeURIComponent(change.customerId)}/interactions`, { method: 'POST', body: JSON.stringify({ type, orderId: change.orderId }) });
    if (r.status !== 201) throw new Error(`CRM answered ${r.status}`);
    events.crmInteraction({ customerId: change.customerId, type, orderId: change.orderId });
    logger.info('customer notified', { customerId: change.customerId, orderId: change.orderId, status: change.status });
    channel.ack(msg);
  } catch (err) {
    events.crmInteractionFailed({ customerId: change.customerId, type, error: err });
    logger.error('customer notification failed', { customerId: change.customerId, error: err.message });
    channel.nack(msg, false, false);
  }
});
logger.info('crm-internal consuming', { queue: common.queue('crm.order-status') });
onShutdown(logger, [() => channel.cancel(consumerTag), () => channel.close(), () => connection.close()]);
