import { context, logs, propagation, trace, metrics, type TextMapPropagator } from '@opentelemetry/api';
import { logs as legacyLogs } from '@opentelemetry/api-logs';
import { CompositePropagator, setGlobalErrorHandler, W3CTraceContextPropagator } from '@opentelemetry/core';
import { InstrumentationBase, registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { detectResources, hostDetector, processDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, ConsoleLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_COMPONENT } from './attributes';
import { BusinessIdLogProcessor } from './business-ids/log-processor';
import { BusinessIdPropagator } from './business-ids/propagator';
import { SafePropagator } from './business-ids/safe-propagator';
import { BusinessIdSpanProcessor } from './business-ids/span-processor';
import { resolveConfig, type ShopOtelConfig, type ShopOtelOptions, type SignalConfig } from './config';
import { installSdkDiag, setShopDiagLevel, shopDiag } from './diag';
import { createInstrumentations } from './instrumentations';
import { installRequireFilter, type RequireFn } from './instrumentations/require-filter';
import { installEsmImportRoute } from './instrumentations/esm-import-route';
import { esmLoaderMode } from './instrumentations/esm-loader-mode';
import { LazyLogExporter, LazyMetricExporter, LazySpanExporter } from './pipeline/lazy-exporters';
import { ExportGate } from './pipeline/export-gate';
import { WithoutDurationHistograms } from './pipeline/duration-metrics';
import { DirectLogProvider, sdkLoggerScope } from './pipeline/direct-logs';
import { ExportDrops, quietExportFailures } from './pipeline/export-drops';
import { ExitFlusher, type ExitPart } from './pipeline/exit-flush';
import { LedgerLogProcessor, LedgerSpanProcessor, PendingLedger } from './pipeline/pending-ledger';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { GatedMetricExporter, RedactingLogExporter, RedactingSpanExporter } from './pipeline/redacting-exporters';
import { installShutdownHooks, type Flushable } from './pipeline/shutdown';
import { Redactor } from './privacy/redactor';
import { SafeLoggerProvider } from './privacy/safe-values';
import { setActiveSettings } from './business-ids/api';
import { VERSION } from './version';
import { configureDebugControl, type DebugControl } from './policy/debug-control';
import { PolicyLogProcessor } from './policy/log-policy';
import { PolicySpanProcessor } from './policy/span-rules';
import { RecordEverythingSampler } from './policy/sampling';
import { ShopTracerProvider } from './trace/tracer';
import { SafeMeterProvider } from './pipeline/safe-meters';
import { SafeContextManager } from './safe-context-manager';
import { HexIdGenerator } from './trace/ids';

export interface ShopOtel {
  readonly config: ShopOtelConfig;
  /**
   * Flush what is pending; resolves when the collector has taken it or when the shutdown bound
   * (SHOP_OTEL_SHUTDOWN_TIMEOUT_MS) has passed, whichever is first (never rejects); keeps the
   * process alive meanwhile.
   */
  forceFlush(): Promise<void>;
  /** Flush and stop, within the shutdown bound (what is still unsent then is counted as lost); safe to call more than once; never rejects. */
  shutdown(): Promise<void>;
  /** Give up on exports still pending (the collector did not answer within the bound); `final` also fails later ones. */
  abortPending(final?: boolean): void;
  /** Send what is still unacknowledged synchronously, returning by `deadline` (the exit paths that cannot wait). */
  flushSync(deadline: number): void;
  /** Telemetry dropped so far, by `signal/reason` (also the metric shop_otel.export.dropped). */
  dropped(): Record<string, number>;
  /** Spans and log records handed to export and not yet acknowledged (bounded by the queue sizes). */
  pending(): { traces: number; logs: number };
  /** The modules the enabled instrumentations patch (the ESM import hook is limited to these). */
  readonly hookedModules: readonly string[];
}

const STARTED = Symbol.for('shop-otel.started');
type Global = typeof globalThis & { [STARTED]?: ShopOtel | null };

/**
 * Start shop-otel: resolve the configuration once, build the trace, metric and log pipelines,
 * enable the instrumentations, install the exit hooks. Idempotent (the register module may be
 * both --import'ed and --require'd). Never throws: on any failure the app runs without telemetry
 * and one diagnostic line says why.
 */
export function start(options?: ShopOtelOptions): ShopOtel | undefined {
  const g = globalThis as Global;
  if (g[STARTED] !== undefined) return g[STARTED] ?? undefined;
  g[STARTED] = null;
  try {
    const config = resolveConfig(options);
    setShopDiagLevel(config.logLevel);
    installSdkDiag(config.sdkLogLevel);
    if (config.disabled) {
      shopDiag.info(`${VERSION} disabled by OTEL_SDK_DISABLED; the app runs without telemetry.`);
      return undefined;
    }
    const sdk = build(config);
    g[STARTED] = sdk;
    shopDiag.info(startupLine(config));
    return sdk;
  } catch (e) {
    shopDiag.error('failed to start; the app runs without telemetry:', e);
    return undefined;
  }
}

function build(config: ShopOtelConfig): ShopOtel {
  // Redaction is bounded by the same value limits the SDK applies (0: unlimited), log bodies by four times the log limit.
  const cap = (n: number | undefined) => (n === undefined || n <= 0 ? Number.MAX_SAFE_INTEGER : n);
  const redactor = new Redactor(config.redaction.enabled, config.redaction.extraPatterns, {
    maxValueLength: Math.max(cap(config.traces.limits.attributeValueLengthLimit), cap(config.logs.limits.attributeValueLengthLimit)),
    maxBodyLength: Math.min(Number.MAX_SAFE_INTEGER, cap(config.logs.limits.attributeValueLengthLimit) * 4),
  });
  const resource = buildResource(config, redactor);
  const gate = new ExportGate();
  const exit: Exit = { drops: new ExportDrops(), spans: [], logs: [], exporters: [] };
  setGlobalErrorHandler(quietExportFailures());
  setActiveSettings(config.businessIds);

  // AsyncLocalStorage: on Node 24 it runs on AsyncContextFrame (no async_hooks, no per-promise
  // hook), which is why we keep it rather than write a manager of our own. bench/micro/context.mjs
  // (a request-shaped unit: with(), three awaits, a promise chain; 3 runs each, 2-core VM, ns per
  // unit over a process with no context manager): Node 24 +0.6 to +1.0 µs; Node 24 with
  // --no-async-context-frame +3.9 to +7.0 µs; Node 22 +3.0 to +5.9 µs, +1.6 to +2.0 µs with
  // --experimental-async-context-frame (docs: README, "Node 22").
  context.setGlobalContextManager(new SafeContextManager().enable());
  const propagator: TextMapPropagator = new SafePropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new BusinessIdPropagator(config.businessIds, config.businessIds.baggageHosts)] }),
  );
  propagation.setGlobalPropagator(propagator);

  const debug = configureDebugControl(config.policy.debug);
  const removeDebugSignal = debug.installSignal();

  // The SDK's provider and processors; its spans are ours (trace/span.ts: the same spans, less work per span).
  const spanProcessors = [new PolicySpanProcessor(config.component, config.policy), spanProcessor(config, redactor, gate, exit)];
  const tracerProvider = new ShopTracerProvider({
    resource,
    // The policy sees every span, sampled or not; only sampled ones are exported (policy/sampling.ts).
    sampler: new RecordEverythingSampler(buildSampler(config.traces.sampler)),
    idGenerator: new HexIdGenerator(),
    spanLimits: config.traces.limits,
    spanProcessors,
  });
  trace.setGlobalTracerProvider(tracerProvider);

  const logRecordProcessors = [new BusinessIdLogProcessor(config.component, config.businessIds), new PolicyLogProcessor(logProcessors(config, redactor, gate, exit), config.policy.minLevel, () => debug)];
  const loggerProvider = new LoggerProvider({ resource, logRecordLimits: config.logs.limits, processors: logRecordProcessors });
  // The winston transport's all-primitive records skip the SDK's LogRecordImpl, into the same processors (pipeline/direct-logs.ts).
  const directLogs = new DirectLogProvider(loggerProvider, resource, logRecordProcessors, config.logs.limits, sdkLoggerScope);
  // The app and the instrumentations emit through a wrapper that makes any value a valid one (privacy/safe-values.ts).
  const safeLoggerProvider = new SafeLoggerProvider(loggerProvider);
  logs.setGlobalLoggerProvider(safeLoggerProvider);
  // Code that still gets its logger from @opentelemetry/api-logs (whose global is its own, e.g.
  // @opentelemetry/winston-transport added by hand) finds the same provider there.
  legacyLogs.setGlobalLoggerProvider(safeLoggerProvider);

  const readers = metricReaders(config, gate, exit.drops);
  const meterProvider = new MeterProvider({ resource, readers });
  // The app's instruments never throw into it or break the metrics export (pipeline/safe-meters.ts); the instrumentations keep the SDK's.
  metrics.setGlobalMeterProvider(new SafeMeterProvider(meterProvider));
  countRejectedDebugMarkers(debug, meterProvider);
  countDrops(exit.drops, meterProvider);
  const exitFlusher = new ExitFlusher(exit.spans, exit.logs);

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const requireBefore = (require('node:module') as { prototype: { require: RequireFn } }).prototype.require;
  // Their ESM hooks are real only with a loader hook (scripts/bundle/lazy-iitm.mjs).
  esmLoaderMode.iitm = config.esmHook === 'on' || config.esmHook === 'async';
  // The winston transport emits all-primitive records straight into the SDK's processors, the rest through the safe provider.
  const instrumentations = createInstrumentations(config, { sdk: directLogs, safe: safeLoggerProvider });
  const disableInstrumentations = registerInstrumentations({
    instrumentations,
    tracerProvider,
    meterProvider: config.metrics.durations ? meterProvider : new WithoutDurationHistograms(meterProvider),
    loggerProvider: safeLoggerProvider,
  });

  const hooked = hookedModules(instrumentations);
  const removeRequireFilter = installRequireFilter(requireBefore, hooked);
  // ESM imports of CommonJS packages, to the require hook (no loader hook; esm-import-route.ts says why).
  const removeEsmRoute = config.esmHook === 'auto' ? installEsmImportRoute(hooked) : () => undefined;

  const providers = [tracerProvider, loggerProvider, meterProvider];
  let stopped: Promise<void> | undefined;
  // What the exit hooks drive (pipeline/shutdown.ts), unbounded: the hooks bound it.
  const pipeline: Flushable = {
    abortPending: (final = true) => (final ? gate.abortAll() : gate.abortPending()),
    flushSync: (deadline) => void exitFlusher.flushSync(deadline),
    // The processors and readers themselves, not the providers: each provider's forceFlush wraps
    // every processor or reader in a *referenced* timer of 30 s (the SDK's callWithTimeout), so a
    // flush waiting on a slow collector held the process open. At SIGTERM with the app's own
    // handler that flush is not meant to hold anything (shutdown.ts): the app's exit waited for
    // the whole bound, and the final shutdown then took a second one (SIGTERM to exit 2.0 s with
    // a bound of 1 s and a collector that never answers; test/resilience.test.ts). The bound is
    // the caller's (shutdown.ts), and the exporters' flush rides on unref'd sockets.
    forceFlush: async () => {
      await Promise.allSettled([...spanProcessors, ...logRecordProcessors, ...readers].map((p) => p.forceFlush()));
      await Promise.allSettled(exit.exporters.map((e) => e.forceFlush()));
    },
    shutdown: () =>
      (stopped ??= (async () => {
        hooks.remove();
        removeDebugSignal();
        directLogs.stop();
        await Promise.allSettled(providers.map((p) => p.forceFlush()));
        removeEsmRoute();
        removeRequireFilter();
        disableInstrumentations();
        await Promise.allSettled(providers.map((p) => p.shutdown()));
      })()),
  };
  const hooks = installShutdownHooks(pipeline, config.shutdownTimeoutMs);
  return {
    config,
    abortPending: pipeline.abortPending,
    flushSync: pipeline.flushSync,
    dropped: () => exit.drops.snapshot(),
    pending: () => ({ traces: exit.spans.reduce((n, p) => n + p.ledger.size, 0), logs: exit.logs.reduce((n, p) => n + p.ledger.size, 0) }),
    hookedModules: hooked,
    // The app's own calls, bounded as the exit hooks' are (SHOP_OTEL_SHUTDOWN_TIMEOUT_MS).
    forceFlush: hooks.flush,
    shutdown: hooks.shutdown,
  };
}

