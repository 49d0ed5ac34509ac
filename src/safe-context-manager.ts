import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { Context } from '@opentelemetry/api';
import { isContext, warnMisuse } from './api-inputs';

/**
 * The context manager sdk.ts registers: AsyncLocalStorage's, except that `context.with()` given
 * something that is not a Context (a number, a string, a plain object) runs the function in the
 * active context, with one warning (api-inputs.ts). Why: without shop-otel the API's no-op manager
 * ignores the value, and the app's code runs as usual; with the upstream manager the value became
 * the active context, and the next hook to read it threw into the app: `context.with(42, () =>
 * http.get(url))` threw `context.getValue is not a function` from the http instrumentation, and
 * `trace.getSpan(context.active())` from the app's own code. `null` and `undefined` keep their
 * upstream meaning (the root context). The check is a `typeof` and a property read per call:
 * `node bench/micro/context.mjs als|safe` (a request-shaped unit of with() and awaits, Node 24),
 * three alternating runs: 461/451/447 ns upstream's, 463/449/458 this one.
 */
export class SafeContextManager extends AsyncLocalStorageContextManager {
  override with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    if (ctx != null && !isContext(ctx)) {
      warnMisuse('context.with() was given something other than a Context', 'the function runs in the active context');
      ctx = this.active();
    }
    return super.with(ctx, fn, thisArg, ...args);
  }
}
