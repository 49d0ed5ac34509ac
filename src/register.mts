/**
 * `node --import shop-otel/register app.js`: the entry for ESM and CommonJS apps alike.
 * 1. on the main thread only (loader and worker threads load this too);
 * 2. register import-in-the-middle's loader hook, limited to the modules our instrumentations
 *    name (so other ESM modules are not wrapped);
 * 3. start the SDK (CommonJS patching starts there too);
 * 4. wait until the loader has acknowledged those modules, so the app's imports are hooked.
 * Nothing here may throw into the app: a failure leaves it running without telemetry.
 */
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { createRequire } from 'node:module';

if (isMainThread) {
  const require = createRequire(import.meta.url);
  try {
    const { createAddHookMessageChannel } = require('import-in-the-middle') as typeof import('import-in-the-middle');
    const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
    register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
    const { start } = require('./sdk.js') as typeof import('./sdk.js');
    start();
    await waitForAllMessagesAcknowledged();
  } catch (e) {
    process.stderr.write(`shop-otel: error: ESM start failed; the app runs without telemetry: ${(e as Error).message}\n`);
  }
}