function hookedModules(instrumentations: Instrumentation[]): string[] {
  const names = new Set<string>();
  for (const i of instrumentations) if (i instanceof InstrumentationBase) for (const d of i.getModuleDefinitions()) names.add(d.name);
  return [...names];
}

/**
 * The resource: process and host, then OTEL_RESOURCE_ATTRIBUTES (parsed pair by pair in
 * config.ts, in place of the SDK's env detector, which drops the whole variable for one bad
 * pair), then ours. Redacted once, here: `process.command_args` carries whatever the app was
 * started with (`--db postgres://user:secret@…`), and resource attributes reach the wire with
 * every batch.
 */
function buildResource(config: ShopOtelConfig, redactor: Redactor): Resource {
  const ours: Record<string, string> = {
    ...config.resourceAttributes,
    'service.name': config.serviceName,
    'telemetry.distro.name': 'shop-otel',
    'telemetry.distro.version': VERSION,
  };
  if (config.component !== undefined) ours[ATTR_COMPONENT] = config.component;
  const detected = detectResources({ detectors: [processDetector, hostDetector] }).merge(resourceFromAttributes(ours));
  const redacted: Record<string, unknown> = {};
  for (const [key, value] of detected.getRawAttributes()) {
    redacted[key] = value instanceof Promise ? value.then((v) => redactor.redactValue(key, v)) : redactor.redactValue(key, value);
  }
  return resourceFromAttributes(redacted as Parameters<typeof resourceFromAttributes>[0]);
}

