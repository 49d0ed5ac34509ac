import { isBuiltin } from 'node:module';
import { shopDiag } from '../diag';

/**
 * require-in-the-middle (the instrumentations' CommonJS hook, one for all of them, with
 * `internals: true`) resolves every `require()` of the process to a file name a second time,
 * before Node resolves it again, to see whether it belongs to a patched package: every module an
 * app loads pays two resolutions (stat calls). bench/micro/require-hook.cjs (Node 24, 2-core VM,
 * 10 alternating runs, medians; loading express, pg, amqplib and winston): bare 217 ms, under the
 * hook 255 ms, under the hook with this filter 210 ms.
 *
 * The filter sits on top of that hook and lets a `require()` go straight to the require that was
 * in place before the SDK started (Node's own, or another tool's) when it cannot concern a
 * patched package: a bare specifier naming another package, or a relative one from a file that
 * is not inside a patched package. Built-ins, specifiers naming a patched package, anything with
 * `node_modules/` in it, and every require made from inside a patched package (its internal files
 * are patched too) take the hook's path as before. Decided per call by string checks only; any
 * doubt (an odd id, an unreadable parent) takes the hook's path. Not upstream: require-in-the-
 * middle has no such filter for its `internals` mode.
 */
export type RequireFn = (this: NodeModule, id: string) => unknown;

/** The package a file belongs to: the name after its last `node_modules/`. */
export function packageOf(filename: string): string | undefined {
  const f = filename.includes('\\') ? filename.replace(/\\/g, '/') : filename;
  const i = f.lastIndexOf('/node_modules/');
  if (i < 0) return undefined;
  const parts = f.slice(i + 14).split('/', 3);
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** Does this require() need the hook? */
export function needsHook(id: unknown, parentFilename: unknown, hooked: ReadonlySet<string>): boolean {
  if (typeof id !== 'string' || id.length === 0) return true;
  if (isBuiltin(id)) return true;
  if (id.includes('node_modules') || id.includes(':') || id.includes('\\')) return true;
  const first = id.charCodeAt(0);
  if (first === 46 /* . */ || first === 47 /* / */) {
    if (typeof parentFilename !== 'string') return true;
    const pkg = packageOf(parentFilename);
    return pkg !== undefined && hooked.has(pkg);
  }
  const slash = id.indexOf('/');
  const name = id.startsWith('@') ? id.split('/', 2).join('/') : slash < 0 ? id : id.slice(0, slash);
  return hooked.has(name);
}

/**
 * Install the filter. `before`: Module.prototype.require as it was before the instrumentations
 * were created; the hook is whatever is there now. Returns a function that removes the filter if
 * it is still the outermost patch (else it stays, passing everything to the hook).
 */
export function installRequireFilter(before: RequireFn, hookedPackages: readonly string[]): () => void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Module = require('node:module') as { prototype: { require: RequireFn } };
  const hooked = Module.prototype.require;
  if (hooked === before || hookedPackages.length === 0) return () => undefined;
  const names = new Set(hookedPackages.map((n) => n.split('/').slice(0, n.startsWith('@') ? 2 : 1).join('/')));
  let active = true;
  const filtered = function require(this: NodeModule, id: string): unknown {
    let hook = true;
    if (active) {
      try {
        hook = needsHook(id, this?.filename, names);
      } catch {
        hook = true;
      }
    }
    // eslint-disable-next-line prefer-rest-params
    return (hook ? hooked : before).apply(this, arguments as unknown as [string]);
  };
  Module.prototype.require = filtered;
  shopDiag.debug(`require filter: the hook sees requires of ${[...names].join(', ')} (and their internals) only`);
  return () => {
    active = false;
    if (Module.prototype.require === filtered) Module.prototype.require = hooked;
  };
}
