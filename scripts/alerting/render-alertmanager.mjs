#!/usr/bin/env node
// Renders collector/stack/alertmanager/alertmanager.yml into the file Alertmanager reads:
//   node scripts/alerting/render-alertmanager.mjs --out FILE [--in FILE] [--for-version 0.25] [--time-scale N]
// - every ${NAME} / ${NAME:-default} is filled from the environment (settings only: addresses,
//   URLs, the night window; a missing one without a default is an error that names it);
// - `--for-version` below 0.26 (Debian's 0.25): each `*_file` field that version lacks
//   (`bot_token_file`, `url_file`) is replaced by the field itself with the file's content, so the
//   secret still lives only in its file and in the rendered copy (written with mode 0600);
// - `--time-scale N` divides group_wait, group_interval and repeat_interval by N (tests only).
// Text in, text out (no YAML library: comments and anchors stay as written; the values are
// checked and quoted here instead). Exit 2 with one line per problem.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TEMPLATE = path.join(ROOT, 'collector', 'stack', 'alertmanager', 'alertmanager.yml');
export const TEMPLATES_DIR = path.join(ROOT, 'collector', 'stack', 'alertmanager', 'templates');

/** `*_file` fields and the Alertmanager release that introduced them (older ones get the content inlined). */
const FILE_FIELDS = { bot_token_file: { field: 'bot_token', since: [0, 26] }, url_file: { field: 'url', since: [0, 26] } };

const versionTuple = (v) => {
  const m = /^(\d+)\.(\d+)/.exec(String(v));
  if (!m) throw new Error(`--for-version: "${v}" is not a version like 0.25`);
  return [Number(m[1]), Number(m[2])];
};
const older = (a, b) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/** A Go duration (1h30m, 10s, 0s) in milliseconds; only the units Alertmanager's model accepts. */
function durationMs(text) {
  const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
  let total = 0;
  const re = /(\d+)(ms|s|m|h|d|w|y)/gy;
  let m;
  let end = 0;
  while ((m = re.exec(text))) { total += Number(m[1]) * units[m[2]]; end = re.lastIndex; }
  if (end !== text.length || text.length === 0) throw new Error(`"${text}" is not a duration`);
  return total;
}
const formatMs = (ms) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/**
 * The rendered configuration. `env`: where settings come from; `forVersion`: the Alertmanager that
 * reads it ('latest' or '0.25'); `timeScale`: divide the notification timings (≥ 1).
 */
export function renderAlertmanagerConfig(text, { env = process.env, forVersion = 'latest', timeScale = 1, readFile = (p) => readFileSync(p, 'utf8') } = {}) {
  const problems = [];
  const lines = text.split('\n').map((line, i) => {
    if (/^\s*#/.test(line)) return line;
    return line.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (whole, name, dflt, offset) => {
      const value = env[name] !== undefined && env[name] !== '' ? env[name] : dflt;
      if (value === undefined) { problems.push(`line ${i + 1}: ${name} is not set and has no default`); return whole; }
      if (/[\r\n]/.test(value)) { problems.push(`${name}: a value on one line is expected`); return whole; }
      const quoted = line[offset - 1] === "'";
      if (quoted) return value.replace(/'/g, "''");
      // An unquoted placeholder is a number (the Telegram chat ID): nothing else may go there.
      if (!/^-?\d+$/.test(value)) problems.push(`${name}: "${value}" is not a whole number`);
      return value;
    });
  });
  const target = forVersion === 'latest' ? [999, 0] : versionTuple(forVersion);
  const out = lines.map((line) => {
    let m = /^(\s*(?:- )?)(\w+_file): '((?:[^']|'')*)'\s*$/.exec(line);
    if (m && FILE_FIELDS[m[2]] && older(target, FILE_FIELDS[m[2]].since)) {
      const file = m[3].replace(/''/g, "'");
      try {
        const secret = readFile(file).replace(/\r?\n$/, '');
        if (/[\r\n]/.test(secret)) throw new Error('more than one line');
        return `${m[1]}${FILE_FIELDS[m[2]].field}: '${secret.replace(/'/g, "''")}'`;
      } catch (err) {
        problems.push(`${m[2]} ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
        return line;
      }
    }
    m = /^(\s*)(group_wait|group_interval|repeat_interval): (\S+)(.*)$/.exec(line);
    if (m && timeScale !== 1) {
      try {
        const ms = durationMs(m[3]);
        const scaled = ms === 0 ? 0 : Math.max(1000, Math.round(ms / timeScale / 1000) * 1000);
        return `${m[1]}${m[2]}: ${formatMs(scaled)}${m[4]}`;
      } catch (err) {
        problems.push(`${m[2]}: ${err.message}`);
      }
    }
    return line;
  });
  if (problems.length) throw Object.assign(new Error(problems.join('\n')), { problems });
  return out.join('\n');
}

/** Render `input` into `output` (mode 0600: it may hold inlined secrets). */
export function renderAlertmanagerFile({ input = TEMPLATE, output, ...opts }) {
  const text = renderAlertmanagerConfig(readFileSync(input, 'utf8'), opts);
  writeFileSync(output, text, { mode: 0o600 });
  chmodSync(output, 0o600);
  return output;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { in: { type: 'string', default: TEMPLATE }, out: { type: 'string' }, 'for-version': { type: 'string', default: 'latest' }, 'time-scale': { type: 'string', default: '1' } } });
  const timeScale = Number(values['time-scale']);
  if (!values.out || !(timeScale >= 1)) {
    process.stderr.write('render-alertmanager: --out FILE is required; --time-scale must be a number ≥ 1\n');
    process.exit(2);
  }
  try {
    renderAlertmanagerFile({ input: values.in, output: values.out, forVersion: values['for-version'], timeScale });
  } catch (err) {
    process.stderr.write(`render-alertmanager: ${values.in}:\n${err.message}\n`);
    process.exit(2);
  }
}
