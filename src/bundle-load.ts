import { readFileSync, statSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { codeCacheFile } from './code-cache';
import { VERSION } from './version';

/**
 * Load dist/bundle.js (scripts/bundle.mjs) once per process, for the register and the public
 * API alike (both get the one module in require.cache, hence one module state).
 *
 * With a V8 code cache of the bundle only (not `module.enableCompileCache()`, which is
 * process-wide and would cache the app's modules too): the bundle is compiled through
 * `vm.Script` with the cached data, and evaluated as Node evaluates a CommonJS module (the
 * `Module.wrap` wrapper, a Module object in require.cache, a require function like Node's own),
 * with the bundle's path as the script's filename, so stack traces name dist/bundle.js. When
 * there was no cache, or V8 rejected it (another V8 or flags), a new one is written after the
 * first tick by an unref'd timer, from the script as it is then (the functions compiled lazily
 * by the start are included). SHOP_OTEL_CODE_CACHE=off loads the bundle by plain `require` (also `false`, `0`, `no`);
 * any failure of the cached path falls back to that, with a debug line.
 *
 * Whether it pays, bench/micro/startup.mjs (Node 24.22, busy 2-core VM, 8 and 10 alternating
 * runs, medians of the CPU time to the first response over bare): the code cache takes the
 * CommonJS bench app from +280..310 ms (bundle by require) to +150..180 ms, the ESM one from
 * +320..360 to +220..320. In process: the bundle compiles from its ~750 KB cache in ~10 ms and
 * evaluates in ~40 ms (most of the rest is @opentelemetry/api, ~20 ms, unbundled by design).
 * The cache is written once (~15 ms, after the first tick) and again only when V8 rejects it.
 */
export type Bundle = typeof import('./bundle-entry');

const BUNDLE = path.join(__dirname, 'bundle.js');
const OFF = new Set(['off', 'false', '0', 'no']); // SHOP_OTEL_CODE_CACHE, as config.ts reads a boolean

/** The parts of Module that Node's own CommonJS loader uses and @types/node does not declare. */
interface ModuleInternals {
  _cache: Record<string, Module | undefined>;
  _extensions: NodeJS.RequireExtensions;
  _nodeModulePaths(dir: string): string[];
  _resolveFilename(request: string, parent: Module, isMain: boolean, options?: { paths?: string[] }): string;
  _resolveLookupPaths(request: string, parent: Module): string[] | null;
  wrap(source: string): string;
}
const M = Module as unknown as ModuleInternals & (new (id: string, parent?: Module) => Module);

export function loadBundle(): Bundle {
  const loaded = M._cache[BUNDLE];
  if (loaded) return loaded.exports as Bundle;
  const notes: string[] = [];
  if (!OFF.has(process.env.SHOP_OTEL_CODE_CACHE?.trim().toLowerCase() ?? '')) {
    try {
      return loadWithCodeCache(notes);
    } catch (e) {
      notes.push(`bundle not loaded through its code cache (loaded by require instead): ${(e as Error).message}`);
    }
  }
  const bundle = require(BUNDLE) as Bundle;
  if (notes.length > 0) later(() => notes.forEach((n) => bundle.shopDiag.debug(n)));
  return bundle;
}

function loadWithCodeCache(notes: string[]): Bundle {
  const source = readFileSync(BUNDLE, 'utf8');
  const st = statSync(BUNDLE);
  const contentHash = /^\/\/ shop-otel bundle ([0-9a-f]+)\n/.exec(source.slice(0, 64))?.[1] ?? 'unhashed';
  const cache = codeCacheFile(VERSION, `${contentHash}-${st.size}-${Math.trunc(st.mtimeMs)}`, (why) => notes.push(why));
  const cachedData = cache?.read();
  const script = new vm.Script(M.wrap(source), {
    filename: BUNDLE,
    cachedData,
    // No importModuleDynamically: the bundle has no import() (scripts/bundle.mjs makes them
    // require()s; the vm's dynamic import needs --experimental-vm-modules or an experimental
    // constant that warns into the app's stderr).
  });
  const mod = new M(BUNDLE, module);
  mod.filename = BUNDLE;
  mod.paths = M._nodeModulePaths(path.dirname(BUNDLE));
  M._cache[BUNDLE] = mod;
  try {
    const fn = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => void;
    fn.call(mod.exports, mod.exports, requireFor(mod), mod, BUNDLE, path.dirname(BUNDLE));
    mod.loaded = true;
  } catch (e) {
    delete M._cache[BUNDLE];
    throw e;
  }
  const bundle = mod.exports as Bundle;
  const state = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted';
  later(() => {
    if (state !== 'accepted' && cache) {
      const data = script.createCachedData();
      if (cache.write(data)) notes.push(`code cache written (${state === 'none' ? 'there was none' : 'the old one was rejected'}): ${cache.file}, ${data.length} bytes`);
    } else if (state === 'accepted') notes.push(`bundle compiled from its code cache ${cache?.file}`);
    notes.forEach((n) => bundle.shopDiag.debug(n));
  });
  return bundle;
}

/**
 * The `require` Node gives a module (its internal makeRequireFunction, which is not exported).
 * `createRequire(BUNDLE)` would resolve the same, but through a second, never-loaded Module
 * object for the same file, which would then be the parent of everything the bundle requires.
 */
function requireFor(mod: Module): NodeJS.Require {
  const req = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: { paths?: string[] }) => M._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => M._resolveLookupPaths(request, mod);
  req.resolve = resolve;
  req.main = require.main;
  req.extensions = M._extensions;
  req.cache = M._cache as NodeJS.Dict<NodeJS.Module>;
  return req;
}

/** After the first tick, off the start-up path; never keeps the process alive; never throws. */
function later(fn: () => void): void {
  setTimeout(() => {
    try {
      fn();
    } catch {
      // A cache that cannot be made is no cache; the app is not told.
    }
  }, 0).unref();
}