/** What the exit paths need (pipeline/exit-flush.ts): the ledgers of the OTLP pipelines, and the drop counts. */
interface Exit {
  drops: ExportDrops;
  spans: Array<ExitPart<ReadableSpan>>;
  logs: Array<ExitPart<ReadableLogRecord>>;
  /** The OTLP exporters: a flush waits for their sends (the span processor hands a batch over and does not wait). */
  exporters: Array<{ forceFlush(): Promise<void> }>;
}

function spanProcessor(config: ShopOtelConfig, redactor: Redactor, gate: ExportGate, exit: Exit): SpanProcessor {
  const out: SpanProcessor[] = [];
  for (const name of config.traces.exporters) {
    if (name === 'otlp') {
      const ledger = new PendingLedger<ReadableSpan>('traces', config.traces.batch.maxQueueSize, exit.drops);
      const exporter = new RedactingSpanExporter(new LazySpanExporter(config.traces.protocol, config.traces.batch), redactor, gate, ledger);
      exit.spans.push({ signal: 'TRACES', protocol: config.traces.protocol, ledger, redact: (s) => exporter.redact(s) });
      exit.exporters.push(exporter);
      out.push(new LedgerSpanProcessor(new BatchSpanProcessor({ exporter, ...config.traces.batch }), ledger));
    } else out.push(new SimpleSpanProcessor({ exporter: new RedactingSpanExporter(new ConsoleSpanExporter(), redactor, gate) }));
  }
  // IDs are stamped before any exporter sees a span: one wrapper hands each span to every exporter exactly once.
  return new BusinessIdSpanProcessor(out);
}

