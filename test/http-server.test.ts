import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, REPO } from './support/fixture';

// Our HTTP server instrumentation (src/instrumentations/http-server.ts) against the one it
// replaces, @opentelemetry/instrumentation-http: the same 39 raw requests (ordinary ones, and
// queries, dot segments, forwarding headers, odd Host headers and methods, HTTP/1.0, an aborted
// request, a handler that throws) served under each in its own process, and seven of them again
// over TLS through an https.Server (a self-signed certificate made by openssl for the run); every
// span must match.
interface Out {
  port: number;
  tlsPort?: number;
  cases: string[];
  spans: Array<{ name: string; kind: number; traceId: string; spanId: string; parentSpanId?: string; attributes: Record<string, unknown>; status: unknown; events: unknown[] }>;
  seen: Record<string, { handler: string | null; end?: string | null; timer?: string | null }>;
  https: { loadedBefore: boolean; wrappedOnLoad: boolean };
}

const run = promisify(execFile);
/** A key and a self-signed certificate for 127.0.0.1, made for this run (openssl is a Debian base package here; without it the set-up fails). */
async function certificate(): Promise<{ HTTPS_KEY: string; HTTPS_CERT: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shop-otel-tls-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { timeout: 30_000 });
  return { HTTPS_KEY: key, HTTPS_CERT: cert };
}
async function serve(which: 'upstream' | 'ours', tls: Record<string, string>): Promise<Out> {
  const { stdout } = await run(process.execPath, [path.join(FIXTURES, 'http-server-compare.cjs'), which], { cwd: REPO, timeout: 30_000, env: { ...process.env, ...tls } });
  return JSON.parse(stdout) as Out;
}

/** Per case: the span, with what differs between two runs by nature (ports, IDs, times) taken out. */
function byCase(out: Out) {
  const caseOf = new Map(Object.entries(out.seen).map(([k, v]) => [v.handler, k]));
  const result = new Map<string, unknown>();
  for (const s of out.spans) {
    const key = caseOf.get(s.spanId) ?? `unmatched ${s.name}`;
    const attributes: Record<string, unknown> = { ...s.attributes };
    expect(typeof attributes['network.peer.port']).toBe('number');
    delete attributes['network.peer.port'];
    if (attributes['server.port'] === out.port || attributes['server.port'] === out.tlsPort) attributes['server.port'] = 'PORT';
    const seen = out.seen[key];
    result.set(key, {
      name: s.name,
      kind: s.kind,
      attributeOrder: Object.keys(attributes),
      attributes,
      status: s.status,
      events: s.events,
      remoteParent: s.parentSpanId === undefined ? undefined : { traceId: s.traceId, parentSpanId: s.parentSpanId },
      // Which span the app's code saw as active: the server span (true) in the handler, in the
      // request's 'end' listener and in a timer set there.
      context: { handler: seen.handler === s.spanId, end: seen.end === undefined ? undefined : seen.end === s.spanId, timer: seen.timer === undefined ? undefined : seen.timer === s.spanId },
    });
  }
  return result;
}

describe('HTTP server spans: ours match instrumentation-http', () => {
  let upstream: Map<string, unknown>;
  let ours: Map<string, unknown>;
  let cases: string[];
  let https: Out['https'][];
  beforeAll(async () => {
    const tls = await certificate();
    const [u, o] = await Promise.all([serve('upstream', tls), serve('ours', tls)]);
    cases = u.cases;
    https = [u.https, o.https];
    upstream = byCase(u);
    ours = byCase(o);
  });

  it('one span per request, each for a request', () => {
    expect(cases.length).toBe(39 + 7);
    expect([...upstream.keys()].sort()).toEqual([...cases].sort());
    expect([...ours.keys()].sort()).toEqual([...cases].sort());
  });

  it('the same name, kind, attributes (and their order), status, events and context for every request', () => {
    for (const c of cases) expect({ case: c, span: ours.get(c) }).toEqual({ case: c, span: upstream.get(c) });
  });

  it('node:https is not loaded for the app, and is patched once the app loads it', () => {
    expect(https[1]).toEqual({ loadedBefore: false, wrappedOnLoad: true });
    expect(https[1]).toEqual(https[0]);
  });

  it('the cases cover what they claim', () => {
    const at = (c: string) => ours.get(c) as { name: string; attributes: Record<string, unknown>; status: { code: number }; events: Array<{ name: string }>; remoteParent?: unknown; context: Record<string, unknown> };
    expect(at('route').name).toBe('GET /route/:id');
    expect(at('query').attributes['url.query']).toBe('q=a+b&sig=REDACTED&X-Amz-Credential=REDACTED&empty=');
    expect(at('pct-dots').attributes['url.path']).toBe('/c');
    expect(at('x-forwarded').attributes['client.address']).toBe('203.0.113.7');
    expect(at('x-forwarded').attributes['server.address']).toBe('shop.example');
    expect(at('bad-port').attributes['url.path']).toBeUndefined();
    expect(at('method-other').attributes['http.request.method']).toBe('_OTHER');
    expect(at('status-500').status.code).toBe(2);
    expect(at('status-404').status.code).toBe(0);
    expect(at('throw').events.map((e) => e.name)).toEqual(['exception']);
    expect(at('traceparent').remoteParent).toEqual({ traceId: '0af7651916cd43dd8448eb211c80319c', parentSpanId: 'b7ad6b7169203331' });
    expect(at('post-body').context).toEqual({ handler: true, end: true, timer: true });
    expect(at('aborted').attributes['http.response.status_code']).toBe(200);
    // Over TLS: an HTTPS server's spans, with the scheme the connection had.
    expect(at('tls-plain').attributes['url.scheme']).toBe('https');
    expect(at('plain').attributes['url.scheme']).toBe('http');
    expect(at('tls-plain').name).toBe('GET');
    expect(at('tls-status-500').status.code).toBe(2);
    expect(at('tls-throw').events.map((e) => e.name)).toEqual(['exception']);
    expect(at('tls-post-body').context).toEqual({ handler: true, end: true, timer: true });
    expect(at('tls-traceparent').remoteParent).toEqual({ traceId: '0af7651916cd43dd8448eb211c80319c', parentSpanId: 'b7ad6b7169203331' });
  });
});
