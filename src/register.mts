/**
 * `node --import shop-otel/register app.js`: the entry for ESM and CommonJS apps alike.
 * 1. on the main thread only (loader and worker threads load this too);
 * 2. unless OTEL_SDK_DISABLED (disabled-start.ts: then nothing is loaded), load the bundle
 *    (bundle-load.ts) and start the SDK. CommonJS patching starts there (require-in-the-middle),
 *    and ESM imports of CommonJS packages are routed to it (instrumentations/esm-import-route.ts):
 *    no module loader hook by default;
 * 3. SHOP_OTEL_ESM_HOOK=on (packages that exist only as ESM): import-in-the-middle, limited to
 *    the modules our instrumentations patch, in-thread through `module.registerHooks` where the
 *    runtime supports it (Node ≥ 22.22.3 / ≥ 24.11.1), else, and with `async`, through the
 *    off-thread loader of `module.register`, whose acknowledgement we then await so the app's
 *    first imports are already hooked.
 * Nothing here may throw into the app: a failure leaves it running without telemetry.
 */
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const unsupported = isMainThread ? (require('./runtime.js') as typeof import('./runtime.js')).unsupportedRuntime() : undefined;
if (unsupported !== undefined) process.stderr.write(`shop-otel: error: ${unsupported}\n`);
else if (isMainThread && !(require('./disabled-start.js') as typeof import('./disabled-start.js')).startDisabled()) {
  try {
    // One bundle (dist/bundle.js) with a V8 code cache of its own, instead of ~270 modules.
    // bench/micro/startup.mjs, Node 24.22, 2-core VM (busy), two runs of 8 and 10 alternating
    // runs, medians over bare (the ESM app over the bare ESM app), CPU / wall to the first
    // response: CommonJS app, before +320..340 / +265..286 ms, bundle alone (no code cache)
    // +280..310 / +254..263, bundle + code cache +150..180 / +158..163; ESM app, before
    // +350..450 / +312..390, bundle alone +320..360 / +283..320, + code cache +220..320 /
    // +166..252. OTEL_SDK_DISABLED: +10 ms CPU (it loads none of it). bench/RESULTS.md has more.
    const { api, shopDiag } = (require('./bundle-load.js') as typeof import('./bundle-load.js')).loadBundle();
    const sdk = api.start();
    const mode = sdk?.config.esmHook;
    if (sdk && (mode === 'on' || mode === 'async') && sdk.hookedModules.length > 0) {
      const { supportsSyncHooks } = require('import-in-the-middle/supports-sync-hooks.mjs') as { supportsSyncHooks(): boolean };
      if (mode === 'on' && supportsSyncHooks()) {
        // In-thread hooks (Node 24/22): no loader thread to start, no message round-trip per
        // resolved module. bench/micro/startup.mjs, ESM bench app (bench/app/server-esm.mjs),
        // Node 24.22, 8 alternating runs on a busy 2-core VM, CPU time to the first response over
        // bare: in-thread +420 ms, off-thread loader +510 ms (wall +553 / +733 ms).
        const { register: registerSync } = (await import('import-in-the-middle/register-hooks.mjs')) as { register(o: { include: string[] }): void };
        registerSync({ include: [...sdk.hookedModules] });
        shopDiag.debug(`ESM hook: in-thread (module.registerHooks) for ${sdk.hookedModules.join(', ')}`);
      } else {
        const { createAddHookMessageChannel } = require('import-in-the-middle') as typeof import('import-in-the-middle');
        const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
        register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
        await waitForAllMessagesAcknowledged();
        shopDiag.debug('ESM hook: off-thread loader (module.register)');
      }
    } else if (sdk) {
      shopDiag.debug(mode === 'off' ? 'ESM hook: none (SHOP_OTEL_ESM_HOOK=off)' : 'ESM hook: none; ESM imports of CommonJS packages reach the require hook');
    }
  } catch (e) {
    process.stderr.write(`shop-otel: error: ESM start failed; the app runs without telemetry: ${(e as Error).message}\n`);
  }
}
