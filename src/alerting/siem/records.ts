/**
 * One alert state change → one OTLP log record (JSON encoding), for the collector's SIEM feed.
 * event.name `alert.firing` / `alert.resolved` (the collector's routing sends both to the SIEM);
 * the alert's name, severity, service, component and category as `alert.*` attributes (they
 * become the structured data of the RFC 5424 line, docs/siem.md#alerts). Severity: WARNING for a
 * firing alert, INFO for a resolved one; the alert's own severity is `alert.severity`. (Not ERROR
 * for a critical alert: the log-count rules would count Alertmanager's own records as errors.)
 */
import type { WebhookAlert, WebhookNotification } from '../webhook';

type AnyValue = { stringValue: string };
export interface OtlpLogRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: Array<{ key: string; value: AnyValue }>;
  eventName: string;
}

const nanos = (iso: string | undefined, fallback: number) => {
  const t = iso ? Date.parse(iso) : NaN;
  return `${BigInt(Number.isNaN(t) || t <= 0 ? fallback : t) * 1_000_000n}`;
};

export function alertRecord(a: WebhookAlert, n: WebhookNotification, now = Date.now()): OtlpLogRecord {
  const resolved = a.status === 'resolved';
  const where = [a.labels.service, a.labels.component].filter(Boolean).join('/');
  const attrs: Record<string, string | undefined> = {
    'event.name': resolved ? 'alert.resolved' : 'alert.firing',
    'alert.name': a.labels.alertname,
    'alert.status': a.status,
    'alert.severity': a.labels.severity,
    'alert.service': a.labels.service,
    'alert.component': a.labels.component,
    'alert.category': a.labels.category,
    'alert.fingerprint': a.fingerprint,
    'alert.starts_at': a.startsAt,
    'alert.ends_at': resolved ? a.endsAt : undefined,
    'alert.runbook_url': a.annotations.runbook_url,
    'alert.traces_url': a.annotations.traces_url,
    'alert.receiver': n.receiver,
    'alert.external_url': n.externalURL,
  };
  const text = `${resolved ? 'RESOLVED' : 'FIRING'} ${a.labels.severity ?? ''} ${a.labels.alertname ?? 'alert'}${where ? ` ${where}` : ''}: ${a.annotations.summary ?? ''}${a.annotations.description ? ` (${a.annotations.description})` : ''}`.replace(/\s+/g, ' ').trim();
  return {
    // The time of the state change, not of the forwarding: a record that waited keeps its time.
    timeUnixNano: nanos(resolved ? a.endsAt : a.startsAt, now),
    observedTimeUnixNano: nanos(undefined, now),
    severityNumber: resolved ? 9 : 13,
    severityText: resolved ? 'INFO' : 'WARNING',
    body: { stringValue: text },
    attributes: Object.entries(attrs).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '').map(([key, v]) => ({ key, value: { stringValue: v } })),
    eventName: attrs['event.name'] as string,
  };
}

/** The OTLP/JSON export request for some records, from the service `alertmanager`. */
export function exportRequest(records: OtlpLogRecord[], environment?: string): string {
  const resource = [
    { key: 'service.name', value: { stringValue: 'alertmanager' } },
    { key: 'shop.component', value: { stringValue: 'alerting' } },
    ...(environment ? [{ key: 'deployment.environment.name', value: { stringValue: environment } }] : []),
  ];
  return JSON.stringify({ resourceLogs: [{ resource: { attributes: resource }, scopeLogs: [{ scope: { name: 'shop-otel-alert-siem' }, logRecords: records }] }] });
}
