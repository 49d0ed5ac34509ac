import { createNoopMeter, type Meter, type MeterOptions, type MeterProvider } from '@opentelemetry/api';

/**
 * The instrumentations' own duration histograms — http.server.request.duration,
 * http.client.request.duration (http, undici), db.client.operation.duration (pg) — repeat what
 * the collector's span metrics compute from the spans (`traces_span_metrics_*`: calls, errors and
 * a duration histogram by service, span name, kind, status, method, route, status code and
 * component), which is what the alert rules and dashboards use. Recording them costs the app an
 * attribute set, a hash and a bucket search per request and per query, and their export. So by
 * default the instrumentations get a meter whose histograms of these names record nothing; their
 * other instruments (the pg pool's connection counts, …) are the real ones.
 * SHOP_OTEL_SDK_DURATION_METRICS=true keeps them. Measured: bench/RESULTS.md, "SDK-side
 * duration histograms".
 */
export const DURATION_HISTOGRAMS: ReadonlySet<string> = new Set(['http.server.request.duration', 'http.client.request.duration', 'db.client.operation.duration']);

const NOOP_METER = createNoopMeter();

export class WithoutDurationHistograms implements MeterProvider {
  constructor(private readonly inner: MeterProvider) {}

  getMeter(name: string, version?: string, options?: MeterOptions): Meter {
    const meter = this.inner.getMeter(name, version, options);
    return new Proxy(meter, {
      get(target, prop, receiver) {
        if (prop === 'createHistogram') {
          return (instrument: string, ...rest: unknown[]) =>
            DURATION_HISTOGRAMS.has(instrument) ? NOOP_METER.createHistogram(instrument) : (target.createHistogram as (...a: unknown[]) => unknown).call(target, instrument, ...rest);
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }
}
