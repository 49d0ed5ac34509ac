import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './support/fixture';
import { startReceiver, type Receiver } from './support/otlp-receiver';
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/ban-ts-comment */
// @ts-ignore -- plain .mjs modules of the scripts, typed loosely here
import * as renderModule from '../scripts/alerting/render-alertmanager.mjs';
// @ts-ignore
import * as receiversModule from '../scripts/alerting/local-receivers.mjs';
// @ts-ignore
import * as alertingModule from '../scripts/alerting/alerting-stack.mjs';
// @ts-ignore
import * as stackModule from '../scripts/pipeline/stack.mjs';

const render = renderModule as any;
const localReceivers = receiversModule as any;
const alerting = alertingModule as any;
const stack = stackModule as any;

/**
 * collector/stack/alertmanager, proven with the real thing: the config passes `amtool
 * check-config` of Debian's Alertmanager 0.25 and of a current release (v0.35, built from the Go
 * module proxy), its routing is pinned by `amtool config routes test`, and a real Alertmanager
 * (Debian's) delivers to local stand-ins of every channel — SMTP with STARTTLS and AUTH,
 * Telegram's Bot API, a Slack/Mattermost webhook, the SMS gateway behind our SMS bridge, and the
 * collector's OTLP input behind the SIEM forwarder — with inhibition, silences, the night mute,
 * resolved notifications, and a two-node cluster fed by two Prometheus replicas delivering once.
 */

const DEBIAN_AMTOOL = '/usr/bin/amtool';
let currentAmtool: string;
let dir: string;

