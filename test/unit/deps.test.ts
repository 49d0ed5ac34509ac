import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

type Tree = { version?: string; dependencies?: Record<string, Tree> };

/** Every version of `name` anywhere in the installed tree (what `npm ls --all` shows). */
function versions(tree: Tree, name: string, out = new Set<string>()): Set<string> {
  for (const [dep, sub] of Object.entries(tree.dependencies ?? {})) {
    if (dep === name && sub.version) out.add(sub.version);
    versions(sub, name, out);
  }
  return out;
}

it('one copy each of @opentelemetry/api, core and instrumentation (npm ls), on the 3.x line', () => {
  const root = path.join(__dirname, '..', '..');
  const tree = JSON.parse(execFileSync('npm', ['ls', '--all', '--json', '@opentelemetry/api', '@opentelemetry/core', '@opentelemetry/instrumentation'], { cwd: root, encoding: 'utf8' })) as Tree;
  expect([...versions(tree, '@opentelemetry/api')]).toEqual(['1.10.0']);
  const core = [...versions(tree, '@opentelemetry/core')];
  expect(core).toHaveLength(1);
  expect(core[0]).toMatch(/^3\.1\./);
  const instr = [...versions(tree, '@opentelemetry/instrumentation')];
  expect(instr).toHaveLength(1);
  expect(instr[0]).toMatch(/^0\.301\./);
});
