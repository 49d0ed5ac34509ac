// The demo's window onto what arrived: an OTLP/HTTP (JSON) receiver that groups spans and log
// records by trace and, for each order journey, prints the trace across services as a tree with
// its correlated log lines and business IDs. Run by scripts/demo.mjs; usable on its own:
//   node scripts/demo/journey-viewer.mjs --port 4318 --print-after 15
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4318' },
    host: { type: 'string', default: '127.0.0.1' },
    'print-after': { type: 'string', default: '0' },
    journeys: { type: 'string', default: '3' },
  },
});

const spans = new Map(); // traceId -> spans
const logs = new Map(); // traceId -> records
let received = { spans: 0, logs: 0, metrics: 0 };

const anyValue = (v) => {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(anyValue);
  if ('kvlistValue' in v) return attrs(v.kvlistValue.values);
  return undefined;
};
const attrs = (list) => Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]));
const push = (map, k, v) => (map.get(k) ?? map.set(k, []).get(k)).push(v);

function ingest(path, body) {
  if (path === '/v1/traces') {
    for (const rs of body.resourceSpans ?? []) {
      const service = attrs(rs.resource?.attributes)['service.name'];
      for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) {
        received.spans++;
        push(spans, s.traceId, { service, id: s.spanId, parent: s.parentSpanId ?? '', name: s.name, kind: s.kind, start: BigInt(s.startTimeUnixNano), end: BigInt(s.endTimeUnixNano), status: s.status?.code ?? 0, attributes: attrs(s.attributes) });
      }
    }
  } else if (path === '/v1/logs') {
    for (const rl of body.resourceLogs ?? []) {
      const service = attrs(rl.resource?.attributes)['service.name'];
      for (const sl of rl.scopeLogs ?? []) for (const l of sl.logRecords ?? []) {
        received.logs++;
        if (l.traceId) push(logs, l.traceId, { service, spanId: l.spanId, severity: l.severityText ?? '', body: anyValue(l.body), time: BigInt(l.timeUnixNano ?? l.observedTimeUnixNano ?? 0), attributes: attrs(l.attributes) });
      }
    }
  } else if (path === '/v1/metrics') {
    received.metrics++;
  }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      if (!String(req.headers['content-type']).includes('json')) throw new Error('send OTLP/JSON (apps: OTEL_EXPORTER_OTLP_PROTOCOL=http/json; the collector: SHOP_OTEL_STORE_ENCODING=json)');
      const raw = Buffer.concat(chunks);
      ingest(req.url.split('?')[0], JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } catch (e) {
      res.writeHead(400).end(String(e.message));
    }
  });
});

const ms = (ns) => Number(ns / 1_000_000n);
const KIND = ['', 'internal', 'server', 'client', 'producer', 'consumer'];

export function render(traceId) {
  const list = spans.get(traceId) ?? [];
  const byId = new Map(list.map((s) => [s.id, s]));
  const roots = list.filter((s) => !byId.has(s.parent)).sort((a, b) => (a.start < b.start ? -1 : 1));
  const t0 = roots[0]?.start ?? 0n;
  const order = list.find((s) => s.attributes['shop.order.id'])?.attributes['shop.order.id'];
  const customer = list.find((s) => s.attributes['shop.customer.id'])?.attributes['shop.customer.id'];
  const services = [...new Set(list.map((s) => s.service))];
  const out = [`\n━━ order ${order ?? '?'} · customer ${customer ?? '?'} · trace ${traceId} · ${list.length} spans in ${services.length} services (${services.join(', ')})`];
  const recordsBySpan = new Map();
  for (const r of logs.get(traceId) ?? []) push(recordsBySpan, r.spanId, r);
  const walk = (s, depth) => {
    const ids = s.attributes['shop.order.id'] ? '' : '  (no order id!)';
    const err = s.status === 2 ? '  ✗ ERROR' : '';
    out.push(`${'  '.repeat(depth)}${depth ? '└─ ' : ''}[${s.service}] ${s.name} (${KIND[s.kind] ?? s.kind}) +${ms(s.start - t0)}ms ${ms(s.end - s.start)}ms${err}${ids}`);
    for (const r of (recordsBySpan.get(s.id) ?? []).sort((a, b) => (a.time < b.time ? -1 : 1))) {
      const extra = Object.entries(r.attributes).filter(([k]) => !k.startsWith('shop.')).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
      out.push(`${'  '.repeat(depth + 1)}  ✎ ${r.severity.toUpperCase()} ${r.body} ${extra}`);
    }
    for (const c of list.filter((x) => x.parent === s.id).sort((a, b) => (a.start < b.start ? -1 : 1))) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return out.join('\n');
}

export function journeys() {
  return [...spans.keys()].filter((t) => {
    const list = spans.get(t);
    return list.some((s) => s.attributes['shop.order.id']) && new Set(list.map((s) => s.service)).size >= 3;
  });
}

function summary() {
  const all = journeys();
  const n = Number(values.journeys);
  const lines = [`\n${received.spans} spans, ${received.logs} log records, ${received.metrics} metric batches received; ${spans.size} traces, ${all.length} order journeys across 3+ services.`];
  const richest = all.sort((a, b) => spans.get(b).length - spans.get(a).length).slice(0, n);
  for (const t of richest) lines.push(render(t));
  return lines.join('\n');
}

server.listen(Number(values.port), values.host, () => {
  console.log(`journey viewer: OTLP/JSON on http://${values.host}:${values.port}`);
});

const printAfter = Number(values['print-after']);
if (printAfter > 0) setTimeout(() => { console.log(summary()); server.close(); process.exit(0); }, printAfter * 1000);
process.on('SIGUSR2', () => console.log(summary()));
process.on('SIGTERM', () => { console.log(summary()); process.exit(0); });
process.on('SIGINT', () => { console.log(summary()); process.exit(0); });
