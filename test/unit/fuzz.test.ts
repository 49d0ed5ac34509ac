import { propagation, ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BAGGAGE_CUSTOMER_ID, BAGGAGE_DEBUG, BAGGAGE_ORDER_ID, BAGGAGE_ORDER_SINCE } from '../../src/attributes';
import { BusinessIdPropagator, idsBaggageHeader } from '../../src/business-ids/propagator';
import { SafePropagator } from '../../src/business-ids/safe-propagator';
import { getScope } from '../../src/business-ids/scope';
import { BaggageDestinations, PeerTrust, validListEntry } from '../../src/business-ids/trust';
import { normalizeId } from '../../src/business-ids/validate';
import { INSTRUMENTATION_NAMES, PROTOCOLS, resolveConfig, SAMPLERS } from '../../src/config';
import { commonJsEntry } from '../../src/entry-kind';
import { checkDebugMarker, mintDebugMarker } from '../../src/policy/debug-control';
import { Redactor, REDACTED } from '../../src/privacy/redactor';
import { toPlainValue } from '../../src/privacy/safe-values';
import { captureStderr } from '../support/stderr';

/**
 * Properties of the pure modules that hostile input reaches, checked with fast-check on
 * generated input (fixed seed, so a failure reproduces; fast-check prints the shrunk input).
 * Through a real fixture app: test/fuzz.test.ts.
 */
const SEED = 20261201;
const ID_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

const stderr = captureStderr();

/** Every variable resolveConfig reads (and the per-signal forms). */
const ENV_KEYS = [
  'OTEL_SDK_DISABLED', 'OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES', 'OTEL_LOG_LEVEL', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_BLRP_EXPORT_TIMEOUT', 'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE', 'OTEL_BLRP_MAX_QUEUE_SIZE', 'OTEL_BLRP_SCHEDULE_DELAY', 'OTEL_METRIC_EXPORT_INTERVAL',
  'OTEL_BSP_EXPORT_TIMEOUT', 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 'OTEL_BSP_MAX_QUEUE_SIZE', 'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_ATTRIBUTE_COUNT_LIMIT', 'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT', 'OTEL_SPAN_EVENT_COUNT_LIMIT', 'OTEL_SPAN_LINK_COUNT_LIMIT',
  'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_NODE_DISABLED_INSTRUMENTATIONS', 'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
  ...['TRACES', 'METRICS', 'LOGS'].flatMap((s) => [`OTEL_${s}_EXPORTER`, `OTEL_EXPORTER_OTLP_${s}_ENDPOINT`, `OTEL_EXPORTER_OTLP_${s}_PROTOCOL`]),
  'SHOP_OTEL_BAGGAGE_HOSTS', 'SHOP_OTEL_COMPONENT', 'SHOP_OTEL_CUSTOMER_ID_FIELDS', 'SHOP_OTEL_CUSTOMER_RATE_LIMIT', 'SHOP_OTEL_CUSTOMER_RATE_WINDOW_S',
  'SHOP_OTEL_DB_COMPONENTS', 'SHOP_OTEL_DEBUG_SECRET', 'SHOP_OTEL_DEBUG_SIGNAL', 'SHOP_OTEL_DEBUG_TIMEOUT_S', 'SHOP_OTEL_ID_MAX_LENGTH',
  'SHOP_OTEL_INFO_EVENTS_PER_SECOND', 'SHOP_OTEL_LOG_LEVEL', 'SHOP_OTEL_MES_DELAY_MS', 'SHOP_OTEL_ORDER_ID_FIELDS', 'SHOP_OTEL_PG_SQLCOMMENTER',
  'SHOP_OTEL_REDACT', 'SHOP_OTEL_REDACT_PATTERNS', 'SHOP_OTEL_SHUTDOWN_TIMEOUT_MS', 'SHOP_OTEL_SLOW_QUERY_MS', 'SHOP_OTEL_SLOW_RESPONSE_MS', 'SHOP_OTEL_TRUSTED_PEERS',
];
/** Variables whose value is a number: a value that is not one must be named in a diagnostic. */
const NUMERIC = ENV_KEYS.filter((k) => /LIMIT|TIMEOUT|SIZE|DELAY|INTERVAL|_MS$|_S$|RATE_LIMIT|PER_SECOND|MAX_LENGTH/.test(k) && k !== 'OTEL_TRACES_SAMPLER_ARG');

const envValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', ' ', '-1', '0', '1', '1e309', 'NaN', 'true', 'false', 'none', '%', '%zz', '=,=', ',', 'http://[::1', 'grpc', 'console,otlp,zipkin', 'SIGKILL', 'all', '*', '10.0.0.0/8', '::ffff:127.0.0.1', '(a+)+$', '[', 'service.name=%E0%A4%A'),
  fc.integer({ min: -1e9, max: 1e12 }).map(String),
);

describe('configuration: any OTEL_* and SHOP_OTEL_* values', () => {
  it('resolution never throws and always yields a valid typed config', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...ENV_KEYS), envValue, { maxKeys: 20 }), (env) => {
        const c = resolveConfig({}, env);
        expect(typeof c.disabled).toBe('boolean');
        expect(typeof c.serviceName).toBe('string');
        expect(c.serviceName.length).toBeGreaterThan(0);
        for (const s of [c.traces, c.metrics, c.logs]) {
          expect(PROTOCOLS).toContain(s.protocol);
          for (const e of s.exporters) expect(['otlp', 'console']).toContain(e);
        }
        expect(SAMPLERS).toContain(c.traces.sampler.name);
        expect(c.traces.sampler.ratio).toBeGreaterThanOrEqual(0);
        expect(c.traces.sampler.ratio).toBeLessThanOrEqual(1);
        for (const n of [c.traces.limits.attributeValueLengthLimit, c.logs.limits.attributeValueLengthLimit, c.traces.batch.maxQueueSize, c.shutdownTimeoutMs, c.metrics.intervalMs, c.businessIds.maxLength, c.logs.batch.maxQueueSize, c.policy.slowResponseMs, c.policy.debug.timeoutS]) {
          expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
        }
        expect(c.logs.batch.maxExportBatchSize).toBeLessThanOrEqual(c.logs.batch.maxQueueSize);
        expect(c.traces.batch.maxExportBatchSize).toBeLessThanOrEqual(c.traces.batch.maxQueueSize);
        for (const l of [c.traces.limits.attributeCountLimit, c.logs.limits.attributeCountLimit]) expect(l === undefined || (Number.isSafeInteger(l) && l >= 0)).toBe(true);
        for (const i of c.instrumentations) expect(INSTRUMENTATION_NAMES).toContain(i);
        for (const e of [...c.businessIds.trustedPeers, ...c.businessIds.baggageHosts]) expect(validListEntry(e, true)).toBe(true);
        for (const [k, v] of Object.entries(c.resourceAttributes)) expect(typeof k === 'string' && typeof v === 'string').toBe(true);
        expect(c.policy.debug.secret === undefined || c.policy.debug.secret.length >= 16).toBe(true);
        expect(c.policy.debug.signal === undefined || /^SIG(USR1|USR2|HUP|WINCH|PWR)$/.test(c.policy.debug.signal)).toBe(true);
        for (const re of c.redaction.extraPatterns) expect(re).toBeInstanceOf(RegExp);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  // Variables that take any text (a name, field names, a pattern) or whose value the OTLP exporter
  // validates itself (the endpoints): no diagnostic of ours is due for them.
  const FREE_TEXT = new Set(['OTEL_SERVICE_NAME', 'SHOP_OTEL_ORDER_ID_FIELDS', 'SHOP_OTEL_CUSTOMER_ID_FIELDS', 'SHOP_OTEL_REDACT_PATTERNS', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT']);
  it('any other variable with a value it cannot take is named in a diagnostic, and the default used', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ENV_KEYS.filter((k) => !FREE_TEXT.has(k))), fc.stringMatching(/^[a-z]{0,4}![a-z]{0,4}$/), (key, bad) => {
        stderr.length = 0;
        const env: Record<string, string> = { [key]: bad };
        if (key === 'OTEL_TRACES_SAMPLER_ARG') env.OTEL_TRACES_SAMPLER = 'traceidratio';
        resolveConfig({}, env);
        expect(stderr.join(''), `${key}=${bad}`).toContain(key);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('a value that is not a number, where a number is wanted, is named in one diagnostic', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NUMERIC), fc.stringMatching(/^[a-z!?#]{1,8}$/), (key, bad) => {
        stderr.length = 0;
        resolveConfig({}, { [key]: bad });
        expect(stderr.join('')).toContain(key);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('business IDs: any value, any header', () => {
  it('normalizeId accepts only the ID shape, within the length', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.integer(), fc.double(), fc.anything(), fc.uint8Array({ maxLength: 80 })), fc.integer({ min: 1, max: 256 }), (v, max) => {
        const id = normalizeId(v, max, 'fuzz');
        if (id !== undefined) {
          expect(id).toMatch(ID_SHAPE);
          expect(id.length).toBeLessThanOrEqual(max);
        }
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  const propagator = new SafePropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new BusinessIdPropagator({ orderFields: ['orderId'], customerFields: ['customerId'], maxLength: 64 })] }));
  const headerValue = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 50 }), fc.array(fc.string(), { maxLength: 3 }), fc.integer(), fc.constant(undefined));
  const traceparent = fc.oneof(headerValue, fc.tuple(fc.stringMatching(/^[0-9a-f]{2}$/), fc.stringMatching(/^[0-9a-f]{32}$/), fc.stringMatching(/^[0-9a-f]{16}$/), fc.stringMatching(/^[0-9a-f]{2}$/)).map((p) => p.join('-')));
  const baggage = fc.oneof(headerValue, fc.array(fc.tuple(fc.constantFrom('shop.order.id', 'shop.customer.id', 'shop.order.since', 'shop.debug', 'team', 'x'), fc.string({ maxLength: 80 })), { maxLength: 8 }).map((kv) => kv.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join(',')));

  it('extract never throws; the scope holds only valid IDs; inject writes only valid IDs and only to internal hosts', () => {
    fc.assert(
      fc.property(
        fc.record({ traceparent, tracestate: headerValue, baggage, 'x-order-id': headerValue, 'x-customer-id': headerValue, 'x-shop-debug': headerValue }, { requiredKeys: [] }),
        fc.boolean(),
        fc.constantFrom('127.0.0.1', 'crm-api', 'api.partner.example', '10.1.2.3', '8.8.8.8', 'mes.svc.cluster.local'),
        (carrier, trusted, host) => {
          const ctx = propagator.extract(ROOT_CONTEXT, carrier, { get: (c, k) => (c as Record<string, unknown>)[k] as string | string[] | undefined, keys: (c) => Object.keys(c as object) });
          const scope = getScope(ctx);
          expect(scope).toBeDefined();
          scope!.trust(trusted);
          for (const id of [scope!.orderId, scope!.customerId]) if (id !== undefined) expect(id).toMatch(ID_SHAPE);
          if (!trusted) {
            expect(scope!.orderId).toBeUndefined();
            expect(scope!.customerId).toBeUndefined();
          }
          const out: Record<string, string> = {};
          const span = { spanContext: () => trace.getSpanContext(ctx) ?? { traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 }, attributes: { 'server.address': host } } as unknown as Span;
          propagator.inject(trace.setSpan(ctx, span), out, { set: (c, k, v) => ((c as Record<string, string>)[k] = v) });
          if (out.baggage !== undefined) {
            expect(['127.0.0.1', 'crm-api', '10.1.2.3', 'mes.svc.cluster.local']).toContain(host);
            const bag = propagation.getBaggage(propagation.extract(ROOT_CONTEXT, { baggage: out.baggage }));
            for (const k of ['shop.order.id', 'shop.customer.id']) {
              const v = bag?.getEntry(k)?.value;
              if (v !== undefined) expect(v).toMatch(ID_SHAPE);
            }
            if (!trusted) expect(out.baggage).not.toMatch(/(^|,)team=/);
          }
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('the business IDs\' baggage header, written directly, is the one W3CBaggagePropagator writes for the same entries', () => {
    const w3c = new W3CBaggagePropagator();
    // Short and long values (past the 4096-character pair limit; together past the 8192 header limit), ASCII and not.
    const value = fc.option(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ minLength: 2000, maxLength: 5000 })), { nil: undefined });
    fc.assert(
      fc.property(value, fc.option(fc.integer({ min: 1 }), { nil: undefined }), value, value, (orderId, since, customerId, debug) => {
        let bag = propagation.createBaggage();
        if (orderId !== undefined) bag = bag.setEntry(BAGGAGE_ORDER_ID, { value: orderId });
        if (orderId !== undefined && since !== undefined) bag = bag.setEntry(BAGGAGE_ORDER_SINCE, { value: String(since) });
        if (customerId !== undefined) bag = bag.setEntry(BAGGAGE_CUSTOMER_ID, { value: customerId });
        if (debug !== undefined) bag = bag.setEntry(BAGGAGE_DEBUG, { value: debug });
        const carrier: Record<string, string> = {};
        w3c.inject(propagation.setBaggage(ROOT_CONTEXT, bag), carrier, { set: (c, k, v) => ((c as Record<string, string>)[k] = v) });
        expect(idsBaggageHeader(orderId, orderId !== undefined ? since : undefined, customerId, debug)).toBe(carrier.baggage ?? '');
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('trust lists: any entry is judged without throwing', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.ipV4(), fc.ipV6(), fc.domain(), fc.constantFrom('loopback', 'private', 'amqp', 'all', '*', '10.0.0.0/8', '::1/128', '.example.com')), { maxLength: 6 }), fc.oneof(fc.string(), fc.ipV4(), fc.ipV6(), fc.domain()), (entries, probe) => {
        const valid = entries.filter((e) => validListEntry(e, true));
        expect(typeof new PeerTrust(valid).httpPeer(probe)).toBe('boolean');
        expect(typeof new BaggageDestinations(valid).allowed(probe)).toBe('boolean');
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('debug markers: a marker is honoured only for its own trace, never for a forged or altered one', () => {
    const secret = 'a-shared-secret-of-32-characters!';
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{32}$/), fc.stringMatching(/^[0-9a-f]{32}$/), fc.string({ maxLength: 120 }), (traceId, other, junk) => {
        const { marker } = mintDebugMarker(secret, 60, { traceId });
        expect(checkDebugMarker(secret, marker, traceId).ok).toBe(true);
        if (other !== traceId) expect(checkDebugMarker(secret, marker, other)).toEqual({ ok: false, reason: 'wrong-trace' });
        expect(checkDebugMarker(secret, marker.replace(traceId, other), other).ok).toBe(other === traceId);
        expect(checkDebugMarker(secret, junk, traceId).ok).toBe(false);
      }),
      { seed: SEED, numRuns: 300 },
    );
    // At most an hour, whatever is asked.
    const long = mintDebugMarker(secret, 7 * 24 * 3600, { traceId: 'a'.repeat(32) }).marker;
    expect(Number(long.split('.')[1]) - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(3600);
  });
});

describe('redaction: any text, any value', () => {
  const r = new Redactor(true);
  const localPart = fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,20}[a-z0-9]$/);
  const email = fc.tuple(localPart, fc.domain()).map(([l, d]) => `${l}@${d}`).filter((e) => /\.[a-z]{2,}$/.test(e));
  const text = fc.string({ maxLength: 200 }).map((s) => s.replace(/[A-Za-z0-9._%+-]$/, ' '));
  const textStart = fc.string({ maxLength: 200 }).map((s) => s.replace(/[A-Za-z0-9._%+@-]$/, ' '));

  it('never throws, stays within its limit plus what masking adds, and costs little per record', () => {
    let worst = 0;
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 9000 }), (s) => {
        const t = performance.now();
        const out = r.redactString(s);
        worst = Math.max(worst, performance.now() - t);
        expect(out.length).toBeLessThanOrEqual(8192 * 2);
      }),
      { seed: SEED, numRuns: 300 },
    );
    expect(worst).toBeLessThan(250); // an 8 KB value; measured: well under 5 ms
  });

  it('an e-mail address anywhere in text is masked', () => {
    fc.assert(
      fc.property(textStart, email, text, (before, e, after) => {
        const s = `${before.replace(/[A-Za-z0-9._%+-]+$/, '')} ${e} ${after}`;
        expect(r.redactString(s)).not.toContain(e);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('Russian mobile numbers in any of their spellings are masked', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^9\d{2}$/), fc.stringMatching(/^\d{3}$/), fc.stringMatching(/^\d{2}$/), fc.stringMatching(/^\d{2}$/), fc.integer({ min: 0, max: 5 }), (a, b, c, d, form) => {
        const phone = [`8 (${a}) ${b}-${c}-${d}`, `+7 ${a} ${b} ${c} ${d}`, `8${a}${b}${c}${d}`, `+7${a}${b}${c}${d}`, `8-${a}-${b}-${c}-${d}`, `+7 (${a}) ${b}-${c}-${d}`][form];
        expect(r.redactString(`звонить ${phone}, спасибо`)).toBe(`звонить ${REDACTED}, спасибо`);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('any value, including BigInt, cycles, getters, and deep nesting, is walked without throwing', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }), (v) => {
        const holder: Record<string, unknown> = { v, self: undefined };
        holder.self = holder;
        expect(() => r.redactValue('meta', holder)).not.toThrow();
        const plain = toPlainValue(holder);
        expect(() => JSON.stringify(plain)).not.toThrow();
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('the app entry: any path', () => {
  it('commonJsEntry never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constant(undefined), fc.constantFrom('.', '..', '/', '/nonexistent/a.js', 'node_modules')), fc.array(fc.string(), { maxLength: 3 }), (entry, argv) => {
        expect(typeof commonJsEntry(entry, argv)).toBe('boolean');
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

