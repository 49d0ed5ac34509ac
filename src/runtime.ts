/**
 * The runtimes this line of shop-otel supports: Node.js ≥ 22.15 (OpenTelemetry JS 3.x needs it;
 * `module.registerHooks` exists from there). On an older Node the entries do not load the SDK at
 * all — its packages may not even parse there — and say so once: the app runs without telemetry.
 * Node 20 users stay on shop-otel 0.1 (the OpenTelemetry JS 2.x line).
 */
export const MINIMUM_NODE = '22.15.0';

/** Why this runtime is not supported, or undefined when it is. */
export function unsupportedRuntime(version: string = process.versions.node): string | undefined {
  const [major, minor] = version.split('.').map((x) => Number.parseInt(x, 10));
  if (major > 22 || (major === 22 && minor >= 15)) return undefined;
  return `needs Node.js >= ${MINIMUM_NODE} (this is ${version}); the app runs without telemetry. On Node.js 20, use shop-otel 0.1.`;
}
