/** Alert delivery helpers: the SMS bridge and the SIEM forwarder (each also a command, src/cli). */
export { resolveSmsBridgeConfig, type SmsBridgeConfig } from './sms/config';
export { startSmsBridge, smsHandler } from './sms/bridge';
export { smsText } from './sms/message';
export { sendSms } from './sms/gateway';
export { resolveAlertSiemConfig, type AlertSiemConfig } from './siem/config';
export { startAlertSiemForwarder, type AlertSiemForwarder } from './siem/forwarder';
export { alertRecord, exportRequest } from './siem/records';
export { maskPhone, maskPhonesIn } from './mask';
export { parseNotification, startWebhookServer, type WebhookNotification, type WebhookAlert } from './webhook';
