import { DiagLogLevel } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../src/config';

describe('configuration: resolved once, bad values get one warning and the default', () => {
  let stderr: string[];
  beforeEach(() => {
    stderr = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it('defaults: everything on, http/protobuf to localhost:4318, 3 s shutdown bound', () => {
    const c = resolveConfig({}, {});
    expect(c.disabled).toBe(false);
    expect(c.serviceName).toBe('unknown_service:node');
    expect(c.instrumentations).toEqual(['http', 'undici', 'express', 'pg', 'amqplib', 'winston', 'runtime-node']);
    expect(c.traces).toMatchObject({ exporters: ['otlp'], protocol: 'http/protobuf', endpoint: 'http://localhost:4318/v1/traces' });
    // The 3.x SDK reads no environment itself: the spec's defaults are ours to apply.
    expect(c.traces.sampler).toEqual({ name: 'parentbased_always_on', ratio: 1 });
    expect(c.traces.batch).toEqual({ maxQueueSize: 2048, maxExportBatchSize: 128, scheduledDelayMillis: 5000, exportTimeoutMillis: 30_000 });
    expect(c.logs.batch).toEqual({ maxQueueSize: 2048, maxExportBatchSize: 128, scheduledDelayMillis: 1000, exportTimeoutMillis: 30_000 });
    expect(c.logs.batch.scheduledDelayMillis).toBe(1000);
    // Values are never unbounded by default (redaction and export stay bounded): 8192 characters.
    expect(c.traces.limits.attributeValueLengthLimit).toBe(8192);
    expect(c.logs.limits.attributeValueLengthLimit).toBe(8192);
    expect(c.businessIds.trustedPeers).toEqual(['amqp']);
    expect(c.policy.debug.signal).toBeUndefined();
    expect(c.logs.endpoint).toBe('http://localhost:4318/v1/logs');
    expect(c.metrics.intervalMs).toBe(60_000);
    expect(c.shutdownTimeoutMs).toBe(3000);
    expect(c.logLevel).toBe(DiagLogLevel.INFO);
    expect(c.sdkLogLevel).toBe(DiagLogLevel.WARN);
    expect(c.redaction.enabled).toBe(true);
    expect(c.businessIds.orderFields).toEqual(['orderId', 'order_id']);
    expect(stderr).toEqual([]);
  });

  it('honours the standard OpenTelemetry environment', () => {
    const c = resolveConfig({}, {
      OTEL_SERVICE_NAME: 'shop-api',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/protobuf',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'otlp,console',
      OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,@opentelemetry/instrumentation-pg,winston',
      OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'winston',
      OTEL_LOG_LEVEL: 'debug',
      OTEL_BLRP_SCHEDULE_DELAY: '250',
    });
    expect(c.serviceName).toBe('shop-api');
    expect(c.traces.endpoint).toBe('http://traces:4318/custom');
    expect(c.traces.protocol).toBe('http/json');
    expect(c.logs.protocol).toBe('http/protobuf');
    expect(c.logs.endpoint).toBe('http://collector:4318/v1/logs');
    expect(c.logs.exporters).toEqual(['otlp', 'console']);
    expect(c.logs.batch.scheduledDelayMillis).toBe(250);
    expect(c.metrics.exporters).toEqual([]);
    expect(c.instrumentations).toEqual(['http', 'pg']);
    expect(c.logLevel).toBe(DiagLogLevel.DEBUG);
  });

  it('SHOP_OTEL_ESM_HOOK: auto by default, its values in any case', () => {
    expect(resolveConfig({}, {}).esmHook).toBe('auto');
    expect(resolveConfig({}, { SHOP_OTEL_ESM_HOOK: ' ON ' }).esmHook).toBe('on');
    expect(resolveConfig({}, { SHOP_OTEL_ESM_HOOK: 'async' }).esmHook).toBe('async');
    expect(resolveConfig({}, { SHOP_OTEL_ESM_HOOK: 'Off' }).esmHook).toBe('off');
    expect(stderr).toEqual([]);
  });

  it('service.name from OTEL_RESOURCE_ATTRIBUTES when OTEL_SERVICE_NAME is unset', () => {
    expect(resolveConfig({}, { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=mes-api' }).serviceName).toBe('mes-api');
  });

  it('invalid values: one diagnostic naming the variable, then the default; never a throw', () => {
    const c = resolveConfig({}, {
      OTEL_SDK_DISABLED: 'maybe',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon',
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_LOG_LEVEL: 'loud',
      SHOP_OTEL_SHUTDOWN_TIMEOUT_MS: '-5',
      SHOP_OTEL_ID_MAX_LENGTH: 'abc',
      OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,mongodb',
      SHOP_OTEL_REDACT_PATTERNS: '([unclosed',
      OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '5000',
      SHOP_OTEL_ESM_HOOK: 'iitm',
    });
    expect(c.disabled).toBe(false);
    expect(c.traces.protocol).toBe('http/protobuf');
    expect(c.traces.exporters).toEqual(['otlp']);
    expect(c.logLevel).toBe(DiagLogLevel.INFO);
    expect(c.shutdownTimeoutMs).toBe(3000);
    expect(c.businessIds.maxLength).toBe(64);
    expect(c.instrumentations).toEqual(['http']);
    expect(c.redaction.extraPatterns).toEqual([]);
    expect(c.logs.batch.maxExportBatchSize).toBe(2048);
    expect(c.esmHook).toBe('auto');
    const text = stderr.join('');
    for (const key of ['OTEL_SDK_DISABLED', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_TRACES_EXPORTER', 'OTEL_LOG_LEVEL', 'SHOP_OTEL_SHUTDOWN_TIMEOUT_MS', 'SHOP_OTEL_ID_MAX_LENGTH', 'OTEL_NODE_ENABLED_INSTRUMENTATIONS', 'SHOP_OTEL_REDACT_PATTERNS', 'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE', 'SHOP_OTEL_ESM_HOOK']) {
      expect(text, key).toContain(key);
    }
    // Protocol and traces-exporter lines appear once per signal at most, never repeated per call.
    expect(stderr.every((l) => l.startsWith('shop-otel: warn: '))).toBe(true);
  });

  it('attribute values are capped: 8192 characters unless OTEL_*_ATTRIBUTE_VALUE_LENGTH_LIMIT says otherwise', () => {
    const general = resolveConfig({}, { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '50' });
    expect(general.traces.limits.attributeValueLengthLimit).toBe(50);
    expect(general.logs.limits.attributeValueLengthLimit).toBe(50);
    const specific = resolveConfig({}, { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '50', OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT: '100', OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '200' });
    expect(specific.traces.limits.attributeValueLengthLimit).toBe(200);
    expect(specific.logs.limits.attributeValueLengthLimit).toBe(100);
    const bad = resolveConfig({}, { OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT: 'lots' });
    expect(bad.logs.limits.attributeValueLengthLimit).toBe(8192);
    expect(stderr.join('')).toContain('OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT');
  });

  it('a stray % in OTEL_RESOURCE_ATTRIBUTES drops that pair, with a warning, and keeps the rest', () => {
    const c = resolveConfig({}, { OTEL_RESOURCE_ATTRIBUTES: 'service.name=mes%-api,team=print%20floor,deployment.environment=prod,broken' });
    expect(c.serviceName).toBe('unknown_service:node');
    expect(c.resourceAttributes).toEqual({ team: 'print floor', 'deployment.environment': 'prod' });
    expect(stderr.filter((l) => l.includes('OTEL_RESOURCE_ATTRIBUTES'))).toHaveLength(2);
  });

  it('trusted peers and baggage hosts: valid entries kept, bad ones named and dropped', () => {
    const c = resolveConfig({}, { SHOP_OTEL_TRUSTED_PEERS: 'amqp, loopback,10.0.0.0/8,::1,not a peer,300.1.1.1', SHOP_OTEL_BAGGAGE_HOSTS: 'api.partner.example,.partner.example,*,-bad-' });
    expect(c.businessIds.trustedPeers).toEqual(['amqp', 'loopback', '10.0.0.0/8', '::1']);
    expect(c.businessIds.baggageHosts).toEqual(['api.partner.example', '.partner.example', '*']);
    const text = stderr.join('');
    expect(text).toContain('"not a peer"');
    expect(text).toContain('"300.1.1.1"');
    expect(text).toContain('"-bad-"');
  });

  it('grpc is explained, not silently mis-sent', () => {
    const c = resolveConfig({}, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    expect(c.traces.protocol).toBe('http/protobuf');
    expect(stderr.join('')).toMatch(/grpc.*not bundled/);
  });

  it('code options win over the environment', () => {
    const c = resolveConfig({ serviceName: 'from-code', shutdownTimeoutMs: 500, businessIds: { maxLength: 20 } }, { OTEL_SERVICE_NAME: 'from-env', SHOP_OTEL_ID_MAX_LENGTH: '40' });
    expect(c.serviceName).toBe('from-code');
    expect(c.shutdownTimeoutMs).toBe(500);
    expect(c.businessIds.maxLength).toBe(20);
    expect(c.businessIds.orderFields).toEqual(['orderId', 'order_id']);
  });

  it('extra business-ID field names are added to the defaults', () => {
    const c = resolveConfig({}, { SHOP_OTEL_ORDER_ID_FIELDS: 'orderNumber, order_no', SHOP_OTEL_CUSTOMER_ID_FIELDS: 'clientId' });
    expect(c.businessIds.orderFields).toEqual(['orderId', 'order_id', 'orderNumber', 'order_no']);
    expect(c.businessIds.customerFields).toEqual(['customerId', 'customer_id', 'clientId']);
  });

  it('sampler, batch sizes and limits from OTEL_* (the SDK no longer reads them)', () => {
    const c = resolveConfig({}, {
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '500',
      OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '1000', OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '300', OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT: '7',
    });
    expect(c.traces.sampler).toEqual({ name: 'parentbased_traceidratio', ratio: 0.25 });
    expect(c.traces.batch).toMatchObject({ scheduledDelayMillis: 200, maxQueueSize: 100, maxExportBatchSize: 100 });
    expect(c.traces.limits.attributeValueLengthLimit).toBe(300);
    expect(c.logs.limits).toEqual({ attributeValueLengthLimit: 1000, attributeCountLimit: 7 });
    expect(stderr.join('\n')).toContain('OTEL_BSP_MAX_EXPORT_BATCH_SIZE (500) exceeds OTEL_BSP_MAX_QUEUE_SIZE (100)');
  });

  it('bad sampler settings: one line each, the default sampler', () => {
    const c = resolveConfig({}, { OTEL_TRACES_SAMPLER: 'sometimes', OTEL_ATTRIBUTE_COUNT_LIMIT: '-3' });
    expect(c.traces.sampler).toEqual({ name: 'parentbased_always_on', ratio: 1 });
    expect(c.traces.limits.attributeCountLimit).toBeUndefined();
    const r = resolveConfig({}, { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '7' });
    expect(r.traces.sampler).toEqual({ name: 'traceidratio', ratio: 1 });
    const err = stderr.join('\n');
    expect(err).toContain('OTEL_TRACES_SAMPLER="sometimes"');
    expect(err).toContain('OTEL_ATTRIBUTE_COUNT_LIMIT="-3"');
    expect(err).toContain('OTEL_TRACES_SAMPLER_ARG="7"');
  });
});
