/**
 * `node --require shop-otel/register app.js`: start telemetry before the app's first require.
 * (An ESM app is instrumented this way too: start() routes its imports of CommonJS packages to
 * the require hook. `--import shop-otel/register` is the documented entry for both, and the
 * only one that can add import-in-the-middle's loader hooks, SHOP_OTEL_ESM_HOOK=on/async.)
 */
import { unsupportedRuntime } from './runtime';

const unsupported = unsupportedRuntime();
if (unsupported !== undefined) {
  process.stderr.write(`shop-otel: error: ${unsupported}\n`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} else if (!(require('./disabled-start') as typeof import('./disabled-start')).startDisabled()) {
  // Loaded only on a supported runtime: the SDK's packages need Node >= 22.15. The bundle, as
  // for --import (register.mts); a failure to load it leaves the app running, with one line.
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('./bundle-load') as typeof import('./bundle-load')).loadBundle().api.start();
  } catch (e) {
    process.stderr.write(`shop-otel: error: start failed; the app runs without telemetry: ${(e as Error).message}\n`);
  }
}