function countDrops(drops: ExportDrops, meterProvider: MeterProvider): void {
  const counter = meterProvider.getMeter('shop-otel', VERSION).createCounter('shop_otel.export.dropped', { description: 'Spans, log records and metrics that never reached the collector, by signal and reason (queue_full, export_failed, shutdown, unredactable, unencodable)' });
  drops.setSink((signal, reason, count) => counter.add(count, { signal, reason }));
}

/** OTEL_TRACES_SAMPLER, built here: the 3.x SDK no longer reads it (its default is parentbased_always_on, as ours). */
function buildSampler({ name, ratio }: ShopOtelConfig['traces']['sampler']): Sampler {
  const root = name.endsWith('always_off') ? new AlwaysOffSampler() : name.endsWith('traceidratio') ? new TraceIdRatioBasedSampler(ratio) : new AlwaysOnSampler();
  return name.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
}

/** A forged or expired per-request debug marker is counted here (a metric); PolicySpanProcessor reports it on the request's trace. */
function countRejectedDebugMarkers(debug: DebugControl, meterProvider: MeterProvider): void {
  const counter = meterProvider.getMeter('shop-otel', VERSION).createCounter('shop_otel.debug.marker.rejected', { description: 'Per-request DEBUG markers ignored: forged, expired or unverifiable' });
  debug.setRejectionHandler((reason) => counter.add(1, { reason }));
}

