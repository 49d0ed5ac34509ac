import { describe, expect, it } from 'vitest';
// @ts-expect-error a plain .mjs module of the build, no types
import { API_PATCHES, CORE_PATCHES, coreSource, loadCoreModule, loadPackageModule, packageSource, patchCoreSource, patchSource } from '../../scripts/bundle/otel-patches.mjs';

// The build's source patches of @opentelemetry/core and @opentelemetry/api (scripts/bundle/otel-patches.mjs): each
// applies to the installed core, and the patched module answers exactly as the original does for
// every kind of value (primitives, null, undefined, bytes, arrays, nested and cyclic objects,
// class instances, functions, symbols, bigints), with and without limits.
type Fn = (...args: never[]) => unknown;
type Attrs = Record<'isAnyValue' | 'isAttributeValue' | 'cleanAttributes' | 'cleanSimpleAttributes' | 'maybeAddAttribute' | 'sanitizeAttributes', Fn>;
const load = (file: string, patched: boolean) => loadCoreModule(file, patched) as Attrs;

const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;
const shared = { k: 'v' };
class Point {
  x = 1;
}
const VALUES: unknown[] = [
  'text', '', 'x'.repeat(40), 0, -1.5, NaN, Infinity, true, false, null, undefined, 10n, Symbol('s'), () => 1,
  new Uint8Array([1, 2, 3]), [], [1, 2, 3], ['a', 'b'], [1, 'a'], [null, 1], [undefined, 'a'], [[1], [2]], [{ a: 1 }],
  { a: 1, b: 'two', c: [1, 2], d: { e: null } }, { nested: { deeper: { deepest: 'x'.repeat(30) } } }, cyclic, [cyclic], { s1: shared, s2: shared },
  new Point(), new Date(0), new Map(), Object.create(null), { u: undefined, f: () => 1 },
];

describe('the build\'s patches of @opentelemetry/core', () => {
  const files = [...new Set((CORE_PATCHES as Array<{ file: string }>).map((p) => p.file))];

  it('apply to the installed core, each exactly once', () => {
    for (const file of files) {
      const out = patchCoreSource(file, coreSource(file)) as string;
      for (const p of (CORE_PATCHES as Array<{ file: string; from: string; to: string }>).filter((x) => x.file === file)) {
        expect(out.includes(p.to), p.to).toBe(true);
        expect(out.includes(p.from), p.from).toBe(false);
      }
    }
    expect(() => patchCoreSource('common/attributes.cjs', 'nothing to patch')).toThrow(/does not apply/);
  });

  it('answer as the original for every kind of value', () => {
    const a = load('common/attributes.cjs', false);
    const b = load('common/attributes.cjs', true);
    for (const v of VALUES) {
      expect(b.isAnyValue(v), String(typeof v)).toBe(a.isAnyValue(v));
      expect(b.isAttributeValue(v)).toBe(a.isAttributeValue(v));
    }
    const inputs: Array<Record<string, unknown>> = [
      Object.fromEntries(VALUES.map((v, i) => [`k${i}`, v])),
      { '': 'empty key', ok: 1, later: 'x'.repeat(20) },
      Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`n${i}`, i])),
      { getter: 1, get computed() { return 'read once'; } },
    ];
    for (const limits of [{}, { attributeCountLimit: 5, attributeValueLengthLimit: 8 }, { attributeCountLimit: 128, attributeValueLengthLimit: 0 }]) {
      for (const attrs of inputs) {
        expect(b.cleanAttributes(attrs, limits)).toEqual(a.cleanAttributes(attrs, limits));
        expect(b.cleanSimpleAttributes(attrs, limits)).toEqual(a.cleanSimpleAttributes(attrs, limits));
      }
      for (const v of VALUES) {
        const ra = {};
        const rb = {};
        const opts = (attributes: object) => ({ key: 'k', value: v as never, attributes: attributes as never, limits: { attributeCountLimit: 128, attributeValueLengthLimit: 8, ...limits }, currentAttributesCount: 0 });
        expect(b.maybeAddAttribute(opts(rb))).toBe(a.maybeAddAttribute(opts(ra)));
        expect(rb).toEqual(ra);
      }
    }
    expect(b.sanitizeAttributes(inputs[0])).toEqual(a.sanitizeAttributes(inputs[0]));
  });
});

describe("the build's patch of @opentelemetry/api's contexts", () => {
  type Ctx = { getValue(k: symbol): unknown; setValue(k: symbol, v: unknown): Ctx; deleteValue(k: symbol): Ctx };
  const load = (patched: boolean) => loadPackageModule('@opentelemetry/api', 'context/context.cjs', patched) as { ROOT_CONTEXT: Ctx; createContextKey(d: string): symbol };

  it('applies to the installed API, each exactly once', () => {
    const out = patchSource('@opentelemetry/api', 'context/context.cjs', packageSource('@opentelemetry/api', 'context/context.cjs')) as string;
    for (const p of API_PATCHES as Array<{ from: string; to: string }>) {
      expect(out.includes(p.to), p.to).toBe(true);
      // An insertion keeps the text it is anchored to.
      if (!p.to.includes(p.from)) expect(out.includes(p.from), p.from).toBe(false);
    }
    expect(out).not.toMatch(/self\.(getValue|setValue|deleteValue) = \(/);
  });

  it('a context answers as the original: values, parents unchanged, unbound calls, own properties', () => {
    for (const patched of [false, true]) {
      const { ROOT_CONTEXT, createContextKey } = load(patched);
      const a = createContextKey('a');
      const b = createContextKey('b');
      const one = ROOT_CONTEXT.setValue(a, 1);
      const two = one.setValue(b, 2);
      const gone = two.deleteValue(a);
      expect([ROOT_CONTEXT.getValue(a), one.getValue(a), one.getValue(b), two.getValue(a), two.getValue(b), gone.getValue(a), gone.getValue(b)]).toEqual([undefined, 1, undefined, 1, 2, undefined, 2]);
      // Called unbound, as code may (the methods are own properties, not the prototype's).
      const { getValue, setValue, deleteValue } = two;
      expect(getValue(b)).toBe(2);
      expect(setValue(a, 3).getValue(a)).toBe(3);
      expect(deleteValue(b).getValue(b)).toBeUndefined();
      expect(Object.keys(two).sort()).toEqual(['_currentContext', 'deleteValue', 'getValue', 'setValue']);
      expect(two.constructor).toBe(ROOT_CONTEXT.constructor);
      expect(gone).toBeInstanceOf(ROOT_CONTEXT.constructor);
    }
  });
});
