// Starts the whole sample shop: applies the schemas, then runs the six services as child
// processes (instrumented when SAMPLE_NODE_OPTIONS says so, e.g. "--import shop-otel/register"),
// waits until every HTTP service answers /health, and stops them all on SIGINT/SIGTERM.
//   node samples/shop.mjs [--logs DIR] [--quiet]
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { values } = parseArgs({ options: { logs: { type: 'string' }, quiet: { type: 'boolean', default: false } } });

const PORTS = { 'shop-api': 3000, 'crm-api': 3001, 'mes-api': 3002, 'file-store': 3003 };
for (const [name, port] of Object.entries(PORTS)) {
  const v = process.env[`${name.toUpperCase().replace('-', '_')}_PORT`];
  if (v) PORTS[name] = Number(v);
}
const urls = {
  SHOP_API_URL: `http://127.0.0.1:${PORTS['shop-api']}`,
  CRM_API_URL: `http://127.0.0.1:${PORTS['crm-api']}`,
  MES_API_URL: `http://127.0.0.1:${PORTS['mes-api']}`,
  FILE_STORE_URL: `http://127.0.0.1:${PORTS['file-store']}`,
};
// service -> [entry file, policy component, HTTP port]
const SERVICES = [
  ['file-store', 'file-store/server.mjs', 'file-storage', PORTS['file-store']],
  ['crm-api', 'crm-api/server.cjs', 'crm-api', PORTS['crm-api']],
  ['shop-api', 'shop-api/server.mjs', 'shop-api', PORTS['shop-api']],
  ['mes-api', 'mes-api/server.cjs', 'mes-api', PORTS['mes-api']],
  ['shop-internal', 'shop-internal/worker.cjs', 'shop-internal', undefined],
  ['crm-internal', 'crm-internal/worker.mjs', 'crm-internal', undefined],
];

const nodeFlags = (process.env.SAMPLE_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
const children = [];
let stopping = false;

function start([name, file, component, port]) {
  const env = { ADMIN_ROUTES: '1', ...process.env, ...urls, OTEL_SERVICE_NAME: process.env.OTEL_SERVICE_NAME ?? name, SHOP_OTEL_COMPONENT: process.env.SHOP_OTEL_COMPONENT ?? component };
  // The trust boundary of business IDs and baggage: the Shop API faces customers (the default,
  // trusting only the broker); every other service is internal and believes its callers here,
  // all on loopback. In a cluster: SHOP_OTEL_TRUSTED_PEERS=amqp,private.
  if (name !== 'shop-api') env.SHOP_OTEL_TRUSTED_PEERS = process.env.SHOP_OTEL_TRUSTED_PEERS ?? 'amqp,loopback';
  if (port) env.PORT = String(port);
  const child = spawn(process.execPath, [...nodeFlags, path.join(here, file)], { cwd: path.join(here, '..'), env, stdio: ['ignore', 'pipe', 'pipe'] });
  const sink = values.logs ? createWriteStream(path.join(values.logs, `${name}.log`), { flags: 'a' }) : undefined;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (chunk) => {
      rest += chunk;
      const lines = rest.split('\n');
      rest = lines.pop();
      for (const line of lines) {
        sink?.write(`${line}\n`);
        if (!values.quiet) process.stdout.write(`[${name}] ${line}\n`);
      }
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`shop: ${name} exited unexpectedly (${signal ?? code}); stopping the shop.`);
      stop(1);
    }
  });
  children.push({ name, child });
}

async function healthy(name, port) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} did not become healthy on port ${port}`);
}

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  await Promise.all(children.map(({ child }) => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill('SIGTERM');
  })));
  console.log('shop: stopped');
  process.exit(code);
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

if (values.logs) mkdirSync(values.logs, { recursive: true });
await require('./db/migrate.cjs')();
for (const svc of SERVICES) start(svc);
try {
  await Promise.all(SERVICES.filter((s) => s[3]).map(([name, , , port]) => healthy(name, port)));
} catch (err) {
  console.error(`shop: ${err.message}`);
  await stop(1);
}
console.log(`shop: ready — Shop API ${urls.SHOP_API_URL}, CRM API ${urls.CRM_API_URL}, MES API ${urls.MES_API_URL}, file store ${urls.FILE_STORE_URL}${nodeFlags.length ? ` (node ${nodeFlags.join(' ')})` : ''}`);
