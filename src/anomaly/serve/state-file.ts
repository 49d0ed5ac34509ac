/** The service's learned state on disk: one JSON file, written atomically (temporary file + rename). */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SeriesModelState } from './series-model';

export interface ServiceState {
  v: 1;
  savedAt: number;
  /** Per query name, the end (unix s) of the last range read. */
  queryEnds: Record<string, number>;
  series: Record<string, SeriesModelState>;
}

export function writeState(path: string, state: ServiceState): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, path);
}

/** The saved state, `undefined` when there is none; throws when the file is unreadable or not ours. */
export function readState(path: string): ServiceState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const s = JSON.parse(text) as ServiceState;
  if (s?.v !== 1 || typeof s.series !== 'object' || typeof s.queryEnds !== 'object') throw new Error('not a shop-otel-anomaly state file');
  return s;
}
