import http from 'node:http';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

/**
 * An OTLP/HTTP receiver of the tests' own, on 127.0.0.1:0: it records what arrives on the wire
 * (protobuf or JSON), normalised into one simple shape, so tests assert on what was exported.
 */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [k: string]: AttrValue };
export type Attrs = Record<string, AttrValue>;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Attrs;
  resource: Attrs;
  scope: string;
  status: { code: number; message: string };
  events: Array<{ name: string; attributes: Attrs }>;
  links: Array<{ traceId: string; spanId: string; attributes: Attrs }>;
}

export interface ReceivedLog {
  traceId: string;
  spanId: string;
  severityNumber: number;
  severityText: string;
  body: AttrValue;
  attributes: Attrs;
  resource: Attrs;
  scope: string;
  eventName: string;
}

export interface ReceivedMetric {
  name: string;
  resource: Attrs;
  scope: string;
  /** Sum and gauge data points (value as a number), for the counters tests read. */
  points: Array<{ attributes: Attrs; value: number }>;
  /** Histogram data points: count, sum and max (in the instrument's unit). */
  histogram: Array<{ attributes: Attrs; count: number; sum: number; max: number }>;
}

/**
 * A collector fault, switchable while the receiver runs (fault injection on loopback):
 * `hang` accepts and reads each request but never answers; `status` answers that HTTP status
 * (with `retryAfter` seconds when given) and records nothing; `garbage` answers bytes that are
 * not HTTP at all and closes the connection.
 */
export type Fault = { kind: 'hang' } | { kind: 'status'; status: number; retryAfter?: number } | { kind: 'garbage' };

export interface ReceiverOptions {
  /** Answer every request only after this delay (a slow collector). */
  delayMs?: number;
  /** Answer with this status (a failing collector). */
  status?: number;
}

export interface Receiver {
  url: string;
  /** The fault to inject from now on; undefined: healthy. */
  fault: Fault | undefined;
  /** Requests seen by outcome: 'ok', 'hang', 'garbage' or the injected status. */
  requests: Record<string, number>;
  /** Stop listening and drop every connection (a collector that is down); `start` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  spans: ReceivedSpan[];
  /** Each span's duration (end − start, in ms), by span ID. */
  spanDurationsMs: Map<string, number>;
  logs: ReceivedLog[];
  metrics: ReceivedMetric[];
  /** Content types seen, by signal path. */
  contentTypes: Set<string>;
  waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

const root = protobuf.loadSync(path.join(__dirname, 'otlp.proto'));
const TYPES = {
  '/v1/traces': root.lookupType('otlp.ExportTraceServiceRequest'),
  '/v1/logs': root.lookupType('otlp.ExportLogsServiceRequest'),
  '/v1/metrics': root.lookupType('otlp.ExportMetricsServiceRequest'),
} as const;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function hex(v: unknown): string {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v === 'string') return v.toLowerCase(); // OTLP/JSON: already hex
  return Buffer.from(v as Uint8Array).toString('hex');
}

function anyValue(v: Json | undefined): AttrValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue !== undefined) return attrs(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return hex(v.bytesValue);
  return null;
}

