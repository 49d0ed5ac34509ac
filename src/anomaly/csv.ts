/**
 * NAB's CSV format: a header naming `timestamp` and `value` (other columns ignored), then one row
 * per point in time order. LF or CRLF line endings; blank trailing lines are ignored.
 * Timestamps: `YYYY-MM-DD HH:MM:SS` (read as UTC), any ISO 8601 form, or epoch seconds.
 */
export interface Point {
  /** The timestamp as written (echoed unchanged in the output). */
  timestamp: string;
  /** The timestamp in epoch milliseconds. */
  ms: number;
  value: number;
}

export class CsvError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

/** Epoch milliseconds of a timestamp, or NaN. */
export function parseTimestamp(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t) ? `${t.replace(' ', 'T')}Z` : t;
  return Date.parse(iso);
}

/** Parses a whole file; throws CsvError naming the first bad line (1-based, the header is line 1). */
export function parseSeriesCsv(text: string): Point[] {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0) throw new CsvError(1, 'empty file: expected the header "timestamp,value"');
  const header = lines[0].replace(/^\uFEFF/, '').split(',').map((h) => h.trim().toLowerCase());
  const ti = header.indexOf('timestamp');
  const vi = header.indexOf('value');
  if (ti < 0 || vi < 0) {
    const missing = [ti < 0 ? 'timestamp' : '', vi < 0 ? 'value' : ''].filter(Boolean).join(' and ');
    throw new CsvError(1, `missing column ${missing} (header "${lines[0].trim()}")`);
  }
  const points: Point[] = [];
  let previous = -Infinity;
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i].split(',');
    if (cells.length < header.length) throw new CsvError(i + 1, `${cells.length} columns, the header has ${header.length}`);
    const timestamp = cells[ti].trim();
    const raw = cells[vi].trim();
    const value = raw === '' ? NaN : Number(raw);
    if (!Number.isFinite(value)) throw new CsvError(i + 1, `value "${raw}" is not a number`);
    const t = parseTimestamp(timestamp);
    if (Number.isNaN(t)) throw new CsvError(i + 1, `timestamp "${timestamp}" is not a date`);
    if (t < previous) throw new CsvError(i + 1, `timestamp ${timestamp} is earlier than the row before it (out of order)`);
    previous = t;
    points.push({ timestamp, ms: t, value });
  }
  return points;
}
