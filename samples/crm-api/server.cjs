// CRM API (CommonJS): customer profiles and interactions, in the Shop DB.
const express = require('express');
const common = require('../lib/common.cjs');
const { events } = require('shop-otel');

const { config, createLogger, createPool, onShutdown } = common;
const logger = createLogger('crm-api');
const pool = createPool(config.shopDbUrl);
const app = express();
app.use(express.json({ limit: '16kb' }));

app.get('/customers/:customerId', async (req, res) => {
  const { rows } = await pool.query('SELECT id, name, email, phone, address, updated_at FROM customers WHERE id = $1', [req.params.customerId]);
  if (rows.length === 0) return res.status(404).json({ error: 'no such customer' });
  res.json(rows[0]);
});

const EDITABLE = ['name', 'email', 'phone', 'address'];
app.patch('/customers/:customerId', async (req, res) => {
  const changes = Object.fromEntries(Object.entries(req.body ?? {}).filter(([k, v]) => EDITABLE.includes(k) && typeof v === 'string'));
  const fields = Object.keys(changes);
  if (fields.length === 0) return res.status(400).json({ error: `nothing to change (editable: ${EDITABLE.join(', ')})` });
  const sets = fields.map((f, i) => `${f} = $${i + 2}`).join(', ');
  const { rowCount } = await pool.query(`UPDATE customers SET ${sets}, updated_at = now() WHERE id = $1`, [req.params.customerId, ...fields.map((f) => changes[f])]);
  if (rowCount === 0) return res.status(404).json({ error: 'no such customer' });
  events.customerProfileUpdated({ customerId: req.params.customerId, changes: fields });
  logger.info('customer profile updated', { customerId: req.params.customerId, fields });
  res.json({ customerId: req.params.customerId, updated: fields });
});

app.post('/customers/:customerId/interactions', async (req, res) => {
  const { type, orderId } = req.body ?? {};
  if (typeof type !== 'string') return res.status(400).json({ error: 'type required' });
  await pool.query('INSERT INTO interactions (customer_id, order_id, kind) VALUES ($1, $2, $3)', [req.params.customerId, orderId ?? null, type]);
  res.status(201).json({ ok: true });
});

app.get('/health', (req, res) => res.send('ok'));
app.use((err, req, res, next) => {
  const status = Number.isInteger(err.status) && err.status >= 400 && err.status < 500 ? err.status : 500;
  if (status < 500) logger.warn('bad request', { error: err.message, path: req.path });
  else logger.error('customer request failed', { error: err.message, path: req.path });
  if (!res.headersSent) res.status(status).json({ error: status < 500 ? 'bad request' : 'internal error' });
});

const port = Number(process.env.PORT ?? 3001);
const server = app.listen(port, '127.0.0.1', () => logger.info('crm-api listening', { port }));
onShutdown(logger, [() => new Promise((r) => server.close(r)), () => pool.end()]);
