/**
 * One SMS to an SMS gateway's HTTP API, with bounded retries: network errors, timeouts, 429 and
 * 5xx are retried with exponential backoff (backoffMs, ×2 each time, plus jitter) up to `attempts`
 * in all; any other 4xx is final (the request itself is wrong: retrying cannot help).
 */
import type { SmsBridgeConfig } from './config';

export interface SendResult { ok: boolean; attempts: number; status?: number; error?: string }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function request(cfg: SmsBridgeConfig, to: string, text: string): { body: string; headers: Record<string, string> } {
  const fields: Record<string, string> = { [cfg.fields.to]: to, [cfg.fields.text]: text };
  if (cfg.from) fields[cfg.fields.from] = cfg.from;
  const headers: Record<string, string> = cfg.format === 'json' ? { 'content-type': 'application/json' } : { 'content-type': 'application/x-www-form-urlencoded' };
  if (cfg.authorization) headers.authorization = cfg.authorization;
  return { body: cfg.format === 'json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString(), headers };
}

export async function sendSms(cfg: SmsBridgeConfig, to: string, text: string): Promise<SendResult> {
  const { body, headers } = request(cfg, to, text);
  let last: SendResult = { ok: false, attempts: 0 };
  for (let attempt = 1; attempt <= cfg.attempts; attempt++) {
    try {
      const res = await fetch(cfg.gatewayUrl, { method: 'POST', headers, body, signal: AbortSignal.timeout(cfg.timeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { ok: true, attempts: attempt, status: res.status };
      last = { ok: false, attempts: attempt, status: res.status, error: `gateway answered ${res.status}` };
      if (res.status !== 429 && res.status < 500) return last;
    } catch (err) {
      last = { ok: false, attempts: attempt, error: (err as Error).name === 'TimeoutError' ? `no answer within ${cfg.timeoutMs} ms` : (err as Error).message };
    }
    if (attempt < cfg.attempts) await sleep(cfg.backoffMs * 2 ** (attempt - 1) * (1 + Math.random() * 0.2));
  }
  return last;
}
