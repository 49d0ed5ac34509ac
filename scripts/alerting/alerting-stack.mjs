// The notification side of the pipeline on one machine, for the tests and the demo: Debian's
// Alertmanager (one node, or a gossip cluster on loopback) with collector/stack/alertmanager's
// config rendered for it, the SMS bridge and the SIEM forwarder (our commands, dist/cli), and
// their secrets in files. Channels point at the given receivers (local-receivers.mjs).
//   const al = await startAlerting({ dir, receivers, otlpLogsUrl }); … al.url … await al.stop();
// Needs `npm run build` (the commands) and scripts/pipeline-deps.sh (Alertmanager).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderAlertmanagerFile, TEMPLATES_DIR } from './render-alertmanager.mjs';
import { startAlertmanager, startCommand } from '../pipeline/stack.mjs';

export const TELEGRAM_TOKEN = '123456:test-bot-token';
export const TELEGRAM_CHAT_ID = '-1001234567890';
export const SMS_RECIPIENTS = ['+4915112345678', '+4917698765432'];
export const SMS_GATEWAY_TOKEN = 'sms-gateway-test-token';

import { freePort } from '../pipeline/ports.mjs';

export { freePort };

/**
 * A night window for the `night` mute that does (`includeNow`) or does not contain this moment,
 * whatever the hour: the zone is chosen so that local time is about noon (or about 00:30).
 */
export function nightWindow({ includeNow = false, now = new Date() } = {}) {
  const h = now.getUTCHours();
  let k = includeNow ? -h : 12 - h; // local = UTC + k
  if (k < -12) k += 24;
  const tz = k === 0 ? 'Etc/UTC' : k > 0 ? `Etc/GMT-${k}` : `Etc/GMT+${-k}`;
  return { SHOP_OTEL_AM_NIGHT_START: '22:00', SHOP_OTEL_AM_NIGHT_END: '07:00', SHOP_OTEL_AM_TIMEZONE: tz };
}

/** The environment that points alertmanager.yml at the local receivers, the bridge and the forwarder. */
export function alertmanagerEnv(dir, receivers, { smsBridgeUrl, siemUrl, muteNow = false, extra = {} }) {
  const secrets = path.join(dir, 'secrets');
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  const file = (name, content) => {
    const p = path.join(secrets, name);
    writeFileSync(p, content, { mode: 0o600 }); // no final newline: Alertmanager 0.25 reads some files verbatim
    return p;
  };
  return {
    SHOP_OTEL_AM_TEMPLATES_DIR: TEMPLATES_DIR,
    SHOP_OTEL_AM_SMTP_SMARTHOST: receivers.smtp.smarthost,
    SHOP_OTEL_AM_SMTP_USERNAME: receivers.smtp.user,
    SHOP_OTEL_AM_SMTP_PASSWORD_FILE: file('smtp-password', receivers.smtp.password),
    SHOP_OTEL_AM_SMTP_CA_FILE: receivers.smtp.cert,
    SHOP_OTEL_AM_SMTP_SERVER_NAME: 'localhost',
    SHOP_OTEL_AM_SMTP_HELLO: 'localhost',
    SHOP_OTEL_AM_TELEGRAM_API_URL: receivers.telegram.url,
    SHOP_OTEL_AM_TELEGRAM_BOT_TOKEN_FILE: file('telegram-bot-token', TELEGRAM_TOKEN),
    SHOP_OTEL_AM_TELEGRAM_CHAT_ID: TELEGRAM_CHAT_ID,
    SHOP_OTEL_AM_CHAT_WEBHOOK_URL_FILE: file('chat-webhook-url', `${receivers.chat.url}/hooks/shop-alerts-secret`),
    SHOP_OTEL_AM_SMS_BRIDGE_URL: smsBridgeUrl,
    SHOP_OTEL_AM_SIEM_FORWARDER_URL: siemUrl,
    ...nightWindow({ includeNow: muteNow }),
    ...extra,
  };
}

/**
 * Alertmanager node(s) + SMS bridge + SIEM forwarder. `nodes`: 1, or 2 for a gossip cluster.
 * `timeScale` divides the notification timings (group_wait, group_interval, repeat_interval);
 * `port`: the first node's web port (default: a free one).
 */
export async function startAlerting(options) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startAlertingOnce(options);
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test(String(err?.message))) throw err;
    }
  }
}

async function startAlertingOnce({ dir, receivers, otlpLogsUrl, nodes = 1, timeScale = 1, muteNow = false, extraEnv = {}, port }) {
  mkdirSync(dir, { recursive: true });
  const [smsPort, siemPort] = [await freePort(), await freePort()];
  const secrets = path.join(dir, 'secrets');
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(secrets, 'sms-recipients'), `${SMS_RECIPIENTS.join('\n')}\n`, { mode: 0o600 });
  writeFileSync(path.join(secrets, 'sms-gateway-token'), `${SMS_GATEWAY_TOKEN}\n`, { mode: 0o600 });
  const smsBridge = startCommand(dir, 'sms-bridge', {
    SHOP_OTEL_SMS_LISTEN: `127.0.0.1:${smsPort}`,
    SHOP_OTEL_SMS_GATEWAY_URL: `${receivers.sms.url}/api/send`,
    SHOP_OTEL_SMS_GATEWAY_TOKEN_FILE: path.join(secrets, 'sms-gateway-token'),
    SHOP_OTEL_SMS_RECIPIENTS_FILE: path.join(secrets, 'sms-recipients'),
    SHOP_OTEL_SMS_FROM: 'ShopOnCall',
    SHOP_OTEL_SMS_BACKOFF_MS: '200',
  }, /listening on/);
  const siemForwarder = startCommand(dir, 'alert-siem', {
    SHOP_OTEL_ALERT_SIEM_LISTEN: `127.0.0.1:${siemPort}`,
    SHOP_OTEL_ALERT_SIEM_OTLP_ENDPOINT: otlpLogsUrl,
    SHOP_OTEL_ALERT_SIEM_RETRY_MS: '1000',
  }, /listening on/);
  const env = alertmanagerEnv(dir, receivers, {
    smsBridgeUrl: `http://127.0.0.1:${smsPort}/alertmanager`,
    siemUrl: `http://127.0.0.1:${siemPort}/alertmanager`,
    muteNow,
    extra: extraEnv,
  });
  const configFile = path.join(dir, 'alertmanager.yml');
  renderAlertmanagerFile({ output: configFile, env: { ...process.env, ...env }, forVersion: '0.25', timeScale });
  const ports = [];
  for (let i = 0; i < nodes; i++) ports.push({ web: i === 0 && port ? port : await freePort(), cluster: nodes > 1 ? await freePort() : undefined });
  const ams = ports.map((p, i) => startAlertmanager(dir, {
    port: p.web,
    configFile,
    name: nodes > 1 ? `alertmanager-${i + 1}` : 'alertmanager',
    clusterPort: p.cluster,
    peers: nodes > 1 ? ports.filter((_, j) => j !== i).map((q) => `127.0.0.1:${q.cluster}`) : [],
  }));
  const all = [smsBridge, siemForwarder, ...ams];
  try {
    await Promise.all(all.map((x) => x.ready));
  } catch (err) {
    await Promise.allSettled(all.map((x) => x.stop()));
    throw err;
  }
  return {
    configFile,
    env,
    alertmanagers: ams,
    url: ams[0].url,
    /** host:port of every node, for Prometheus' alerting config. */
    targets: ports.map((p) => `127.0.0.1:${p.web}`),
    smsBridge,
    siemForwarder,
    stop: () => Promise.allSettled(all.map((x) => x.stop())),
  };
}