function attrs(list: Json[] | undefined): Attrs {
  const out: Attrs = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

function decode(pathname: keyof typeof TYPES, contentType: string, body: Buffer): Json {
  if (contentType.includes('json')) return JSON.parse(body.toString('utf8'));
  const type = TYPES[pathname];
  return type.toObject(type.decode(body), { longs: String, defaults: false, arrays: true });
}

export async function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const spans: ReceivedSpan[] = [];
  const spanDurationsMs = new Map<string, number>();
  const logs: ReceivedLog[] = [];
  const metrics: ReceivedMetric[] = [];
  const contentTypes = new Set<string>();

  const requests: Record<string, number> = {};
  const count = (k: string) => (requests[k] = (requests[k] ?? 0) + 1);
  const state = { fault: undefined as Fault | undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const fault = state.fault;
      if (fault?.kind === 'hang') {
        count('hang');
        return;
      }
      if (fault?.kind === 'garbage') {
        count('garbage');
        req.socket.end('\x00\x01 this is not HTTP \xff\r\n\r\n');
        return;
      }
      if (fault?.kind === 'status') {
        count(String(fault.status));
        res.statusCode = fault.status;
        if (fault.retryAfter !== undefined) res.setHeader('retry-after', String(fault.retryAfter));
        res.end();
        return;
      }
      count('ok');
      // An empty Export*ServiceResponse, in the request's encoding (empty bytes in protobuf).
      const json = String(req.headers['content-type'] ?? '').includes('json');
      const reply = () => {
        res.statusCode = options.status ?? 200;
        res.setHeader('content-type', json ? 'application/json' : 'application/x-protobuf');
        res.end(json ? '{}' : '');
      };
      try {
        const pathname = (req.url ?? '').split('?')[0] as keyof typeof TYPES;
        if (!(pathname in TYPES)) {
          res.statusCode = 404;
          res.end();
          return;
        }
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const contentType = String(req.headers['content-type'] ?? '');
        contentTypes.add(`${pathname} ${contentType}`);
        if ((options.status ?? 200) === 200) record(pathname, decode(pathname, contentType, body));
      } catch (e) {
        res.statusCode = 400;
        res.end(String(e));
        return;
      }
      if (options.delayMs) setTimeout(reply, options.delayMs);
      else reply();
    });
  });

  function record(pathname: keyof typeof TYPES, msg: Json): void {
    if (pathname === '/v1/traces') {
      for (const rs of msg.resourceSpans ?? []) {
        const resource = attrs(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              traceId: hex(s.traceId),
              spanId: hex(s.spanId),
              parentSpanId: hex(s.parentSpanId),
              name: s.name,
              kind: Number(s.kind ?? 0),
              attributes: attrs(s.attributes),
              resource,
              scope: ss.scope?.name ?? '',
              status: { code: Number(s.status?.code ?? 0), message: s.status?.message ?? '' },
              events: (s.events ?? []).map((e: Json) => ({ name: e.name, attributes: attrs(e.attributes) })),
              links: (s.links ?? []).map((l: Json) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId), attributes: attrs(l.attributes) })),
            });
            if (s.startTimeUnixNano !== undefined && s.endTimeUnixNano !== undefined) spanDurationsMs.set(hex(s.spanId), Number(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1e6);
          }
        }
      }
    } else if (pathname === '/v1/logs') {
      for (const rl of msg.resourceLogs ?? []) {
        const resource = attrs(rl.resource?.attributes);
        for (const sl of rl.scopeLogs ?? []) {
          for (const l of sl.logRecords ?? []) {
            logs.push({
              traceId: hex(l.traceId),
              spanId: hex(l.spanId),
              severityNumber: Number(l.severityNumber ?? 0),
              severityText: l.severityText ?? '',
              body: anyValue(l.body),
              attributes: attrs(l.attributes),
              resource,
              scope: sl.scope?.name ?? '',
              eventName: l.eventName ?? '',
            });
          }
        }
      }
    } else {
      for (const rm of msg.resourceMetrics ?? []) {
        const resource = attrs(rm.resource?.attributes);
        for (const sm of rm.scopeMetrics ?? []) {
          for (const m of sm.metrics ?? []) {
            const dps: Json[] = m.sum?.dataPoints ?? m.gauge?.dataPoints ?? [];
            const points = dps.map((p) => ({ attributes: attrs(p.attributes), value: Number(p.asInt ?? p.asDouble ?? 0) }));
            const histogram = ((m.histogram?.dataPoints ?? []) as Json[]).map((p) => ({ attributes: attrs(p.attributes), count: Number(p.count ?? 0), sum: Number(p.sum ?? 0), max: Number(p.max ?? NaN) }));
            metrics.push({ name: m.name, resource, scope: sm.scope?.name ?? '', points, histogram });
          }
        }
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  let listening = true;

  return {
    url: `http://127.0.0.1:${port}`,
    get fault() {
      return state.fault;
    },
    set fault(f: Fault | undefined) {
      state.fault = f;
    },
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        if (!listening) return resolve();
        listening = false;
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    start: () =>
      new Promise<void>((resolve, reject) => {
        if (listening) return resolve();
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          listening = true;
          server.off('error', reject);
          resolve();
        });
      }),
    spans,
    spanDurationsMs,
    logs,
    metrics,
    contentTypes,
    async waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = check();
        if (v !== undefined && v !== false) return v;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!listening) return resolve();
        listening = false;
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
