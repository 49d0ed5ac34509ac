import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Whether the app's entry module (process.argv[1], already absolute when preloads run) is
 * certainly CommonJS: `.cjs`, or `.js` / no extension under a package.json whose `type` is not
 * `module`. Anything else (`.mjs`, `.ts`, `-e`, a REPL, --experimental-default-type) counts as
 * possibly ESM.
 */
export function commonJsEntry(entry: string | undefined, execArgv: readonly string[] = []): boolean {
  if (!entry || execArgv.some((a) => a.startsWith('--experimental-default-type') || a.startsWith('--input-type'))) return false;
  const ext = path.extname(entry);
  if (ext === '.cjs') return true;
  if (ext !== '.js' && ext !== '') return false;
  let dir = path.dirname(path.resolve(entry));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { type?: unknown };
      return pkg.type !== 'module';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return false;
    }
    const up = path.dirname(dir);
    if (up === dir) return true; // no package.json anywhere: CommonJS
    dir = up;
  }
}
