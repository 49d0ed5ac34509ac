// Source patches that scripts/bundle.mjs applies to OpenTelemetry packages as it bundles them: the
// same behaviour, without allocations on the span path. Each patch names the exact text it
// replaces; when an upgrade changes that text the build fails, naming the patch, rather than
// losing it unnoticed (test/unit/otel-patches.test.ts checks that each patched module answers as
// the original does).
//
// @opentelemetry/core, why: V8's sampling heap profile of the bench app at 450 req/s
// (bench/micro/heap-sample.mjs, HEAP_SAMPLE_MINOR=1) put 17.8 % of everything the instrumented
// service allocated in core's attribute checks (6.3 % with these patches;
// bench/micro/gc-promotion.mjs: 67.7 → 58.7 KB allocated per request): `isAnyValue` makes a
// WeakSet (its cycle guard) for every attribute value, a string or a number included, and
// `cleanAttributesInternal` an `Object.entries` array of pairs, on every span start (twice: once
// for the sampler, once with the limits) and every `setAttribute`. bench/RESULTS.md, "Allocation,
// the young generation and the log record".
//
// @opentelemetry/api, why: every context (`BaseContext`, one per `setValue`: the span, the RPC
// metadata, the business-ID scope, sqlcommenter's, suppressed tracing …) made three arrow
// closures over itself for its getValue, setValue and deleteValue. What such closures refer to
// survives V8's scavenges: bench/micro/context-promotion.mjs (a plain http server, 450 req/s, one
// `ROOT_CONTEXT.setValue` per request, bytes promoted per request, 3 rounds): the API as installed
// 282, patched 16, nothing at all 17; a stand-in with three arrow closures 286, with three bound
// functions 15. One setValue costs the same either way (328 against 318 ns in process). See
// bench/RESULTS.md, "What survived the scavenges". The patch keeps the three as own properties,
// callable unbound as before, bound to shared functions.

import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';

/** @type {Array<{ file: string, name: string, from: string, to: string }>} */
export const API_PATCHES = [
  {
    file: 'context/context.cjs',
    name: 'BaseContext: shared functions for getValue, setValue and deleteValue',
    from: 'const ROOT_CONTEXT = new class BaseContext {',
    to: 'function getContextValue(key) {\n\treturn this._currentContext.get(key);\n}\nfunction setContextValue(key, value) {\n\tconst context = new this.constructor(this._currentContext);\n\tcontext._currentContext.set(key, value);\n\treturn context;\n}\nfunction deleteContextValue(key) {\n\tconst context = new this.constructor(this._currentContext);\n\tcontext._currentContext.delete(key);\n\treturn context;\n}\nconst ROOT_CONTEXT = new class BaseContext {',
  },
  {
    file: 'context/context.cjs',
    name: 'BaseContext: getValue, setValue and deleteValue bound, not closures over the context',
    from: '\t\tself.getValue = (key) => self._currentContext.get(key);\n\t\tself.setValue = (key, value) => {\n\t\t\tconst context = new BaseContext(self._currentContext);\n\t\t\tcontext._currentContext.set(key, value);\n\t\t\treturn context;\n\t\t};\n\t\tself.deleteValue = (key) => {\n\t\t\tconst context = new BaseContext(self._currentContext);\n\t\t\tcontext._currentContext.delete(key);\n\t\t\treturn context;\n\t\t};\n',
    to: '\t\tself.getValue = getContextValue.bind(self);\n\t\tself.setValue = setContextValue.bind(self);\n\t\tself.deleteValue = deleteContextValue.bind(self);\n',
  },
];

