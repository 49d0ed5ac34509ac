import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import parseForwarded from 'forwarded-parse';

/**
 * The attributes of an HTTP server span, exactly as @opentelemetry/instrumentation-http 0.301
 * (stable semantic conventions) computes them from a request — test/unit/http-server.test.ts
 * compares the two on ordinary and odd requests — at a fraction of the cost.
 *
 * Why our own: upstream parses every request's URL with `new URL()` (its
 * getInfoFromIncomingMessage alone was 2.0 % of the order service's busy CPU,
 * bench/micro/cpu-profile.mjs BENCH_PROFILE_FUNCS=1) and builds several intermediate objects.
 * Here the common request — a path of plain characters, a Host header, no forwarding headers —
 * takes a fast path of string checks whose result is the WHATWG URL parser's; anything else (a
 * query, dot segments, percent-encoded dots, characters the URL parser would escape, forwarding
 * headers) takes upstream's exact algorithm, copied below.
 */

/** Upstream's DEFAULT_QUERY_STRINGS_TO_REDACT and STR_REDACTED (instrumentation-http internal-types). */
const QUERY_KEYS_TO_REDACT = ['sig', 'Signature', 'AWSAccessKeyId', 'X-Goog-Signature', 'X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token'];
const REDACTED = 'REDACTED';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);

