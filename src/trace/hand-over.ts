import type { Attributes } from '@opentelemetry/api';

/**
 * An attributes object handed over by the code that made it (shop-otel's own instrumentations: a
 * fresh object that nothing else holds, read no more than synchronously after the span's start and
 * never written): the next ShopTracer.startSpan given that very object keeps it as the span's own,
 * when it would copy it unchanged, instead of copying it. One at a time; whatever that startSpan is
 * given, the hand-over ends there (another tracer leaves it to the next ShopTracer, which drops it).
 *
 * Why: the copy is a keyed store per attribute into a fresh object, each adding a property (V8's
 * megamorphic store with a map transition, `Builtins_KeyedStoreIC_Megamorphic` in
 * `bench/micro/cpu-perf.mjs`), for an object thrown away as soon as it is copied.
 */
let handedOver: Attributes | undefined;

export function handOverAttributes<T extends Attributes>(attributes: T): T {
  handedOver = attributes;
  return attributes;
}

/** Whether `given` is the object handed over; the hand-over ends either way. */
export function takeHandOver(given: Attributes | undefined): boolean {
  const mine = given !== undefined && given === handedOver;
  handedOver = undefined;
  return mine;
}