beforeAll(() => {
  currentAmtool = execFileSync('bash', [path.join(REPO, 'scripts', 'alerting', 'amtool-install.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  dir = mkdtempSync(path.join(os.tmpdir(), 'shop-otel-am-'));
}, 600_000);

/** Settings for a render that needs no receivers: secrets in files of a temp dir. */
function staticEnv(): Record<string, string> {
  const secrets = path.join(dir, 'static-secrets');
  execFileSync('mkdir', ['-p', secrets]);
  for (const [f, v] of [['tok', '123:abc'], ['chat', 'https://chat.example.com/hooks/xyz'], ['pw', 'p']]) writeFileSync(path.join(secrets, f), `${v}\n`);
  return {
    SHOP_OTEL_AM_TEMPLATES_DIR: render.TEMPLATES_DIR,
    SHOP_OTEL_AM_TELEGRAM_BOT_TOKEN_FILE: path.join(secrets, 'tok'),
    SHOP_OTEL_AM_CHAT_WEBHOOK_URL_FILE: path.join(secrets, 'chat'),
    SHOP_OTEL_AM_SMTP_PASSWORD_FILE: path.join(secrets, 'pw'),
  };
}

function renderTo(name: string, forVersion: string, env: Record<string, string> = staticEnv()): string {
  const out = path.join(dir, name);
  render.renderAlertmanagerFile({ output: out, env, forVersion });
  return out;
}

describe('alertmanager.yml: rendered, checked, routing pinned', () => {
  it('renders for Debian 0.25 (the bot token inlined from its file, mode 0600) and for current releases (the *_file field kept)', () => {
    const old = renderTo('am-025.yml', '0.25');
    const cur = renderTo('am-latest.yml', 'latest');
    const oldText = readFileSync(old, 'utf8');
    const curText = readFileSync(cur, 'utf8');
    expect(oldText).toMatch(/^\s+bot_token: '123:abc'$/m);
    expect(oldText).not.toMatch(/^\s+bot_token_file/m);
    expect(curText).toMatch(/bot_token_file: '.*\/tok'/);
    expect(curText).not.toMatch(/123:abc/);
    expect(statSync(old).mode & 0o777).toBe(0o600);
    // Secrets the config reads from files in every version: never inlined.
    expect(oldText).toMatch(/api_url_file: /);
    expect(oldText).toMatch(/smtp_auth_password_file: /);
    expect(oldText.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n')).not.toMatch(/\$\{/);
  });

  it('passes `amtool check-config` of Debian 0.25 and of a current amtool (v0.35)', () => {
    for (const [tool, file] of [[DEBIAN_AMTOOL, 'am-025.yml'], [currentAmtool, 'am-025.yml'], [currentAmtool, 'am-latest.yml']]) {
      const r = spawnSync(tool, ['check-config', path.join(dir, file)], { encoding: 'utf8' });
      expect(r.status, `${tool} ${file}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/6 receivers/);
      expect(r.stdout).toMatch(/3 inhibit rules/);
    }
    // Debian's 0.25 would refuse the current form: that is why the renderer inlines.
    expect(spawnSync(DEBIAN_AMTOOL, ['check-config', path.join(dir, 'am-latest.yml')], { encoding: 'utf8' }).status).not.toBe(0);
  });

  it('a missing setting or secret file is a clear error, not a broken config', () => {
    expect(() => render.renderAlertmanagerConfig("a: '${NOPE}'", { env: {} })).toThrow(/NOPE is not set/);
    expect(() => render.renderAlertmanagerConfig("    bot_token_file: '/nonexistent/tok'", { env: {}, forVersion: '0.25' })).toThrow(/no such file/);
    expect(() => render.renderAlertmanagerConfig('chat_id: ${ID}', { env: { ID: '12; rm' } })).toThrow(/not a whole number/);
    // A quote in a value cannot end the YAML string early.
    expect(render.renderAlertmanagerConfig("a: '${V}'", { env: { V: "it's" } })).toBe("a: 'it''s'");
    expect(render.renderAlertmanagerConfig('  group_wait: 30s\n  repeat_interval: 4h\n  group_wait: 0s', { env: {}, timeScale: 60 })).toBe('  group_wait: 1s\n  repeat_interval: 240s\n  group_wait: 0s');
  });

  // label set → the receivers it reaches (in Alertmanager's order: the SIEM first, it continues).
  const CASES: Array<[string, string[]]> = [
    ['alertname=ShopCriticalLog severity=critical service=shop-api component=shop-api category=critical', ['siem', 'page-shop']],
    ['alertname=ShopHttpErrorRatioHigh severity=critical service=shop-api component=shop-api category=error', ['siem', 'page-shop']],
    ['alertname=ShopDbQueryFailures severity=critical service=shop-api component=shop-db category=error', ['siem', 'page-ops']],
    ['alertname=ShopCollectorDown severity=critical service=otelcol-shop component=pipeline category=pipeline', ['siem', 'page-ops']],
    ['alertname=ShopSloAvailabilityBurnFast severity=critical service=shop-api component=shop-api category=slo', ['siem', 'page-shop']],
    ['alertname=ShopSloAvailabilityBurnSlow severity=warning service=shop-api component=shop-api category=slo', ['siem', 'notify-shop']],
    ['alertname=ShopAnomaly severity=warning service=shop-api component=shop-api category=anomaly anomaly_name=orders_created direction=up', ['siem', 'notify-shop']],
    ['alertname=ShopMesProcessingDelayed severity=warning service=mes-api component=mes-api category=warning', ['siem', 'notify-shop']],
    ['alertname=ShopDbQueryFailures severity=warning service=mes-api component=mes-db category=warning', ['siem', 'notify-ops']],
    ['alertname=ShopFileIntegrity severity=warning service=file-store component=file-storage category=warning', ['siem', 'notify-ops']],
    ['alertname=ShopQueueBacklog severity=info service=shop-internal component=message-queue category=warning', ['siem', 'email-digest']],
    ['alertname=Unlabelled', ['siem', 'email-digest']],
  ];

  it.each([['Debian 0.25', DEBIAN_AMTOOL, 'am-025.yml'], ['current v0.35', '', 'am-latest.yml']])('`amtool config routes test` (%s) pins every route', (_name, tool, file) => {
    const bin = tool || currentAmtool;
    for (const [labels, receivers] of CASES) {
      const r = spawnSync(bin, ['config', 'routes', 'test', `--config.file=${path.join(dir, file)}`, `--verify.receivers=${receivers.join(',')}`, ...labels.split(' ')], { encoding: 'utf8' });
      expect(r.status, `${labels} → ${receivers}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// A live Alertmanager delivering to every channel.

interface PostedAlert { labels: Record<string, string>; annotations?: Record<string, string>; startsAt?: string; endsAt?: string }

const annotations = (name: string, service: string) => ({
  summary: `${name} on ${service}`,
  description: `value 0.42 (threshold 0.05) for ${service}`,
  runbook_url: `docs/runbooks/${name}.md`,
  traces_url: `http://127.0.0.1:16686/search?service=${service}`,
});

async function post(amUrl: string, alerts: PostedAlert[]): Promise<void> {
  const res = await fetch(`${amUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts.map((a) => ({ annotations: annotations(a.labels.alertname, a.labels.service), generatorURL: 'http://127.0.0.1:9090/graph', ...a }))) });
  expect(res.status, await res.text()).toBe(200);
}

async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Which alert names each channel received, and in what state (from the recorded payloads). */
function mentions(r: any, name: string) {
  const tg = r.telegram.messages.filter((m: any) => String(m.body.text).includes(name));
  const chat = r.chat.messages.filter((m: any) => JSON.stringify(m.body).includes(name));
  const sms = r.sms.messages.filter((m: any) => String(m.body.text).includes(name));
  const mail = r.smtp.inbox.filter((m: any) => m.subject.includes(name));
  return { tg, chat, sms, mail };
}

describe('a live Alertmanager (Debian 0.25) delivers to every channel', () => {
  let r: any;
  let al: any;
  let otlp: Receiver;
  const svc = `svc-${process.pid}`;

  beforeAll(async () => {
    r = await localReceivers.startLocalReceivers(path.join(dir, 'receivers'));
    otlp = await startReceiver();
    al = await alerting.startAlerting({ dir: path.join(dir, 'live'), receivers: r, otlpLogsUrl: `${otlp.url}/v1/logs`, timeScale: 60 });
  }, 60_000);
  afterAll(async () => {
    await al?.stop();
    await r?.stop();
    await otlp?.close();
  });

  it('a critical alert pages: SMS (every recipient, through the bridge), Telegram, chat and e-mail; resolved on each when it ends', async () => {
    const labels = { alertname: 'ShopCriticalLog', severity: 'critical', service: svc, component: 'shop-api', category: 'critical' };
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    await post(al.url, [{ labels, startsAt }]);
    const got = await waitFor('the critical on all four channels', () => {
      const m = mentions(r, 'ShopCriticalLog');
      return m.tg.length && m.chat.length && m.sms.length >= 2 && m.mail.length ? m : undefined;
    });
    // Telegram: the bot token in the path (from its file), the chat ID, an HTML message with what/where/since/value/runbook/traces.
    const tg = got.tg[0];
    expect(tg.path).toBe(`/bot${alerting.TELEGRAM_TOKEN}/sendMessage`);
    expect(String(tg.body.chat_id)).toBe(alerting.TELEGRAM_CHAT_ID);
    expect(tg.body.parse_mode).toBe('HTML');
    for (const part of ['<b>CRITICAL</b>', `What:</b> ShopCriticalLog on ${svc}`, `Where:</b> ${svc} / shop-api`, 'Since:</b> ', 'Value:</b> value 0.42 (threshold 0.05)', 'docs/runbooks/ShopCriticalLog.md', `search?service=${svc}`]) expect(tg.body.text).toContain(part);
    // Chat: the secret webhook URL (from its file), the channel, the title and the same facts.
    expect(got.chat[0].path).toBe('/hooks/shop-alerts-secret');
    const att = got.chat[0].body.attachments[0];
    expect(got.chat[0].body.channel).toBe('#shop-alerts');
    expect(att.title).toBe(`[FIRING:1] CRITICAL ShopCriticalLog · ${svc}/shop-api`);
    expect(att.color).toBe('danger');
    expect(att.text).toMatch(/Since: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    // SMS: one per recipient, through the gateway's API with its token; the number never in the bridge's log.
    expect(got.sms.map((m: any) => m.body.to).sort()).toEqual([...alerting.SMS_RECIPIENTS].sort());
    expect(got.sms[0].headers.authorization).toBe(`Bearer ${alerting.SMS_GATEWAY_TOKEN}`);
    expect(got.sms[0].body.from).toBe('ShopOnCall');
    expect(got.sms[0].body.text).toMatch(/^\[FIRING:1\]\nCRITICAL since \d\d:\d\dZ ShopCriticalLog/);
    expect(got.sms[0].body.text.length).toBeLessThanOrEqual(320);
    const bridgeLog = al.smsBridge.child.lines.join('\n');
    expect(bridgeLog).toMatch(/sent firing ShopCriticalLog to \+49•+78/);
    for (const n of alerting.SMS_RECIPIENTS) expect(bridgeLog).not.toContain(n);
    // E-mail: to the shop team, over STARTTLS, authenticated.
    const mail = got.mail[0];
    expect(mail.to).toEqual(['shop-team@shop.example.com']);
    expect(mail.tls).toBe(true);
    expect(mail.user).toBe('alertmanager');
    expect(mail.subject).toBe(`[FIRING:1] CRITICAL ShopCriticalLog · ${svc}/shop-api`);
    expect(mail.text).toContain('Runbook: docs/runbooks/ShopCriticalLog.md');
    expect(mail.html).toContain('href="docs/runbooks/ShopCriticalLog.md"');

    // It ends: a resolved notification on every channel (e-mail's send_resolved is on).
    await post(al.url, [{ labels, startsAt, endsAt: new Date().toISOString() }]);
    await waitFor('resolved on all four channels', () => {
      const m = mentions(r, 'ShopCriticalLog');
      return m.tg.some((x: any) => /RESOLVED/.test(x.body.text)) && m.chat.some((x: any) => /RESOLVED/.test(x.body.attachments[0].title))
        && m.sms.filter((x: any) => /^\[RESOLVED\]/.test(x.body.text)).length >= 2 && m.mail.some((x: any) => /^\[RESOLVED\]/.test(x.subject));
    });
  });

  it('a warning of an infrastructure component: messenger and the ops mailbox, no SMS', async () => {
    const labels = { alertname: 'ShopDbSlowQueries', severity: 'warning', service: svc, component: 'mes-db', category: 'warning' };
    await post(al.url, [{ labels }]);
    const got = await waitFor('the warning on messenger and e-mail', () => {
      const m = mentions(r, 'ShopDbSlowQueries');
      return m.tg.length && m.chat.length && m.mail.length ? m : undefined;
    });
    expect(got.mail[0].to).toEqual(['ops@shop.example.com']);
    expect(got.chat[0].body.attachments[0].color).toBe('warning');
    await sleep(3000);
    expect(mentions(r, 'ShopDbSlowQueries').sms).toEqual([]);
  });

  it('an info alert: the e-mail digest only', async () => {
    const labels = { alertname: 'ShopInfoDigestProbe', severity: 'info', service: svc, component: 'shop-api', category: 'warning' };
    await post(al.url, [{ labels }]);
    const got = await waitFor('the digest mail', () => mentions(r, 'ShopInfoDigestProbe').mail.length ? mentions(r, 'ShopInfoDigestProbe') : undefined, 30_000);
    expect(got.mail[0].to).toEqual(['ops-digest@shop.example.com']);
    expect(got.tg).toEqual([]);
    expect(got.chat).toEqual([]);
    expect(got.sms).toEqual([]);
  });

  it('a critical mutes the warnings of its service and component', async () => {
    const base = { service: `${svc}-inh`, component: 'shop-api' };
    await post(al.url, [
      { labels: { alertname: 'ShopHttpErrorRatioHigh', severity: 'critical', category: 'error', ...base } },
      { labels: { alertname: 'ShopErrorLogsHigh', severity: 'warning', category: 'error', ...base } },
      // Another component of the same service: not muted.
      { labels: { alertname: 'ShopDbQueryFailures', severity: 'warning', category: 'error', service: base.service, component: 'shop-db' } },
    ]);
    await waitFor('the critical paged, the other component notified', () => mentions(r, 'ShopHttpErrorRatioHigh').sms.length && mentions(r, 'ShopDbQueryFailures').tg.length);
    const inhibited = (await al.alertmanagers[0].alerts()).filter((a: any) => a.status.inhibitedBy.length > 0).map((a: any) => a.labels.alertname);
    expect(inhibited).toEqual(['ShopErrorLogsHigh']);
    await sleep(3000);
    const m = mentions(r, 'ShopErrorLogsHigh');
    expect([m.tg.length, m.chat.length, m.mail.length, m.sms.length]).toEqual([0, 0, 0, 0]);
    const now = new Date().toISOString();
    await post(al.url, ['ShopHttpErrorRatioHigh', 'ShopErrorLogsHigh'].map((alertname) => ({ labels: { alertname, severity: alertname === 'ShopErrorLogsHigh' ? 'warning' : 'critical', category: 'error', ...base }, endsAt: now })));
  });

  it('the collector down mutes what depends on it (silent services, anomalies, the pipeline\'s other alerts)', async () => {
    await post(al.url, [
      { labels: { alertname: 'ShopCollectorDown', severity: 'critical', category: 'pipeline', service: 'otelcol-shop', component: 'pipeline' } },
      { labels: { alertname: 'ShopServiceSilent', severity: 'warning', category: 'pipeline', service: 'crm-api', component: 'crm-api' } },
      { labels: { alertname: 'ShopAnomaly', severity: 'warning', category: 'anomaly', service: 'shop-api', component: 'shop-api', anomaly_name: 'requests', direction: 'down' } },
      { labels: { alertname: 'ShopSloAvailabilityBurnFast', severity: 'critical', category: 'slo', service: 'shop-api', component: 'shop-api' } },
    ]);
    await waitFor('the collector down paged', () => mentions(r, 'ShopCollectorDown').sms.length);
    const held: string[] = await waitFor('inhibition in the API', async () => {
      const alerts = await al.alertmanagers[0].alerts();
      const names = alerts.filter((a: any) => a.status.inhibitedBy.length > 0 && ['ShopServiceSilent', 'ShopAnomaly', 'ShopSloAvailabilityBurnFast', 'ShopCollectorDown'].includes(a.labels.alertname)).map((a: any) => a.labels.alertname).sort();
      return names.length === 3 ? names : undefined;
    });
    expect(held).toEqual(['ShopAnomaly', 'ShopServiceSilent', 'ShopSloAvailabilityBurnFast']);
    await sleep(3000);
    for (const n of ['ShopServiceSilent', 'ShopAnomaly', 'ShopSloAvailabilityBurnFast']) {
      const m = mentions(r, n);
      expect([m.tg.length, m.chat.length, m.mail.length, m.sms.length], n).toEqual([0, 0, 0, 0]);
    }
  });

  it('a silence (amtool silence add) keeps an alert from every channel', async () => {
    const add = spawnSync('/usr/bin/amtool', ['silence', 'add', `--alertmanager.url=${al.url}`, '--comment=maintenance', '--author=test', '--duration=10m', 'alertname=ShopSilencedProbe'], { encoding: 'utf8' });
    expect(add.status, add.stderr).toBe(0);
    await post(al.url, [{ labels: { alertname: 'ShopSilencedProbe', severity: 'critical', service: svc, component: 'shop-api', category: 'critical' } }]);
    await waitFor('silenced in the API', async () => (await al.alertmanagers[0].alerts()).some((a: any) => a.labels.alertname === 'ShopSilencedProbe' && a.status.silencedBy.length > 0));
    await sleep(3000);
    const m = mentions(r, 'ShopSilencedProbe');
    expect([m.tg.length, m.chat.length, m.mail.length, m.sms.length]).toEqual([0, 0, 0, 0]);
  });

  it('the SIEM forwarder posts each alert, firing and resolved, as an OTLP log record for the collector', async () => {
    const recs = await waitFor('firing and resolved records of ShopCriticalLog', () => {
      const l = otlp.logs.filter((x) => x.attributes['alert.name'] === 'ShopCriticalLog');
      return l.some((x) => x.eventName === 'alert.resolved') && l.some((x) => x.eventName === 'alert.firing') ? l : undefined;
    });
    const firing = recs.find((x) => x.eventName === 'alert.firing')!;
    expect(firing.resource['service.name']).toBe('alertmanager');
    expect(firing.attributes).toMatchObject({ 'event.name': 'alert.firing', 'alert.severity': 'critical', 'alert.service': svc, 'alert.component': 'shop-api', 'alert.category': 'critical', 'alert.runbook_url': 'docs/runbooks/ShopCriticalLog.md' });
    expect(firing.severityText).toBe('WARNING');
    expect(String(firing.body)).toMatch(/^FIRING critical ShopCriticalLog svc-\d+\/shop-api: ShopCriticalLog on/);
    // Inhibited and silenced alerts are not notifications: the SIEM does not get them either.
    expect(otlp.logs.some((x) => x.attributes['alert.name'] === 'ShopSilencedProbe')).toBe(false);
  });
});

describe('the night mute holds warnings, never criticals', () => {
  let r: any;
  let al: any;
  beforeAll(async () => {
    r = await localReceivers.startLocalReceivers(path.join(dir, 'receivers-night'));
    al = await alerting.startAlerting({ dir: path.join(dir, 'night'), receivers: r, otlpLogsUrl: 'http://127.0.0.1:9/v1/logs', timeScale: 60, muteNow: true });
  }, 60_000);
  afterAll(async () => {
    await al?.stop();
    await r?.stop();
  });

  it('at "night" (a window that contains now) a warning waits and a critical pages', async () => {
    await post(al.url, [
      { labels: { alertname: 'ShopNightWarning', severity: 'warning', service: 'shop-api', component: 'shop-api', category: 'warning' } },
      { labels: { alertname: 'ShopNightCritical', severity: 'critical', service: 'mes-api', component: 'mes-api', category: 'critical' } },
    ]);
    await waitFor('the critical', () => mentions(r, 'ShopNightCritical').tg.length && mentions(r, 'ShopNightCritical').mail.length);
    await sleep(4000);
    const m = mentions(r, 'ShopNightWarning');
    expect([m.tg.length, m.chat.length, m.mail.length]).toEqual([0, 0, 0]);
  });
});

describe('high availability: two Prometheus replicas, a two-node Alertmanager cluster, one notification', () => {
  let r: any;
  let al: any;
  const proms: any[] = [];

  beforeAll(async () => {
    r = await localReceivers.startLocalReceivers(path.join(dir, 'receivers-ha'));
    // Time scale 10 (group_interval 12 s), not 60 (2 s): two Prometheus replicas disagree for up
    // to one evaluation (1 s) when a rule stops firing, the later one's last "firing" makes the
    // alert fire again for that second, and a group interval that short notified that flap as a
    // second firing and resolved notification (seen: tg and chat twice). In production the group
    // interval (2 m) is many evaluations long; so here.
    al = await alerting.startAlerting({ dir: path.join(dir, 'ha'), receivers: r, otlpLogsUrl: 'http://127.0.0.1:9/v1/logs', nodes: 2, timeScale: 10 });
    // Both nodes see each other before any alert arrives.
    await waitFor('a two-member cluster', async () => {
      const s = await (await fetch(`${al.url}/api/v2/status`)).json();
      return s.cluster?.peers?.length === 2 && s.cluster.status === 'ready';
    }, 30_000);
    // One rule, firing for the first 20 s of its life on both replicas, then resolved.
    const until = Math.floor(Date.now() / 1000) + 25;
    const rules = path.join(dir, 'ha', 'ha.rules.yml');
    writeFileSync(rules, [
      'groups:',
      '  - name: ha',
      '    rules:',
      '      - alert: ShopHaProbe',
      `        expr: vector(time()) < ${until}`,
      '        labels: { severity: critical, service: shop-api, component: shop-api, category: critical }',
      '        annotations: { summary: "HA probe", description: "one notification from two replicas and two nodes" }',
      '',
    ].join('\n'));
    for (const replica of ['a', 'b']) {
      const ports = { prometheus: await alerting.freePort(), promExporter: 9, selfMetrics: 9 };
      const p = stack.startPrometheus(path.join(dir, 'ha'), ports, { ruleFiles: [rules], alertmanagers: al.targets, externalLabels: { replica }, name: `prometheus-${replica}` });
      proms.push(p);
    }
    await Promise.all(proms.map((p) => p.ready));
  }, 90_000);
  afterAll(async () => {
    await Promise.allSettled(proms.map((p) => p.stop()));
    await al?.stop();
    await r?.stop();
  });

  it('each channel gets the firing and the resolved notification exactly once', async () => {
    await waitFor('firing on every channel', () => {
      const m = mentions(r, 'ShopHaProbe');
      return m.tg.length && m.chat.length && m.sms.length && m.mail.length;
    }, 30_000);
    // Both nodes hold the alert (each replica sent it to both); the cluster's notification log
    // keeps the second node from sending it again.
    for (const am of al.alertmanagers) expect((await am.alerts()).filter((a: any) => a.labels.alertname === 'ShopHaProbe')).toHaveLength(1);
    await waitFor('resolved on every channel', () => {
      const m = mentions(r, 'ShopHaProbe');
      return m.tg.some((x: any) => /RESOLVED/.test(x.body.text)) && m.mail.some((x: any) => /^\[RESOLVED\]/.test(x.subject)) && m.sms.some((x: any) => /^\[RESOLVED\]/.test(x.body.text));
    }, 60_000);
    await sleep(9000); // the second node's turn (peer position × peer timeout, 6 s) has long passed
    const m = mentions(r, 'ShopHaProbe');
    const firing = (xs: any[], get: (x: any) => string) => xs.filter((x) => !/RESOLVED/.test(get(x))).length;
    const resolved = (xs: any[], get: (x: any) => string) => xs.filter((x) => /RESOLVED/.test(get(x))).length;
    const tgText = (x: any) => String(x.body.text);
    const chatTitle = (x: any) => String(x.body.attachments[0].title);
    const smsText = (x: any) => String(x.body.text);
    const subject = (x: any) => String(x.subject);
    expect({ tg: [firing(m.tg, tgText), resolved(m.tg, tgText)], chat: [firing(m.chat, chatTitle), resolved(m.chat, chatTitle)], mail: [firing(m.mail, subject), resolved(m.mail, subject)], sms: [firing(m.sms, smsText), resolved(m.sms, smsText)] })
      .toEqual({ tg: [1, 1], chat: [1, 1], mail: [1, 1], sms: [2, 2] }); // SMS: one per recipient
  }, 120_000);
});
