/**
 * `node --import shop-otel/register app.js`: the entry for ESM and CommonJS apps alike.
 * 1. on the main thread only (loader and worker threads load this too);
 * 2. register import-in-the-middle's loader hook, limited to the modules our instrumentations
 *    name (so other ESM modules are not wrapped) — unless the app is CommonJS (see below);
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
    // Node 20's loader hooks see `import` only, never `require()`: for an app whose entry is
    // CommonJS the hook only costs its loader thread's start. Measured with
    // bench/micro/startup.mjs (bench app, 16 alternating runs, medians): +35 ms to the first
    // response with the hook kept (noisy: runs spread ±100 ms). SHOP_OTEL_ESM_HOOK=on keeps it
    // (an app that import()s ESM packages which themselves import pg, amqplib, …), =off drops it.
    const { commonJsEntry } = require('./entry-kind.js') as typeof import('./entry-kind.js');
    const hook = process.env.SHOP_OTEL_ESM_HOOK?.trim().toLowerCase();
    const wantHook = hook === 'on' || (hook !== 'off' && !commonJsEntry(process.argv[1], process.execArgv));
    let acknowledged: Promise<void> | undefined;
    if (wantHook && process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true') {
      const { createAddHookMessageChannel } = require('import-in-the-middle') as typeof import('import-in-the-middle');
      const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
      register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
      acknowledged = waitForAllMessagesAcknowledged();
    }
    const { start } = require('./sdk.js') as typeof import('./sdk.js');
    start();
    const { shopDiag } = require('./diag.js') as typeof import('./diag.js');
    shopDiag.debug(acknowledged ? 'ESM loader hook installed' : `ESM loader hook skipped (${wantHook ? 'telemetry disabled' : 'the entry is CommonJS'})`);
    await acknowledged;
  } catch (e) {
    process.stderr.write(`shop-otel: error: ESM start failed; the app runs without telemetry: ${(e as Error).message}\n`);
  }
}
