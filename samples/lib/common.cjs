// Plain helpers shared by the sample services: configuration from the environment, a winston
// logger, the RabbitMQ topology, graceful shutdown. No telemetry code: shop-otel is preloaded.
const winston = require('winston');
const amqp = require('amqplib');
const pg = require('pg');

const env = (name, dflt) => process.env[name] ?? dflt;

const config = {
  shopDbUrl: env('SHOP_DB_URL', 'postgres://shop:shop@127.0.0.1:5432/shop'),
  mesDbUrl: env('MES_DB_URL', 'postgres://shop:shop@127.0.0.1:5432/mes'),
  amqpUrl: env('AMQP_URL', 'amqp://guest:guest@127.0.0.1:5672'),
  shopApiUrl: env('SHOP_API_URL', 'http://127.0.0.1:3000'),
  crmApiUrl: env('CRM_API_URL', 'http://127.0.0.1:3001'),
  mesApiUrl: env('MES_API_URL', 'http://127.0.0.1:3002'),
  fileStoreUrl: env('FILE_STORE_URL', 'http://127.0.0.1:3003'),
};

function createLogger(service) {
  return winston.createLogger({
    // npm's levels plus `crit` above `error`: the policy's CRITICAL (shop-otel maps it to severity 21).
    levels: { crit: 0, error: 1, warn: 2, info: 3, http: 4, verbose: 5, debug: 6, silly: 7 },
    level: env('LOG_LEVEL', 'info'),
    defaultMeta: { service },
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console()],
  });
}

// The message flow: one topic exchange for the shop's events, a dead-letter exchange for what
// consumers reject. queue <- routing key:
//   shop-internal.orders  <- order.created         (internal shop container)
//   mes.orders            <- order.accepted        (MES)
//   crm.order-status      <- order.status_changed  (CRM container)
// AMQP_NAMESPACE (default none) prefixes every exchange and queue name, so that two shops can share
// one broker without consuming each other's messages (the tests run two at once).
const NS = process.env.AMQP_NAMESPACE ?? '';
const name = (n) => `${NS}${n}`;
const EXCHANGE = name('shop.events');
const DLX = name('shop.dlx');
const DEAD_LETTERS = name('shop.dead-letters');
const QUEUES = {
  [name('shop-internal.orders')]: 'order.created',
  [name('mes.orders')]: 'order.accepted',
  [name('crm.order-status')]: 'order.status_changed',
};

async function connectAmqp(logger) {
  for (let attempt = 1; ; attempt++) {
    try {
      const connection = await amqp.connect(config.amqpUrl);
      const channel = await connection.createConfirmChannel();
      await channel.assertExchange(EXCHANGE, 'topic', { durable: true });
      await channel.assertExchange(DLX, 'fanout', { durable: true });
      await channel.assertQueue(DEAD_LETTERS, { durable: true });
      await channel.bindQueue(DEAD_LETTERS, DLX, '');
      for (const [queue, key] of Object.entries(QUEUES)) {
        await channel.assertQueue(queue, { durable: true, deadLetterExchange: DLX });
        await channel.bindQueue(queue, EXCHANGE, key);
      }
      channel.on('return', (msg) => logger.warn('message returned unroutable', { routingKey: msg.fields.routingKey }));
      channel.on('error', (err) => logger.error('channel error', { error: err.message }));
      connection.on('error', (err) => logger.error('connection error', { error: err.message }));
      return { connection, channel };
    } catch (err) {
      if (attempt >= 20) throw err;
      logger.warn('message broker not reachable yet, retrying', { attempt, error: err.message });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Publish a JSON event to the shop's exchange, persistent, with a message ID and a timestamp. */
function publish(channel, routingKey, payload) {
  const messageId = `${routingKey}-${payload.orderId ?? ''}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  return new Promise((resolve, reject) => {
    channel.publish(EXCHANGE, routingKey, Buffer.from(JSON.stringify(payload)), {
      persistent: true, contentType: 'application/json', messageId, timestamp: Math.floor(Date.now() / 1000), mandatory: true,
    }, (err) => (err ? reject(err) : resolve(messageId)));
  });
}

function createPool(url) {
  const pool = new pg.Pool({ connectionString: url, max: 5 });
  pool.on('error', () => {}); // idle client errors are reported by the query that meets them
  return pool;
}

/** Stop accepting work, finish what is in flight, close resources, let the process end. */
function onShutdown(logger, closers) {
  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    for (const close of closers) {
      try {
        await close();
      } catch (err) {
        logger.warn('error while closing', { error: err.message });
      }
    }
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function getJson(url, options = {}) {
  const res = await fetch(url, { ...options, headers: { 'content-type': 'application/json', ...(options.headers ?? {}) } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

module.exports = { config, createLogger, connectAmqp, publish, createPool, onShutdown, getJson, EXCHANGE, QUEUES, queue: name };
