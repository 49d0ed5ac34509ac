import { context as api, diag, INVALID_SPAN_CONTEXT, SamplingDecision, SpanKind, trace, TraceFlags, type Attributes, type Context, type Link, type Span, type SpanContext, type SpanOptions, type Tracer } from '@opentelemetry/api';
import { cleanAttributes, isTracingSuppressed } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { TracerProvider, type IdGenerator, type Sampler, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { shopDiag } from '../diag';
import { takeHandOver } from './hand-over';
import { linkAttributes, ShopSpan, type InstrumentationScopeLike, type ResolvedSpanLimits } from './span';
import { isContext, linksOf, nameOf, optionalText, schemaUrlOf, spanKindOf, validTime, warnMisuse } from '../api-inputs';

/** What the SDK's TracerProvider hands each of its tracers (its `_tracerOptions`, read once). */
export interface TracerSettings {
  resource: Resource;
  sampler: Sampler;
  spanLimits: ResolvedSpanLimits;
  idGenerator: IdGenerator;
  spanProcessor: SpanProcessor;
}

const NO_LIMITS = { attributeCountLimit: Infinity, attributeValueLengthLimit: Infinity };

/** A span's links as given at its start, each checked (api-inputs.ts), with their attributes cleaned as the SDK's tracer cleans them. */
function startLinks(given: unknown, limits: ResolvedSpanLimits): Link[] {
  const links = linksOf(given);
  for (let i = 0; i < links.length; i++) links[i] = { context: links[i].context, ...linkAttributes(links[i].attributes, limits) } as Link;
  return links;
}

/** The number of attributes plainAttributes last returned (read right after it: no array of keys made twice). */
let plainCount = 0;

/**
 * The attributes given at a span's start, copied, when every value is one the SDK keeps as it is
 * (a string within the length limit, a number, a boolean; undefined left out) and there are no
 * more than the count limit: what the SDK's two cleaning passes (core's cleanAttributes without
 * limits for the sampler, then with them) return for them, in one loop. Undefined otherwise, and
 * the caller takes the SDK's two passes. `keep`: the object itself when it has no undefined value
 * either (a hand-over: hand-over.ts).
 */
function plainAttributes(input: Attributes | undefined, limits: ResolvedSpanLimits, keep: boolean): Attributes | undefined {
  plainCount = 0;
  if (input === undefined) return {};
  if (typeof input !== 'object' || input === null) return undefined;
  const keys = Object.keys(input);
  if (keep && keys.length <= limits.attributeCountLimit) {
    let k = 0;
    for (; k < keys.length; k++) {
      const value = input[keys[k]];
      const t = typeof value;
      if (keys[k].length === 0 || !(t === 'number' || t === 'boolean' || (t === 'string' && (value as string).length <= limits.attributeValueLengthLimit))) break;
    }
    if (k === keys.length) {
      plainCount = keys.length;
      return input;
    }
  }
  const out: Attributes = {};
  let count = 0;
  for (const key of keys) {
    const value = input[key];
    if (value === undefined) continue;
    const t = typeof value;
    if (key.length === 0 || !(t === 'number' || t === 'boolean' || (t === 'string' && (value as string).length <= limits.attributeValueLengthLimit))) return undefined;
    if (++count > limits.attributeCountLimit) return undefined;
    out[key] = value;
  }
  plainCount = count;
  return out;
}

/**
 * The SDK Tracer's startSpan, step for step (the parent, suppression, IDs, links, the sampler, the
 * limits), making a ShopSpan (span.ts). Differences, neither visible to processors or exporters:
 * the attributes of the common case are cleaned in one pass (plainAttributes), and there are no
 * tracer self-metrics (the SDK makes them only with a meter provider, which sdk.ts never gives it).
 */
export class ShopTracer implements Tracer {
  constructor(
    readonly instrumentationScope: InstrumentationScopeLike,
    private readonly settings: TracerSettings,
  ) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = api.active()): Span {
    // What the app passed, checked (api-inputs.ts): a wrong type is a default and one warning, never a throw.
    if (typeof name !== 'string') name = nameOf(name, 'a span name');
    if (!isContext(ctx)) {
      warnMisuse('the context given to startSpan() is not a Context', 'the active context is used');
      ctx = api.active();
    }
    let root, givenKind, givenLinks, given, startTime;
    if (options !== null && typeof options === 'object') {
      try {
        ({ root, kind: givenKind, links: givenLinks, attributes: given, startTime } = options);
      } catch {
        warnMisuse("a span's options cannot be read", 'they are ignored');
        root = givenKind = givenLinks = given = startTime = undefined;
      }
    } else warnMisuse(`a span's options are ${options === null ? 'null' : `a ${typeof options}`}`, 'they are ignored');
    if (root) ctx = trace.deleteSpan(ctx);
    const parentSpan = trace.getSpan(ctx);
    if (isTracingSuppressed(ctx)) {
      diag.debug('Instrumentation suppressed, returning Noop Span');
      return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    }
    const s = this.settings;
    const parentSpanContext = parentSpan?.spanContext();
    const spanId = s.idGenerator.generateSpanId();
    let validParentSpanContext: SpanContext | undefined;
    let traceId: string;
    let traceState;
    if (!parentSpanContext || !trace.isSpanContextValid(parentSpanContext)) traceId = s.idGenerator.generateTraceId();
    else {
      traceId = parentSpanContext.traceId;
      traceState = parentSpanContext.traceState;
      validParentSpanContext = parentSpanContext;
    }
    const kind = givenKind === undefined ? SpanKind.INTERNAL : spanKindOf(givenKind);
    const links: Link[] = givenLinks === undefined || (Array.isArray(givenLinks) && givenLinks.length === 0) ? [] : startLinks(givenLinks, s.spanLimits);
    if (startTime !== undefined) startTime = validTime(startTime, 'a span start time') as SpanOptions['startTime'];
    const keep = takeHandOver(given);
    let plain: Attributes | undefined;
    let first: ReturnType<typeof cleanAttributes> | undefined;
    try {
      plain = plainAttributes(given, s.spanLimits, keep);
      first = plain === undefined ? cleanAttributes(given, NO_LIMITS) : undefined;
    } catch {
      warnMisuse("a span's attributes cannot be read", 'the span starts without them');
      plain = {};
      plainCount = 0;
    }
    const attributesCount = plainCount;
    const attributes = plain ?? first?.attributes ?? {};
    const sampling = s.sampler.shouldSample(ctx, traceId, name, kind, attributes, links);
    traceState = sampling.traceState ?? traceState;
    const spanContext: SpanContext = { traceId, spanId, traceFlags: sampling.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE, traceState };
    if (sampling.decision === SamplingDecision.NOT_RECORD) {
      diag.debug('Recording is off, propagating context in a non-recording span');
      return trace.wrapSpanContext(spanContext);
    }
    let finalAttributes = attributes;
    let finalCount: number | undefined = plain !== undefined ? attributesCount : undefined;
    let dropped = first?.droppedAttributesCount ?? 0;
    if (plain === undefined || sampling.attributes != null) {
      // Onto a copy when the object is a hand-over: its maker may still read it.
      const second = cleanAttributes(Object.assign(plain === given ? { ...attributes } : attributes, sampling.attributes), s.spanLimits);
      finalAttributes = second.attributes ?? {};
      finalCount = undefined;
      dropped += second.droppedAttributesCount ?? 0;
    }
    return new ShopSpan({
      resource: s.resource,
      scope: this.instrumentationScope,
      context: ctx,
      spanContext,
      name,
      kind,
      links,
      parentSpanContext: validParentSpanContext,
      attributes: finalAttributes,
      attributesCount: finalCount,
      droppedAttributesCount: dropped,
      startTime,
      processor: s.spanProcessor,
      limits: s.spanLimits,
    });
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, opts: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, opts: SpanOptions, ctx: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, arg2?: F | SpanOptions, arg3?: F | Context, arg4?: F): ReturnType<F> | undefined {
    let opts: SpanOptions | undefined;
    let ctx: Context | undefined;
    let fn: F;
    if (arguments.length < 2) return undefined;
    else if (arguments.length === 2) fn = arg2 as F;
    else if (arguments.length === 3) {
      opts = arg2 as SpanOptions;
      fn = arg3 as F;
    } else {
      opts = arg2 as SpanOptions;
      ctx = arg3 as Context;
      fn = arg4 as F;
    }
    // A context that is not one: the active context (startSpan says so once; api-inputs.ts).
    const parentContext = ctx !== undefined && isContext(ctx) ? ctx : api.active();
    const span = this.startSpan(name, opts, ctx === undefined ? parentContext : ctx);
    return api.with(trace.setSpan(parentContext, span), fn as (s: Span) => ReturnType<F>, undefined, span);
  }
}

