// MES API (CommonJS): production. Consumes accepted orders, fetches and verifies each item's 3D
// model from the file store, "prints" it, and reports every status back to the Shop API.
const { createHash } = require('node:crypto');
const express = require('express');
const common = require('../lib/common.cjs');
const { events } = require('shop-otel');

const { config, createLogger, connectAmqp, createPool, onShutdown, getJson } = common;
const logger = createLogger('mes-api');
const PRINT_MS = Number(process.env.PRINT_MS ?? 40);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const pool = createPool(config.mesDbUrl);
  const { connection, channel } = await connectAmqp(logger);
  await channel.prefetch(5);

  async function report(orderId, status) {
    await pool.query('UPDATE jobs SET status = $2, updated_at = now() WHERE order_id = $1', [orderId, status]);
    events.mesOrderProcessed({ orderId, status });
    const r = await getJson(`${config.shopApiUrl}/orders/${encodeURIComponent(orderId)}/status`, { method: 'PATCH', body: JSON.stringify({ status }) });
    if (r.status !== 200) throw new Error(`Shop API answered ${r.status} to status ${status}`);
  }

  async function fetchModel(fileId) {
    const res = await fetch(`${config.fileStoreUrl}/files/${encodeURIComponent(fileId)}`);
    if (res.status !== 200) throw Object.assign(new Error(`model ${fileId} not available (${res.status})`), { code: 'MODEL_UNAVAILABLE' });
    const bytes = Buffer.from(await res.arrayBuffer());
    const expected = res.headers.get('x-checksum-sha256');
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (expected !== actual) {
      events.fileIntegrityFailed({ fileId, expected: expected ?? undefined, actual });
      logger.warn('model file failed its integrity check', { fileId });
      throw Object.assign(new Error(`model ${fileId} is corrupt`), { code: 'MODEL_CORRUPT' });
    }
    return bytes.length;
  }

  // Slow processing on demand (ADMIN_ROUTES=1): POST /admin/faults {"slowMs": 3000} adds that much
  // to every order (traffic.mjs --fault slow-mes); {"slowMs": 0} ends it.
  const faults = { slowMs: 0 };

  async function produce(order) {
    if (faults.slowMs > 0) await sleep(faults.slowMs);
    await pool.query('INSERT INTO jobs (order_id, customer_id, status, items) VALUES ($1, $2, $3, $4) ON CONFLICT (order_id) DO NOTHING', [order.orderId, order.customerId, 'queued', order.items.length]);
    for (const item of order.items) if (item.modelFileId) await fetchModel(item.modelFileId);
    await report(order.orderId, 'printing');
    await sleep(PRINT_MS);
    await report(order.orderId, 'printed');
    await sleep(PRINT_MS / 2);
    await report(order.orderId, 'shipped');
    logger.info('order produced', { orderId: order.orderId });
  }

  const { consumerTag } = await channel.consume(common.queue('mes.orders'), async (msg) => {
    if (!msg) return;
    let order;
    try {
      order = JSON.parse(msg.content.toString('utf8'));
    } catch {
      logger.error('malformed production message', { messageId: msg.properties.messageId });
      return channel.nack(msg, false, false);
    }
    try {
      await produce(order);
      channel.ack(msg);
    } catch (err) {
      events.mesOrderFailed({ orderId: order.orderId, error: err });
      logger.error('production failed', { orderId: order.orderId, error: err.message });
      await report(order.orderId, 'failed').catch(() => undefined);
      channel.ack(msg); // the failure is recorded on the order; do not redeliver
    }
  });

  const app = express();
  if (process.env.ADMIN_ROUTES === '1') {
    app.post('/admin/faults', express.json(), (req, res) => {
      if (Number.isInteger(req.body?.slowMs) && req.body.slowMs >= 0) faults.slowMs = req.body.slowMs;
      res.json(faults);
    });
  }
  app.get('/jobs/:orderId', async (req, res) => {
    const { rows } = await pool.query('SELECT order_id, status, items, created_at, updated_at FROM jobs WHERE order_id = $1', [req.params.orderId]);
    if (rows.length === 0) return res.status(404).json({ error: 'no such job' });
    res.json(rows[0]);
  });
  app.get('/health', (req, res) => res.send('ok'));
  const port = Number(process.env.PORT ?? 3002);
  const server = app.listen(port, '127.0.0.1', () => logger.info('mes-api listening', { port }));
  onShutdown(logger, [() => new Promise((r) => server.close(r)), () => channel.cancel(consumerTag), () => channel.close(), () => connection.close(), () => pool.end()]);
}

main().catch((err) => {
  logger.error('mes-api failed to start', { error: err.message });
  process.exitCode = 1;
});
