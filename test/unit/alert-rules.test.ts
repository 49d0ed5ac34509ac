import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RUNBOOK_BASE, TRACES_BASE } from '../../scripts/alerting/links.mjs';
import { parseDuration, renderRuleFile, renderRules, scaleExpr } from '../../scripts/alerting/render-rules.mjs';

/**
 * The alert rules of collector/stack/prometheus/rules/ (docs/alerting.md): valid for Debian's
 * promtool (the Prometheus that runs them), every alert unit-tested firing on its condition and
 * quiet without it, the labels and annotations of the alerting contract, runbooks, the generated
 * files (SLO rules, unit tests) up to date, and the fast profile of render-rules.mjs.
 */
const ROOT = path.join(__dirname, '..', '..');
const RULES = path.join(ROOT, 'collector', 'stack', 'prometheus', 'rules');
const ruleFiles = readdirSync(RULES).filter((f) => f.endsWith('.rules.yml')).sort();
const testFiles = readdirSync(RULES).filter((f) => f.endsWith('.test.yml')).sort();
const read = (f: string) => readFileSync(path.join(RULES, f), 'utf8');
/** promtool, asynchronously: the seasonal tests take a minute, and a blocked worker loses its RPC with vitest. */
function promtool(args: string[], cwd = RULES): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => { stdout += c; });
    child.stderr.setEncoding('utf8').on('data', (c) => { stderr += c; });
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}
const node = (script: string, args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'alerting', script), ...args], { cwd: ROOT, encoding: 'utf8' });

interface AlertRule { name: string; file: string; labels: Record<string, string>; annotations: Record<string, string>; block: string }

