import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/ban-ts-comment */
// @ts-ignore -- a plain .mjs module of the scripts, typed loosely here
import * as dashboardsModule from '../../scripts/alerting/dashboards.mjs';

const dashboards = dashboardsModule as any;

/**
 * The provisioned Grafana dashboards, checked without a Grafana server (none installs here):
 * generated from scripts/alerting/dashboards.mjs and committed as generated; typed against
 * Grafana's own dashboard schema — the TypeScript types of @grafana/schema, which Grafana
 * generates from its CUE schema (the dashboard kind, and the panel-config kinds of timeseries,
 * stat, table and bargauge) — by compiling every dashboard as a value of those types; and held to
 * the rules a linter would check (schemaVersion ≤ 42, the provisioned data source, unique IDs,
 * legends, units, links to traces). Their queries run against live data in test/alerting.test.ts.
 */

const ROOT = path.join(__dirname, '..', '..');
const DIR = dashboards.DASHBOARD_DIR as string;
const OURS = readdirSync(DIR).filter((f) => f.endsWith('.json') && !dashboards.NOT_OURS.has(f)).sort();
const load = (f: string) => JSON.parse(readFileSync(path.join(DIR, f), 'utf8'));
const allPanels = (d: any): any[] => (d.panels ?? []).flatMap((p: any) => [p, ...(p.panels ?? [])]);

