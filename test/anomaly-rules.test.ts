/**
 * ml-anomaly.rules.yml against its promtool unit test (Debian's promtool, scripts/pipeline-deps.sh),
 * and the ML anomaly dashboard's shape. That the dashboard's queries return data against a real
 * Prometheus is proven in test/anomaly-serve.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const RULES_DIR = path.join(ROOT, 'collector', 'stack', 'prometheus', 'rules');

describe('ML anomaly alerting files', () => {
  it('ml-anomaly.rules.yml passes `promtool check rules` and its own `promtool test rules`', () => {
    const check = spawnSync('promtool', ['check', 'rules', 'ml-anomaly.rules.yml'], { cwd: RULES_DIR, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const test = spawnSync('promtool', ['test', 'rules', 'ml-anomaly.test.yml'], { cwd: RULES_DIR, encoding: 'utf8' });
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/SUCCESS/);
  });

  it('ShopAnomalyScoreHigh carries the labels and annotations of the alerting contract', () => {
    const text = readFileSync(path.join(RULES_DIR, 'ml-anomaly.rules.yml'), 'utf8');
    expect(text).toMatch(/- alert: ShopAnomalyScoreHigh/);
    expect(text).toMatch(/severity: warning/);
    expect(text).toMatch(/category: anomaly/);
    for (const a of ['summary', 'description', 'runbook_url', 'traces_url']) expect(text).toMatch(new RegExp(`\\n\\s+${a}: `));
    expect(readFileSync(path.join(ROOT, 'docs', 'runbooks', 'ShopAnomalyScoreHigh.md'), 'utf8')).toMatch(/^# ShopAnomalyScoreHigh/);
  });

  it('the dashboard has panels for actual vs expected (with the band) and for the score', () => {
    const board = JSON.parse(readFileSync(path.join(ROOT, 'collector', 'stack', 'grafana', 'dashboards', 'ml-anomaly.json'), 'utf8')) as {
      uid: string;
      panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
    };
    expect(board.uid).toBe('shop-otel-ml-anomaly');
    const exprs = (title: RegExp) => board.panels.find((p) => title.test(p.title))?.targets?.map((t) => t.expr.split('{')[0]) ?? [];
    expect(exprs(/actual vs expected/i)).toEqual(['shop_anomaly_value', 'shop_anomaly_expected', 'shop_anomaly_lower', 'shop_anomaly_upper']);
    expect(exprs(/anomaly score/i)).toEqual(['shop_anomaly_score']);
  });
});