/** @type {Array<{ file: string, name: string, from: string, to: string }>} */
export const CORE_PATCHES = [
  {
    file: 'common/attributes.cjs',
    name: 'isAnyValue: no WeakSet for a value that is not an object (it is only the cycle guard of objects and arrays)',
    from: 'return isAnyValueInternal(val, /* @__PURE__ */ new WeakSet());',
    to: 'return typeof val !== "object" || val === null ? isAnyValueInternal(val, void 0) : isAnyValueInternal(val, /* @__PURE__ */ new WeakSet());',
  },
  {
    file: 'common/attributes.cjs',
    name: 'cleanAttributesInternal: keys and reads instead of an Object.entries array of pairs',
    from: 'for (const [key, val] of Object.entries(inAttributes)) {',
    to: 'for (const key of Object.keys(inAttributes)) {\n\t\tconst val = inAttributes[key];',
  },
];

const PATCHES = { '@opentelemetry/core': CORE_PATCHES, '@opentelemetry/api': API_PATCHES };

/** The patched source of `<pkg>/dist/<file>`; throws when a patch no longer applies. */
export function patchSource(pkg, file, source) {
  let out = source;
  for (const p of PATCHES[pkg]) {
    if (p.file !== file) continue;
    const at = out.indexOf(p.from);
    if (at < 0 || out.indexOf(p.from, at + 1) >= 0) {
      throw new Error(`${pkg} dist/${file}: the patch "${p.name}" does not apply (its text is not there exactly once); update scripts/bundle/otel-patches.mjs for this version of ${pkg}`);
    }
    out = out.slice(0, at) + p.to + out.slice(at + p.from.length);
  }
  return out;
}

/** Core's, as patchSource. */
export const patchCoreSource = (file, source) => patchSource('@opentelemetry/core', file, source);

/**
 * The esbuild plugin (`plugin`): the patched files are loaded patched. `missing()` names those a
 * build never loaded (the package moved or renamed them): scripts/bundle.mjs then fails, as the
 * patch would otherwise be silently lost.
 */
export function otelPatchesPlugin() {
  const escape = (f) => f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const wanted = Object.entries(PATCHES).flatMap(([pkg, list]) => [...new Set(list.map((p) => p.file))].map((file) => `${pkg} dist/${file}`));
  const filter = new RegExp(`[\\\\/]@opentelemetry[\\\\/](core|api)[\\\\/]dist[\\\\/](${[...new Set(Object.values(PATCHES).flat().map((p) => p.file))].map(escape).join('|')})$`);
  const patched = new Set();
  const plugin = {
    name: 'shop-otel-otel-patches',
    setup(build) {
      build.onLoad({ filter }, (args) => {
        const unix = args.path.replace(/\\/g, '/');
        const m = /\/(@opentelemetry\/(?:core|api))\/dist\/(.+)$/.exec(unix);
        const [pkg, file] = [m[1], m[2]];
        if (!PATCHES[pkg].some((p) => p.file === file)) return undefined;
        patched.add(`${pkg} dist/${file}`);
        return { contents: patchSource(pkg, file, readFileSync(args.path, 'utf8')), loader: 'js' };
      });
    },
  };
  return { plugin, missing: () => wanted.filter((w) => !patched.has(w)) };
}

/** The installed package's dist/ directory. */
function distOf(pkg) {
  const entry = createRequire(import.meta.url).resolve(pkg);
  return path.join(entry.split(`${path.sep}dist${path.sep}`)[0], 'dist');
}

/** `<pkg>/dist/<file>` source as installed (core's by default). */
export function packageSource(pkg, file) {
  return readFileSync(path.join(distOf(pkg), file), 'utf8');
}
export const coreSource = (file) => packageSource('@opentelemetry/core', file);

/**
 * `<pkg>/dist/<file>` as installed, or patched, compiled as a module of its own (for the test
 * and bench/micro/core-attributes.mjs, which compare the two).
 */
export function loadPackageModule(pkg, file, patched) {
  const filename = path.join(distOf(pkg), file);
  const source = readFileSync(filename, 'utf8');
  const m = new Module(filename);
  m.filename = filename;
  m.paths = Module._nodeModulePaths(path.dirname(filename));
  m._compile(patched ? patchSource(pkg, file, source) : source, filename);
  return m.exports;
}
export const loadCoreModule = (file, patched) => loadPackageModule('@opentelemetry/core', file, patched);
