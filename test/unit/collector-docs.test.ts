import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * docs/collector.md, the compose stack, the collector image, the Grafana dashboard and the alert
 * rules stay in step with otel-collector.yaml and its overlays. Files only: no network, no processes.
 */

const root = path.join(__dirname, '..', '..');
const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8');
const withoutComments = (yaml: string) => yaml.split('\n').filter((l) => !/^\s*#/.test(l)).map((l) => l.replace(/\s+#\s.*$/, '')).join('\n');

const CONFIGS = ['otel-collector.yaml', ...readdirSync(path.join(root, 'collector', 'overlays')).filter((f) => f.endsWith('.yaml')).map((f) => `collector/overlays/${f}`)];

/** Every ${env:NAME} / ${env:NAME:-default} the collector reads, per file. */
function envVars(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of CONFIGS) {
    for (const m of withoutComments(read(file)).matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)/g)) {
      out.set(m[1], [...(out.get(m[1]) ?? []), file]);
    }
  }
  return out;
}

/** The keys of services.<service>.environment in a compose file (map or list form), read by indentation. */
function composeEnv(compose: string, service: string): string[] {
  const lines = compose.split('\n');
  const start = lines.findIndex((l) => l === `  ${service}:`);
  if (start < 0) throw new Error(`no service ${service} in collector/compose.yaml`);
  const keys: string[] = [];
  let inEnv = false;
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line) || /^ {2}\S/.test(line)) break; // next top-level key or next service
    if (/^ {4}\S/.test(line)) {
      inEnv = /^ {4}environment:\s*$/.test(line);
      continue;
    }
    if (!inEnv || /^\s*(#|$)/.test(line)) continue;
    const m = /^ {6}(?:- )?([A-Za-z_][A-Za-z0-9_]*)\s*[:=]/.exec(line);
    if (m) keys.push(m[1]);
  }
  return keys;
}

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels, strings or durations. */
const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan', 'atan2']);
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\$\w+|\$\{[^}]*\}/g, ' '); // Grafana variables
  const names: string[] = [];
  for (const m of stripped.matchAll(/(?<![\w:.])([A-Za-z_:][A-Za-z0-9_:]*)(?![\w:])(\s*\()?/g)) {
    if (m[2] || PROMQL_WORDS.has(m[1].toLowerCase())) continue; // a function call, an aggregation, a keyword
    names.push(m[1]);
  }
  return names;
}

/** The PromQL of the Grafana dashboards (panel targets, nested rows, label_values() variables). */
function dashboardExprs(): string[] {
  const dir = path.join(root, 'collector', 'stack', 'grafana', 'dashboards');
  const exprs: string[] = [];
  const walk = (panels: any[] = []) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) exprs.push(t.expr);
      walk(p.panels);
    }
  };
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const dash = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
    walk(dash.panels);
    for (const v of dash.templating?.list ?? []) {
      const q = typeof v.query === 'string' ? v.query : v.query?.query;
      const lv = /label_values\(\s*([^,)]+?)\s*,/.exec(q ?? '');
      if (lv) exprs.push(lv[1]);
    }
  }
  return exprs;
}

/** The `expr:` of every alerting/recording rule (single-line or `|` block). */
function ruleExprs(): string[] {
  const dir = path.join(root, 'collector', 'stack', 'prometheus', 'rules');
  const exprs: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.rules.yml'))) {
    const lines = withoutComments(readFileSync(path.join(dir, f), 'utf8')).split('\n');
    for (let i = 0; i < lines.length; i++) {
      const m = /^(\s*)expr:\s*(.*)$/.exec(lines[i]);
      if (!m) continue;
      if (!/^[|>][+-]?$/.test(m[2].trim())) {
        exprs.push(m[2]);
        continue;
      }
      const block: string[] = [];
      while (i + 1 < lines.length && (lines[i + 1].trim() === '' || lines[i + 1].search(/\S/) > m[1].length)) block.push(lines[++i]);
      exprs.push(block.join('\n'));
    }
  }
  return exprs;
}

