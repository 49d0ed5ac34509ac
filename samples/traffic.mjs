// Drives realistic order journeys against the sample shop: orders for random seeded customers
// with 1–3 items (the rest of each journey happens through the queue: business checks, MES
// production, status updates, CRM notifications), order look-ups, CRM profile updates, and a
// few bad requests. Steady rate, then optional bursts; stops by itself and prints a summary.
//   node samples/traffic.mjs --rate 5 --duration 20 --burst 30 [--corrupt] [--fault NAME]…
// --fault (repeatable), switched on at the start and off at the end (ADMIN_ROUTES=1 services):
//   errors    order creation answers 500 (a 5xx burst in the Shop API)
//   critical  the Shop API logs one CRITICAL record
//   slow-mes  the MES takes 3 s more per order (processing delays)
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '5' },
    duration: { type: 'string', default: '10' },
    burst: { type: 'string', default: '0' },
    'bad-ratio': { type: 'string', default: '0.05' },
    corrupt: { type: 'boolean', default: false },
    'shop-url': { type: 'string', default: process.env.SHOP_API_URL ?? 'http://127.0.0.1:3000' },
    'crm-url': { type: 'string', default: process.env.CRM_API_URL ?? 'http://127.0.0.1:3001' },
    'files-url': { type: 'string', default: process.env.FILE_STORE_URL ?? 'http://127.0.0.1:3003' },
    wait: { type: 'string', default: '3' },
    fault: { type: 'string', multiple: true, default: [] },
    'mes-url': { type: 'string', default: process.env.MES_API_URL ?? 'http://127.0.0.1:3002' },
  },
});
const rate = Number(values.rate);
const duration = Number(values.duration);
const badRatio = Number(values['bad-ratio']);
const SKUS = ['vase-01', 'lamp-02', 'gear-03', 'bust-04', 'case-05', 'mini-06', 'hook-07', 'box-08'];
const pick = (a) => a[Math.floor(Math.random() * a.length)];
const customer = () => `cust-${String(1 + Math.floor(Math.random() * 300)).padStart(4, '0')}`;
const model = () => `model-${String(1 + Math.floor(Math.random() * 10)).padStart(4, '0')}.stl`;

const stats = { sent: 0, ok: 0, rejected: 0, errors: 0, latencies: [], orders: [] };

async function call(method, url, body) {
  const t = performance.now();
  stats.sent++;
  try {
    const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    stats.latencies.push(performance.now() - t);
    if (res.status >= 500) stats.errors++;
    else if (res.status >= 400) stats.rejected++;
    else stats.ok++;
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  } catch (err) {
    stats.errors++;
    return { status: 0, error: err.message };
  }
}

const malformed = () => call('POST', `${values['shop-url']}/orders`, '{"customerId": "cust-0001", "items": [');
const unknownCustomer = () => call('POST', `${values['shop-url']}/orders`, { customerId: 'cust-9999', items: [{ sku: 'vase-01' }] });

async function journey() {
  const r = Math.random();
  if (r < badRatio / 2) return malformed();
  if (r < badRatio) return unknownCustomer();
  if (r < 0.15 && stats.orders.length > 0) return call('GET', `${values['shop-url']}/orders/${pick(stats.orders)}`);
  if (r < 0.2) return call('PATCH', `${values['crm-url']}/customers/${customer()}`, { phone: `+1 555 01${Math.floor(10 + Math.random() * 89)} 0000` });
  const items = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => ({ sku: pick(SKUS), quantity: 1 + Math.floor(Math.random() * 2), modelFileId: model() }));
  const res = await call('POST', `${values['shop-url']}/orders`, { customerId: customer(), items });
  if (res.status === 201) stats.orders.push(res.body.orderId);
}

const inflight = new Set();
const run = (p) => { inflight.add(p); p.finally(() => inflight.delete(p)); };

const FAULTS = {
  errors: [() => fault(`${values['shop-url']}/admin/faults`, { errors: true }), () => fault(`${values['shop-url']}/admin/faults`, { errors: false })],
  critical: [() => fault(`${values['shop-url']}/admin/critical`, {}), () => undefined],
  'slow-mes': [() => fault(`${values['mes-url']}/admin/faults`, { slowMs: 3000 }), () => fault(`${values['mes-url']}/admin/faults`, { slowMs: 0 })],
};
async function fault(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`traffic: ${url} answered ${res.status} (is ADMIN_ROUTES=1 set on the service?)`);
}
for (const f of values.fault) if (!FAULTS[f]) { console.error(`traffic: unknown --fault ${f} (${Object.keys(FAULTS).join(', ')})`); process.exit(2); }
for (const f of values.fault) await FAULTS[f][0]();

if (values.corrupt) {
  await call('POST', `${values['files-url']}/admin/corrupt/model-0007.stl`);
  // At least one order uses the corrupted model, whatever the dice say.
  const res = await call('POST', `${values['shop-url']}/orders`, { customerId: customer(), items: [{ sku: pick(SKUS), quantity: 1, modelFileId: 'model-0007.stl' }] });
  if (res.status === 201) stats.orders.push(res.body.orderId);
}
// With bad requests asked for, at least one of each kind, whatever the dice say.
if (badRatio > 0) await Promise.all([malformed(), unknownCustomer()]);
const end = Date.now() + duration * 1000;
const interval = 1000 / rate;
let next = Date.now();
while (Date.now() < end) {
  run(journey());
  next += interval;
  await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
}
const burst = Number(values.burst);
for (let i = 0; i < burst; i++) run(journey());
await Promise.all(inflight);
for (const f of values.fault) await FAULTS[f][1]();
// Let the asynchronous part of the journeys (queue, MES, CRM) finish; the corrupted model stays
// corrupted until then, so an order the MES reaches late still meets it.
await new Promise((r) => setTimeout(r, Number(values.wait) * 1000));
if (values.corrupt) await call('POST', `${values['files-url']}/admin/repair/model-0007.stl`);

const sorted = stats.latencies.sort((a, b) => a - b);
const q = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(1) : '-');
console.log(`traffic: ${stats.sent} requests (${stats.ok} ok, ${stats.rejected} rejected as bad input, ${stats.errors} errors), ${stats.orders.length} orders created; latency p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`);
console.log(JSON.stringify({ orders: stats.orders.slice(0, 5) }));
