import { DiagLogLevel } from '@opentelemetry/api';
import { DEFAULT_CUSTOMER_ID_FIELDS, DEFAULT_ORDER_ID_FIELDS } from './attributes';
import { shopDiag } from './diag';
import { validListEntry } from './business-ids/trust';
import { COMPONENTS, levelFromName, type Level } from './policy/schema';

/**
 * All configuration, resolved once at start into one typed object.
 * Precedence: options passed in code > environment > defaults. A bad value never throws: it
 * gets one warning naming the variable, and the default.
 */

export const INSTRUMENTATION_NAMES = ['http', 'undici', 'express', 'pg', 'amqplib', 'winston', 'runtime-node'] as const;
export type InstrumentationName = (typeof INSTRUMENTATION_NAMES)[number];

export const PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof PROTOCOLS)[number];

export type Signal = 'traces' | 'metrics' | 'logs';

/** Attribute values (and, four times over, log bodies) longer than this are cut when no OTEL_*_VALUE_LENGTH_LIMIT says otherwise. */
export const DEFAULT_ATTRIBUTE_VALUE_LENGTH = 8192;
export type ExporterName = 'otlp' | 'console' | 'none';

export interface SignalConfig {
  /** Exporters for this signal (OTEL_<SIGNAL>_EXPORTER); empty when 'none'. */
  exporters: Exclude<ExporterName, 'none'>[];
  protocol: OtlpProtocol;
  /** The URL the OTLP exporter sends to (for the start-up line; the exporter resolves it the same way). */
  endpoint: string;
}

/**
 * OTEL_BSP_* and OTEL_BLRP_*. The 3.x SDK reads no environment variables itself (sdk-node does,
 * and we do not load sdk-node): the batch sizes, the sampler and the limits are resolved here.
 */
export interface BatchConfig {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
}

export const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (the ratio, for the *traceidratio samplers). */
export interface SamplerConfig {
  name: SamplerName;
  ratio: number;
}

/**
 * OTEL_ATTRIBUTE_* / OTEL_SPAN_* / OTEL_LOGRECORD_* limits; undefined: the SDK's default (128
 * attributes). The value length is never unlimited by default: DEFAULT_ATTRIBUTE_VALUE_LENGTH
 * (a client controls query strings, headers and logged bodies; redaction and export stay bounded).
 */
export interface LimitsConfig {
  attributeValueLengthLimit: number | undefined;
  attributeCountLimit: number | undefined;
}
export interface SpanLimitsConfig extends LimitsConfig {
  eventCountLimit: number | undefined;
  linkCountLimit: number | undefined;
}

export const ESM_HOOKS = ['auto', 'on', 'async', 'off'] as const;
export type EsmHook = (typeof ESM_HOOKS)[number];

