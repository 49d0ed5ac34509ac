// The benchmark's receiving end, on 127.0.0.1 only: accepts what every variant exports and
// counts it, so a variant that exports nothing is seen (and not compared).
//   POST /v1/traces|/v1/logs|/v1/metrics  OTLP/HTTP, protobuf (counted by walking the wire
//                                         format, no decoder) or JSON; gzip accepted
//   PUT|POST /v0.4/traces, /v0.5/traces    the Datadog agent protocol (msgpack, decoded)
//   anything else under /v0.x, /info, ... 200 (dd-trace probes the agent)
//   GET /counts, POST /reset               the runner's control
// Run: node bench/lib/receiver.mjs [port]  -> prints "receiver <port>" on stdout.
import http from 'node:http';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';

const require = createRequire(new URL('../peers/package.json', import.meta.url));
let msgpack;
try {
  msgpack = require('@msgpack/msgpack');
} catch {
  msgpack = undefined; // peers not installed: Datadog payloads are counted by request only
}

function fresh() {
  return { spans: 0, logs: 0, logsCorrelated: 0, metrics: 0, requests: 0, bytes: 0, errors: 0, names: {}, logBodies: {} };
}
let c = fresh();

// ---- protobuf wire walking -------------------------------------------------------------
function varint(buf, pos) {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++];
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [result, pos];
    shift += 7;
  }
}
/** Calls fn(field, start, end) for each LEN field of the message in buf[start, end). */
function eachLen(buf, start, end, fn) {
  let pos = start;
  while (pos < end) {
    let key;
    [key, pos] = varint(buf, pos);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) [, pos] = varint(buf, pos);
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      let len;
      [len, pos] = varint(buf, pos);
      fn(field, pos, pos + len);
      pos += len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}
// Export*ServiceRequest: 1 resource_* -> 2 scope_* -> 2 items (spans, log records, metrics).
function eachItem(buf, fn) {
  eachLen(buf, 0, buf.length, (f1, s1, e1) => {
    if (f1 !== 1) return;
    eachLen(buf, s1, e1, (f2, s2, e2) => {
      if (f2 !== 2) return;
      eachLen(buf, s2, e2, (f3, s3, e3) => {
        if (f3 === 2) fn(s3, e3);
      });
    });
  });
}
function countProto(path, buf) {
  if (path === '/v1/traces') {
    eachItem(buf, (s, e) => {
      c.spans++;
      eachLen(buf, s, e, (f, fs, fe) => {
        if (f === 5) name(buf.toString('utf8', fs, fe));
      });
    });
  } else if (path === '/v1/logs') {
    eachItem(buf, (s, e) => {
      c.logs++;
      let correlated = false;
      eachLen(buf, s, e, (f, fs, fe) => {
        if (f === 9 && fe - fs === 16) correlated = true; // trace_id
        // body (AnyValue) -> string_value: counted per distinct body (the soak's exact counts)
        if (f === 5) eachLen(buf, fs, fe, (g, gs, ge) => g === 1 && logBody(buf.toString('utf8', gs, ge)));
      });
      if (correlated) c.logsCorrelated++;
    });
  } else if (path === '/v1/metrics') eachItem(buf, () => c.metrics++);
}
function logBody(b) {
  if (b in c.logBodies || Object.keys(c.logBodies).length < 200) c.logBodies[b] = (c.logBodies[b] ?? 0) + 1;
}
function name(n) {
  c.names[n] = (c.names[n] ?? 0) + 1;
}
function countJson(path, msg) {
  const key = { '/v1/traces': ['resourceSpans', 'scopeSpans', 'spans'], '/v1/logs': ['resourceLogs', 'scopeLogs', 'logRecords'], '/v1/metrics': ['resourceMetrics', 'scopeMetrics', 'metrics'] }[path];
  if (!key) return;
  for (const r of msg[key[0]] ?? [])
    for (const s of r[key[1]] ?? [])
      for (const item of s[key[2]] ?? []) {
        if (path === '/v1/traces') {
          c.spans++;
          name(item.name);
        } else if (path === '/v1/logs') {
          c.logs++;
          if (item.traceId) c.logsCorrelated++;
          if (typeof item.body?.stringValue === 'string') logBody(item.body.stringValue);
        } else c.metrics++;
      }
}
function countDatadog(buf) {
  if (!msgpack) return;
  const traces = msgpack.decode(buf);
  for (const trace of traces ?? []) {
    for (const span of trace ?? []) {
      c.spans++;
      name(`${span.name} ${span.resource ?? ''}`.slice(0, 80));
    }
  }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (d) => chunks.push(d));
  req.on('end', () => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/counts') {
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify(c));
    }
    if (path === '/reset') {
      c = fresh();
      return res.end('{}');
    }
    c.requests++;
    let body = Buffer.concat(chunks);
    c.bytes += body.length;
    try {
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      if (path.startsWith('/v1/')) {
        const json = String(req.headers['content-type'] ?? '').includes('json');
        if (json) countJson(path, JSON.parse(body.toString('utf8')));
        else countProto(path, body);
        res.setHeader('content-type', json ? 'application/json' : 'application/x-protobuf');
        return res.end(json ? '{}' : '');
      }
      if (/^\/v0\.[45]\/traces$/.test(path)) {
        countDatadog(body);
        res.setHeader('content-type', 'application/json');
        return res.end('{"rate_by_service":{}}');
      }
      if (path === '/info') {
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify({ version: '7.99.0', endpoints: ['/v0.4/traces'], client_drop_p0s: false }));
      }
      res.end('{}');
    } catch (e) {
      c.errors++;
      res.statusCode = 400;
      res.end(String(e));
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`receiver ${server.address().port}\n`);
});
