import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, runFixture } from './support/fixture';

/**
 * The bundled register (issue 11): what it loads, that the public API is the same module state,
 * the bundle's own V8 code cache, and OTEL_SDK_DISABLED loading nothing.
 */
describe('bundled register', () => {
  const cacheHome = mkdtempSync(path.join(os.tmpdir(), 'shop-otel-cache-test-'));
  afterAll(() => rmSync(cacheHome, { recursive: true, force: true }));
  const baseEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_SERVICE_NAME: 'bundle-probe', SHOP_OTEL_ID_MAX_LENGTH: '8', XDG_CACHE_HOME: cacheHome };

  const probe = async (file: string, register: 'import' | 'require', env: Record<string, string> = {}, nodeArgs: string[] = []) => {
    const app = runFixture(file, { register, nodeArgs, env: { ...baseEnv, ...env } });
    const exit = await app.exited;
    expect(exit.code).toBe(0);
    const line = app.stdout.find((l) => l.startsWith('{'));
    expect(line, app.stderr.join('\n')).toBeDefined();
    return { out: JSON.parse(line!), stderr: app.stderr };
  };

  for (const register of ['import', 'require'] as const) {
    it(`--${register}: no unbundled OpenTelemetry file is loaded; require('shop-otel') shares the started SDK's state`, async () => {
      const { out, stderr } = await probe('bundle-probe.cjs', register);
      expect(out.otelFiles).toEqual([]);
      // The app's require('@opentelemetry/api') got the bundle's copy (one copy, none of the package's ~35 files loaded), the started SDK's tracer behind it.
      expect(out.apiFiles).toEqual([path.join('dist', 'index.cjs')]);
      expect(out.apiRecording).toBe(true);
      expect(out.iitmLoaded).toBe(false);
      // require-in-the-middle's debug logger is a no-op unless DEBUG is set (scripts/bundle/quiet-debug.mjs).
      expect(stderr.filter((l) => l.includes('require-in-the-middle'))).toEqual([]);
      // Only the small entry files and the bundle: nothing of tsc's unbundled modules.
      expect(out.registerFiles).toContain('bundle.js');
      expect(out.distFiles).toContain('bundle.js');
      expect(out.distFiles).not.toContain('sdk.js');
      expect(out.distFiles.filter((f: string) => f.includes(path.sep))).toEqual([]);
      expect(out.started).toBe(true);
      expect(out.ids).toEqual({ short: 'ORD-1' }); // the long one is rejected: the register's settings
      expect(out.stack).toContain(`${path.sep}dist${path.sep}bundle.js:`);
      expect(stderr.filter((l) => /Warning|error/.test(l))).toEqual([]);
    });
  }

  it('import-in-the-middle is loaded with SHOP_OTEL_ESM_HOOK=on; with DEBUG set, require-in-the-middle logs', async () => {
    const { out, stderr } = await probe('bundle-probe.cjs', 'import', { SHOP_OTEL_ESM_HOOK: 'on', DEBUG: 'require-in-the-middle' });
    expect(out.iitmLoaded).toBe(true);
    expect(stderr.some((l) => /require-in-the-middle .*processing/.test(l))).toBe(true);
  });

  it('an app that loaded @opentelemetry/api before the register keeps its copy, shared with the SDK', async () => {
    const { out } = await probe('bundle-probe.cjs', 'require', {}, ['--require', '@opentelemetry/api']);
    expect(out.apiFiles.length).toBeGreaterThan(10);
    expect(out.apiRecording).toBe(true);
  });

  it('an ESM app importing the public API shares the register\'s state too', async () => {
    const { out } = await probe('bundle-probe.mjs', 'import');
    expect(out).toEqual({ otelFiles: [], ids: { short: 'ORD-1' }, started: true });
  });

  it('writes a code cache of the bundle under XDG_CACHE_HOME, then compiles from it; SHOP_OTEL_CODE_CACHE=off uses none', async () => {
    const dir = path.join(cacheHome, 'shop-otel');
    rmSync(dir, { recursive: true, force: true });
    const first = await probe('bundle-probe.cjs', 'import', { OTEL_LOG_LEVEL: 'debug' });
    expect(first.stderr.some((l) => l.includes('code cache written (there was none)'))).toBe(true);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^bundle-\\d+\\.\\d+\\.\\d+-[0-9a-f]{16}-.*-${process.version.replace(/\./g, '\\.')}-${process.arch}\\.v8cache$`));
    const second = await probe('bundle-probe.cjs', 'import', { OTEL_LOG_LEVEL: 'debug' });
    expect(second.stderr.some((l) => l.includes('bundle compiled from its code cache'))).toBe(true);
    expect(second.out.ids).toEqual({ short: 'ORD-1' });
    rmSync(dir, { recursive: true, force: true });
    const off = await probe('bundle-probe.cjs', 'import', { OTEL_LOG_LEVEL: 'debug', SHOP_OTEL_CODE_CACHE: 'off' });
    expect(off.out.ids).toEqual({ short: 'ORD-1' });
    expect(off.stderr.some((l) => l.includes('code cache'))).toBe(false);
    expect(() => readdirSync(dir)).toThrow();
  });

  it('a cache directory writable by others is not used; the app runs', async () => {
    const dir = path.join(cacheHome, 'shop-otel');
    rmSync(dir, { recursive: true, force: true });
    const { mkdirSync, chmodSync } = await import('node:fs');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const { out, stderr } = await probe('bundle-probe.cjs', 'import', { OTEL_LOG_LEVEL: 'debug' });
    expect(out.ids).toEqual({ short: 'ORD-1' });
    expect(stderr.some((l) => l.includes('not used'))).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the bundles are ASCII, so V8 holds their source at one byte per character for the life of the service', () => {
    // One character outside Latin-1 (a "…" in a comment) made dist/bundle.js a two-byte string:
    // 2.8 MB kept in the heap instead of 1.4 (scripts/bundle.mjs, asciiOnly).
    for (const file of ['bundle.js', 'exit-flush-worker.js']) {
      const bytes = readFileSync(path.join(REPO, 'dist', file));
      expect(bytes.length).toBeGreaterThan(100_000);
      const offending = bytes.findIndex((b) => b > 0x7f);
      expect(offending, `${file}: a byte over 0x7f at ${offending}: ${bytes.subarray(Math.max(0, offending - 40), offending + 40).toString('utf8')}`).toBe(-1);
    }
  });

  it('OTEL_SDK_DISABLED=true loads neither the bundle nor the SDK', async () => {
    const app = runFixture('bundle-probe.cjs', { register: 'import', env: { ...baseEnv, OTEL_SDK_DISABLED: 'true' } });
    await app.exited;
    expect(app.stderr.filter((l) => l.startsWith('shop-otel:'))).toEqual([expect.stringMatching(/^shop-otel: \d+\.\d+\.\d+ disabled by OTEL_SDK_DISABLED; the app runs without telemetry\.$/)]);
    const out = JSON.parse(app.stdout.find((l) => l.startsWith('{'))!);
    // Not the bundle (the fixture's own require('shop-otel') loads it later); register.mjs is ESM.
    expect(out.registerFiles.sort()).toEqual(['disabled-start.js', 'runtime.js', 'version.js']);
    expect(out.started).toBe(false); // start() after a disabled register returns undefined, says nothing
  });
});
