/** The SIEM forwarder's settings, resolved once from the environment into one typed object. */
import { intSetting, secretSetting } from '../secrets';
import { parseListen } from '../webhook';

export interface AlertSiemConfig {
  host: string;
  port: number;
  path: string;
  /** The collector's OTLP/HTTP logs endpoint. */
  logsUrl: URL;
  /** Bearer token for a collector with the auth overlay (SHOP_OTEL_COLLECTOR_TOKEN), if any. */
  token?: string;
  /** Records that wait while the collector is unreachable (the oldest are dropped beyond). */
  queueSize: number;
  retryMs: number;
  timeoutMs: number;
  /** Resource attribute deployment.environment.name, if set. */
  environment?: string;
}

export function resolveAlertSiemConfig(env: NodeJS.ProcessEnv = process.env): AlertSiemConfig {
  const { host, port } = parseListen(env.SHOP_OTEL_ALERT_SIEM_LISTEN || '127.0.0.1:9098', 'SHOP_OTEL_ALERT_SIEM_LISTEN');
  const raw = env.SHOP_OTEL_ALERT_SIEM_OTLP_ENDPOINT || 'http://127.0.0.1:4318/v1/logs';
  let logsUrl: URL;
  try {
    logsUrl = new URL(raw);
  } catch {
    throw new Error(`SHOP_OTEL_ALERT_SIEM_OTLP_ENDPOINT: "${raw}" is not a URL`);
  }
  return {
    host,
    port,
    path: env.SHOP_OTEL_ALERT_SIEM_PATH || '/alertmanager',
    logsUrl,
    token: secretSetting(env, 'SHOP_OTEL_COLLECTOR_TOKEN'),
    queueSize: intSetting(env, 'SHOP_OTEL_ALERT_SIEM_QUEUE_SIZE', 10_000, 1, 1_000_000),
    retryMs: intSetting(env, 'SHOP_OTEL_ALERT_SIEM_RETRY_MS', 2000, 10, 600_000),
    timeoutMs: intSetting(env, 'SHOP_OTEL_ALERT_SIEM_TIMEOUT_MS', 5000, 100, 60_000),
    environment: env.SHOP_OTEL_ENVIRONMENT || undefined,
  };
}