/** Marks a tracer provider whose tracers are ShopTracers (for the test that the SDK's internals are as read here). */
export const SHOP_TRACERS = Symbol.for('shop-otel.shop-tracers');

/**
 * The SDK's TracerProvider (its processors, flush and shutdown, resource, sampler, limits and ID
 * generator, all as configured) whose tracers are ShopTracers. The settings are the SDK's own
 * `_tracerOptions` (private in its typings, read once): if an upgrade renames them, its own
 * tracers are used, with one diagnostic, and test/unit/shop-span.test.ts fails on SHOP_TRACERS.
 */
export class ShopTracerProvider extends TracerProvider {
  private readonly shopTracers = new Map<string, Tracer>();
  private readonly settings: TracerSettings | undefined;
  readonly [SHOP_TRACERS]: boolean;

  constructor(options: ConstructorParameters<typeof TracerProvider>[0]) {
    super(options);
    const s = (this as unknown as { _tracerOptions?: Partial<TracerSettings> })._tracerOptions;
    const complete = s !== undefined && s.resource !== undefined && s.sampler !== undefined && s.spanLimits !== undefined && s.idGenerator !== undefined && s.spanProcessor !== undefined;
    this.settings = complete ? (s as TracerSettings) : undefined;
    this[SHOP_TRACERS] = complete;
    if (!complete) shopDiag.debug("the SDK's tracer options were not found; its own tracers make the spans");
  }

  override getTracer(name: string, version?: string, options?: { schemaUrl?: string }): Tracer {
    // Checked for both kinds of tracer: a scope name that is not a string failed every batch its spans were in (api-inputs.ts).
    if (typeof name !== 'string') name = nameOf(name, 'a tracer name');
    if (version !== undefined && typeof version !== 'string') version = optionalText(version, 'a tracer version');
    const schemaUrl = options === undefined ? undefined : schemaUrlOf(options);
    if (this.settings === undefined) return super.getTracer(name, version, schemaUrl === undefined ? undefined : { schemaUrl });
    const key = `${name}@${version || ''}:${schemaUrl || ''}`;
    let tracer = this.shopTracers.get(key);
    if (tracer === undefined) {
      tracer = new ShopTracer({ name, version, schemaUrl }, this.settings);
      this.shopTracers.set(key, tracer);
    }
    return tracer;
  }
}
