import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Whether the app's entry module (process.argv[1], already absolute when preloads run) is
 * certainly CommonJS: `.cjs`, or `.js` / no extension under a package.json whose `type` is not
 * `module`. Anything else (`.mjs`, `.ts`, `-e`, a REPL, --experimental-default-type) counts as
 * possibly ESM.
 *
 * Used once at start (instrumentations/esm-import-route.ts): only an app whose entry may be ESM
 * has the patched built-ins loaded then, for its named ESM imports of them.
 *
 * The entry is first resolved the way Node resolves its main module (CommonJS resolution of an
 * absolute path: `node .` or `node app` names a directory or a file without its extension; a
 * directory means its package.json `main`, else `index.js`). Judging the unresolved path took
 * `node .` in a `"type": "module"` package for CommonJS — it looked for package.json one
 * directory too high — and the ESM app went uninstrumented where only ESM handling reaches.
 */
export function commonJsEntry(entry: string | undefined, execArgv: readonly string[] = []): boolean {
  if (!entry || execArgv.some((a) => a.startsWith('--experimental-default-type') || a.startsWith('--input-type'))) return false;
  let file = path.resolve(entry);
  try {
    file = createRequire(__filename).resolve(file);
  } catch {
    // Not resolvable (yet): judge the path as given.
  }
  const ext = path.extname(file);
  if (ext === '.cjs') return true;
  if (ext !== '.js' && ext !== '') return false;
  let dir = path.dirname(file);
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
