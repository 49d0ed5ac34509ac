import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commonJsEntry } from '../../src/entry-kind';

// The register skips the ESM loader hook only for an entry that is certainly CommonJS.
const dir = mkdtempSync(path.join(os.tmpdir(), 'shop-otel-entry-'));
mkdirSync(path.join(dir, 'esm', 'src'), { recursive: true });
mkdirSync(path.join(dir, 'cjs'), { recursive: true });
writeFileSync(path.join(dir, 'esm', 'package.json'), JSON.stringify({ type: 'module' }));
writeFileSync(path.join(dir, 'cjs', 'package.json'), JSON.stringify({ name: 'x' }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('which app entries count as CommonJS', () => {
  it.each([
    ['a .cjs file', path.join(dir, 'esm', 'a.cjs'), true],
    ['a .mjs file', path.join(dir, 'cjs', 'a.mjs'), false],
    ['a .js file under "type": "module" (nearest package.json, any depth)', path.join(dir, 'esm', 'src', 'a.js'), false],
    ['a .js file under a package.json without "type"', path.join(dir, 'cjs', 'a.js'), true],
    ['an extensionless file under a CommonJS package', path.join(dir, 'cjs', 'server'), true],
    ['a .ts file (a loader decides)', path.join(dir, 'cjs', 'a.ts'), false],
  ])('%s', (_what, entry, expected) => {
    expect(commonJsEntry(entry)).toBe(expected);
  });

  it('no entry (-e, a REPL) or a flag that changes the default type: possibly ESM', () => {
    expect(commonJsEntry(undefined)).toBe(false);
    expect(commonJsEntry(path.join(dir, 'cjs', 'a.js'), ['--experimental-default-type=module'])).toBe(false);
  });
});
