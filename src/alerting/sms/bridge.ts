/**
 * The SMS bridge: Alertmanager's webhook in, one SMS per recipient out. Answers 200 when at least
 * one recipient got the message (a 5xx would make Alertmanager send it again to everyone), 502
 * when none did (then Alertmanager retries). Logs one line per SMS with the number masked.
 */
import { maskPhone, maskPhonesIn } from '../mask';
import { startWebhookServer, type HandlerResult, type WebhookNotification, type WebhookServer } from '../webhook';
import type { SmsBridgeConfig } from './config';
import { sendSms } from './gateway';
import { smsText } from './message';

export type Log = (line: string) => void;

export function smsHandler(cfg: SmsBridgeConfig, log: Log): (n: WebhookNotification) => Promise<HandlerResult> {
  return async (n) => {
    const text = smsText(n, cfg.maxLength);
    const names = [...new Set(n.alerts.map((a) => a.labels.alertname))].join(',');
    const results = await Promise.all(cfg.recipients.map(async (to) => {
      const r = await sendSms(cfg, to, text);
      log(`sms-bridge: ${r.ok ? 'sent' : 'FAILED'} ${n.status} ${names} to ${maskPhone(to)} (${r.attempts} attempt${r.attempts === 1 ? '' : 's'}${r.error ? `: ${maskPhonesIn(r.error)}` : ''})`);
      return r.ok;
    }));
    const sent = results.filter(Boolean).length;
    return sent > 0 ? { status: 200, message: `sent to ${sent} of ${results.length}` } : { status: 502, message: 'no recipient reached' };
  };
}

export function startSmsBridge(cfg: SmsBridgeConfig, log: Log = (l) => process.stderr.write(`${l}\n`)): Promise<WebhookServer> {
  return startWebhookServer({ host: cfg.host, port: cfg.port, path: cfg.path, handle: smsHandler(cfg, log) });
}
