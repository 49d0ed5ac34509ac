// Source patches that scripts/bundle.mjs applies to @opentelemetry/core as it bundles it: the same
// behaviour, without allocations on the span path. Each patch names the exact text it replaces;
// when an upgrade changes that text the build fails, naming the patch, rather than losing it
// unnoticed (test/unit/core-patches.test.ts checks that each patched module answers as the
// original does).
//
// Why: V8's sampling heap profile of the bench app at 450 req/s (bench/micro/heap-sample.mjs,
// HEAP_SAMPLE_MINOR=1) put 17.8 % of everything the instrumented service allocated in core's
// attribute checks (6.3 % with these patches; bench/micro/gc-promotion.mjs: 67.7 → 58.7 KB
// allocated per request): `isAnyValue` makes a WeakSet (its cycle guard) for every
// attribute value, a string or a number included, and `cleanAttributesInternal` an
// `Object.entries` array of pairs, on every span start (twice: once for the sampler, once with
// the limits) and every `setAttribute`. bench/RESULTS.md, "Allocation, the young generation and the log record".

import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';

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

/** The patched source of core's `dist/<file>`; throws when a patch no longer applies. */
export function patchCoreSource(file, source) {
  let out = source;
  for (const p of CORE_PATCHES) {
    if (p.file !== file) continue;
    const at = out.indexOf(p.from);
    if (at < 0 || out.indexOf(p.from, at + 1) >= 0) {
      throw new Error(`@opentelemetry/core dist/${file}: the patch "${p.name}" does not apply (its text is not there exactly once); update scripts/bundle/core-patches.mjs for this version of core`);
    }
    out = out.slice(0, at) + p.to + out.slice(at + p.from.length);
  }
  return out;
}

/**
 * The esbuild plugin (`plugin`): core's patched files are loaded patched. `missing()` names those
 * a build never loaded (core moved or renamed them): scripts/bundle.mjs then fails, as the patch
 * would otherwise be silently lost.
 */
export function corePatchesPlugin() {
  const files = [...new Set(CORE_PATCHES.map((p) => p.file))];
  const escape = (f) => f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const filter = new RegExp(`[\\\\/]@opentelemetry[\\\\/]core[\\\\/]dist[\\\\/](${files.map(escape).join('|')})$`);
  const patched = new Set();
  const plugin = {
    name: 'shop-otel-core-patches',
    setup(build) {
      build.onLoad({ filter }, (args) => {
        const file = args.path.replace(/\\/g, '/').split('/@opentelemetry/core/dist/').pop();
        patched.add(file);
        return { contents: patchCoreSource(file, readFileSync(args.path, 'utf8')), loader: 'js' };
      });
    },
  };
  return { plugin, missing: () => files.filter((f) => !patched.has(f)) };
}

/** The installed core's dist/ directory. */
function coreDist() {
  const entry = createRequire(import.meta.url).resolve('@opentelemetry/core');
  return path.join(entry.split(`${path.sep}dist${path.sep}`)[0], 'dist');
}

/** Core's `dist/<file>` source as installed. */
export function coreSource(file) {
  return readFileSync(path.join(coreDist(), file), 'utf8');
}

/**
 * Core's `dist/<file>` as installed, or patched, compiled as a module of its own (for the test
 * and bench/micro/core-attributes.mjs, which compare the two).
 */
export function loadCoreModule(file, patched) {
  const filename = path.join(coreDist(), file);
  const source = readFileSync(filename, 'utf8');
  const m = new Module(filename);
  m.filename = filename;
  m.paths = Module._nodeModulePaths(path.dirname(filename));
  m._compile(patched ? patchCoreSource(file, source) : source, filename);
  return m.exports;
}