describe('Grafana dashboards (collector/stack/grafana)', () => {
  it('are the generator\'s output, one file per dashboard the issue names', () => {
    const generated = dashboards.renderDashboards();
    expect(Object.keys(generated).sort()).toEqual(OURS);
    for (const f of OURS) expect(readFileSync(path.join(DIR, f), 'utf8'), `${f}: run node scripts/alerting/dashboards.mjs --write`).toBe(generated[f]);
    for (const uid of ['shop-overview', 'shop-red', 'shop-logs', 'shop-business', 'shop-databases', 'shop-queue', 'shop-file-store', 'shop-anomalies', 'shop-alerts', 'shop-pipeline']) {
      expect(OURS.map((f) => load(f).uid)).toContain(uid);
    }
  });

  it('type-check against @grafana/schema: Dashboard, and each panel\'s options and field config against its panel kind', () => {
    const schemaDir = path.join(ROOT, 'node_modules', '@grafana', 'schema', 'dist', 'types');
    const kinds: Record<string, string> = { timeseries: 'timeseries', stat: 'stat', table: 'table', bargauge: 'bargauge' };
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'shop-otel-dash-'));
    const lines = [`import type { Dashboard, AnnotationQuery, DataQuery } from ${JSON.stringify(path.join(schemaDir, 'index'))};`];
    // Grafana's string enums (e.g. LegendDisplayMode.List = 'list') as the strings JSON holds.
    // The Prometheus data source's annotation query (its fields are not in the generic DataQuery).
    lines.push('type PromAnnotation = AnnotationQuery<DataQuery & { expr: string; step?: string; titleFormat?: string; textFormat?: string; useValueForTime?: boolean }>;');
    lines.push('type Loose<T> = T extends string ? `${T}` : T extends Array<infer U> ? Array<Loose<U>> : T extends object ? { [K in keyof T]: Loose<T[K]> } : T;');
    for (const k of Object.keys(kinds)) lines.push(`import type * as ${k} from ${JSON.stringify(path.join(schemaDir, 'raw', 'composable', k, 'panelcfg', 'x', 'types.gen'))};`);
    for (const [i, f] of OURS.entries()) {
      const d = load(f);
      const builtIn = d.annotations.list.filter((a: any) => a.builtIn);
      const prom = d.annotations.list.filter((a: any) => !a.builtIn);
      lines.push(`export const d${i}: Loose<Dashboard> = ${JSON.stringify({ ...d, annotations: { list: builtIn } })};`);
      for (const [k, a] of prom.entries()) lines.push(`export const a${i}_${k}: Loose<PromAnnotation> = ${JSON.stringify(a)};`);
      for (const [j, p] of allPanels(d).entries()) {
        if (p.type === 'row') continue;
        expect(Object.keys(kinds), `${f}: panel type ${p.type}`).toContain(p.type);
        // Options must be exactly the panel kind's Options (no unknown key: an object literal).
        lines.push(`export const o${i}_${j}: Loose<${p.type}.Options> = ${JSON.stringify(p.options)};`);
        if (p.fieldConfig?.defaults?.custom) lines.push(`export const c${i}_${j}: Loose<${p.type}.FieldConfig> = ${JSON.stringify(p.fieldConfig.defaults.custom)};`);
      }
    }
    const file = path.join(tmp, 'dashboards.ts');
    writeFileSync(file, lines.join('\n'));
    const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, target: ts.ScriptTarget.ES2022 });
    const diags = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diags).toEqual([]);
    // The check has teeth: a misspelt option or a wrong type is refused.
    writeFileSync(file, `${lines.slice(0, 7).join('\n')}\nexport const bad: Loose<timeseries.Options> = { legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] }, tooltip: { mode: 'multi', sort: 'desc' }, legnd: 1 };\nexport const bad2: Loose<Dashboard> = { schemaVersion: '41' };`);
    const bad = ts.getPreEmitDiagnostics(ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 }));
    expect(bad.length).toBe(2);
  });

  it.each(OURS)('%s: schemaVersion ≤ 42, unique panel IDs on the grid, the provisioned Prometheus, a legend or unit, links to traces', (f) => {
    const d = load(f);
    expect(d.schemaVersion).toBeLessThanOrEqual(42);
    expect(d.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    const panels = allPanels(d).filter((p) => p.type !== 'row');
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      expect(p.datasource, `${f} / ${p.title}`).toEqual({ type: 'prometheus', uid: 'prometheus' });
      expect(p.gridPos.x + p.gridPos.w, `${f} / ${p.title}`).toBeLessThanOrEqual(24);
      expect(p.targets.length).toBeGreaterThan(0);
      for (const t of p.targets) expect(t.datasource).toEqual({ type: 'prometheus', uid: 'prometheus' });
      if (p.type === 'timeseries') for (const t of p.targets) expect(t.legendFormat, `${f} / ${p.title}`).toBeTruthy();
    }
    // Panels about services link to the trace store for the service and the time range shown.
    const traceLinks = panels.flatMap((p) => p.fieldConfig?.defaults?.links ?? []).filter((l: any) => /\/search\?service=\$\{__field\.labels\.service(_name)?\}.*start=\$\{__from\}000&end=\$\{__to\}000/.test(l.url));
    if (f !== 'shop-pipeline.json') expect(traceLinks.length, `${f}: links to traces`).toBeGreaterThan(0);
    // Every variable a query uses is defined.
    const names = new Set((d.templating?.list ?? []).map((v: any) => v.name));
    for (const p of panels) for (const t of p.targets) for (const m of String(t.expr).matchAll(/\$(\w+)/g)) if (!m[1].startsWith('__')) expect(names, `${f} / ${p.title}: $${m[1]}`).toContain(m[1]);
  });

  it('provisioning files: apiVersion 1, the Prometheus data source the panels name, the dashboards folder', () => {
    const ds = parseYaml(readFileSync(path.join(ROOT, 'collector', 'stack', 'grafana', 'provisioning', 'datasources', 'datasources.yml'), 'utf8'));
    const prov = parseYaml(readFileSync(path.join(ROOT, 'collector', 'stack', 'grafana', 'provisioning', 'dashboards', 'dashboards.yml'), 'utf8'));
    expect(ds.apiVersion).toBe(1);
    expect(prov.apiVersion).toBe(1);
    expect(ds.datasources.find((d: any) => d.uid === 'prometheus')?.type).toBe('prometheus');
    expect(ds.datasources.find((d: any) => d.uid === 'alertmanager')?.type).toBe('alertmanager');
    expect(prov.providers[0].options.path).toBe('/var/lib/grafana/dashboards');
  });

  it('expandVariables() gives the query Grafana would send at the variables\' defaults', () => {
    const vars = [{ name: 'service', includeAll: true, allValue: '.+' }, { name: 'x', current: { value: 'a' } }];
    expect(dashboards.expandVariables('rate(m{s=~"$service",x="${x}"}[$__rate_interval]) [$__range]', { variables: vars })).toBe('rate(m{s=~".+",x="a"}[1m]) [1h]');
  });
});
