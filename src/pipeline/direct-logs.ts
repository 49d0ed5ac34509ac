import { context as apiContext, diag, isSpanContextValid, trace, type AnyValue, type Attributes, type Context, type HrTime, type SpanContext } from '@opentelemetry/api';
import type { Logger, LoggerProvider, LogRecord, SeverityNumber } from '@opentelemetry/api-logs';
import { AddAttributeDecision, maybeAddAttribute, timeInputToHrTime, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { LogRecordLimits, LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { SdkLoggerInternals } from '../internal-types';

/**
 * The winston transport's fast path into the log pipeline: a record whose attributes are all
 * primitives (winston-record-transport.ts decides) becomes a PrimitiveLogRecord and goes straight
 * to the same processors the SDK's LoggerProvider runs (business IDs, the policy, the ledger, the
 * batch), in the same order, with the same resource and the same instrumentation-scope object.
 * Every other record, and every other caller, uses the SDK's Logger.
 *
 * Why our own, measured (bench/micro/cpu-profile.mjs BENCH_PROFILE_LOGS=1, the winston path):
 * the SDK's Logger.emit and LogRecordImpl were a quarter of the CPU telemetry added per exported
 * winston call: an `enabled()` pass building an options object, a spread copy of the record,
 * fourteen field initialisers and a getter/setter pair per field with a read-only check, and per
 * attribute `Object.entries`, a WeakSet for the any-value check and a copy. For primitives none of
 * that has work to do. What stays the SDK's, exactly: the attribute count and value length limits
 * (the LoggerProvider's defaults when none are configured: 128 attributes, no length limit), the
 * timestamps (Date.now() as HrTime, as timeInputToHrTime makes it), the span context taken from
 * the record's context only when valid, the read-only state after emit, and processors run in
 * order with an exception propagating as MultiLogRecordProcessor lets it.
 * test/unit/direct-logs.test.ts compares the records field by field and on the wire.
 */
type Value = string | number | boolean | null | undefined;

/**
 * The last span context found valid: a request's records share one (the same object), so the
 * two hex checks of isSpanContextValid run once per span, not once per record. Module state,
 * one reference: what it keeps alive is one SpanContext.
 */
let lastValidSpanContext: SpanContext | undefined;
function validSpanContext(ctx: Context): SpanContext | undefined {
  const sc = trace.getSpanContext(ctx);
  if (sc === undefined || sc === lastValidSpanContext) return sc;
  if (!isSpanContextValid(sc)) return undefined;
  lastValidSpanContext = sc;
  return sc;
}

/**
 * A record whose attributes object the caller hands over: fresh, own, enumerable, every value a
 * string, number, boolean or null and every key non-empty (winston-record-transport.ts builds
 * it so), `count` its number of keys. Taken as it is when it is within the limits, saving the
 * copy that LogRecordImpl makes key by key (bench/RESULTS.md, "Allocation, the young generation and the log record").
 */
export interface OwnedPrimitiveRecord extends LogRecord {
  attributes: NonNullable<LogRecord['attributes']>;
}

export class PrimitiveLogRecord implements ReadWriteLogRecord {
  readonly attributes: Attributes;
  droppedAttributesCount = 0;
  hrTime: HrTime;
  hrTimeObserved: HrTime;
  spanContext?: SpanContext;
  severityText?: string;
  severityNumber?: SeverityNumber;
  eventName?: string;
  /** LogRecordImpl's field name: the exporters' redaction writes the redacted body there (redacting-exporters.ts). */
  _body?: AnyValue;
  private count = 0;
  private readonly: boolean = false;

  constructor(
    readonly resource: Resource,
    readonly instrumentationScope: InstrumentationScope,
    private readonly countLimit: number,
    private readonly lengthLimit: number,
    record: LogRecord,
    ctx: Context,
    /** The number of keys of `record.attributes` when the caller hands them over (OwnedPrimitiveRecord), else -1. */
    owned: number = -1,
  ) {
    const now = Date.now();
    // timeInputToHrTime(Date.now()): whole seconds, and the milliseconds as nanoseconds.
    const seconds = Math.trunc(now / 1000);
    const nanos = Math.round((now % 1000) * 1e6);
    this.hrTime = record.timestamp !== undefined ? timeInputToHrTime(record.timestamp) : [seconds, nanos];
    this.hrTimeObserved = record.observedTimestamp !== undefined ? timeInputToHrTime(record.observedTimestamp) : [seconds, nanos];
    const sc = validSpanContext(ctx);
    if (sc !== undefined) this.spanContext = sc;
    this.severityNumber = record.severityNumber;
    this.severityText = record.severityText;
    this._body = record.body;
    this.eventName = record.eventName;
    const attributes = record.attributes;
    if (owned >= 0 && owned <= countLimit && lengthLimit === Infinity) {
      this.attributes = attributes as Attributes;
      this.count = owned;
      return;
    }
    this.attributes = {};
    if (attributes !== undefined) for (const key of Object.keys(attributes)) this.put(key, attributes[key] as AnyValue);
  }

  private put(key: string, value: AnyValue | undefined): void {
    const t = typeof value;
    if (t === 'string' || t === 'number' || t === 'boolean' || value === null) this.add(key, value as Value);
    else if (value !== undefined) this.slowAdd(key, value as AnyValue);
  }

  /** core's maybeAddAttribute for a primitive value. */
  private add(key: string, value: Value): void {
    if (key.length === 0) {
      diag.warn(`Invalid attribute key: ${key}`);
      return;
    }
    const isNew = !Object.hasOwn(this.attributes, key);
    if (isNew && this.count >= this.countLimit) {
      if (++this.droppedAttributesCount === 1) diag.warn('Dropping extra attributes.');
      return;
    }
    this.attributes[key] = typeof value === 'string' && value.length > this.lengthLimit ? value.substring(0, this.lengthLimit) : value;
    if (isNew) this.count++;
  }

  private writable(): boolean {
    if (this.readonly) diag.warn('Can not execute the operation on emitted log record');
    return !this.readonly;
  }

  setAttribute(key: string, value?: AnyValue): this {
    if (this.writable()) this.put(key, value);
    return this;
  }

  /** Any other value (an object, an array, bytes, or one the SDK refuses): the SDK's own rule. */
  private slowAdd(key: string, value: AnyValue): void {
    const decision = maybeAddAttribute({ key, value, attributes: this.attributes, limits: { attributeCountLimit: this.countLimit, attributeValueLengthLimit: this.lengthLimit }, currentAttributesCount: this.count });
    if (decision === AddAttributeDecision.DROP_LIMIT_REACHED) {
      if (++this.droppedAttributesCount === 1) diag.warn('Dropping extra attributes.');
    } else if (decision === AddAttributeDecision.ADD_NEW) this.count++;
  }

  setAttributes(attributes: Attributes): this {
    for (const key of Object.keys(attributes)) this.setAttribute(key, attributes[key] as AnyValue);
    return this;
  }

  get body(): AnyValue | undefined {
    return this._body;
  }

  set body(body: AnyValue | undefined) {
    if (this.writable()) this._body = body;
  }

  setBody(body: AnyValue): this {
    this.body = body;
    return this;
  }

  setEventName(eventName: string): this {
    if (this.writable()) this.eventName = eventName;
    return this;
  }

  setSeverityNumber(severityNumber: SeverityNumber): this {
    if (this.writable()) this.severityNumber = severityNumber;
    return this;
  }

  setSeverityText(severityText: string): this {
    if (this.writable()) this.severityText = severityText;
    return this;
  }

  /** As LogRecordImpl after emit: reads only. */
  seal(): void {
    this.readonly = true;
  }
}

/** A logger of DirectLogProvider: `emitOwned` takes an OwnedPrimitiveRecord with its key count. */
export interface DirectLogger extends Logger {
  emitOwned(record: OwnedPrimitiveRecord, count: number): void;
}

/** The logger's `emitOwned` when it is a DirectLogProvider's (else the SDK's logger: emit only). */
export function ownedEmitter(logger: Logger): DirectLogger['emitOwned'] | undefined {
  const f = (logger as Partial<DirectLogger>).emitOwned;
  return typeof f === 'function' ? f : undefined;
}

/**
 * A LoggerProvider (api-logs) whose loggers emit PrimitiveLogRecords into `processors`; `scopeOf`
 * answers the SDK logger's own scope object for a name and version (records of both paths then
 * group under one scope on the wire), or undefined, in which case the SDK's logger is used.
 */
export class DirectLogProvider implements LoggerProvider {
  private stopped = false;
  private readonly loggers = new Map<string, Logger>();
  private readonly countLimit: number;
  private readonly lengthLimit: number;

  constructor(
    private readonly sdk: LoggerProvider,
    private readonly resource: Resource,
    private readonly processors: readonly LogRecordProcessor[],
    limits: LogRecordLimits,
    private readonly scopeOf: (logger: Logger) => InstrumentationScope | undefined,
  ) {
    this.countLimit = limits.attributeCountLimit ?? 128;
    this.lengthLimit = limits.attributeValueLengthLimit ?? Infinity;
  }

  /** The SDK provider is shutting down: records go to its (now no-op) loggers. */
  stop(): void {
    this.stopped = true;
  }

  getLogger(name: string, version?: string): Logger {
    const key = `${name}@${version ?? ''}`;
    let logger = this.loggers.get(key);
    if (logger !== undefined) return logger;
    const inner = this.sdk.getLogger(name, version);
    const scope = this.scopeOf(inner);
    logger = scope === undefined ? inner : this.direct(inner, scope);
    this.loggers.set(key, logger);
    return logger;
  }

  private direct(inner: Logger, scope: InstrumentationScope): DirectLogger {
    const run = (record: LogRecord, owned: number): void => {
      // An exception's attributes are LogRecordImpl's to derive.
      if (this.stopped || record.exception !== undefined) return inner.emit(record);
      const ctx = record.context ?? apiContext.active();
      const r = new PrimitiveLogRecord(this.resource, scope, this.countLimit, this.lengthLimit, record, ctx, owned);
      const processors = this.processors;
      for (let i = 0; i < processors.length; i++) processors[i].onEmit(r, ctx);
      r.seal();
    };
    return { emit: (record) => run(record, -1), emitOwned: (record, count) => run(record, count), enabled: (options) => inner.enabled(options) };
  }
}

/** The scope object of an SDK Logger (sdk-logs 3.x keeps it as `_instrumentationScope`; test/unit/direct-logs.test.ts guards the name). */
export function sdkLoggerScope(logger: Logger): InstrumentationScope | undefined {
  const scope = (logger as unknown as SdkLoggerInternals)._instrumentationScope;
  return scope !== null && typeof scope === 'object' && typeof (scope as { name?: unknown }).name === 'string' ? (scope as InstrumentationScope) : undefined;
}
