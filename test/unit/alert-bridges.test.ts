import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveSmsBridgeConfig } from '../../src/alerting/sms/config';
import { sendSms } from '../../src/alerting/sms/gateway';
import { smsText } from '../../src/alerting/sms/message';
import { smsHandler } from '../../src/alerting/sms/bridge';
import { maskPhone, maskPhonesIn } from '../../src/alerting/mask';
import { parseNotification, type WebhookNotification } from '../../src/alerting/webhook';
import { resolveAlertSiemConfig } from '../../src/alerting/siem/config';
import { startAlertSiemForwarder } from '../../src/alerting/siem/forwarder';
import { alertRecord } from '../../src/alerting/siem/records';

/**
 * The SMS bridge and the SIEM forwarder, piece by piece, against real HTTP servers on loopback:
 * configuration resolved once with clear errors, the SMS text, bounded retries, masked numbers,
 * and the forwarder's queue while the collector is away. (test/alertmanager.test.ts runs both
 * behind a real Alertmanager.)
 */

const tmp = mkdtempSync(path.join(os.tmpdir(), 'shop-otel-bridges-'));
const closers: Array<() => Promise<void>> = [];
afterEach(async () => { while (closers.length) await closers.pop()!(); });

/** A gateway answering with the given statuses in turn (then 200), recording each request. */
async function gateway(statuses: number[] = [], port = 0) {
  const requests: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      requests.push({ headers: req.headers, body });
      res.writeHead(statuses.shift() ?? 200);
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  closers.push(() => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`, port: (server.address() as AddressInfo).port, requests };
}

const notification = (over: Partial<WebhookNotification> = {}): WebhookNotification => ({
  version: '4', groupKey: 'g', status: 'firing', receiver: 'page-shop', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am:9093', truncatedAlerts: 0,
  alerts: [{ status: 'firing', labels: { alertname: 'ShopCriticalLog', severity: 'critical', service: 'shop-api', component: 'shop-api', category: 'critical' }, annotations: { summary: 'shop-api: a CRITICAL record', description: '1 record', runbook_url: 'docs/runbooks/ShopCriticalLog.md' }, startsAt: '2026-12-01T10:21:12.300Z', endsAt: '0001-01-01T00:00:00Z', fingerprint: 'abc123' }],
  ...over,
});

describe('SMS bridge', () => {
  it('resolves its settings once, secrets and numbers from files, and names what is wrong', () => {
    writeFileSync(path.join(tmp, 'numbers'), '+4915112345678\n+4917698765432, +33612345678\n');
    writeFileSync(path.join(tmp, 'token'), 'tok-1\n');
    const cfg = resolveSmsBridgeConfig({ SHOP_OTEL_SMS_GATEWAY_URL: 'https://sms.example.com/send', SHOP_OTEL_SMS_RECIPIENTS_FILE: path.join(tmp, 'numbers'), SHOP_OTEL_SMS_GATEWAY_TOKEN_FILE: path.join(tmp, 'token'), SHOP_OTEL_SMS_ATTEMPTS: '4' });
    expect(cfg.recipients).toEqual(['+4915112345678', '+4917698765432', '+33612345678']);
    expect(cfg.authorization).toBe('Bearer tok-1');
    expect([cfg.host, cfg.port, cfg.attempts, cfg.maxLength, cfg.format]).toEqual(['127.0.0.1', 9097, 4, 320, 'json']);
    expect(() => resolveSmsBridgeConfig({ SHOP_OTEL_SMS_RECIPIENTS: '+4915112345678' })).toThrow(/SHOP_OTEL_SMS_GATEWAY_URL/);
    expect(() => resolveSmsBridgeConfig({ SHOP_OTEL_SMS_GATEWAY_URL: 'https://x/send' })).toThrow(/at least one phone number/);
    // A bad number is reported without echoing it (it is personal data).
    let msg = '';
    try { resolveSmsBridgeConfig({ SHOP_OTEL_SMS_GATEWAY_URL: 'https://x/send', SHOP_OTEL_SMS_RECIPIENTS: '0151 1234567' }); } catch (e) { msg = (e as Error).message; }
    expect(msg).toMatch(/not in E\.164 form/);
    expect(msg).not.toContain('1234567');
    expect(() => resolveSmsBridgeConfig({ SHOP_OTEL_SMS_GATEWAY_URL: 'https://x/send', SHOP_OTEL_SMS_RECIPIENTS: '+4915112345678', SHOP_OTEL_SMS_ATTEMPTS: '0' })).toThrow(/SHOP_OTEL_SMS_ATTEMPTS/);
    expect(() => resolveSmsBridgeConfig({ SHOP_OTEL_SMS_GATEWAY_URL: 'https://x/send', SHOP_OTEL_SMS_RECIPIENTS_FILE: '/nonexistent' })).toThrow(/cannot read/);
  });

  it('writes one short text: state, severity, name, where, since when, the summary, the runbook; cut to the limit', () => {
    const text = smsText(notification(), 320);
    expect(text).toBe('[FIRING:1]\nCRITICAL since 10:21Z ShopCriticalLog shop-api/shop-api: shop-api: a CRITICAL record\ndocs/runbooks/ShopCriticalLog.md');
    const resolved = smsText(notification({ status: 'resolved', alerts: [{ ...notification().alerts[0], status: 'resolved', endsAt: '2026-12-01T10:30:00Z' }] }), 320);
    expect(resolved).toMatch(/^\[RESOLVED\]\nRESOLVED 10:30Z ShopCriticalLog/);
    const long = smsText(notification({ alerts: Array.from({ length: 20 }, () => notification().alerts[0]) }), 160);
    expect(long.length).toBe(160);
    expect(long.endsWith('…')).toBe(true);
  });

  it('retries 5xx and 429 with backoff up to the bound, never a 4xx', async () => {
    const base = resolveSmsBridgeConfig({ SHOP_OTEL_SMS_GATEWAY_URL: 'http://127.0.0.1:1/x', SHOP_OTEL_SMS_RECIPIENTS: '+4915112345678', SHOP_OTEL_SMS_BACKOFF_MS: '10', SHOP_OTEL_SMS_ATTEMPTS: '3' });
    const flaky = await gateway([503, 429]);
    expect(await sendSms({ ...base, gatewayUrl: new URL(flaky.url) }, '+4915112345678', 'hi')).toMatchObject({ ok: true, attempts: 3 });
    expect(flaky.requests).toHaveLength(3);
    expect(JSON.parse(flaky.requests[0].body)).toEqual({ to: '+4915112345678', text: 'hi' });
    const down = await gateway([500, 500, 500, 500]);
    expect(await sendSms({ ...base, gatewayUrl: new URL(down.url) }, '+4915112345678', 'hi')).toMatchObject({ ok: false, attempts: 3, status: 500 });
    expect(down.requests).toHaveLength(3);
    const refused = await gateway([400]);
    expect(await sendSms({ ...base, gatewayUrl: new URL(refused.url) }, '+4915112345678', 'hi')).toMatchObject({ ok: false, attempts: 1, status: 400 });
    // Nothing listening: network errors are retried too, then reported.
    expect(await sendSms(base, '+4915112345678', 'hi')).toMatchObject({ ok: false, attempts: 3 });
  });

  it('form-encoded gateways, custom field names, a sender ID', async () => {
    const gw = await gateway();
    const cfg = resolveSmsBridgeConfig({ SHOP_OTEL_SMS_GATEWAY_URL: gw.url, SHOP_OTEL_SMS_RECIPIENTS: '+4915112345678', SHOP_OTEL_SMS_GATEWAY_FORMAT: 'form', SHOP_OTEL_SMS_FIELD_TO: 'To', SHOP_OTEL_SMS_FIELD_TEXT: 'Body', SHOP_OTEL_SMS_FIELD_FROM: 'From', SHOP_OTEL_SMS_FROM: 'Shop', SHOP_OTEL_SMS_GATEWAY_TOKEN: 'dTpw', SHOP_OTEL_SMS_GATEWAY_AUTH_SCHEME: 'Basic' });
    await sendSms(cfg, '+4915112345678', 'hello');
    expect(gw.requests[0].headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(gw.requests[0].headers.authorization).toBe('Basic dTpw');
    expect(Object.fromEntries(new URLSearchParams(gw.requests[0].body))).toEqual({ To: '+4915112345678', Body: 'hello', From: 'Shop' });
  });

  it('answers 200 when one recipient got it, 502 when none did; logs numbers masked only', async () => {
    const gw = await gateway([400]);
    const log: string[] = [];
    const cfg = resolveSmsBridgeConfig({ SHOP_OTEL_SMS_GATEWAY_URL: gw.url, SHOP_OTEL_SMS_RECIPIENTS: '+4915112345678,+4917698765432', SHOP_OTEL_SMS_BACKOFF_MS: '1' });
    const handle = smsHandler(cfg, (l) => log.push(l));
    expect((await handle(notification())).status).toBe(200);
    const dead = smsHandler({ ...cfg, gatewayUrl: new URL('http://127.0.0.1:1/x'), attempts: 1 }, (l) => log.push(l));
    expect((await dead(notification())).status).toBe(502);
    expect(log.join('\n')).toMatch(/sent firing ShopCriticalLog to \+49•+(78|32)/);
    expect(log.join('\n')).not.toMatch(/4915112345678|4917698765432/);
  });

  it('masks phone numbers: country code and the last two digits', () => {
    expect(maskPhone('+4915112345678')).toBe('+49•••••••••78');
    expect(maskPhone('123')).toBe('•••');
    expect(maskPhonesIn('gateway: invalid number +49 151 12345678 given')).toBe('gateway: invalid number +49•••••••••78 given');
  });

  it('refuses a body that is not an Alertmanager notification', () => {
    expect(parseNotification('nope')).toEqual({ error: 'the body is not JSON' });
    expect(parseNotification('{"alerts": [{"status": "x"}]}')).toMatchObject({ error: expect.stringMatching(/status/) });
    expect(parseNotification(JSON.stringify(notification()))).toMatchObject({ receiver: 'page-shop', alerts: [{ labels: { alertname: 'ShopCriticalLog' } }] });
  });
});

describe('SIEM forwarder', () => {
  it('turns an alert into an OTLP log record: event name, the alert\'s facts, the time of the state change', () => {
    const rec = alertRecord(notification().alerts[0], notification(), 1_000);
    expect(rec.eventName).toBe('alert.firing');
    expect(rec.severityText).toBe('WARNING');
    expect(rec.timeUnixNano).toBe(String(Date.parse('2026-12-01T10:21:12.300Z') * 1e6));
    const attrs = Object.fromEntries(rec.attributes.map((a) => [a.key, a.value.stringValue]));
    expect(attrs).toMatchObject({ 'event.name': 'alert.firing', 'alert.name': 'ShopCriticalLog', 'alert.severity': 'critical', 'alert.service': 'shop-api', 'alert.component': 'shop-api', 'alert.fingerprint': 'abc123' });
    expect(rec.body.stringValue).toBe('FIRING critical ShopCriticalLog shop-api/shop-api: shop-api: a CRITICAL record (1 record)');
  });

  it('queues while the collector is away and delivers, in order, once it is back; the queue is bounded', async () => {
    const port = (await gateway()).port; // a free port: the collector, not started yet
    await closers.pop()!();
    const log: string[] = [];
    const cfg = { ...resolveAlertSiemConfig({ SHOP_OTEL_ALERT_SIEM_LISTEN: '127.0.0.1:0', SHOP_OTEL_ALERT_SIEM_OTLP_ENDPOINT: `http://127.0.0.1:${port}/v1/logs`, SHOP_OTEL_ALERT_SIEM_RETRY_MS: '100' }), queueSize: 3 };
    const fwd = await startAlertSiemForwarder(cfg, (l) => log.push(l));
    closers.push(() => fwd.close());
    const post = (n: WebhookNotification) => fetch(fwd.url, { method: 'POST', body: JSON.stringify(n) });
    for (const name of ['A1', 'A2', 'A3', 'A4']) {
      const res = await post(notification({ alerts: [{ ...notification().alerts[0], labels: { ...notification().alerts[0].labels, alertname: name } }] }));
      expect(res.status).toBe(200); // accepted: Alertmanager must not resend
    }
    expect(fwd.stats()).toMatchObject({ queued: 3, dropped: 1, sent: 0 });
    expect(log.join('\n')).toMatch(/queue full \(3\); dropped the 1 oldest/);
    const collector = await gateway([], port);
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => { if (fwd.stats().sent === 3) { clearInterval(t); resolve(); } }, 50);
      setTimeout(() => { clearInterval(t); reject(new Error(`not delivered: ${JSON.stringify(fwd.stats())}`)); }, 5000);
    });
    const names = collector.requests.flatMap((r) => JSON.parse(r.body).resourceLogs[0].scopeLogs[0].logRecords.map((l: any) => l.attributes.find((a: any) => a.key === 'alert.name').value.stringValue)); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(names).toEqual(['A2', 'A3', 'A4']);
    expect(log.join('\n')).toMatch(/collector reachable again/);
  });
});
