/**
 * The SMS bridge's settings, resolved once from the environment into one typed object. Secrets
 * (the gateway's token) and personal data (the recipients' numbers) may come from files
 * (`…_FILE`), so that neither has to be in the environment or the repository.
 */
import { intSetting, secretSetting } from '../secrets';
import { parseListen } from '../webhook';

export interface SmsBridgeConfig {
  host: string;
  port: number;
  /** The route Alertmanager's webhook_configs posts to. */
  path: string;
  gatewayUrl: URL;
  /** `json` ({to, from, text}) or `form` (application/x-www-form-urlencoded, Twilio-style). */
  format: 'json' | 'form';
  fields: { to: string; from: string; text: string };
  /** Authorization header value (`Bearer <token>` by default), if any. */
  authorization?: string;
  from?: string;
  recipients: string[];
  maxLength: number;
  /** Attempts per message (the first included), with exponential backoff from backoffMs. */
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
}

const E164 = /^\+[1-9]\d{6,14}$/;

export function resolveSmsBridgeConfig(env: NodeJS.ProcessEnv = process.env): SmsBridgeConfig {
  const { host, port } = parseListen(env.SHOP_OTEL_SMS_LISTEN || '127.0.0.1:9097', 'SHOP_OTEL_SMS_LISTEN');
  const rawUrl = env.SHOP_OTEL_SMS_GATEWAY_URL;
  if (!rawUrl) throw new Error('SHOP_OTEL_SMS_GATEWAY_URL: the SMS gateway\'s HTTP API URL is required');
  let gatewayUrl: URL;
  try {
    gatewayUrl = new URL(rawUrl);
  } catch {
    throw new Error(`SHOP_OTEL_SMS_GATEWAY_URL: "${rawUrl}" is not a URL`);
  }
  if (gatewayUrl.protocol !== 'https:' && gatewayUrl.protocol !== 'http:') throw new Error('SHOP_OTEL_SMS_GATEWAY_URL: http or https only');
  const format = (env.SHOP_OTEL_SMS_GATEWAY_FORMAT || 'json') as SmsBridgeConfig['format'];
  if (format !== 'json' && format !== 'form') throw new Error(`SHOP_OTEL_SMS_GATEWAY_FORMAT: "${format}" is neither json nor form`);
  const token = secretSetting(env, 'SHOP_OTEL_SMS_GATEWAY_TOKEN');
  const scheme = env.SHOP_OTEL_SMS_GATEWAY_AUTH_SCHEME ?? 'Bearer';
  const recipients = (secretSetting(env, 'SHOP_OTEL_SMS_RECIPIENTS') ?? '').split(/[\s,;]+/).filter(Boolean);
  if (recipients.length === 0) throw new Error('SHOP_OTEL_SMS_RECIPIENTS (or SHOP_OTEL_SMS_RECIPIENTS_FILE): at least one phone number is required');
  const bad = recipients.filter((r) => !E164.test(r));
  if (bad.length) throw new Error(`SHOP_OTEL_SMS_RECIPIENTS: ${bad.length} number(s) not in E.164 form (+ and 7-15 digits)`);
  return {
    host,
    port,
    path: env.SHOP_OTEL_SMS_PATH || '/alertmanager',
    gatewayUrl,
    format,
    fields: { to: env.SHOP_OTEL_SMS_FIELD_TO || 'to', from: env.SHOP_OTEL_SMS_FIELD_FROM || 'from', text: env.SHOP_OTEL_SMS_FIELD_TEXT || 'text' },
    authorization: token === undefined ? undefined : scheme ? `${scheme} ${token}` : token,
    from: env.SHOP_OTEL_SMS_FROM || undefined,
    recipients,
    maxLength: intSetting(env, 'SHOP_OTEL_SMS_MAX_LENGTH', 320, 70, 1600),
    attempts: intSetting(env, 'SHOP_OTEL_SMS_ATTEMPTS', 3, 1, 10),
    backoffMs: intSetting(env, 'SHOP_OTEL_SMS_BACKOFF_MS', 500, 1, 60_000),
    timeoutMs: intSetting(env, 'SHOP_OTEL_SMS_TIMEOUT_MS', 5000, 100, 60_000),
  };
}
