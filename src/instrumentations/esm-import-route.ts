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
 * Why not import-in-the-middle, as upstream does: its hooks run for every module resolution of
 * the process (require() included, under `module.registerHooks`), and they read and lex each
 * included package's files to generate a wrapper module. bench/micro/startup.mjs, Node 24.22,
 * the ESM bench app (bench/app/server-esm.mjs), 6 alternating runs, medians over bare: with
 * import-in-the-middle +192 ms wall / +270 ms CPU, without any ESM hook +142 / +150 (see
 * bench/RESULTS.md, "Start-up: ESM apps without a loader hook"). Packages that exist only as ESM
 * are not reached this way (none of the ones shop-otel instruments is): SHOP_OTEL_ESM_HOOK=on
 * brings back import-in-the-middle for those.
 *
 * Built-in modules (`import http from 'node:http'`) are never loaded through `_load`: see
 * watchBuiltinImports below.
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
      // `parent.require` is Module.prototype.require as it is now: the hook and the filter on top of it.
      const exports = parent.require(request);
      // An instrumentation that returned other exports than the module's own: the ESM namespace
      // is made from module.exports, so it gets what a require() gets.
      const cached = (Module as unknown as { _cache: Record<string, NodeModule | undefined> })._cache[request];
      if (cached !== undefined && exports !== cached.exports && exports != null) cached.exports = exports;
      return exports;
    }
    // eslint-disable-next-line prefer-rest-params
    return original.apply(this, arguments as unknown as [string, unknown, boolean]);
  };
  M._load = route;

  // A CommonJS app require()s its built-ins (the hook sees those); only an ESM one needs the watch.
  const esmEntry = !commonJsEntry(process.argv[1], process.execArgv);
  const removeBuiltinWatch = esmEntry ? watchBuiltinImports(hookedModules.filter((n) => isBuiltin(n)), (name) => parent.require(name)) : () => undefined;
  shopDiag.debug('ESM import route: ESM imports of CommonJS files go through the require hook');
  return () => {
    active = false;
    removeBuiltinWatch();
    if (M._load === route) M._load = original;
  };
}

/**
 * The patched built-ins, for ESM: an import of `node:http` never reaches a require hook, so the
 * module object would stay unpatched in an ESM app that never `require()`s it. A resolve-only
 * `module.registerHooks` hook (in-thread; a resolve hook does not change how CommonJS files are
 * loaded, so the route above still sees them) watches for the first resolution of each patched
 * built-in, by `import` or by `require()`, has it required through the hook (which patches the
 * module object), and updates the built-in's named ESM exports (`syncBuiltinESMExports()`), before
 * the importing module is linked. Once every one was seen the hook removes itself. A built-in no
 * code asks for is never loaded (`https` would cost ~10 ms of start-up: `node -e` timing
 * `require('https')` after `require('http')`, Node 24.22, three runs, 9.9–10.5 ms).
 * Only for an app whose entry may be ESM (entry-kind.ts): while any in-thread hook is registered,
 * every require() takes Node's slower hooked path, which cost the CommonJS bench app's libraries
 * ~13 ms (15 alternating in-process runs loading express, pg, amqplib and
 * winston after the register, 231 against 218 ms; bench/RESULTS.md).
 */
function watchBuiltinImports(builtins: string[], patch: (name: string) => unknown): () => void {
  const pending = new Set(builtins);
  if (pending.size === 0) return () => undefined;
  const seen = (name: string) => {
    if (!pending.delete(name)) return;
    try {
      patch(name);
      syncBuiltinESMExports();
    } catch (e) {
      shopDiag.debug(`ESM import route: ${name} not patched for ESM: ${(e as Error).message}`);
    }
    if (pending.size === 0) done();
  };
  let handle: { deregister?(): void } | undefined;
  let removed = false;
  const done = () => {
    if (removed) return;
    removed = true;
    // Not from inside the hook's own call: deregister after the current resolution returns.
    queueMicrotask(() => handle?.deregister?.());
  };
  const register = (Module as unknown as { registerHooks?: (hooks: object) => { deregister?(): void } }).registerHooks;
  if (typeof register !== 'function') {
    // A runtime without in-thread hooks (none that shop-otel supports): load them now instead.
    for (const name of builtins) seen(name);
    return () => undefined;
  }
  handle = register({
    resolve(specifier: string, context: unknown, next: (s: string, c: unknown) => { url: string }) {
      const r = next(specifier, context);
      try {
        if (!removed && typeof r?.url === 'string' && r.url.startsWith('node:')) seen(r.url.slice(5));
      } catch {
        // Never into the app's import.
      }
      return r;
    },
  });
  return done;
}
