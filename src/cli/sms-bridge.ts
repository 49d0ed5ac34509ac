#!/usr/bin/env node
/**
 * shop-otel-sms-bridge: Alertmanager's webhook → an SMS gateway's HTTP API (docs/alerting.md#sms).
 *   SHOP_OTEL_SMS_GATEWAY_URL=https://sms.example.com/api/send SHOP_OTEL_SMS_GATEWAY_TOKEN_FILE=… \
 *   SHOP_OTEL_SMS_RECIPIENTS_FILE=/etc/shop-otel/oncall-numbers shop-otel-sms-bridge
 */
import { resolveSmsBridgeConfig } from '../alerting/sms/config';
import { startSmsBridge } from '../alerting/sms/bridge';

async function main(): Promise<void> {
  let cfg;
  try {
    cfg = resolveSmsBridgeConfig();
  } catch (err) {
    process.stderr.write(`shop-otel-sms-bridge: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const server = await startSmsBridge(cfg);
  process.stderr.write(`shop-otel-sms-bridge: listening on ${server.url} → ${cfg.gatewayUrl.origin}${cfg.gatewayUrl.pathname} (${cfg.recipients.length} recipient(s), ${cfg.attempts} attempt(s) each)\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: Error) => {
  process.stderr.write(`shop-otel-sms-bridge: ${err.message}\n`);
  process.exit(1);
});
