import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './support/fixture';

/**
 * The container stack's Prometheus, alert rules and Alertmanager files, checked by the tools of
 * the very packages that run them (Debian's prometheus and prometheus-alertmanager, installed by
 * scripts/pipeline-deps.sh): a file those tools refuse would fail at `docker compose up`.
 */
const STACK = path.join(REPO, 'collector', 'stack');
const run = (cmd: string, args: string[], cwd = STACK) => spawnSync(cmd, args, { cwd, encoding: 'utf8' });

describe('collector/stack: the files the container stack mounts', () => {
  it('prometheus.yml and its rule files pass `promtool check config`', () => {
    const r = run('promtool', ['check', 'config', 'prometheus/prometheus.yml']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rule files found/);
  });

  it('the alert rules pass their own unit tests (`promtool test rules`): each fires on its condition and not without it', () => {
    const dir = path.join(STACK, 'prometheus', 'rules');
    // The long seasonal anomaly tests run in test/unit/alert-rules.test.ts only.
    const tests = readdirSync(dir).filter((f) => f.endsWith('.test.yml') && !f.includes('seasonal'));
    expect(tests.length).toBeGreaterThan(3);
    const r = run('promtool', ['test', 'rules', ...tests], dir);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS/);
  });

  it('alertmanager.yml, rendered for Debian\'s Alertmanager, passes `amtool check-config` (more in test/alertmanager.test.ts)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shop-otel-stack-am-'));
    for (const f of ['tok', 'chat', 'pw']) writeFileSync(path.join(dir, f), f === 'chat' ? 'https://chat.example.com/hooks/x' : 'x');
    const env = { ...process.env, SHOP_OTEL_AM_TEMPLATES_DIR: path.join(STACK, 'alertmanager', 'templates'), SHOP_OTEL_AM_TELEGRAM_BOT_TOKEN_FILE: path.join(dir, 'tok'), SHOP_OTEL_AM_CHAT_WEBHOOK_URL_FILE: path.join(dir, 'chat'), SHOP_OTEL_AM_SMTP_PASSWORD_FILE: path.join(dir, 'pw') };
    const out = path.join(dir, 'alertmanager.yml');
    const rendered = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'alerting', 'render-alertmanager.mjs'), '--out', out, '--for-version', '0.25'], { env, encoding: 'utf8' });
    expect(rendered.status, rendered.stderr).toBe(0);
    const r = run('amtool', ['check-config', out]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});
