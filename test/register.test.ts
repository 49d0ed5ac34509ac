import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otelEnv, runFixture, uniqueName } from './support/fixture';
import { startReceiver, type Receiver } from './support/otlp-receiver';

/** The register entry point: protocols, the start-up line, OTEL_SDK_DISABLED, bad configuration. */
describe('register entry point', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => receiver?.close());

  const run = async (env: Record<string, string>, register: 'import' | 'require' = 'import') => {
    const app = runFixture(register === 'import' ? 'exit-paths.mjs' : 'exit-paths.cjs', { register, env: { EXIT_MODE: 'natural', BURST: '3', ...env } });
    const exit = await app.exited;
    return { app, exit };
  };

  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    it(`exports spans, logs and metrics over ${protocol}`, async () => {
      const service = uniqueName('proto');
      const { exit } = await run({ ...otelEnv(receiver.url, service), OTEL_EXPORTER_OTLP_PROTOCOL: protocol });
      expect(exit.code).toBe(0);
      const type = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
      expect(receiver.contentTypes).toContain(`/v1/traces ${type}`);
      expect(receiver.contentTypes).toContain(`/v1/logs ${type}`);
      expect(receiver.spans.some((s) => s.resource['service.name'] === service && s.kind === 2)).toBe(true);
      expect(receiver.logs.filter((l) => l.resource['service.name'] === service)).toHaveLength(3);
      // Metrics are flushed at exit too: the runtime metrics; the HTTP server duration is the
      // collector's span metrics' job by default (SHOP_OTEL_SDK_DURATION_METRICS).
      const names = new Set(receiver.metrics.filter((m) => m.resource['service.name'] === service).map((m) => m.name));
      expect(names).not.toContain('http.server.request.duration');
      expect([...names].some((n) => n.startsWith('nodejs.eventloop'))).toBe(true);
      expect([...names].some((n) => n.startsWith('v8js.'))).toBe(true);
    });
  }

  it('SHOP_OTEL_SDK_DURATION_METRICS=true keeps the instrumentations\' duration histograms', async () => {
    const service = uniqueName('durations');
    const { exit } = await run({ ...otelEnv(receiver.url, service), SHOP_OTEL_SDK_DURATION_METRICS: 'true' });
    expect(exit.code).toBe(0);
    const metrics = receiver.metrics.filter((m) => m.resource['service.name'] === service);
    expect(metrics.map((m) => m.name)).toContain('http.server.request.duration');
    // Each request's duration, as long as its server span's (a start time not read would make it
    // the process's whole run so far).
    const longestSpanS = Math.max(...receiver.spans.filter((s) => s.resource['service.name'] === service && s.kind === 2).map((s) => receiver.spanDurationsMs.get(s.spanId) ?? NaN)) / 1000;
    const points = metrics.filter((m) => m.name === 'http.server.request.duration').flatMap((m) => m.histogram);
    expect(points.length).toBeGreaterThan(0);
    for (const p of points) {
      expect(p.count).toBeGreaterThan(0);
      expect(p.max).toBeGreaterThan(0);
      expect(p.max).toBeLessThan(longestSpanS + 0.05);
    }
  });

  it('prints one start-up line: version, service, endpoints, instrumentations', async () => {
    const service = uniqueName('startup');
    const { app } = await run(otelEnv(receiver.url, service));
    const lines = app.stderr.filter((l) => l.startsWith('shop-otel:'));
    expect(lines, lines.join('\n')).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^shop-otel: \\d+\\.\\d+\\.\\d+ started for service ${service}; traces: otlp http/protobuf ${receiver.url}/v1/traces;.*instrumentations: http, undici, express, pg, amqplib, winston, runtime-node$`));
  });

  it('works as --require too (CommonJS preload)', async () => {
    const service = uniqueName('require');
    const { exit } = await run(otelEnv(receiver.url, service), 'require');
    expect(exit.code).toBe(0);
    expect(receiver.spans.filter((s) => s.resource['service.name'] === service && s.kind === 2)).toHaveLength(1);
    expect(receiver.logs.filter((l) => l.resource['service.name'] === service)).toHaveLength(3);
  });

  it('OTEL_SDK_DISABLED=true: the app runs as if shop-otel were absent', async () => {
    const service = uniqueName('disabled');
    const { app, exit } = await run({ ...otelEnv(receiver.url, service), OTEL_SDK_DISABLED: 'true' });
    expect(exit.code).toBe(0);
    expect(app.stdout).toContain('ready');
    expect(app.stderr.join('\n')).toContain('disabled by OTEL_SDK_DISABLED');
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.spans.some((s) => s.resource['service.name'] === service)).toBe(false);
    expect(receiver.logs.some((l) => l.resource['service.name'] === service)).toBe(false);
  });

  it('OTEL_TRACES_SAMPLER is honoured (the 3.x SDK reads no environment; shop-otel builds the sampler)', async () => {
    const service = uniqueName('sampler');
    const { exit } = await run({ ...otelEnv(receiver.url, service), OTEL_TRACES_SAMPLER: 'always_off' });
    expect(exit.code).toBe(0);
    expect(receiver.logs.filter((l) => l.resource['service.name'] === service)).toHaveLength(3);
    expect(receiver.spans.some((s) => s.resource['service.name'] === service)).toBe(false);
  });

  it('bad configuration: a clear line per variable, defaults used, the app unharmed', async () => {
    const service = uniqueName('badconfig');
    const { app, exit } = await run({ ...otelEnv(receiver.url, service), OTEL_EXPORTER_OTLP_PROTOCOL: 'smoke-signals', SHOP_OTEL_SHUTDOWN_TIMEOUT_MS: 'soon', OTEL_TRACES_SAMPLER: 'sometimes' });
    expect(exit.code).toBe(0);
    const err = app.stderr.join('\n');
    expect(err).toContain('OTEL_EXPORTER_OTLP_PROTOCOL="smoke-signals"');
    expect(err).toContain('SHOP_OTEL_SHUTDOWN_TIMEOUT_MS="soon"');
    expect(err).toContain('OTEL_TRACES_SAMPLER="sometimes" is not one of');
    expect(receiver.spans.some((s) => s.resource['service.name'] === service)).toBe(true);
  });
});
