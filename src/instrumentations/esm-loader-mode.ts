/**
 * Whether an ESM loader hook (import-in-the-middle) is in use: SHOP_OTEL_ESM_HOOK=on or async.
 * Set by sdk.ts before the instrumentations are enabled; read by the bundle's stand-in for
 * import-in-the-middle inside @opentelemetry/instrumentation (scripts/bundle/lazy-iitm.mjs),
 * which loads the real package only then.
 */
export const esmLoaderMode = { iitm: false };
