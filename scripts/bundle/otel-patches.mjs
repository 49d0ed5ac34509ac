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
// callable unbound as before, bound to shared functions. And each context copied its parent's Map
// with `new Map(parent)`, which walks the parent through the iterator protocol: an entry array and
// a result object per entry. V8's sampling heap profile of the bench app (heap-sample.mjs,
// HEAP_SAMPLE_MINOR=1 HEAP_SAMPLE_DEPTH=3, 800 req/s) put 1.9 KB per request in those copies, the
// largest item of what shop-otel allocates (3.6 `setValue` per request, counted, of parents of
// 1.3 entries on average). Copied by `forEach` into a new Map, the same entries in the same
// order: 92 → 44 ns for a parent of one entry, 123 → 57 for two, 179 → 86 for four (Node 24, in
// process, 3 million copies each).
//
// @opentelemetry/sdk-trace, @opentelemetry/sql-common, @opentelemetry/context-async-hooks, why:
// the order mix's profile of the build before them (bench/micro/cpu-profile.mjs 450 9000, each
// sample charged to the entry into telemetry code, as BENCH_PROFILE_ENTRIES now reports) put
// ~20 µs of CPU per span in `startSpan` and ~10 µs per query in sqlcommenter's comment;
// bench/micro/span-start.mjs measures each patch against the installed code in one process
// (bench/RESULTS.md, "The span path, pg's query wrapper and the baggage header"). What each does,
// and why it answers as before:
// - startSpan cleans the attributes twice, once without limits for the sampler and once with. When
//   the sampler added none and the cleaned ones are within the limits (all primitives, no string
//   past the length limit, no more than the count limit), the second pass would copy them
//   unchanged: the patched tracer keeps the first pass's object (the same object upstream merges
//   the sampler's attributes into).
// - The tracer's own metrics (otel.sdk.span.started/live) cost two attribute objects and a closure
//   per span even on the no-op meter the provider gets when none is given (ours, sdk.ts): with the
//   no-op meter they are skipped.
// - sqlcommenter injects a traceparent through a propagator and a context, sorts the one key and
//   URI-encodes hex digits and dashes (which encode to themselves): without a tracestate the
//   comment is built from the span context directly, byte for byte the same.
// - context.bind() sets the wrapper's `length` with Object.defineProperty, which costs more than
//   the bind itself (~0.9 µs per bind in process): wrappers declared with 0, 1 or 2 parameters
//   have that length already; other lengths keep upstream's wrapper.

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
  {
    file: 'context/context.cjs',
    name: "BaseContext: the parent's Map copied by forEach, not through its iterator",
    from: '\t\tself._currentContext = parentContext ? new Map(parentContext) : /* @__PURE__ */ new Map();',
    to: '\t\tself._currentContext = parentContext ? copyContextMap(parentContext) : /* @__PURE__ */ new Map();',
  },
  {
    file: 'context/context.cjs',
    name: 'BaseContext: the helper of the copy',
    from: 'function getContextValue(key) {',
    to: 'function setInto(value, key) {\n\tthis.set(key, value);\n}\nfunction copyContextMap(parent) {\n\tconst copy = new Map();\n\tparent.forEach(setInto, copy);\n\treturn copy;\n}\nfunction getContextValue(key) {',
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

/** @type {Array<{ file: string, name: string, from: string, to: string }>} */
export const SDK_TRACE_PATCHES = [
  {
    file: 'Tracer.cjs',
    name: 'Tracer: no tracer metrics on the no-op meter',
    from: '\t\tthis._tracerMetrics = new require_TracerMetrics.TracerMetrics(meter);',
    to: '\t\tthis._tracerMetrics = meter === (0, _opentelemetry_api.createNoopMeter)() ? void 0 : new require_TracerMetrics.TracerMetrics(meter);',
  },
  {
    file: 'Tracer.cjs',
    name: 'startSpan: no tracer metrics on the no-op meter',
    from: '\t\tconst recordEndMetrics = this._tracerMetrics.startSpan(parentSpanContext, samplingResult.decision);',
    to: '\t\tconst recordEndMetrics = this._tracerMetrics === void 0 ? noEndMetrics : this._tracerMetrics.startSpan(parentSpanContext, samplingResult.decision);',
  },
  {
    file: 'Tracer.cjs',
    name: 'startSpan: one cleaning pass when the sampler added nothing and the limits change nothing',
    from: '\t\tconst attrsData2 = (0, _opentelemetry_core.cleanAttributes)(Object.assign(attributes, samplingResult.attributes), this._spanLimits);',
    to: '\t\tconst attrsData2 = samplingResult.attributes == null && withinLimits(attributes, this._spanLimits) ? {\n\t\t\tattributes,\n\t\t\tdroppedAttributesCount: 0\n\t\t} : (0, _opentelemetry_core.cleanAttributes)(Object.assign(attributes, samplingResult.attributes), this._spanLimits);',
  },
  {
    file: 'Tracer.cjs',
    name: 'Tracer: the helpers of the two startSpan patches',
    from: '//#region src/Tracer.ts\n',
    to: '//#region src/Tracer.ts\nfunction noEndMetrics() {}\nfunction withinLimits(attributes, limits) {\n\tconst keys = Object.keys(attributes);\n\tif (!(keys.length <= limits.attributeCountLimit)) return false;\n\tconst lengthLimit = limits.attributeValueLengthLimit;\n\tfor (let i = 0; i < keys.length; i++) {\n\t\tconst val = attributes[keys[i]];\n\t\tif (typeof val === "object" || typeof val === "string" && !(val.length <= lengthLimit)) return false;\n\t}\n\treturn lengthLimit > 0;\n}\n',
  },
];

/** @type {Array<{ file: string, name: string, from: string, to: string }>} */
export const SQL_COMMON_PATCHES = [
  {
    file: 'index.cjs',
    name: 'addSqlCommenterComment: the traceparent from the span context when there is no tracestate',
    from: '\tif (hasValidSqlComment(query)) return query;\n\tconst headers = {};',
    to: '\tif (hasValidSqlComment(query)) return query;\n\tconst spanContext = span != null && typeof span.spanContext === "function" ? span.spanContext() : void 0;\n\tif (spanContext != null && !spanContext.traceState && (0, _opentelemetry_api.isSpanContextValid)(spanContext)) return `${query} /*traceparent=\'00-${spanContext.traceId}-${spanContext.spanId}-0${Number(spanContext.traceFlags || 0).toString(16)}\'*/`;\n\tconst headers = {};',
  },
];

/** @type {Array<{ file: string, name: string, from: string, to: string }>} */
export const CONTEXT_PATCHES = [
  {
    file: 'AsyncLocalStorageContextManager.cjs',
    name: '_bindFunction: wrappers of length 0, 1 and 2 without Object.defineProperty',
    from: '\t_bindFunction(context, target) {\n\t\tconst manager = this;\n',
    to: '\t_bindFunction(context, target) {\n\t\tconst manager = this;\n\t\t{\n\t\t\tlet contextWrapper;\n\t\t\tswitch (target.length) {\n\t\t\t\tcase 0:\n\t\t\t\t\tcontextWrapper = function() {\n\t\t\t\t\t\tconst args = arguments;\n\t\t\t\t\t\treturn manager.with(context, () => target.apply(this, args));\n\t\t\t\t\t};\n\t\t\t\t\treturn contextWrapper;\n\t\t\t\tcase 1:\n\t\t\t\t\tcontextWrapper = function(a) {\n\t\t\t\t\t\tconst args = arguments;\n\t\t\t\t\t\treturn manager.with(context, () => target.apply(this, args));\n\t\t\t\t\t};\n\t\t\t\t\treturn contextWrapper;\n\t\t\t\tcase 2:\n\t\t\t\t\tcontextWrapper = function(a, b) {\n\t\t\t\t\t\tconst args = arguments;\n\t\t\t\t\t\treturn manager.with(context, () => target.apply(this, args));\n\t\t\t\t\t};\n\t\t\t\t\treturn contextWrapper;\n\t\t\t}\n\t\t}\n',
  },
];

const PATCHES = {
  '@opentelemetry/core': CORE_PATCHES,
  '@opentelemetry/api': API_PATCHES,
  '@opentelemetry/sdk-trace': SDK_TRACE_PATCHES,
  '@opentelemetry/sql-common': SQL_COMMON_PATCHES,
  '@opentelemetry/context-async-hooks': CONTEXT_PATCHES,
};

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
  const names = Object.keys(PATCHES).map((pkg) => escape(pkg.slice('@opentelemetry/'.length))).join('|');
  const filter = new RegExp(`[\\\\/]@opentelemetry[\\\\/](${names})[\\\\/]dist[\\\\/](${[...new Set(Object.values(PATCHES).flat().map((p) => p.file))].map(escape).join('|')})$`);
  const patched = new Set();
  const plugin = {
    name: 'shop-otel-otel-patches',
    setup(build) {
      build.onLoad({ filter }, (args) => {
        const unix = args.path.replace(/\\/g, '/');
        const m = /\/(@opentelemetry\/[^/]+)\/dist\/(.+)$/.exec(unix);
        const [pkg, file] = [m[1], m[2]];
        if (!PATCHES[pkg]?.some((p) => p.file === file)) return undefined;
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