function normalizeMethod(method: string | undefined): string {
  if (method == null) return 'GET';
  if (KNOWN_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

/**
 * A path the WHATWG URL parser leaves as it is: starts with one '/', only characters outside
 * its path percent-encode set (and not '\', which it turns into '/'), no query or fragment. One
 * character class, linear in the length; dot segments ('/.', and '%2e' which it decodes as a dot)
 * are ruled out separately.
 */
const PLAIN_PATH = /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;
const PERCENT_DOT = /%2e/i;

function plainPath(url: string): boolean {
  return PLAIN_PATH.test(url) && !url.includes('/.') && (!url.includes('%') || !PERCENT_DOT.test(url));
}

interface HostPort {
  host: string;
  port?: string;
}

// Upstream's parseHostHeader, unchanged.
function parseHostHeader(hostHeader: string, proto?: string): HostPort {
  const parts = hostHeader.split(':');
  if (parts.length === 1) {
    if (proto === 'http') return { host: parts[0], port: '80' };
    if (proto === 'https') return { host: parts[0], port: '443' };
    return { host: parts[0] };
  }
  if (parts.length === 2) return { host: parts[0], port: parts[1] };
  if (parts[0].startsWith('[')) {
    if (parts[parts.length - 1].endsWith(']')) {
      if (proto === 'http') return { host: hostHeader, port: '80' };
      if (proto === 'https') return { host: hostHeader, port: '443' };
    } else if (parts[parts.length - 2].endsWith(']')) {
      return { host: parts.slice(0, -1).join(':'), port: parts[parts.length - 1] };
    }
  }
  return { host: hostHeader };
}

function forwardedEntries(header: string): Array<Record<string, string>> {
  try {
    return parseForwarded(header);
  } catch {
    return [];
  }
}

// Upstream's getServerAddress, unchanged but for the Host header's parse, kept for the last one seen.
function serverAddress(request: IncomingMessage, scheme: string): HostPort | null {
  const headers = request.headers;
  const forwarded = headers.forwarded;
  if (forwarded) {
    for (const entry of forwardedEntries(forwarded)) if (entry.host) return parseHostHeader(entry.host, entry.proto);
  }
  const xHost = headers['x-forwarded-host'] as string | string[] | undefined;
  const xProto = headers['x-forwarded-proto'] as string | string[] | undefined;
  if (typeof xHost === 'string') {
    if (typeof xProto === 'string') return parseHostHeader(xHost, xProto);
    if (Array.isArray(xProto)) return parseHostHeader(xHost, xProto[0]);
    return parseHostHeader(xHost);
  } else if (Array.isArray(xHost) && typeof xHost[0] === 'string' && xHost[0].length > 0) {
    if (typeof xProto === 'string') return parseHostHeader(xHost[0], xProto);
    if (Array.isArray(xProto)) return parseHostHeader(xHost[0], xProto[0]);
    return parseHostHeader(xHost[0]);
  }
  const host = headers.host;
  if (typeof host === 'string' && host.length > 0) return hostInfo(host, scheme).parsed;
  return null;
}

function removePort(input: string): string {
  try {
    const { hostname } = new URL(`http://${input}`);
    return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  } catch {
    return input;
  }
}

// Upstream's getRemoteClientAddress, unchanged (a request without a socket has no address).
function clientAddress(request: IncomingMessage): string | null {
  const forwarded = request.headers.forwarded;
  if (forwarded) {
    for (const entry of forwardedEntries(forwarded)) if (entry.for) return removePort(entry.for);
  }
  const xff = request.headers['x-forwarded-for'];
  if (xff) {
    const first = typeof xff === 'string' ? xff : Array.isArray(xff) ? xff[0] : undefined;
    if (typeof first === 'string') return removePort(first.split(',')[0].trim());
  }
  return request.socket?.remoteAddress || null;
}

function redactQuery(search: string): string {
  const params = new URLSearchParams(search);
  for (const key of QUERY_KEYS_TO_REDACT) if (params.has(key)) params.set(key, REDACTED);
  return params.toString();
}

/** url.path and url.query as upstream's `new URL(request.url, base)` gives them; undefined where it would throw. */
function pathAndQuery(request: IncomingMessage, scheme: string): { path?: string; query?: string } | undefined {
  const url = request.url ?? '/';
  const host = request.headers.host;
  // The fast path also needs a Host that the parser accepts unchanged; a plain host[:port] always is.
  if (plainPath(url) && (!host || hostInfo(host, scheme).plain)) return { path: url };
  try {
    const parsed = new URL(url, `${scheme}://${host || 'localhost'}`);
    return { path: parsed.pathname, query: parsed.search ? redactQuery(parsed.search.slice(1)) : undefined };
  } catch {
    return undefined;
  }
}

/**
 * host[:port] that `new URL` certainly accepts: a DNS name whose last label starts with a letter
 * (a numeric last label makes the parser read the host as IPv4, which may fail), or a dotted quad
 * without leading zeros, and a port up to 65535.
 */
const NAME_HOST = /^(?:[A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(?::(\d{1,5}))?$/;
const IPV4_HOST = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?::(\d{1,5}))?$/;

function plainHost(host: string): boolean {
  const m = NAME_HOST.exec(host) ?? IPV4_HOST.exec(host);
  return m !== null && (m[1] === undefined || Number(m[1]) <= 65535);
}

/**
 * A service's requests nearly all carry the same Host: its parse and check are kept for the last
 * one seen (one entry; the values are immutable strings, so a hit is exact).
 */
let lastHost: { host: string; scheme: string; parsed: HostPort; plain: boolean } | undefined;
function hostInfo(host: string, scheme: string): { parsed: HostPort; plain: boolean } {
  if (lastHost !== undefined && lastHost.host === host && lastHost.scheme === scheme) return lastHost;
  lastHost = { host, scheme, parsed: parseHostHeader(host, scheme), plain: plainHost(host) };
  return lastHost;
}

/**
 * `Number(port)`, kept for the last port seen (a service's requests nearly all name the same one):
 * the conversion of the Host header's port string was three quarters of requestAttributes' own
 * ticks at the service (`cpu-profile.mjs` BENCH_PROFILE_LINES=requestAttributes).
 */
let lastPort: { text: string; value: number } | undefined;
function portNumber(text: string): number {
  if (lastPort === undefined || lastPort.text !== text) lastPort = { text, value: Number(text) };
  return lastPort.value;
}

export function requestAttributes(request: IncomingMessage, scheme: 'http' | 'https'): Attributes {
  const headers = request.headers;
  const method = request.method;
  const normalized = normalizeMethod(method);
  const socket = request.socket;
  const attributes: Attributes = {
    'http.request.method': normalized,
    'url.scheme': scheme,
  };
  const server = serverAddress(request, scheme);
  if (server?.host !== undefined) attributes['server.address'] = server.host;
  if (socket) {
    if (socket.remoteAddress !== undefined) attributes['network.peer.address'] = socket.remoteAddress;
    if (socket.remotePort !== undefined) attributes['network.peer.port'] = socket.remotePort;
  }
  if (request.httpVersion !== undefined) attributes['network.protocol.version'] = request.httpVersion;
  const ua = headers['user-agent'];
  if (ua !== undefined) attributes['user_agent.original'] = ua;
  const url = pathAndQuery(request, scheme);
  if (url?.path != null) attributes['url.path'] = url.path;
  if (url?.query) attributes['url.query'] = url.query;
  const client = clientAddress(request);
  if (client != null) attributes['client.address'] = client;
  if (server?.port != null) attributes['server.port'] = portNumber(server.port);
  if (method !== normalized) attributes['http.request.method_original'] = method;
  return attributes;
}