/** The alerting rules of one file, read line by line (our files' layout: `- alert:`, then `labels:` / `annotations:` maps). */
function alertRules(file: string): AlertRule[] {
  const lines = read(file).split('\n');
  const out: AlertRule[] = [];
  let cur: AlertRule | undefined;
  let section: 'labels' | 'annotations' | undefined;
  let sectionIndent = 0;
  let block: { key: string; indent: number } | undefined; // a `key: >-` / `key: |` scalar being read
  for (const line of lines) {
    if (cur && section && block) {
      if (line.trim() === '' || line.search(/\S/) > block.indent) {
        cur[section][block.key] = `${cur[section][block.key]} ${line.trim()}`.trim();
        cur.block += `${line}\n`;
        continue;
      }
      block = undefined;
    }
    const m = /^(\s*)- (alert|record):\s*(\S+)/.exec(line);
    if (m) {
      cur = m[2] === 'alert' ? { name: m[3], file, labels: {}, annotations: {}, block: '' } : undefined;
      if (cur) out.push(cur);
      section = undefined;
      continue;
    }
    if (!cur) continue;
    cur.block += `${line}\n`;
    const s = /^(\s*)(labels|annotations):\s*$/.exec(line);
    if (s) { section = s[2] as 'labels' | 'annotations'; sectionIndent = s[1].length; continue; }
    const kv = /^(\s*)([a-z_]+):\s*(.*)$/.exec(line);
    if (section && kv && kv[1].length > sectionIndent) {
      if (/^[|>][+-]?$/.test(kv[3].trim())) {
        block = { key: kv[2], indent: kv[1].length };
        cur[section][kv[2]] = '';
      } else {
        cur[section][kv[2]] = kv[3].replace(/^(['"])(.*)\1$/, '$2');
      }
    } else if (kv && kv[1].length <= sectionIndent) {
      section = undefined;
    }
  }
  return out;
}

const alerts = ruleFiles.flatMap(alertRules);
const alertNames = [...new Set(alerts.map((a) => a.name))].sort();

/** Per alert name: does a test expect it firing, and does one expect it quiet? (alert_rule_test and ALERTS{…} expression tests) */
function testCoverage(): Map<string, { fires: string[]; quiet: string[] }> {
  const cov = new Map<string, { fires: string[]; quiet: string[] }>();
  const note = (name: string, kind: 'fires' | 'quiet', where: string) => {
    const c = cov.get(name) ?? { fires: [], quiet: [] };
    c[kind].push(where);
    cov.set(name, c);
  };
  for (const f of testFiles) {
    const lines = read(f).split('\n');
    for (let i = 0; i < lines.length; i++) {
      const a = /^\s*alertname:\s*(\S+)/.exec(lines[i]);
      if (a) {
        const next = lines.slice(i + 1, i + 3).find((l) => /exp_alerts:/.test(l)) ?? '';
        note(a[1], /exp_alerts:\s*\[\s*\]/.test(next) ? 'quiet' : 'fires', `${f}:${i + 1}`);
        continue;
      }
      const e = /^\s*- expr:.*ALERTS\{[^}]*alertname="([^"]+)"/.exec(lines[i]);
      if (e) {
        const samples = lines.slice(i + 1, i + 3).find((l) => /exp_samples:/.test(l)) ?? '';
        note(e[1], /exp_samples:\s*\[\s*\]/.test(samples) ? 'quiet' : 'fires', `${f}:${i + 1}`);
      }
    }
  }
  return cov;
}

describe('alert rules: promtool', () => {
  it('every rule file passes `promtool check rules`', async () => {
    expect(ruleFiles.length).toBeGreaterThan(5);
    const r = await promtool(['check', 'rules', ...ruleFiles]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.match(/SUCCESS/g)?.length).toBe(ruleFiles.length);
  });

  it('the threshold rules pass their unit tests (`promtool test rules`)', async () => {
    const files = testFiles.filter((f) => !f.includes('seasonal'));
    expect(files.length).toBeGreaterThan(4);
    const r = await promtool(['test', 'rules', ...files]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.match(/SUCCESS/g)?.length).toBe(files.length);
  }, 120_000);

  for (const [file, what] of [['shop-anomaly-seasonal.test.yml', 'quiet on 22 h of noisy seasonal days, every anomaly of issue 8 caught in time and held'], ['shop-anomaly-seasonal-weekly.test.yml', 'weekly seasonality: quiet on the second weekend and the Monday after, a Sunday burst and a Monday outage caught']]) {
    it(`the anomaly framework passes ${file}: ${what}`, async () => {
      expect(testFiles).toContain(file);
      const r = await promtool(['test', 'rules', file]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/SUCCESS/);
    }, 900_000);
  }

  it('every alert has a unit test that fires it and one that expects it quiet', () => {
    const cov = testCoverage();
    expect(alertNames.length).toBeGreaterThan(20);
    expect(alertNames.filter((n) => !cov.get(n)?.fires.length), 'alerts no test fires').toEqual([]);
    expect(alertNames.filter((n) => !cov.get(n)?.quiet.length), 'alerts no test expects quiet').toEqual([]);
    expect([...cov.keys()].filter((n) => !alertNames.includes(n)), 'tests of alerts that do not exist').toEqual([]);
  });

  it('the parsers above see what is there (sanity)', () => {
    const critical = alerts.find((a) => a.name === 'ShopCriticalLog')!;
    expect(critical.labels).toMatchObject({ severity: 'critical', category: 'critical' });
    expect(critical.annotations.runbook_url).toBe(`${RUNBOOK_BASE}ShopCriticalLog.md`);
    expect(testCoverage().get('ShopAnomaly')?.fires.length).toBeGreaterThan(5);
  });
});

describe('alert rules: the alerting contract', () => {
  it('provides the alerts the end-to-end test and the Alertmanager routes rely on', () => {
    for (const name of ['ShopHttpErrorRatioHigh', 'ShopErrorLogsHigh', 'ShopCriticalLog', 'ShopDbQueryFailures', 'ShopMesProcessingDelayed', 'ShopAnomaly', 'ShopCollectorDown', 'ShopServiceSilent', 'ShopSloAvailabilityBurnFast', 'ShopSloAvailabilityBurnSlow', 'ShopSloLatencyBurnFast', 'ShopSloLatencyBurnSlow']) {
      expect(alertNames, name).toContain(name);
    }
    const ratio = alerts.filter((a) => a.name === 'ShopHttpErrorRatioHigh').map((a) => a.labels.severity).sort();
    expect(ratio).toEqual(['critical', 'warning']);
    expect(alerts.find((a) => a.name === 'ShopSloAvailabilityBurnFast')!.labels.severity).toBe('critical');
    expect(alerts.find((a) => a.name === 'ShopSloLatencyBurnSlow')!.labels.severity).toBe('warning');
  });

  it('every alert has severity and category from the contract, and gets service and component (static or from its expression, as its tests show)', () => {
    const categories = new Set(['error', 'critical', 'warning', 'slo', 'pipeline', 'anomaly']);
    for (const a of alerts) {
      expect(['critical', 'warning', 'info'], `${a.name} severity`).toContain(a.labels.severity);
      expect(categories.has(a.labels.category), `${a.name} category ${a.labels.category}`).toBe(true);
    }
    // The firing expectations of every test carry service and component: the rules produce them.
    for (const f of testFiles) {
      for (const m of read(f).matchAll(/exp_labels:\s*\{([^}]*)\}/g)) {
        expect(m[1], `${f}: ${m[1]}`).toMatch(/\bservice: /);
        expect(m[1], `${f}: ${m[1]}`).toMatch(/\bcomponent: /);
      }
      for (const m of read(f).matchAll(/labels: '(ALERTS\{[^']*)'/g)) {
        expect(m[1]).toMatch(/service="[^"]+"/);
        expect(m[1]).toMatch(/component="[^"]+"/);
      }
    }
  });

  it('every alert has a summary, a description with its values, a runbook in docs/runbooks/ and a traces link', () => {
    for (const a of alerts) {
      expect(a.annotations.summary, a.name).toBeTruthy();
      expect(a.annotations.description, a.name).toMatch(/\$value|query|\$labels/);
      expect(a.annotations.runbook_url, a.name).toBe(`${RUNBOOK_BASE}${a.name}.md`);
      expect(existsSync(path.join(ROOT, 'docs', 'runbooks', `${a.name}.md`)), `docs/runbooks/${a.name}.md`).toBe(true);
      // The trace store's search for the service, from a start time (ours: the hour before the evaluation).
      expect(a.annotations.traces_url, a.name).toMatch(new RegExp(`^${TRACES_BASE.replace(/[.]/g, '\\.')}/search\\?service=[^&]+&.*start=`));
    }
  });

  it('docs/alerting.md describes every alert, and every runbook names its alert and the queries to run', () => {
    const doc = readFileSync(path.join(ROOT, 'docs', 'alerting.md'), 'utf8');
    expect(doc).toMatch(/^## Alerts$/m);
    const alertsPart = doc.slice(doc.indexOf('## Alerts'));
    for (const n of alertNames) {
      expect(alertsPart, n).toContain(`\`${n}\``);
      const runbook = readFileSync(path.join(ROOT, 'docs', 'runbooks', `${n}.md`), 'utf8');
      expect(runbook, n).toMatch(new RegExp(`^# ${n}\\b`, 'm'));
      // The runbooks of the shop-*.rules.yml alerts share one layout with the queries to run;
      // ml-anomaly.rules.yml (the ML anomaly service's) points to docs/anomaly.md instead.
      if (alerts.some((a) => a.name === n && a.file.startsWith('shop-'))) expect(runbook, `${n}: a PromQL block`).toMatch(/```promql\n[\s\S]+?```/);
    }
  });
});

