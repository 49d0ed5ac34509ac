import Module, { isBuiltin, syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { shopDiag } from '../diag';
import { commonJsEntry } from '../entry-kind';

/**
 * ESM imports of CommonJS packages, seen by the instrumentations' require hook without any module
 * loader hook (no import-in-the-middle, no `module.registerHooks`).
 *
 * When ESM code imports a CommonJS file (`import express from 'express'`, or pg's own ESM wrapper
 * importing its `lib/index.js`), Node 22 and 24 load that file through the monkey-patchable
 * `Module._load(filename, undefined, false)` (lib/internal/modules/esm/translators.js, the
 * `commonjs` translator when no load hook supplied the source), not through
 * `Module.prototype.require`, which is where require-in-the-middle sits: the package would load
 * unpatched. Everything it `require()`s itself does go through the hook.
 *
 * The route: a `Module._load` call with no parent for an absolute path (only the ESM translator
 * makes those; the main module has `isMain`) is made again as a `require()` of that path from a
 * parent of our own, through whatever `Module.prototype.require` is then (the require hook, our
 * require filter). When that reaches `Module._load` with our parent, the original `_load` is
 * called exactly as Node called it, without a parent, so the module's `parent`, `require.main`
 * and the ESM loader's own bookkeeping stay as without us. The ESM namespace is then made from
 * the module's exports, which the instrumentation patched in place.
 *
 * Why not import-in-the-middle, as upstream does: its in-thread hooks (`module.registerHooks`)
 * run for every module resolution of the process and put every require() on Node's slower hooked
 * path, and it reads and lexes each included package's files to generate a wrapper module.
 * bench/micro/startup.mjs, Node 24.22, the ESM bench app (bench/app/server-esm.mjs), 16
 * alternating runs, medians of the wall time to the first response over the bare CommonJS app:
 * import-in-the-middle +148 ms, this route +97, no ESM route at all +97 (bench/RESULTS.md,
 * "Start-up: ESM apps without a loader hook"). Packages that exist only as ESM are not reached
 * this way (none of the ones shop-otel instruments is): SHOP_OTEL_ESM_HOOK=on
 * brings back import-in-the-middle for those.
 *
 * Built-in modules (`import http from 'node:http'`) are never loaded through `_load`: see
 * patchBuiltinsForEsm below.
 */

interface ModuleLoad {
  _load(request: string, parent: unknown, isMain: boolean): unknown;
}
const M = Module as unknown as ModuleLoad & { new (id: string): NodeModule };

export function installEsmImportRoute(hookedModules: readonly string[]): () => void {
  const original = M._load;
  // A parent outside any node_modules, so that the require filter passes a path outside any package straight on.
  const parent = new M(path.join(__dirname, '[esm-import]'));
  parent.filename = parent.id;
  parent.paths = [];
  let active = true;
  const route = function _load(this: unknown, request: string, from: unknown, isMain: boolean): unknown {
    if (from === parent) return original.call(this, request, undefined, isMain);
    if (active && from == null && isMain !== true && typeof request === 'string' && path.isAbsolute(request)) {
      // `parent.require` is Module.prototype.require as it is now: the hook and the filter on top
      // of it. The ESM namespace is made from module.exports, so it sees what the instrumentations
      // patched in place (all of shop-otel's do; exports replaced by a hook would not reach it).
      return parent.require(request);
    }
    // eslint-disable-next-line prefer-rest-params
    return original.apply(this, arguments as unknown as [string, unknown, boolean]);
  };
  M._load = route;

  // A CommonJS app require()s its built-ins (the hook sees those); only an ESM one needs them now.
  if (!commonJsEntry(process.argv[1], process.execArgv)) patchBuiltinsForEsm(hookedModules.filter((n) => isBuiltin(n)), (name) => parent.require(name));
  shopDiag.debug('ESM import route: ESM imports of CommonJS files go through the require hook');
  return () => {
    active = false;
    if (M._load === route) M._load = original;
  };
}

/**
 * The patched built-ins, for an app whose entry may be ESM (entry-kind.ts): an import of
 * `node:http` never reaches a require hook, so in an ESM app that never `require()`s it the module
 * object would stay unpatched. They are required through the hook now, which patches the module
 * object, and `syncBuiltinESMExports()` updates their named ESM exports (`import { request } from
 * 'node:http'`). This loads `node:https` in an ESM app that may never use it
 * (bench/micro/builtins.mjs: +31 ms over node:http alone in a fresh process, 15 of them the
 * crypto it brings, which express and pg load anyway); without it, such an app's https requests
 * would go untraced. Chosen by measurement over watching for the built-ins' first resolution with
 * a resolve-only `module.registerHooks` hook, which loads nothing unasked for but, while
 * registered, puts every require() of the process on Node's slower hooked path:
 * bench/micro/startup.mjs, 10 alternating runs, the ESM bench app, wall time over the bare
 * CommonJS app: preloaded +107 ms where the same run had +104 with no ESM route at all; watched
 * +140 where its run had +107 with none (one run each, of a build with the watcher then; bench/RESULTS.md,
 * "Start-up: ESM apps without a loader hook").
 */
function patchBuiltinsForEsm(builtins: string[], patch: (name: string) => unknown): void {
  let patched = 0;
  for (const name of builtins) {
    try {
      patch(name);
      patched++;
    } catch (e) {
      shopDiag.debug(`ESM import route: ${name} not patched for ESM: ${(e as Error).message}`);
    }
  }
  if (patched > 0) syncBuiltinESMExports();
}
