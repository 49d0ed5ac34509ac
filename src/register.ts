/**
 * `node --require shop-otel/register app.js`: start telemetry before the app's first require.
 * (ESM apps: use `--import shop-otel/register`, which also installs the ESM loader hook.)
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
