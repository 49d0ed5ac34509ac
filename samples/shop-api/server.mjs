// Shop API (ESM): the storefront. Creates orders, shows them, takes status updates from the MES.
import express from 'express';
import common from '../lib/common.cjs';
import { events } from 'shop-otel';

const { config, createLogger, connectAmqp, publish, createPool, onShutdown, getJson } = common;
const logger = createLogger('shop-api');
const pool = createPool(config.shopDbUrl);
const { connection, channel } = await connectAmqp(logger);
const app = express();
app.use(express.json({ limit: '64kb' }));

const newOrderId = () => `ord_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;

// Faults on demand (ADMIN_ROUTES=1, for the alerting tests and the demo: traffic.mjs --fault):
// POST /admin/faults {"errors": true} makes order creation fail with 500 until set back to false;
// POST /admin/critical logs one CRITICAL record (the payment provider "unreachable").
const faults = { errors: false };
if (process.env.ADMIN_ROUTES === '1') {
  app.post('/admin/faults', (req, res) => {
    if (typeof req.body?.errors === 'boolean') faults.errors = req.body.errors;
    res.json(faults);
  });
  app.post('/admin/critical', (req, res) => {
    logger.log('crit', 'payment provider unreachable: orders cannot be charged', { provider: 'sample-pay' });
    res.status(202).json({ logged: 'crit' });
  });
}

app.post('/orders', async (req, res) => {
  if (faults.errors) throw new Error('injected fault: order service unavailable');
  const { customerId, items } = req.body ?? {};
  if (typeof customerId !== 'string' || !Array.isArray(items) || items.length === 0 || items.length > 20) {
    logger.warn('order rejected: malformed request', { customerId: typeof customerId === 'string' ? customerId : undefined });
    return res.status(400).json({ error: 'customerId and 1-20 items are required' });
  }
  const customer = await getJson(`${config.crmApiUrl}/customers/${encodeURIComponent(customerId)}`);
  if (customer.status === 404) {
    logger.warn('order rejected: unknown customer', { customerId });
    return res.status(422).json({ error: 'unknown customer' });
  }
  if (customer.status !== 200) throw new Error(`CRM answered ${customer.status}`);
  const skus = items.map((i) => String(i.sku));
  const { rows: products } = await pool.query('SELECT sku, price_cents FROM products WHERE sku = ANY($1)', [skus]);
  const prices = new Map(products.map((p) => [p.sku, p.price_cents]));
  if (skus.some((s) => !prices.has(s))) return res.status(422).json({ error: 'unknown product' });
  const total = items.reduce((sum, i) => sum + prices.get(String(i.sku)) * Math.max(1, Number(i.quantity) || 1), 0);

  const orderId = newOrderId();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('INSERT INTO orders (id, customer_id, status, total_cents) VALUES ($1, $2, $3, $4)', [orderId, customerId, 'created', total]);
    for (const i of items) {
      await client.query('INSERT INTO order_items (order_id, sku, quantity, model_file_id) VALUES ($1, $2, $3, $4)', [orderId, String(i.sku), Math.max(1, Number(i.quantity) || 1), i.modelFileId ?? null]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
  events.orderCreated({ orderId, customerId });
  logger.info('order created', { orderId, customerId, items: items.length, totalCents: total });
  await publish(channel, 'order.created', { orderId, customerId, items });
  res.status(201).json({ orderId, status: 'created', totalCents: total });
});

app.get('/orders/:orderId', async (req, res) => {
  const { rows } = await pool.query('SELECT id, customer_id, status, total_cents, created_at, updated_at FROM orders WHERE id = $1', [req.params.orderId]);
  if (rows.length === 0) return res.status(404).json({ error: 'no such order' });
  res.json(rows[0]);
});

const STATUSES = new Set(['accepted', 'rejected', 'printing', 'printed', 'shipped', 'failed', 'cancelled']);
app.patch('/orders/:orderId/status', async (req, res) => {
  const { status } = req.body ?? {};
  if (!STATUSES.has(status)) return res.status(400).json({ error: 'unknown status' });
  const { rows } = await pool.query('UPDATE orders SET status = $2, updated_at = now() WHERE id = $1 RETURNING customer_id', [req.params.orderId, status]);
  if (rows.length === 0) return res.status(404).json({ error: 'no such order' });
  // The Shop API faces customers and believes no caller's IDs or baggage (the MES's included):
  // it names the order's customer itself, from its own database.
  logger.info('order status updated', { orderId: req.params.orderId, customerId: rows[0].customer_id, status });
  events.orderStatusChanged({ orderId: req.params.orderId, status });
  await publish(channel, 'order.status_changed', { orderId: req.params.orderId, customerId: rows[0].customer_id, status });
  res.json({ orderId: req.params.orderId, status });
});

app.get('/health', (req, res) => res.send('ok'));

// Errors thrown by handlers: bad input is a 4xx warning; anything else is logged and answered
// with 500 (the policy then reports shop.order.failed).
app.use((err, req, res, next) => {
  const status = Number.isInteger(err.status) && err.status >= 400 && err.status < 500 ? err.status : 500;
  if (status < 500) logger.warn('bad request', { error: err.message, path: req.path });
  else logger.error('order processing failed', { error: err.message, path: req.path });
  if (!res.headersSent) res.status(status).json({ error: status < 500 ? 'bad request' : 'internal error' });
});

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, '127.0.0.1', () => logger.info('shop-api listening', { port }));
onShutdown(logger, [() => new Promise((r) => server.close(r)), () => channel.close(), () => connection.close(), () => pool.end()]);
