/**
 * The SIEM forwarder: Alertmanager's webhook in, OTLP log records to the collector out (which
 * sends them on to the SIEM). A notification is answered 200 once its records are queued, so that
 * Alertmanager does not resend what is already on its way; the queue (bounded: the oldest records
 * go first, counted) is sent in order and retried every retryMs while the collector is away —
 * when the collector itself is down, the alert saying so reaches the SIEM once it is back.
 */
import { startWebhookServer, type WebhookServer } from '../webhook';
import type { AlertSiemConfig } from './config';
import { alertRecord, exportRequest, type OtlpLogRecord } from './records';

export type Log = (line: string) => void;

export interface AlertSiemForwarder {
  url: string;
  port: number;
  /** Records waiting, records dropped (queue full), records sent. */
  stats(): { queued: number; dropped: number; sent: number };
  close(): Promise<void>;
}

const BATCH = 500;

export async function startAlertSiemForwarder(cfg: AlertSiemConfig, log: Log = (l) => process.stderr.write(`${l}\n`)): Promise<AlertSiemForwarder> {
  const queue: OtlpLogRecord[] = [];
  let dropped = 0;
  let sent = 0;
  let sending = false;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let failing = false;

  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (cfg.token) headers.authorization = `Bearer ${cfg.token}`;

  async function flush(): Promise<void> {
    if (sending || closed) return;
    sending = true;
    try {
      while (queue.length > 0 && !closed) {
        const batch = queue.slice(0, BATCH);
        const res = await fetch(cfg.logsUrl, { method: 'POST', headers, body: exportRequest(batch, cfg.environment), signal: AbortSignal.timeout(cfg.timeoutMs) });
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) throw new Error(`collector answered ${res.status}`);
        queue.splice(0, batch.length);
        sent += batch.length;
        if (failing) log(`alert-siem: collector reachable again; ${queue.length} record(s) still queued`);
        failing = false;
      }
    } catch (err) {
      if (!failing) log(`alert-siem: cannot post to ${cfg.logsUrl.href} (${(err as Error).message}); ${queue.length} record(s) queued, retrying every ${cfg.retryMs} ms`);
      failing = true;
      if (!timer && !closed) timer = setTimeout(() => { timer = undefined; void flush(); }, cfg.retryMs);
    } finally {
      sending = false;
    }
  }

  const server: WebhookServer = await startWebhookServer({
    host: cfg.host,
    port: cfg.port,
    path: cfg.path,
    handle: async (n) => {
      for (const a of n.alerts) queue.push(alertRecord(a, n));
      if (queue.length > cfg.queueSize) {
        const over = queue.length - cfg.queueSize;
        queue.splice(0, over);
        dropped += over;
        log(`alert-siem: queue full (${cfg.queueSize}); dropped the ${over} oldest record(s), ${dropped} in all`);
      }
      await flush();
      return { status: 200, message: `${n.alerts.length} record(s) accepted, ${queue.length} waiting` };
    },
  });

  return {
    url: server.url,
    port: server.port,
    stats: () => ({ queued: queue.length, dropped, sent }),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await server.close();
    },
  };
}
