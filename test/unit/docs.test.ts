import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

it('docs/events.md is generated from the schema and up to date', () => {
  const root = path.join(__dirname, '..', '..');
  expect(() => execFileSync(process.execPath, [path.join(root, 'scripts/gen-event-docs.mjs'), '--check'], { stdio: 'pipe' })).not.toThrow();
});
