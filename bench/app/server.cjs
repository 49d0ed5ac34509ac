// The benchmarked service: the order flow of the sample shop (samples/shop-api) in one process,
// with no telemetry code. express 5 + pg + amqplib + winston, as a CommonJS app so that every
// variant's documented preload (--require or --import) instruments it the same way.
//   POST /orders          validate, INSERT (pg), log "order created" (winston), publish order.created (amqplib), 201
//   GET  /orders/:orderId SELECT (pg), log "order looked up", 200/404
//   POST /log-burst?n=N   N winston calls inside the request (the log-call cost figure)
//   GET  /health          no I/O (the start-up probe)
'use strict';
const express = require('express');
const pg = require('pg');
const amqp = require('amqplib');
const winston = require('winston');

const { PORT = '0', DATABASE_URL, AMQP_URL, TABLE = 'bench_orders', EXCHANGE = 'bench.events', QUEUE = 'bench.orders' } = process.env;

const logger = winston.createLogger({
  level: 'info',
  format: winston.format.json(),
  // The runner points stdout at /dev/null: the transport's own write cost stays in every variant.
  transports: [new winston.transports.Console()],
});

async function main() {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 8 });
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await channel.assertExchange(EXCHANGE, 'topic', { durable: false });
  // Bounded: nothing consumes in the benchmark, RabbitMQ drops the oldest.
  await channel.assertQueue(QUEUE, { durable: false, arguments: { 'x-max-length': 10000 } });
  await channel.bindQueue(QUEUE, EXCHANGE, 'order.created');

  const app = express();
  app.use(express.json());

  app.post('/orders', async (req, res) => {
    const { customerId, items = [], email } = req.body ?? {};
    if (!customerId || !Array.isArray(items) || items.length === 0) return res.status(400).json({ error: 'customerId and items required' });
    try {
      const orderId = `ord_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
      const total = items.reduce((s, i) => s + Number(i.qty ?? 1) * Number(i.price ?? 0), 0);
      await pool.query(`INSERT INTO ${TABLE} (id, customer_id, status, email, items, total) VALUES ($1, $2, 'created', $3, $4, $5)`, [orderId, String(customerId), email ?? null, items.length, total]);
      logger.info('order created', { orderId, customerId, items: items.length, email });
      channel.publish(EXCHANGE, 'order.created', Buffer.from(JSON.stringify({ orderId, customerId, items })), { messageId: `msg-${orderId}`, contentType: 'application/json' });
      res.status(201).json({ orderId });
    } catch (err) {
      logger.error('order creation failed', { error: err.message });
      res.status(500).json({ error: 'internal' });
    }
  });

  app.get('/orders/:orderId', async (req, res) => {
    try {
      const { rows } = await pool.query(`SELECT id, customer_id, status, items, total FROM ${TABLE} WHERE id = $1`, [req.params.orderId]);
      logger.info('order looked up', { orderId: req.params.orderId, found: rows.length });
      if (rows.length === 0) return res.status(404).json({ error: 'not found' });
      res.json(rows[0]);
    } catch (err) {
      logger.error('order look-up failed', { error: err.message });
      res.status(500).json({ error: 'internal' });
    }
  });

  app.post('/log-burst', (req, res) => {
    const n = Number(req.query.n ?? 100);
    for (let i = 0; i < n; i++) logger.info('burst record', { seq: i, customerId: 'cust-0042' });
    res.json({ logged: n });
  });

  app.get('/health', (req, res) => res.send('ok'));

  // express 5 calls back on an error too (then the 'error' handler below says why and exits).
  const server = app.listen(Number(PORT), '127.0.0.1', (err) => {
    if (!err) process.stderr.write(`bench-app listening on ${server.address().port}\n`);
  });
  server.keepAliveTimeout = 65_000;
  server.on('error', (e) => {
    process.stderr.write(`bench-app cannot listen: ${e.message}\n`);
    process.exit(1);
  });

  process.on('SIGTERM', () => {
    server.close();
    server.closeIdleConnections();
    channel
      .close()
      .then(() => connection.close())
      .then(() => pool.end())
      .catch(() => undefined);
  });
}

main().catch((e) => {
  process.stderr.write(`bench-app failed to start: ${e.stack}\n`);
  process.exit(1);
});
