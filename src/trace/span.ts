import { diag, SpanStatusCode, type Attributes, type AttributeValue, type Context, type Exception, type HrTime, type Link, type Span, type SpanContext, type SpanKind, type SpanStatus, type TimeInput } from '@opentelemetry/api';
import { addHrTimes, AddAttributeDecision, cleanAttributes, cleanSimpleAttributes, hrTime, hrTimeDuration, isTimeInput, isTimeInputHrTime, maybeAddAttribute, millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace';
import { linkOf, nameOf, readOr, spanStatusOf, textOf, validTime, warnMisuse } from '../api-inputs';

/** The SDK's span limits, every one resolved (its TracerProvider's defaults filled in). */
export interface ResolvedSpanLimits {
  attributeCountLimit: number;
  attributeValueLengthLimit: number;
  eventCountLimit: number;
  linkCountLimit: number;
  attributePerEventCountLimit: number;
  attributePerLinkCountLimit: number;
}

export interface InstrumentationScopeLike {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
}

export interface ShopSpanOptions {
  resource: Resource;
  scope: InstrumentationScopeLike;
  context: Context;
  spanContext: SpanContext;
  name: string;
  kind: SpanKind;
  links: Link[];
  parentSpanContext: SpanContext | undefined;
  /** Already cleaned and within the limits (the tracer sees to it), owned by the span from now on. */
  attributes: Attributes;
  /** How many `attributes` has, when the tracer counted them already. */
  attributesCount?: number;
  droppedAttributesCount: number;
  startTime: TimeInput | undefined;
  processor: SpanProcessor;
  limits: ResolvedSpanLimits;
}

/** A link's attributes, cleaned and within the per-link limits; none when they cannot be read. */
export function linkAttributes(attributes: unknown, limits: ResolvedSpanLimits): ReturnType<typeof cleanAttributes> {
  try {
    return cleanAttributes(attributes as Attributes, { attributeCountLimit: limits.attributePerLinkCountLimit, attributeValueLengthLimit: limits.attributeValueLengthLimit });
  } catch {
    warnMisuse("a span link's attributes cannot be read", 'the link is kept without them');
    return { attributes: {} } as ReturnType<typeof cleanAttributes>;
  }
}

const EXCEPTION_EVENT = 'exception';
const ATTR_EXCEPTION_TYPE = 'exception.type';
const ATTR_EXCEPTION_MESSAGE = 'exception.message';
const ATTR_EXCEPTION_STACKTRACE = 'exception.stacktrace';

/**
 * The span shop-otel's tracer makes, in place of the SDK's SpanImpl: the same API (Span) and the
 * same view for processors and exporters (ReadableSpan), with the same semantics — limits,
 * validation and truncation of attributes, events and links, status rules, the warnings on use
 * after end, times from the same clocks — and less work per span:
 *  - start and end times kept as numbers (a `Date.now()` and a `performance.now()` at the start,
 *    a `performance.now()` at the end) and turned into HrTime only when read (the exporter, the
 *    policy's duration); SpanImpl builds five arrays per span for them;
 *  - `setAttribute` of a string (within the length limit), number or boolean under a non-empty
 *    key decides in line; anything else goes through core's `maybeAddAttribute`, as SpanImpl's.
 * A span given an explicit start or end time takes SpanImpl's arithmetic for it, unchanged.
 * test/unit/shop-span.test.ts compares the two, span for span (attributes at every limit, events,
 * links, status, times, use after end); bench/micro/span-start.mjs measures the difference and
 * bench/RESULTS.md ("A span type of our own") gives it.
 */
export class ShopSpan implements Span, ReadableSpan {
  name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly attributes: Attributes;
  readonly links: Link[];
  readonly events: TimedEvent[] = [];
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScopeLike;

  private readonly _spanContext: SpanContext;
  private readonly _processor: SpanProcessor;
  private readonly _limits: ResolvedSpanLimits;
  private _attributesCount: number;
  private _droppedAttributesCount: number;
  private _droppedEventsCount = 0;
  private _droppedLinksCount = 0;
  private _ended = false;
  /** `performance.now()` at the start, and `Date.now()` then (ms since the epoch). */
  private readonly _perfStart: number;
  private readonly _startMs: number;
  /** Set when the start was given (SpanImpl's `_startTimeProvided`): then times are HrTime from the start. */
  private _startHr: HrTime | undefined;
  private readonly _startProvided: boolean;
  /** The end in ms after the start (the common case), or the end and duration as HrTime (an explicit end time, or a start given). */
  private _durationMs = -1;
  private _endHr: HrTime | undefined;
  private _durationHr: HrTime | undefined;

  constructor(o: ShopSpanOptions) {
    this._spanContext = o.spanContext;
    this._startMs = Date.now();
    this._perfStart = performance.now();
    this._startProvided = o.startTime != null;
    this._processor = o.processor;
    this._limits = o.limits;
    this.name = o.name;
    this.parentSpanContext = o.parentSpanContext;
    this.kind = o.kind;
    this.resource = o.resource;
    this.instrumentationScope = o.scope;
    if (this._startProvided) this._startHr = this._getTime(o.startTime);
    const { linkCountLimit } = this._limits;
    if (o.links.length > linkCountLimit) {
      this.links = o.links.slice(o.links.length - linkCountLimit, o.links.length);
      this._droppedLinksCount = o.links.length - linkCountLimit;
    } else this.links = o.links;
    this.attributes = o.attributes;
    this._attributesCount = o.attributesCount ?? Object.keys(o.attributes).length;
    this._droppedAttributesCount = o.droppedAttributesCount;
    this._processor.onStart(this, o.context);
  }

  spanContext(): SpanContext {
    return this._spanContext;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (this._isSpanEnded()) return this;
    const t = typeof value;
    // The common case, decided here as maybeAddAttribute would: a valid scalar under a non-empty key.
    if (typeof key === 'string' && key.length > 0 && (t === 'number' || t === 'boolean' || (t === 'string' && (value as string).length <= this._limits.attributeValueLengthLimit))) {
      const attributes = this.attributes as Record<string, AttributeValue>;
      if (Object.hasOwn(attributes, key)) attributes[key] = value;
      else if (this._attributesCount < this._limits.attributeCountLimit) {
        attributes[key] = value;
        this._attributesCount++;
      } else this._dropAttribute();
      return this;
    }
    if (typeof key !== 'string') {
      warnMisuse(`an attribute key is ${key === null ? 'null' : `a ${typeof key}`}, not a string`, 'the attribute is dropped');
      return this;
    }
    let decision: AddAttributeDecision;
    try {
      decision = maybeAddAttribute({ key, value, attributes: this.attributes, limits: this._limits, currentAttributesCount: this._attributesCount });
    } catch {
      warnMisuse('an attribute value cannot be read', 'the attribute is dropped');
      return this;
    }
    if (decision === AddAttributeDecision.DROP_LIMIT_REACHED) this._dropAttribute();
    else if (decision === AddAttributeDecision.ADD_NEW) this._attributesCount++;
    return this;
  }

  private _dropAttribute(): void {
    this._droppedAttributesCount++;
    if (this._droppedAttributesCount === 1) diag.warn('Dropping extra attributes.');
  }

  setAttributes(attributes: Attributes): this {
    try {
      for (const key in attributes) if (Object.prototype.hasOwnProperty.call(attributes, key)) this.setAttribute(key, attributes[key] as AttributeValue);
    } catch {
      warnMisuse('attributes given to setAttributes() cannot be read', 'those not yet set are dropped');
    }
    return this;
  }

  addEvent(name: string, attributesOrStartTime?: Attributes | TimeInput, timeStamp?: TimeInput): this {
    if (this._isSpanEnded()) return this;
    const { eventCountLimit } = this._limits;
    if (eventCountLimit === 0) {
      diag.warn('No events allowed.');
      this._droppedEventsCount++;
      return this;
    }
    if (this.events.length >= eventCountLimit) {
      if (this._droppedEventsCount === 0) diag.debug('Dropping extra events.');
      this.events.shift();
      this._droppedEventsCount++;
    }
    // core's isTimeInput looks at the prototype (`instanceof Date`), which a Proxy of the app's can throw on.
    if (readOr(() => isTimeInput(attributesOrStartTime), false)) {
      if (!readOr(() => isTimeInput(timeStamp), false)) timeStamp = attributesOrStartTime as TimeInput;
      attributesOrStartTime = undefined;
    }
    if (timeStamp !== undefined) timeStamp = validTime(timeStamp, 'an event time') as TimeInput | undefined;
    this.events.push({
      name: typeof name === 'string' ? name : nameOf(name, 'an event name'),
      time: this._getTime(timeStamp),
      ...this._eventAttributes(attributesOrStartTime as Attributes | undefined),
    } as TimedEvent);
    return this;
  }

  /** An event's attributes, cleaned and within the per-event limits; none when they cannot be read. */
  private _eventAttributes(attributes: Attributes | undefined): ReturnType<typeof cleanSimpleAttributes> {
    try {
      return cleanSimpleAttributes(attributes, { attributeCountLimit: this._limits.attributePerEventCountLimit, attributeValueLengthLimit: this._limits.attributeValueLengthLimit });
    } catch {
      warnMisuse("an event's attributes cannot be read", 'the event is kept without them');
      return { attributes: {} } as ReturnType<typeof cleanSimpleAttributes>;
    }
  }

  addLink(given: Link): this {
    if (this._isSpanEnded()) return this;
    const link = linkOf(given);
    if (link === undefined) return this;
    const { linkCountLimit } = this._limits;
    if (linkCountLimit === 0) {
      this._droppedLinksCount++;
      return this;
    }
    if (this.links.length >= linkCountLimit) {
      if (this._droppedLinksCount === 0) diag.debug('Dropping extra links.');
      this.links.shift();
      this._droppedLinksCount++;
    }
    this.links.push({ context: link.context, ...linkAttributes(link.attributes, this._limits) } as Link);
    return this;
  }

  addLinks(links: Link[]): this {
    if (!Array.isArray(links)) {
      warnMisuse('addLinks() was given something other than an array', 'the call is ignored');
      return this;
    }
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(given: SpanStatus): this {
    if (this._isSpanEnded()) return this;
    const status = spanStatusOf(given);
    if (status === undefined) return this;
    if (status.code === SpanStatusCode.UNSET) return this;
    if (this.status.code === SpanStatusCode.OK) return this;
    const next: SpanStatus = { code: status.code };
    if (status.code === SpanStatusCode.ERROR) {
      if (typeof status.message === 'string') next.message = status.message;
      else if (status.message != null) diag.warn(`Dropping invalid status.message of type '${typeof status.message}', expected 'string'`);
    }
    this.status = next;
    return this;
  }

  updateName(name: string): this {
    if (this._isSpanEnded()) return this;
    this.name = typeof name === 'string' ? name : nameOf(name, 'a span name');
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this._isSpanEnded()) {
      diag.error(`${this.name} ${this._spanContext.traceId}-${this._spanContext.spanId} - You can only call end() on a span once.`);
      return;
    }
    if (endTime != null) endTime = validTime(endTime, 'a span end time') as TimeInput | undefined;
    if (endTime == null && !this._startProvided) {
      this._durationMs = performance.now() - this._perfStart;
    } else {
      let end = this._getTime(endTime);
      let duration = hrTimeDuration(this.startTime, end);
      if (duration[0] < 0) {
        diag.warn('Inconsistent start and end time, startTime > endTime. Setting span duration to 0ms.', this.startTime, end);
        end = this.startTime.slice() as HrTime;
        duration = [0, 0];
      }
      this._endHr = end;
      this._durationHr = duration;
    }
    if (this._droppedEventsCount > 0) diag.warn(`Dropped ${this._droppedEventsCount} events because eventCountLimit reached`);
    if (this._droppedLinksCount > 0) diag.warn(`Dropped ${this._droppedLinksCount} links because linkCountLimit reached`);
    if (this._processor.onEnding) this._processor.onEnding(this);
    this._ended = true;
    this._processor.onEnd(this);
  }

  isRecording(): boolean {
    return this._ended === false;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes[ATTR_EXCEPTION_MESSAGE] = exception;
    else if (exception) {
      // SpanImpl's reads, each of which may throw or give a non-string on an object of the app's.
      const code = readOr(() => (exception as { code?: unknown }).code, undefined);
      const type = code ? readOr(() => (code as { toString(): unknown }).toString(), undefined) : undefined;
      if (type !== undefined) attributes[ATTR_EXCEPTION_TYPE] = textOf(type);
      else {
        const name = readOr(() => (exception as { name?: unknown }).name, undefined);
        if (name) attributes[ATTR_EXCEPTION_TYPE] = textOf(name);
      }
      const message = readOr(() => (exception as { message?: unknown }).message, undefined);
      if (message) attributes[ATTR_EXCEPTION_MESSAGE] = textOf(message);
      const stack = readOr(() => (exception as { stack?: unknown }).stack, undefined);
      if (stack) attributes[ATTR_EXCEPTION_STACKTRACE] = textOf(stack);
    }
    if (attributes[ATTR_EXCEPTION_TYPE] || attributes[ATTR_EXCEPTION_MESSAGE]) this.addEvent(EXCEPTION_EVENT, attributes, time);
    else diag.warn(`Failed to record an exception ${textOf(exception)}`);
  }

  get startTime(): HrTime {
    return (this._startHr ??= millisToHrTime(this._startMs));
  }

  get endTime(): HrTime {
    if (this._endHr !== undefined) return this._endHr;
    if (this._durationMs < 0) return [0, 0];
    return (this._endHr = addHrTimes(this.startTime, millisToHrTime(this._durationMs)));
  }

  get duration(): HrTime {
    if (this._durationHr !== undefined) return this._durationHr;
    if (this._durationMs < 0) return [-1, -1];
    return (this._durationHr = hrTimeDuration(this.startTime, this.endTime));
  }

  get ended(): boolean {
    return this._ended;
  }

  get droppedAttributesCount(): number {
    return this._droppedAttributesCount;
  }

  get droppedEventsCount(): number {
    return this._droppedEventsCount;
  }

  get droppedLinksCount(): number {
    return this._droppedLinksCount;
  }

  /** SpanImpl's `_getTime`: a time given as input, or now (from the start's clocks). */
  private _getTime(input: TimeInput | undefined): HrTime {
    if (typeof input === 'number' && input <= performance.now()) return hrTime(input + this._performanceOffset());
    if (typeof input === 'number') return millisToHrTime(input);
    if (input instanceof Date) return millisToHrTime(input.getTime());
    if (isTimeInputHrTime(input)) return input;
    if (this._startProvided) return millisToHrTime(Date.now());
    return addHrTimes(this.startTime, millisToHrTime(performance.now() - this._perfStart));
  }

  /** SpanImpl's `_performanceOffset`: from `performance.now()` time to `Date.now()` time, as at the start. */
  private _performanceOffset(): number {
    return this._startMs - (this._perfStart + performance.timeOrigin);
  }

  private _isSpanEnded(): boolean {
    if (this._ended) {
      const error = new Error(`Operation attempted on ended Span {traceId: ${this._spanContext.traceId}, spanId: ${this._spanContext.spanId}}`);
      diag.warn(`Cannot execute the operation on ended Span {traceId: ${this._spanContext.traceId}, spanId: ${this._spanContext.spanId}}`, error);
    }
    return this._ended;
  }
}