describe('alert rules: generated files are up to date', () => {
  for (const [script, what] of [['gen-slo-rules.mjs', 'the SLO rules (slo.json)'], ['gen-rule-tests.mjs', 'the threshold rules\' unit tests (rule-cases.mjs)'], ['gen-anomaly-tests.mjs', 'the anomaly unit tests (seeded scenarios)']]) {
    it(`${script} --check: ${what}`, () => {
      const r = node(script, ['--check']);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    });
  }
});

describe('render-rules.mjs', () => {
  const dirs: string[] = [];
  const tmp = () => { const d = mkdtempSync(path.join(os.tmpdir(), 'render-rules-')); dirs.push(d); return d; };
  afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

  it('scales windows, subqueries and offsets, to whole seconds, at least 1s', () => {
    expect(parseDuration('1h30m')).toBe(5400);
    expect(scaleExpr('rate(x[5m]) offset 167h30m and y[1h:1m] and z[10s]', 60)).toBe('rate(x[5s]) offset 10050s and y[60s:1s] and z[1s]');
    expect(scaleExpr('label_replace(x, "db", "$1", "span_name", "pg[^ ]* ([^ ]+)$")', 60)).toBe('label_replace(x, "db", "$1", "span_name", "pg[^ ]* ([^ ]+)$")');
    const text = ['      - alert: X', '        expr: |', '          rate(a[5m]) > 0', '          # a comment [5m]', '        for: 10m', '        keep_firing_for: 15m', '    interval: 1m', '        annotations:', '          runbook_url: docs/runbooks/X.md', "          traces_url: 'http://127.0.0.1:16686/search?service=a'", ''].join('\n');
    expect(renderRuleFile(text, { scale: 30, runbookBase: 'https://git.example/shop-otel/blob/main/docs/runbooks/', tracesBase: 'https://jaeger.example' })).toBe(
      ['      - alert: X', '        expr: |', '          rate(a[10s]) > 0', '          # a comment [5m]', '        for: 20s', '        keep_firing_for: 30s', '    interval: 2s', '        annotations:', '          runbook_url: https://git.example/shop-otel/blob/main/docs/runbooks/X.md', "          traces_url: 'https://jaeger.example/search?service=a'", ''].join('\n'));
  });

  it('rewrites quoted runbook links too', () => {
    expect(renderRuleFile('          runbook_url: "docs/runbooks/X.md"', { runbookBase: 'https://r/' })).toBe('          runbook_url: "https://r/X.md"');
  });

  it('without --time-scale writes the production rules unchanged', () => {
    const out = tmp();
    const r = node('render-rules.mjs', ['--out', out]);
    expect(r.status, r.stderr).toBe(0);
    for (const f of ruleFiles) expect(readFileSync(path.join(out, f), 'utf8'), f).toBe(read(f));
  });

  it('the fast profile (--time-scale 60) leaves no duration of a minute or more, and promtool accepts it', async () => {
    const out = tmp();
    const files = renderRules(out, { scale: 60 });
    expect(files.length).toBe(ruleFiles.length);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const exprs = text.split('\n').filter((l) => !/^\s*#/.test(l) && !/^\s*(summary|description|runbook_url|traces_url):/.test(l));
      for (const l of exprs) {
        expect(l, path.basename(f)).not.toMatch(/\[\d+[mhdwy]|offset \d+[mhdwy]|^\s*(for|keep_firing_for|interval): \d+[mhdwy]/);
      }
    }
    expect(readFileSync(path.join(out, 'shop-anomaly.rules.yml'), 'utf8')).toContain('offset 1410s'); // 23h30m / 60
    const r = await promtool(['check', 'rules', ...files], out);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});
