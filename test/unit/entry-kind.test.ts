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

describe('an entry named as Node names its main module', () => {
  // `node .` / `node app`: a directory (its package.json main, else index.js) or a file without its extension.
  const app = path.join(dir, 'esm-app');
  mkdirSync(path.join(app, 'lib'), { recursive: true });
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ type: 'module', main: 'lib/server.js' }));
  writeFileSync(path.join(app, 'lib', 'server.js'), 'export {};\n');
  const cjsApp = path.join(dir, 'cjs-app');
  mkdirSync(cjsApp, { recursive: true });
  writeFileSync(path.join(cjsApp, 'package.json'), JSON.stringify({ main: 'main.js' }));
  writeFileSync(path.join(cjsApp, 'main.js'), 'module.exports = {};\n');
  writeFileSync(path.join(cjsApp, 'index.mjs'), 'export {};\n');

  it('`node .` in a "type": "module" package is ESM', () => {
    expect(commonJsEntry(app)).toBe(false);
  });
  it('`node lib/server` (no extension) in a "type": "module" package is ESM', () => {
    expect(commonJsEntry(path.join(app, 'lib', 'server'))).toBe(false);
  });
  it('`node .` in a CommonJS package is CommonJS', () => {
    expect(commonJsEntry(cjsApp)).toBe(true);
  });
});
