/**
 * Alertmanager's webhook payload (version 4) and a small HTTP server that receives it. Shared by
 * the SMS bridge and the SIEM forwarder. node:http on purpose: one POST route, a bounded body,
 * no framework needed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
  fingerprint?: string;
}

export interface WebhookNotification {
  version: string;
  groupKey: string;
  truncatedAlerts?: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
}

const isRecord = (v: unknown): v is Record<string, string> => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');

/** The notification, or a reason why the body is not one. */
export function parseNotification(body: string): WebhookNotification | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { error: 'the body is not JSON' };
  }
  const n = json as Partial<WebhookNotification>;
  if (typeof n !== 'object' || n === null || !Array.isArray(n.alerts)) return { error: 'no alerts array: not an Alertmanager webhook payload' };
  for (const a of n.alerts) {
    if (typeof a !== 'object' || a === null || (a.status !== 'firing' && a.status !== 'resolved') || !isRecord(a.labels) || typeof a.startsAt !== 'string') {
      return { error: 'an alert without status, labels or startsAt' };
    }
    a.annotations = isRecord(a.annotations) ? a.annotations : {};
  }
  return {
    version: String(n.version ?? ''),
    groupKey: String(n.groupKey ?? ''),
    truncatedAlerts: Number(n.truncatedAlerts ?? 0),
    status: n.status === 'resolved' ? 'resolved' : 'firing',
    receiver: String(n.receiver ?? ''),
    groupLabels: isRecord(n.groupLabels) ? n.groupLabels : {},
    commonLabels: isRecord(n.commonLabels) ? n.commonLabels : {},
    commonAnnotations: isRecord(n.commonAnnotations) ? n.commonAnnotations : {},
    externalURL: String(n.externalURL ?? ''),
    alerts: n.alerts as WebhookAlert[],
  };
}

export interface WebhookServer { url: string; port: number; close(): Promise<void> }

/** What a handler answers: an HTTP status (Alertmanager retries on 5xx) and a short reason. */
export interface HandlerResult { status: number; message: string }

const MAX_BODY = 1024 * 1024;

/**
 * Listen on host:port (0: any free port) for POST `path`; each valid notification goes to `handle`.
 * GET /-/healthy answers 200 (for a readiness probe).
 */
export function startWebhookServer(opts: { host: string; port: number; path: string; handle: (n: WebhookNotification) => Promise<HandlerResult> }): Promise<WebhookServer> {
  const server = http.createServer((req, res) => {
    const reply = (status: number, message: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${message}\n`);
    };
    if (req.method === 'GET' && req.url === '/-/healthy') return reply(200, 'ok');
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== opts.path) return reply(404, `POST ${opts.path} only`);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reply(413, 'body too large');
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return;
      const parsed = parseNotification(Buffer.concat(chunks).toString('utf8'));
      if ('error' in parsed) return reply(400, parsed.error);
      opts.handle(parsed).then(
        (r) => reply(r.status, r.message),
        (err: unknown) => reply(500, `handler failed: ${(err as Error)?.message ?? String(err)}`),
      );
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${opts.host}:${port}${opts.path}`,
        port,
        close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }),
      });
    });
  });
}

/** host:port → its parts; a clear error otherwise. */
export function parseListen(value: string, name: string): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || port > 65535) throw new Error(`${name}: "${value}" is not host:port`);
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port };
}
