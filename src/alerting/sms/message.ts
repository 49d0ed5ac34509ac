/**
 * The text of one SMS for one notification: what a person needs on a lock screen, first. One line
 * per alert (status, severity, name, where, since when, the summary), then the runbook of the
 * first one; cut to the configured length (an SMS segment is 160 GSM characters, 70 in UCS-2).
 */
import type { WebhookAlert, WebhookNotification } from '../webhook';

const hhmm = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '?' : `${d.toISOString().slice(11, 16)}Z`;
};

function line(a: WebhookAlert): string {
  const where = [a.labels.service, a.labels.component].filter(Boolean).join('/');
  const state = a.status === 'resolved' ? `RESOLVED ${hhmm(a.endsAt)}` : `${(a.labels.severity ?? 'alert').toUpperCase()} since ${hhmm(a.startsAt)}`;
  return `${state} ${a.labels.alertname ?? 'alert'}${where ? ` ${where}` : ''}: ${a.annotations.summary ?? a.annotations.description ?? ''}`.trim();
}

export function smsText(n: WebhookNotification, maxLength: number): string {
  const firing = n.alerts.filter((a) => a.status === 'firing');
  const resolved = n.alerts.filter((a) => a.status === 'resolved');
  const head = firing.length ? `[FIRING:${firing.length}]` : '[RESOLVED]';
  const lines = [head, ...[...firing, ...resolved].map(line)];
  const extra = Number(n.truncatedAlerts ?? 0);
  if (extra > 0) lines.push(`+${extra} more`);
  const runbook = (firing[0] ?? resolved[0])?.annotations.runbook_url;
  if (runbook) lines.push(runbook);
  const text = lines.join('\n');
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}