export interface ShopOtelConfig {
  disabled: boolean;
  serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES, decoded; a malformed pair is dropped (with a warning), never the rest. */
  resourceAttributes: Record<string, string>;
  /** The user's logging-policy component this service is (SHOP_OTEL_COMPONENT), if named. */
  component: string | undefined;
  logLevel: DiagLogLevel;
  /** Explicit OTEL_LOG_LEVEL for the SDK's own diagnostics; undefined keeps them at WARN. */
  sdkLogLevel: DiagLogLevel;
  instrumentations: InstrumentationName[];
  traces: SignalConfig & { sampler: SamplerConfig; batch: BatchConfig; limits: SpanLimitsConfig };
  /**
   * `durations`: the instrumentations' own request/operation duration histograms
   * (SHOP_OTEL_SDK_DURATION_METRICS, default false: the collector's span metrics give the same
   * RED figures from the spans, and the rules and dashboards use those).
   */
  metrics: SignalConfig & { intervalMs: number; durations: boolean };
  logs: SignalConfig & { batch: BatchConfig; limits: LimitsConfig };
  /** Upper bound for flushing at shutdown (SHOP_OTEL_SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutMs: number;
  /**
   * How ESM imports reach the instrumentations (SHOP_OTEL_ESM_HOOK): `auto` (default) routes ESM
   * imports of CommonJS files to the require hook, with no loader hook
   * (instrumentations/esm-import-route.ts); `on` uses import-in-the-middle's in-thread hooks
   * instead (for packages that exist only as ESM), `async` its off-thread loader; `off` neither.
   */
  esmHook: EsmHook;
  businessIds: {
    orderFields: string[];
    customerFields: string[];
    maxLength: number;
    /**
     * Who may send this service business IDs and baggage (SHOP_OTEL_TRUSTED_PEERS): `amqp`,
     * `loopback`, `private`, IPs, CIDRs, `all`, `none`. Default `amqp`: an HTTP edge ignores them.
     */
    trustedPeers: string[];
    /** Hosts besides internal ones that are sent baggage (SHOP_OTEL_BAGGAGE_HOSTS). */
    baggageHosts: string[];
  };
  redaction: {
    enabled: boolean;
    /** Extra patterns (SHOP_OTEL_REDACT_PATTERNS, comma-separated regular expressions). */
    extraPatterns: RegExp[];
  };
  pg: {
    /** Append the trace context to SQL statements as a sqlcommenter comment (joins server logs). */
    sqlCommenter: boolean;
  };
  /** The user's logging policy (src/policy/events.json): levels, thresholds, DEBUG on demand. */
  policy: PolicyConfig;
}

export interface PolicyConfig {
  /** Records below this level are not exported unless DEBUG is on (SHOP_OTEL_LOG_LEVEL). */
  minLevel: Level;
  slowResponseMs: number;
  slowQueryMs: number;
  mesDelayMs: number;
  /** INFO events emitted for every query/message are capped per key and second. */
  infoEventsPerSecond: number;
  customerRateLimit: number;
  customerRateWindowS: number;
  /** Database name -> policy component (SHOP_OTEL_DB_COMPONENTS=shop:shop-db,mes:mes-db). */
  dbComponents: Record<string, string>;
  debug: {
    /** The signal that switches DEBUG on for the whole service (SHOP_OTEL_DEBUG_SIGNAL; `none` to leave signals alone). */
    signal: NodeJS.Signals | undefined;
    /** DEBUG switched on at runtime goes back off after this many seconds. */
    timeoutS: number;
    /** Shared secret that signs per-request debug markers (SHOP_OTEL_DEBUG_SECRET); unset: markers are refused. */
    secret: string | undefined;
  };
}

export type ShopOtelOptions = Partial<Omit<ShopOtelConfig, 'traces' | 'metrics' | 'logs' | 'businessIds' | 'redaction' | 'pg' | 'policy'>> & {
  policy?: Partial<PolicyConfig>;
  businessIds?: Partial<ShopOtelConfig['businessIds']>;
  redaction?: Partial<ShopOtelConfig['redaction']>;
  pg?: Partial<ShopOtelConfig['pg']>;
};

type Env = Record<string, string | undefined>;

