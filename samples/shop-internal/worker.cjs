// Internal shop container (CommonJS): the order business logic. Consumes order.created, checks
// and reserves stock, accepts or rejects the order, hands accepted orders to the MES.
const common = require('../lib/common.cjs');
const { events } = require('shop-otel');

const { config, createLogger, connectAmqp, publish, createPool, onShutdown } = common;
const logger = createLogger('shop-internal');

async function main() {
  const pool = createPool(config.shopDbUrl);
  const { connection, channel } = await connectAmqp(logger);
  await channel.prefetch(10);

  async function check(order) {
    events.operationStep({ type: 'order-check', step: 'validate items', orderId: order.orderId });
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // Rows locked in one order (by SKU) by every check: two orders reserving the same products
      // in opposite orders would otherwise deadlock under a burst, and one of them fail its check.
      const items = [...order.items].sort((a, b) => String(a.sku).localeCompare(String(b.sku)));
      for (const item of items) {
        events.operationStep({ type: 'order-check', step: `reserve ${item.sku}`, orderId: order.orderId });
        const r = await client.query('UPDATE products SET stock = stock - $2 WHERE sku = $1 AND stock >= $2', [String(item.sku), Math.max(1, Number(item.quantity) || 1)]);
        if (r.rowCount === 0) {
          await client.query('ROLLBACK');
          return 'rejected';
        }
      }
      await client.query("UPDATE orders SET status = 'accepted', updated_at = now() WHERE id = $1", [order.orderId]);
      await client.query('COMMIT');
      return 'accepted';
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    } finally {
      client.release();
    }
  }

  const { consumerTag } = await channel.consume(common.queue('shop-internal.orders'), async (msg) => {
    if (!msg) return;
    let order;
    try {
      order = JSON.parse(msg.content.toString('utf8'));
      if (typeof order.orderId !== 'string' || !Array.isArray(order.items)) throw new Error('missing orderId or items');
    } catch (err) {
      logger.error('malformed order message', { error: err.message, messageId: msg.properties.messageId });
      return channel.nack(msg, false, false);
    }
    try {
      const result = await check(order);
      if (result === 'rejected') await pool.query("UPDATE orders SET status = 'rejected', updated_at = now() WHERE id = $1", [order.orderId]);
      events.operationCompleted({ type: 'order-check', result, orderId: order.orderId });
      logger.info('order checked', { orderId: order.orderId, result });
      await publish(channel, 'order.status_changed', { orderId: order.orderId, customerId: order.customerId, status: result });
      if (result === 'accepted') await publish(channel, 'order.accepted', order);
      channel.ack(msg);
    } catch (err) {
      events.operationFailed({ type: 'order-check', error: err, orderId: order.orderId });
      logger.error('order check failed', { orderId: order.orderId, error: err.message });
      channel.nack(msg, false, false);
    }
  });
  logger.info('shop-internal consuming', { queue: common.queue('shop-internal.orders') });
  onShutdown(logger, [() => channel.cancel(consumerTag), () => channel.close(), () => connection.close(), () => pool.end()]);
}

main().catch((err) => {
  logger.error('shop-internal failed to start', { error: err.message });
  process.exitCode = 1;
});
