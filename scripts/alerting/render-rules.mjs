#!/usr/bin/env node
// Writes the Prometheus rule files of collector/stack/prometheus/rules/ (every *.rules.yml) into
// a directory, for a deployment or for a test:
//   node scripts/alerting/render-rules.mjs --out DIR [--time-scale N] [--runbook-base URL] [--traces-base URL]
// --time-scale N  the fast profile (live end-to-end tests): every `for:`, `keep_firing_for:`, group
//                 `interval:`, and every range window `[..]`, subquery step and `offset` inside an
//                 `expr:` is divided by N, rounded to whole seconds, at least 1s; so with
//                 `evaluation_interval: 1s` an alert fires within seconds. Without it the
//                 production rules are written unchanged.
// --runbook-base  replaces the runbook_url base (default docs/runbooks/, scripts/alerting/links.mjs);
// --traces-base   replaces the traces_url base (default the local Jaeger UI).
// Also SHOP_ALERT_RUNBOOK_BASE / SHOP_ALERT_TRACES_BASE. The YAML is rewritten as text, line by
// line, so comments and layout survive (and no YAML library is needed).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RUNBOOK_BASE, TRACES_BASE } from './links.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RULES_DIR = path.join(ROOT, 'collector', 'stack', 'prometheus', 'rules');

const UNITS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
const DURATION = /^(?:\d+(?:ms|s|m|h|d|w|y))+$/;

/** A Prometheus duration ("1h30m", "5m", "90s") in seconds. */
export function parseDuration(text) {
  if (!DURATION.test(text)) throw new Error(`not a duration: ${text}`);
  let s = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) s += Number(m[1]) * UNITS[m[2]];
  return s;
}

/** `text` divided by `scale`, as whole seconds, at least 1s. */
export function scaleDuration(text, scale) {
  if (scale === 1) return text;
  return `${Math.max(1, Math.round(parseDuration(text) / scale))}s`;
}

/** Scales range windows `[5m]`, subqueries `[1h:1m]` and `offset 5m` in one PromQL expression line. */
export function scaleExpr(line, scale) {
  if (scale === 1) return line;
  const d = '((?:\\d+(?:ms|s|m|h|d|w|y))+)';
  return line
    .replace(new RegExp(`\\[${d}(?::${d}?)?\\]`, 'g'), (_, range, step) => `[${scaleDuration(range, scale)}${step !== undefined || _.includes(':') ? `:${step ? scaleDuration(step, scale) : ''}` : ''}]`)
    .replace(new RegExp(`\\boffset\\s+(-?)${d}`, 'g'), (_, sign, dur) => `offset ${sign}${scaleDuration(dur, scale)}`);
}

/** One rule file's text, rendered. */
export function renderRuleFile(text, { scale = 1, runbookBase = RUNBOOK_BASE, tracesBase = TRACES_BASE } = {}) {
  const lines = text.split('\n');
  const out = [];
  let exprIndent = -1; // inside a block-scalar `expr: |`: the indentation of its key
  for (const line of lines) {
    const indent = line.search(/\S/);
    if (exprIndent >= 0 && (line.trim() === '' || indent > exprIndent)) {
      out.push(/^\s*#/.test(line) ? line : scaleExpr(line, scale));
      continue;
    }
    exprIndent = -1;
    let m;
    if ((m = /^(\s*)(-\s+)?expr:\s*(.*)$/.exec(line))) {
      if (/^[|>][+-]?$/.test(m[3].trim())) exprIndent = m[1].length + (m[2]?.length ?? 0);
      out.push(`${m[1]}${m[2] ?? ''}expr: ${scaleExpr(m[3], scale)}`.replace(/ $/, ''));
    } else if ((m = /^(\s*)(for|keep_firing_for|interval):\s*(\S+)\s*(#.*)?$/.exec(line))) {
      out.push(`${m[1]}${m[2]}: ${scaleDuration(m[3], scale)}${m[4] ? ` ${m[4]}` : ''}`);
    } else if ((m = /^(\s*)runbook_url:\s*(["']?)(\S+?)\2\s*$/.exec(line)) && m[3].startsWith(RUNBOOK_BASE)) {
      out.push(`${m[1]}runbook_url: ${m[2]}${runbookBase}${m[3].slice(RUNBOOK_BASE.length)}${m[2]}`);
    } else if (/^\s*traces_url:/.test(line)) {
      out.push(line.replace(TRACES_BASE, tracesBase));
    } else {
      out.push(line);
    }
  }
  return out.join('\n');
}

/** Every rule file of RULES_DIR rendered into `outDir`; returns the files written. */
export function renderRules(outDir, options = {}) {
  mkdirSync(outDir, { recursive: true });
  const files = readdirSync(RULES_DIR).filter((f) => f.endsWith('.rules.yml')).sort();
  for (const f of files) writeFileSync(path.join(outDir, f), renderRuleFile(readFileSync(path.join(RULES_DIR, f), 'utf8'), options));
  return files.map((f) => path.join(outDir, f));
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      'time-scale': { type: 'string', default: '1' },
      'runbook-base': { type: 'string', default: process.env.SHOP_ALERT_RUNBOOK_BASE ?? RUNBOOK_BASE },
      'traces-base': { type: 'string', default: process.env.SHOP_ALERT_TRACES_BASE ?? TRACES_BASE },
    },
  });
  const scale = Number(values['time-scale']);
  if (!values.out || !(scale >= 1)) {
    console.error('usage: render-rules.mjs --out DIR [--time-scale N>=1] [--runbook-base URL] [--traces-base URL]');
    process.exit(2);
  }
  const written = renderRules(path.resolve(values.out), { scale, runbookBase: values['runbook-base'], tracesBase: values['traces-base'].replace(/\/$/, '') });
  console.log(`render-rules: ${written.length} rule files in ${path.resolve(values.out)}${scale === 1 ? '' : ` (time scale 1/${scale})`}`);
}
