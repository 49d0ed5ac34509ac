import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { shopDiag } from '../diag';

/**
 * Propagation runs inside the app's request and message paths, on headers anyone can send: a
 * malformed `traceparent` or `baggage` (a Buffer, a number, garbage) must never throw there.
 * On a failure, extract returns the context unchanged and inject writes nothing more.
 */
export class SafePropagator implements TextMapPropagator {
  constructor(private readonly inner: TextMapPropagator) {}

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    try {
      this.inner.inject(context, carrier, setter);
    } catch (e) {
      shopDiag.debug('context injection failed', e);
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    try {
      return this.inner.extract(context, carrier, getter);
    } catch (e) {
      shopDiag.debug('context extraction failed (malformed headers?)', e);
      return context;
    }
  }

  fields(): string[] {
    return this.inner.fields();
  }
}