function str(env: Env, key: string): string | undefined {
  const v = env[key];
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

function list(env: Env, key: string): string[] | undefined {
  const v = str(env, key);
  if (v === undefined) return undefined;
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function bool(env: Env, key: string, dflt: boolean): boolean {
  const v = str(env, key);
  if (v === undefined) return dflt;
  const l = v.toLowerCase();
  if (l === 'true' || l === '1' || l === 'on' || l === 'yes') return true;
  if (l === 'false' || l === '0' || l === 'off' || l === 'no') return false;
  shopDiag.warn(`${key}=${JSON.stringify(v)} is not a boolean (true/false); using ${dflt}.`);
  return dflt;
}

function int(env: Env, key: string, dflt: number, min: number, max: number): number {
  const v = str(env, key);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    shopDiag.warn(`${key}=${JSON.stringify(v)} is not a whole number from ${min} to ${max}; using ${dflt}.`);
    return dflt;
  }
  return n;
}

const LOG_LEVELS: Record<string, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

function logLevel(env: Env): { own: DiagLogLevel; sdk: DiagLogLevel } {
  const v = str(env, 'OTEL_LOG_LEVEL');
  if (v === undefined) return { own: DiagLogLevel.INFO, sdk: DiagLogLevel.WARN };
  const l = LOG_LEVELS[v.toLowerCase()];
  if (l === undefined) {
    shopDiag.warn(`OTEL_LOG_LEVEL=${JSON.stringify(v)} is not one of ${Object.keys(LOG_LEVELS).join(', ')}; using info.`);
    return { own: DiagLogLevel.INFO, sdk: DiagLogLevel.WARN };
  }
  return { own: l, sdk: l };
}

/** SHOP_OTEL_ESM_HOOK, lower-cased; anything else: `auto`, with a warning. */
function esmHook(env: Env): EsmHook {
  const v = str(env, 'SHOP_OTEL_ESM_HOOK')?.toLowerCase();
  if (v === undefined) return 'auto';
  if ((ESM_HOOKS as readonly string[]).includes(v)) return v as EsmHook;
  shopDiag.warn(`SHOP_OTEL_ESM_HOOK=${JSON.stringify(str(env, 'SHOP_OTEL_ESM_HOOK'))} is not one of ${ESM_HOOKS.join(', ')}; using auto.`);
  return 'auto';
}

function instrumentationName(raw: string, key: string): InstrumentationName | undefined {
  const short = raw.replace(/^@opentelemetry\/instrumentation-/, '');
  if ((INSTRUMENTATION_NAMES as readonly string[]).includes(short)) return short as InstrumentationName;
  shopDiag.warn(`${key}: unknown instrumentation ${JSON.stringify(raw)} ignored; known: ${INSTRUMENTATION_NAMES.join(', ')}.`);
  return undefined;
}

function instrumentations(env: Env): InstrumentationName[] {
  const enabledRaw = list(env, 'OTEL_NODE_ENABLED_INSTRUMENTATIONS');
  const disabledRaw = list(env, 'OTEL_NODE_DISABLED_INSTRUMENTATIONS') ?? [];
  const enabled = enabledRaw
    ? enabledRaw.map((n) => instrumentationName(n, 'OTEL_NODE_ENABLED_INSTRUMENTATIONS')).filter((n): n is InstrumentationName => !!n)
    : [...INSTRUMENTATION_NAMES];
  const disabled = new Set(disabledRaw.map((n) => instrumentationName(n, 'OTEL_NODE_DISABLED_INSTRUMENTATIONS')));
  return enabled.filter((n) => !disabled.has(n));
}

const SIGNAL_PATHS: Record<Signal, string> = { traces: 'v1/traces', metrics: 'v1/metrics', logs: 'v1/logs' };

function signalConfig(env: Env, signal: Signal): SignalConfig {
  const upper = signal.toUpperCase();
  const exporterKey = `OTEL_${upper}_EXPORTER`;
  const names = list(env, exporterKey) ?? ['otlp'];
  const exporters: SignalConfig['exporters'] = [];
  for (const n of names) {
    const l = n.toLowerCase();
    if (l === 'none') return { exporters: [], protocol: 'http/protobuf', endpoint: '' };
    if (l === 'otlp' || l === 'console') {
      if (!exporters.includes(l)) exporters.push(l);
    } else {
      shopDiag.warn(`${exporterKey}=${JSON.stringify(n)} is not supported (otlp, console, none); ignored.`);
    }
  }
  if (exporters.length === 0) exporters.push('otlp');

  const protoKey = str(env, `OTEL_EXPORTER_OTLP_${upper}_PROTOCOL`) !== undefined ? `OTEL_EXPORTER_OTLP_${upper}_PROTOCOL` : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const rawProto = str(env, protoKey);
  let protocol: OtlpProtocol = 'http/protobuf';
  if (rawProto !== undefined) {
    if ((PROTOCOLS as readonly string[]).includes(rawProto)) protocol = rawProto as OtlpProtocol;
    else if (rawProto === 'grpc') shopDiag.warn(`${protoKey}=grpc: gRPC export is not bundled (it would double start-up time); using http/protobuf. Point the endpoint at the collector's OTLP/HTTP port (4318).`);
    else shopDiag.warn(`${protoKey}=${JSON.stringify(rawProto)} is not one of ${PROTOCOLS.join(', ')}; using http/protobuf.`);
  }

  const specific = str(env, `OTEL_EXPORTER_OTLP_${upper}_ENDPOINT`);
  const base = str(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? 'http://localhost:4318';
  const endpoint = specific ?? `${base.replace(/\/+$/, '')}/${SIGNAL_PATHS[signal]}`;
  return { exporters, protocol, endpoint };
}

/**
 * Spans per export when OTEL_BSP_MAX_EXPORT_BATCH_SIZE is not set: 128, not the specification's
 * 512. Why, measured (bench/micro/gc-promotion.mjs 2 450 8, the order service; bench/RESULTS.md,
 * "amqplib's headers, the export requests and the winston call in steady state"): a span waits
 * in the queue until its batch is full, and what waits across one of V8's scavenges is copied and
 * promoted; with batches of 512 (~0.4 s of this service's spans) nearly all of them were, 2.3–2.6
 * KB per request, and V8 grew the young generation from bare's 8 MB to 32; with 128: 0.65 KB,
 * 16 MB, RSS 23–25 MB lower; with 256: 2.2 KB, still 32 MB. Still so once batches in flight no
 * longer held their spans (eighth pass, `cpu-request.mjs 4 800 8`): RSS 132 MB with 128, 150
 * with 512, CPU level (386 against 380 µs per request). The collector re-batches (its batch
 * processor), so nothing changes downstream.
 */
export const DEFAULT_SPAN_EXPORT_BATCH_SIZE = 128;

/**
 * Log records per export when OTEL_BLRP_MAX_EXPORT_BATCH_SIZE is not set: 128 as well. Once the
 * batches in flight were held as bodies (pending-ledger.ts) the spec's 512 was measured again
 * (eighth pass, bench/RESULTS.md, "What the ledger kept alive"): a winston call in a burst was
 * cheaper with it (`log-burst.mjs 5`: +3.86 against +5.56 µs), CPU per request level, RSS level
 * at a fixed 3 000 req/s (`memory.mjs`); but in the full bench, after the warm-up at saturation,
 * RSS was +51 and +52 MB over bare in two rounds, against +19 with 128 (the records wait longer
 * for a batch of 512 and survive the scavenges). The memory bound is the user's; 128 kept.
 */
export const DEFAULT_LOG_EXPORT_BATCH_SIZE = 128;

/** OTEL_BSP_* (spans: 5 s delay by the spec) or OTEL_BLRP_* (log records: 1 s). */
function batch(env: Env, prefix: 'OTEL_BSP' | 'OTEL_BLRP', delayMs: number): BatchConfig {
  const maxQueueSize = int(env, `${prefix}_MAX_QUEUE_SIZE`, 2048, 1, 1_000_000);
  const defaultBatch = prefix === 'OTEL_BSP' ? DEFAULT_SPAN_EXPORT_BATCH_SIZE : DEFAULT_LOG_EXPORT_BATCH_SIZE;
  let maxExportBatchSize = int(env, `${prefix}_MAX_EXPORT_BATCH_SIZE`, Math.min(defaultBatch, maxQueueSize), 1, 1_000_000);
  if (maxExportBatchSize > maxQueueSize) {
    shopDiag.warn(`${prefix}_MAX_EXPORT_BATCH_SIZE (${maxExportBatchSize}) exceeds ${prefix}_MAX_QUEUE_SIZE (${maxQueueSize}); using ${maxQueueSize}.`);
    maxExportBatchSize = maxQueueSize;
  }
  return {
    maxQueueSize,
    maxExportBatchSize,
    scheduledDelayMillis: int(env, `${prefix}_SCHEDULE_DELAY`, delayMs, 0, 3_600_000),
    exportTimeoutMillis: int(env, `${prefix}_EXPORT_TIMEOUT`, 30_000, 0, 3_600_000),
  };
}

function sampler(env: Env): SamplerConfig {
  const dflt: SamplerConfig = { name: 'parentbased_always_on', ratio: 1 };
  const raw = str(env, 'OTEL_TRACES_SAMPLER');
  if (raw === undefined) return dflt;
  const name = raw.toLowerCase();
  if (!(SAMPLERS as readonly string[]).includes(name)) {
    shopDiag.warn(`OTEL_TRACES_SAMPLER=${JSON.stringify(raw)} is not one of ${SAMPLERS.join(', ')}; using parentbased_always_on.`);
    return dflt;
  }
  let ratio = 1;
  const arg = str(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (name.endsWith('traceidratio') && arg !== undefined) {
    const n = Number(arg);
    if (Number.isFinite(n) && n >= 0 && n <= 1) ratio = n;
    else shopDiag.warn(`OTEL_TRACES_SAMPLER_ARG=${JSON.stringify(arg)} is not a ratio from 0 to 1; using 1.`);
  }
  return { name: name as SamplerName, ratio };
}

/** A limit from the signal's own variable, else the general OTEL_ATTRIBUTE_* one, else unset. */
function limit(env: Env, keys: string[]): number | undefined {
  const key = keys.find((k) => str(env, k) !== undefined);
  if (key === undefined) return undefined;
  const raw = str(env, key) as string;
  const n = Number(raw);
  if (Number.isInteger(n) && n >= 0) return n;
  shopDiag.warn(`${key}=${JSON.stringify(raw)} is not a whole number ≥ 0; using the SDK's default.`);
  return undefined;
}

function spanLimits(env: Env): SpanLimitsConfig {
  return {
    attributeValueLengthLimit: limit(env, ['OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT']) ?? DEFAULT_ATTRIBUTE_VALUE_LENGTH,
    attributeCountLimit: limit(env, ['OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT']),
    eventCountLimit: limit(env, ['OTEL_SPAN_EVENT_COUNT_LIMIT']),
    linkCountLimit: limit(env, ['OTEL_SPAN_LINK_COUNT_LIMIT']),
  };
}

function logLimits(env: Env): LimitsConfig {
  return {
    attributeValueLengthLimit: limit(env, ['OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT']) ?? DEFAULT_ATTRIBUTE_VALUE_LENGTH,
    attributeCountLimit: limit(env, ['OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT']),
  };
}

function patterns(env: Env, key: string): RegExp[] {
  const out: RegExp[] = [];
  for (const p of list(env, key) ?? []) {
    try {
      out.push(new RegExp(p, 'g'));
    } catch (e) {
      shopDiag.warn(`${key}: ${JSON.stringify(p)} is not a valid regular expression (${(e as Error).message}); ignored.`);
    }
  }
  return out;
}

function component(env: Env): string | undefined {
  const v = str(env, 'SHOP_OTEL_COMPONENT');
  if (v === undefined) return undefined;
  if (!Object.prototype.hasOwnProperty.call(COMPONENTS, v)) {
    shopDiag.warn(`SHOP_OTEL_COMPONENT=${JSON.stringify(v)} is not a component of the logging policy (${Object.keys(COMPONENTS).join(', ')}); using it as a label only.`);
  }
  return v;
}

function policy(env: Env, comp: string | undefined): PolicyConfig {
  const defaultLevel: Level = comp !== undefined && Object.prototype.hasOwnProperty.call(COMPONENTS, comp) ? COMPONENTS[comp as keyof typeof COMPONENTS].defaultLevel : 'INFO';
  let minLevel = defaultLevel;
  const rawLevel = str(env, 'SHOP_OTEL_LOG_LEVEL');
  if (rawLevel !== undefined) {
    const l = levelFromName(rawLevel);
    if (l === undefined) shopDiag.warn(`SHOP_OTEL_LOG_LEVEL=${JSON.stringify(rawLevel)} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL; using ${defaultLevel}.`);
    else minLevel = l;
  }
  const dbComponents: Record<string, string> = { shop: 'shop-db', mes: 'mes-db' };
  for (const pair of list(env, 'SHOP_OTEL_DB_COMPONENTS') ?? []) {
    const [db, c] = pair.split(':').map((x) => x.trim());
    if (db && c) dbComponents[db] = c;
    else shopDiag.warn(`SHOP_OTEL_DB_COMPONENTS: ${JSON.stringify(pair)} is not database:component; ignored.`);
  }
  // No signal by default: SIGUSR2 is how nodemon restarts its child (a listener of ours would
  // keep the process alive through it), SIGUSR1 starts Node's inspector, SIGHUP means reload or
  // hang-up, SIGWINCH arrives on every terminal resize. A service opts in by naming one.
  let signal: NodeJS.Signals | undefined;
  const rawSignal = str(env, 'SHOP_OTEL_DEBUG_SIGNAL');
  if (rawSignal !== undefined) {
    const upper = rawSignal.toUpperCase();
    if (upper === 'NONE') signal = undefined;
    else if (/^SIG(USR1|USR2|HUP|WINCH|PWR)$/.test(upper)) signal = upper as NodeJS.Signals;
    else shopDiag.warn(`SHOP_OTEL_DEBUG_SIGNAL=${JSON.stringify(rawSignal)} is not one of SIGUSR2, SIGUSR1, SIGHUP, SIGWINCH, SIGPWR, none; using none.`);
  }
  const secret = str(env, 'SHOP_OTEL_DEBUG_SECRET');
  if (secret !== undefined && secret.length < 16) shopDiag.warn('SHOP_OTEL_DEBUG_SECRET is shorter than 16 characters; per-request DEBUG markers are refused until it is longer.');
  return {
    minLevel,
    slowResponseMs: int(env, 'SHOP_OTEL_SLOW_RESPONSE_MS', 1000, 1, 3_600_000),
    slowQueryMs: int(env, 'SHOP_OTEL_SLOW_QUERY_MS', 500, 1, 3_600_000),
    mesDelayMs: int(env, 'SHOP_OTEL_MES_DELAY_MS', 60_000, 1, 86_400_000),
    infoEventsPerSecond: int(env, 'SHOP_OTEL_INFO_EVENTS_PER_SECOND', 5, 0, 100_000),
    customerRateLimit: int(env, 'SHOP_OTEL_CUSTOMER_RATE_LIMIT', 30, 1, 1_000_000),
    customerRateWindowS: int(env, 'SHOP_OTEL_CUSTOMER_RATE_WINDOW_S', 60, 1, 86_400),
    dbComponents,
    debug: {
      signal,
      timeoutS: int(env, 'SHOP_OTEL_DEBUG_TIMEOUT_S', 600, 1, 86_400),
      secret: secret !== undefined && secret.length >= 16 ? secret : undefined,
    },
  };
}

function serviceName(env: Env, resourceAttributes: Record<string, string>): string {
  const explicit = str(env, 'OTEL_SERVICE_NAME');
  if (explicit) return explicit;
  return resourceAttributes['service.name'] || 'unknown_service:node';
}

/**
 * OTEL_RESOURCE_ATTRIBUTES, pair by pair. The SDK's own env detector throws the whole value away
 * on one bad pair, and a stray `%` made decodeURIComponent throw here and telemetry start
 * without any: a bad pair is now dropped with a warning, the others kept.
 */
function resourceAttributes(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = env.OTEL_RESOURCE_ATTRIBUTES;
  if (raw === undefined || raw.trim() === '') return out;
  for (const pair of raw.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    let key: string | undefined;
    let value: string | undefined;
    if (eq > 0 && pair.indexOf('=', eq + 1) < 0) {
      try {
        key = decodeURIComponent(pair.slice(0, eq).trim());
        value = decodeURIComponent(pair.slice(eq + 1).trim());
      } catch {
        key = undefined;
      }
    }
    if (key === undefined || value === undefined || key === '' || key.length > 255 || value.length > 255) {
      shopDiag.warn(`OTEL_RESOURCE_ATTRIBUTES: ${JSON.stringify(pair.length > 80 ? `${pair.slice(0, 80)}…` : pair)} is not key=value (percent-encoded, at most 255 characters each); that pair is dropped, the others kept.`);
      continue;
    }
    out[key] = value;
  }
  return out;
}

function hostList(env: Env, key: string, hosts: boolean, dflt: string[]): string[] {
  const entries = list(env, key);
  if (entries === undefined) return dflt;
  const out: string[] = [];
  for (const e of entries) {
    if (validListEntry(e, hosts)) out.push(e.toLowerCase());
    else shopDiag.warn(`${key}: ${JSON.stringify(e)} is not ${hosts ? 'a host name, .domain, IP address, CIDR range or *' : 'amqp, loopback, private, all, none, an IP address or a CIDR range'}; ignored.`);
  }
  return out;
}

export function resolveConfig(options: ShopOtelOptions = {}, env: Env = process.env): ShopOtelConfig {
  const levels = logLevel(env);
  const resource = resourceAttributes(env);
  const extraOrder = list(env, 'SHOP_OTEL_ORDER_ID_FIELDS') ?? [];
  const extraCustomer = list(env, 'SHOP_OTEL_CUSTOMER_ID_FIELDS') ?? [];
  const fromEnv: ShopOtelConfig = {
    disabled: bool(env, 'OTEL_SDK_DISABLED', false),
    serviceName: serviceName(env, resource),
    resourceAttributes: resource,
    component: component(env),
    logLevel: levels.own,
    sdkLogLevel: levels.sdk,
    instrumentations: instrumentations(env),
    traces: { ...signalConfig(env, 'traces'), sampler: sampler(env), batch: batch(env, 'OTEL_BSP', 5000), limits: spanLimits(env) },
    metrics: { ...signalConfig(env, 'metrics'), intervalMs: int(env, 'OTEL_METRIC_EXPORT_INTERVAL', 60_000, 100, 86_400_000), durations: bool(env, 'SHOP_OTEL_SDK_DURATION_METRICS', false) },
    logs: { ...signalConfig(env, 'logs'), batch: batch(env, 'OTEL_BLRP', 1000), limits: logLimits(env) },
    shutdownTimeoutMs: int(env, 'SHOP_OTEL_SHUTDOWN_TIMEOUT_MS', 3_000, 0, 60_000),
    esmHook: esmHook(env),
    businessIds: {
      orderFields: [...new Set([...DEFAULT_ORDER_ID_FIELDS, ...extraOrder])],
      customerFields: [...new Set([...DEFAULT_CUSTOMER_ID_FIELDS, ...extraCustomer])],
      maxLength: int(env, 'SHOP_OTEL_ID_MAX_LENGTH', 64, 1, 256),
      trustedPeers: hostList(env, 'SHOP_OTEL_TRUSTED_PEERS', false, ['amqp']),
      baggageHosts: hostList(env, 'SHOP_OTEL_BAGGAGE_HOSTS', true, []),
    },
    redaction: {
      enabled: bool(env, 'SHOP_OTEL_REDACT', true),
      extraPatterns: patterns(env, 'SHOP_OTEL_REDACT_PATTERNS'),
    },
    pg: { sqlCommenter: bool(env, 'SHOP_OTEL_PG_SQLCOMMENTER', true) },
    policy: undefined as unknown as PolicyConfig,
  };
  fromEnv.policy = policy(env, fromEnv.component);
  return {
    ...fromEnv,
    ...stripUndefined(options),
    businessIds: { ...fromEnv.businessIds, ...stripUndefined(options.businessIds ?? {}) },
    redaction: { ...fromEnv.redaction, ...stripUndefined(options.redaction ?? {}) },
    pg: { ...fromEnv.pg, ...stripUndefined(options.pg ?? {}) },
    policy: { ...fromEnv.policy, ...stripUndefined(options.policy ?? {}) },
  } as ShopOtelConfig;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
