/** `shop-otel-anomaly score FILE.csv` through the built command (dist/cli/anomaly.js). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = path.resolve(__dirname, '..', 'dist', 'cli', 'anomaly.js');
const dir = mkdtempSync(path.join(tmpdir(), 'shop-anomaly-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function score(content: string | null, name = 'in.csv') {
  const file = path.join(dir, name);
  if (content !== null) writeFileSync(file, content);
  return spawnSync(process.execPath, [CLI, 'score', file], { encoding: 'utf8' });
}
const rows = (n: number, f: (i: number) => number, eol = '\n') =>
  ['timestamp,value', ...Array.from({ length: n }, (_, i) => `2014-04-01 ${String(Math.floor(i / 12)).padStart(2, '0')}:${String((i % 12) * 5).padStart(2, '0')}:00,${f(i)}`)].join(eol) + eol;

describe('shop-otel-anomaly score', () => {
  it('writes timestamp,value,anomaly_score: a header, then one row per input row, in order; a spike scores highest', () => {
    const input = rows(240, (i) => (i === 200 ? 500 : 20 + (i % 7)));
    const r = score(input);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const out = r.stdout.trimEnd().split('\n');
    expect(out[0]).toBe('timestamp,value,anomaly_score');
    expect(out).toHaveLength(241);
    const inRows = input.trimEnd().split('\n').slice(1);
    const scores = out.slice(1).map((l, i) => {
      const [t, v, s] = l.split(',');
      expect(`${t},${v}`).toBe(inRows[i]);
      return Number(s);
    });
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(scores.indexOf(Math.max(...scores))).toBe(200);
  });

  it('reads CRLF files (and ignores a trailing blank line) exactly as LF ones', () => {
    const lf = score(rows(150, (i) => Math.sin(i / 5)));
    const crlf = score(rows(150, (i) => Math.sin(i / 5), '\r\n') + '\r\n', 'crlf.csv');
    expect(crlf.status).toBe(0);
    expect(crlf.stdout).toBe(lf.stdout);
  });

  it.each([
    ['a missing column', 'timestamp,val\n2014-04-01 00:00:00,1\n', /line 1: missing column value/],
    ['no header at all', '', /line 1: empty file/],
    ['a value that is not a number', 'timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,abc\n', /line 3: value "abc" is not a number/],
    ['an empty value', 'timestamp,value\n2014-04-01 00:00:00,\n', /line 2: value "" is not a number/],
    ['timestamps out of order', 'timestamp,value\n2014-04-01 00:05:00,1\n2014-04-01 00:00:00,2\n', /line 3: timestamp 2014-04-01 00:00:00 is earlier than the row before it/],
    ['a timestamp that is not a date', 'timestamp,value\nyesterday,1\n', /line 2: timestamp "yesterday" is not a date/],
  ])('%s: one line naming the row and the problem, exit status 2, nothing on stdout', (_name, content, message) => {
    const r = score(content);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('a file that does not exist, or no file, is exit status 2 with a message', () => {
    const r = spawnSync(process.execPath, [CLI, 'score', path.join(dir, 'absent.csv')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/absent\.csv: cannot read \(ENOENT\)/);
    const u = spawnSync(process.execPath, [CLI], { encoding: 'utf8' });
    expect(u.status).toBe(2);
    expect(u.stderr).toMatch(/^usage: shop-otel-anomaly score FILE\.csv/);
  });
});
