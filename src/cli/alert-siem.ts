#!/usr/bin/env node
/**
 * shop-otel-alert-siem: Alertmanager's webhook → OTLP log records to the collector, which sends
 * them to the SIEM in its RFC 5424 feed (docs/siem.md#alerts).
 *   SHOP_OTEL_ALERT_SIEM_OTLP_ENDPOINT=http://127.0.0.1:4318/v1/logs shop-otel-alert-siem
 */
import { resolveAlertSiemConfig } from '../alerting/siem/config';
import { startAlertSiemForwarder } from '../alerting/siem/forwarder';

async function main(): Promise<void> {
  let cfg;
  try {
    cfg = resolveAlertSiemConfig();
  } catch (err) {
    process.stderr.write(`shop-otel-alert-siem: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const fwd = await startAlertSiemForwarder(cfg);
  process.stderr.write(`shop-otel-alert-siem: listening on ${fwd.url} → ${cfg.logsUrl.href}\n`);
  const stop = () => void fwd.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: Error) => {
  process.stderr.write(`shop-otel-alert-siem: ${err.message}\n`);
  process.exit(1);
});
