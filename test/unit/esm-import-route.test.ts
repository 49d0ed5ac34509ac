import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// src/instrumentations/esm-import-route.ts in a process of its own (it replaces Module._load): a
// stand-in for require-in-the-middle on Module.prototype.require sees the CommonJS files that ESM
// imports; the ESM namespace has what it patched; a parent-less _load of anything else
// and require() itself behave as without the route; removing the route restores Module._load.
const REPO = path.resolve(__dirname, '..', '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'shop-otel-esm-route-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the ESM import route', () => {
  it('routes ESM imports of CommonJS files through Module.prototype.require, and only those', () => {
    writeFileSync(path.join(dir, 'lib.cjs'), 'module.exports = { name: "lib", parent: String(module.parent) };\n');
    writeFileSync(path.join(dir, 'other.cjs'), 'module.exports = { name: "other" };\n');
    writeFileSync(
      path.join(dir, 'probe.mjs'),
      `import Module, { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { installEsmImportRoute } = require(${JSON.stringify(path.join(REPO, 'dist', 'instrumentations', 'esm-import-route.js'))});
const seen = [];
const original = Module.prototype.require;
// The stand-in for the require hook: records what it sees, patches lib.cjs's exports in place (as the instrumentations do).
Module.prototype.require = function (id) {
  const exports = original.apply(this, arguments);
  seen.push(id.split('/').pop());
  if (id.endsWith('lib.cjs')) exports.patched = true;
  return exports;
};
const loadBefore = Module._load;
const remove = installEsmImportRoute([]);
const lib = (await import('./lib.cjs')).default;
const viaRequire = require('./other.cjs');
remove();
console.log(JSON.stringify({ lib, other: viaRequire.name, seen, restored: Module._load === loadBefore }));
`,
    );
    const r = spawnSync(process.execPath, [path.join(dir, 'probe.mjs')], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    // The ESM import reached the require hook, and its namespace has the hook's patch.
    expect(out.lib).toEqual({ name: 'lib', parent: 'undefined', patched: true });
    // Seen once each: lib.cjs through the route, other.cjs by its own require() (not twice).
    expect(out.seen).toEqual(['lib.cjs', 'other.cjs']);
    expect(out.other).toBe('other');
    expect(out.restored).toBe(true);
  });
});