function logProcessors(config: ShopOtelConfig, redactor: Redactor, gate: ExportGate, exit: Exit): LogRecordProcessor[] {
  const out: LogRecordProcessor[] = [];
  for (const name of config.logs.exporters) {
    if (name === 'otlp') {
      const ledger = new PendingLedger<ReadableLogRecord>('logs', config.logs.batch.maxQueueSize, exit.drops);
      const exporter = new RedactingLogExporter(new LazyLogExporter(config.logs.protocol, config.logs.batch), redactor, gate, ledger);
      exit.logs.push({ signal: 'LOGS', protocol: config.logs.protocol, ledger, redact: (r) => exporter.redact(r) });
      out.push(new LedgerLogProcessor(new BatchLogRecordProcessor({ exporter, ...config.logs.batch }), ledger));
    } else out.push(new SimpleLogRecordProcessor({ exporter: new RedactingLogExporter(new ConsoleLogRecordExporter(), redactor, gate) }));
  }
  return out;
}

function metricReaders(config: ShopOtelConfig, gate: ExportGate, drops: ExportDrops): MetricReader[] {
  const interval = config.metrics.intervalMs;
  return config.metrics.exporters.map(
    (name) =>
      new PeriodicExportingMetricReader({
        exporter: name === 'otlp' ? new GatedMetricExporter(new LazyMetricExporter(config.metrics.protocol), gate, drops) : new GatedMetricExporter(new ConsoleMetricExporter(), gate),
        exportIntervalMillis: interval,
        exportTimeoutMillis: Math.min(30_000, interval),
      }),
  );
}

function describe(signal: SignalConfig): string {
  if (signal.exporters.length === 0) return 'none';
  return signal.exporters.map((e) => (e === 'otlp' ? `otlp ${signal.protocol} ${safeUrl(signal.endpoint)}` : e)).join(' + ');
}

/** Never print credentials that an endpoint URL may carry. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

function startupLine(config: ShopOtelConfig): string {
  return [
    `${VERSION} started for service ${config.serviceName}${config.component ? ` (component ${config.component})` : ''};`,
    `traces: ${describe(config.traces)};`,
    `metrics: ${describe(config.metrics)};`,
    `logs: ${describe(config.logs)};`,
    `instrumentations: ${config.instrumentations.join(', ') || 'none'}`,
  ].join(' ');
}