/** The names the rule files record (`- record: name`). */
function recordedNames(): Set<string> {
  const dir = path.join(root, 'collector', 'stack', 'prometheus', 'rules');
  const names = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.rules.yml'))) {
    for (const m of readFileSync(path.join(dir, f), 'utf8').matchAll(/^\s*-\s*record:\s*(\S+)/gm)) names.add(m[1]);
  }
  return names;
}

describe('collector docs and deployment files follow the config', () => {
  const vars = envVars();
  const doc = read('docs/collector.md');

  it('reads the variables it should (sanity of the parser)', () => {
    expect(vars.has('SHOP_OTEL_SIEM_HOST')).toBe(true);
    expect(vars.has('SHOP_OTEL_COLLECTOR_TOKEN')).toBe(true); // from the auth overlay
    expect(vars.has('NAME')).toBe(false); // the `${env:NAME:-default}` of a comment
  });

  it('docs/collector.md documents every ${env:…} of otel-collector.yaml and the overlays', () => {
    const missing = [...vars].filter(([name]) => !doc.includes(`\`${name}\``)).map(([name, files]) => `${name} (${files.join(', ')})`);
    expect(missing, 'add these to the settings table of docs/collector.md').toEqual([]);
  });

  it('collector/compose.yaml sets on the collector only variables the config reads', () => {
    const keys = composeEnv(read('collector/compose.yaml'), 'otelcol-shop');
    expect(keys.length).toBeGreaterThan(3);
    expect(keys.filter((k) => !vars.has(k))).toEqual([]);
  });

  it('collector/Dockerfile sets only variables the config reads, and opens every listener to the network', () => {
    const dockerfile = read('collector/Dockerfile');
    const env = [...dockerfile.matchAll(/\b(SHOP_OTEL_[A-Z0-9_]+)=(\S+)/g)].filter((m) => !/^\s*#/.test(dockerfile.slice(dockerfile.lastIndexOf('\n', m.index) + 1, m.index)));
    const names = env.map((m) => m[1]);
    expect(names.filter((n) => !vars.has(n))).toEqual([]);
    for (const n of ['SHOP_OTEL_COLLECTOR_GRPC_ENDPOINT', 'SHOP_OTEL_COLLECTOR_HTTP_ENDPOINT', 'SHOP_OTEL_COLLECTOR_PROMETHEUS_ENDPOINT', 'SHOP_OTEL_COLLECTOR_HEALTH_ENDPOINT', 'SHOP_OTEL_COLLECTOR_SELF_METRICS_HOST']) {
      expect(env.find((m) => m[1] === n)?.[2], n).toMatch(/^0\.0\.0\.0(:\d+)?$/);
    }
    expect(names).toContain('SHOP_OTEL_COLLECTOR_STORAGE_DIR');
  });

  it('every metric of the Grafana dashboard and the alert rules is one docs/collector.md lists', () => {
    const dash = dashboardExprs();
    const rules = ruleExprs();
    expect(dash.length).toBeGreaterThan(5);
    expect(rules.length).toBeGreaterThan(1);
    // Series the rules record themselves (`record: shop:…`) are documented with the alerts, in docs/alerting.md.
    const recorded = recordedNames();
    const used = new Set([...dash, ...rules].flatMap(metricNames).filter((n) => !recorded.has(n)));
    expect(used.has('traces_span_metrics_calls_total')).toBe(true); // the parser found the RED metric
    expect([...used].filter((n) => !doc.includes(`\`${n}\``)).sort(), 'metrics used but not documented in docs/collector.md').toEqual([]);
    const alerting = read('docs/alerting.md');
    expect(recorded.size).toBeGreaterThan(5);
    expect([...recorded].filter((n) => !alerting.includes(`\`${n}\``)).sort(), 'recorded series not documented in docs/alerting.md').toEqual([]);
  });

  it('the metric-name parser ignores functions, labels, strings, keywords and Grafana variables', () => {
    expect(metricNames('sum by (service_name, le) (rate(x_bucket{a="b c",d=~"$v"}[$__rate_interval])) / on (job) group_left (y) y_total offset 5m or vector(0)')).toEqual(['x_bucket', 'y_total']);
  });
});
