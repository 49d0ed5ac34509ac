/**
 * `node --require shop-otel/register app.js`: start telemetry before the app's first require.
 * (ESM apps: use `--import shop-otel/register`, which also installs the ESM loader hook.)
 */
import { unsupportedRuntime } from './runtime';

const unsupported = unsupportedRuntime();
if (unsupported !== undefined) {
  process.stderr.write(`shop-otel: error: ${unsupported}\n`);
} else {
  // Loaded only on a supported runtime: the SDK's packages need Node >= 22.15.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./sdk') as typeof import('./sdk')).start();
}
