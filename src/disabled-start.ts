import { VERSION } from './version';

/**
 * OTEL_SDK_DISABLED=true at the register: say so and start nothing, without loading the bundle
 * (so a disabled app pays next to nothing at start-up). The same line and the same state as
 * `start()` with the SDK disabled (sdk.ts): `start()` called later by the app returns undefined.
 * What this does not do: validate the other variables (nothing reads them while disabled).
 * Anything it is unsure of (a value that is not plainly true, a bad OTEL_LOG_LEVEL) is left to
 * the full path, which explains it.
 */
const STARTED = Symbol.for('shop-otel.started'); // sdk.ts
const TRUE = new Set(['true', '1', 'on', 'yes']); // config.ts bool()
const LEVELS = new Set(['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all']); // config.ts LOG_LEVELS
const QUIET = new Set(['none', 'error', 'warn']);

/** True when the SDK is disabled and this handled it. Never throws. */
export function startDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase();
    if (disabled === undefined || !TRUE.has(disabled)) return false;
    const level = env.OTEL_LOG_LEVEL?.trim().toLowerCase() || undefined;
    if (level !== undefined && !LEVELS.has(level)) return false;
    const g = globalThis as typeof globalThis & { [STARTED]?: unknown };
    if (g[STARTED] !== undefined) return true;
    g[STARTED] = null;
    if (level === undefined || !QUIET.has(level)) process.stderr.write(`shop-otel: ${VERSION} disabled by OTEL_SDK_DISABLED; the app runs without telemetry.\n`);
    return true;
  } catch {
    return false;
  }
}
