import { SpanKind, SpanStatusCode, type Link, type SpanContext, type SpanStatus } from '@opentelemetry/api';
import { shopDiag } from './diag';

/**
 * What the app hands the OpenTelemetry API, checked before it is kept: a value of the wrong type
 * becomes a safe default, with a warning, and nothing throws. The specification's error-handling
 * principle ("API methods MUST NOT throw unhandled exceptions when used incorrectly by end users";
 * "the API and SDK SHOULD provide safe defaults for missing or invalid arguments") is the rule.
 *
 * Why our own checks: the SDK assumes its TypeScript types. From JavaScript, one wrong value
 * either threw into the app (`span.setStatus(undefined)`, `span.setAttribute(undefined, 1)`,
 * `span.addLink(null)`, a throwing getter on a recorded exception) or lost telemetry that was
 * not its own: a span or record carrying it was kept, and its export then failed the whole batch
 * (a scope name or a log record's severityText that is a number threw in the protobuf encoder, a
 * link without a context, a kind that is a Symbol, a NaN time in the JSON encoder), up to 128 other
 * requests' spans or records with it. Upstream's SDK does the same; test/unit/api-misuse.test.ts
 * goes through each case.
 *
 * The checks on the hot paths are a `typeof` or two (the span's name, kind and times, a log
 * record's text fields); anything unusual takes the slow path here.
 */

/** One warning per kind of misuse: an app that repeats it on every request does not flood stderr. */
const warned = new Set<string>();

export function warnMisuse(what: string, fallback: string): void {
  if (warned.has(what) || warned.size > 64) return;
  warned.add(what);
  shopDiag.warn(`OpenTelemetry API misuse: ${what}; ${fallback} (said once)`);
}

export const UNREADABLE = '[unreadable]';

/** The text of a value that should have been a string; never throws. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return UNREADABLE;
  }
}

/** `read()`, or `fallback` if it throws. */
export function readOr<V>(read: () => V, fallback: V): V {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** True when `ctx` is a Context (has a getValue method); never throws. */
export function isContext(ctx: unknown): boolean {
  if (ctx === null || typeof ctx !== 'object') return false;
  // In line, not readOr: this runs at every span's start, and a closure there is an allocation.
  try {
    return typeof (ctx as { getValue?: unknown }).getValue === 'function';
  } catch {
    return false;
  }
}

/** A string argument (a span, event or scope name): its text when it is not a string. */
export function nameOf(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  // The specification's fallback for a missing tracer or logger name: an empty one.
  const text = value === undefined || value === null ? '' : textOf(value);
  warnMisuse(`${what} is ${describe(value)}, not a string`, value === undefined || value === null ? 'an empty name is used' : 'its text is used');
  return text;
}

/** An optional string argument (a version, a schema URL, a log record's severityText or eventName). */
export function optionalText(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null || typeof value === 'string') return value ?? undefined;
  const text = textOf(value);
  warnMisuse(`${what} is ${describe(value)}, not a string`, 'its text is used');
  return text;
}

/** A scope's options object (`getTracer(name, version, { schemaUrl })`): its schema URL, read safely. */
export function schemaUrlOf(options: unknown): string | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') {
    warnMisuse(`scope options are ${describe(options)}, not an object`, 'they are ignored');
    return undefined;
  }
  const url = readOr(() => (options as { schemaUrl?: unknown }).schemaUrl, undefined);
  return optionalText(url, 'a scope schemaUrl');
}

/**
 * getLogger()'s and getMeter()'s options: as given when their schema URL is a string or absent
 * (their other fields, such as scope attributes, are the SDK's to check), else with it checked.
 */
export function scopeOptionsOf<O extends { schemaUrl?: string }>(options: unknown): O | undefined {
  if (options !== null && typeof options === 'object') {
    const url = readOr(() => (options as { schemaUrl?: unknown }).schemaUrl, null);
    if (url === undefined || typeof url === 'string') return options as O;
  }
  const schemaUrl = schemaUrlOf(options);
  const attributes = options !== null && typeof options === 'object' ? readOr(() => (options as { attributes?: unknown }).attributes, undefined) : undefined;
  if (schemaUrl === undefined && attributes === undefined) return undefined;
  return { schemaUrl, attributes } as unknown as O;
}

/** A span kind: SpanKind.INTERNAL when the value is not one of the five. */
export function spanKindOf(kind: unknown): SpanKind {
  if (kind === undefined) return SpanKind.INTERNAL;
  if (kind === SpanKind.INTERNAL || kind === SpanKind.SERVER || kind === SpanKind.CLIENT || kind === SpanKind.PRODUCER || kind === SpanKind.CONSUMER) return kind;
  warnMisuse(`a span kind is ${describe(kind)}`, 'INTERNAL is used');
  return SpanKind.INTERNAL;
}

/**
 * A time the API takes (a span's start or end, an event's, a log record's timestamp): the value
 * when it is one the SDK can turn into a finite HrTime (a finite number, a valid Date, two finite
 * numbers), else undefined: the caller's "now".
 */
export function validTime(input: unknown, what: string): unknown {
  if (input === undefined) return undefined;
  if (typeof input === 'number' ? Number.isFinite(input) : readOr(() => isValidDateOrHrTime(input), false)) return input;
  warnMisuse(`${what} is ${describe(input)}, not a time`, 'the current time is used');
  return undefined;
}

function isValidDateOrHrTime(input: unknown): boolean {
  if (input instanceof Date) return Number.isFinite(input.getTime());
  return Array.isArray(input) && input.length === 2 && Number.isFinite(input[0]) && Number.isFinite(input[1]);
}

/** A span status the SDK can keep ({ code: 0 | 1 | 2, message?: string }), or undefined: the call is ignored. */
export function spanStatusOf(status: unknown): SpanStatus | undefined {
  if (status === null || typeof status !== 'object') {
    warnMisuse(`setStatus() was given ${describe(status)}`, 'the call is ignored');
    return undefined;
  }
  let code: unknown;
  let message: unknown;
  try {
    ({ code, message } = status as SpanStatus);
  } catch {
    warnMisuse('a span status cannot be read', 'the call is ignored');
    return undefined;
  }
  if (code !== SpanStatusCode.UNSET && code !== SpanStatusCode.OK && code !== SpanStatusCode.ERROR) {
    warnMisuse(`a span status code is ${describe(code)}`, 'the call is ignored');
    return undefined;
  }
  return message === undefined ? { code } : { code, message: message as string };
}

/**
 * A link the SDK can keep and the encoders can write: its context copied when the trace and span
 * IDs are strings (an invalid ID is kept as the SDK keeps it; only a wrong type is refused), a
 * trace state without `serialize()` left out. Undefined when there is no such context: the link
 * is dropped.
 */
export function linkOf(link: unknown): Link | undefined {
  try {
    const context = link !== null && typeof link === 'object' ? (link as Link).context : undefined;
    if (context === null || typeof context !== 'object' || typeof context.traceId !== 'string' || typeof context.spanId !== 'string') {
      warnMisuse(`a span link ${link === null || typeof link !== 'object' ? `is ${describe(link)}` : 'has no span context with string IDs'}`, 'the link is dropped');
      return undefined;
    }
    const flags = context.traceFlags;
    const state = context.traceState;
    const usableState = state === undefined || (state !== null && typeof state === 'object' && typeof state.serialize === 'function');
    if (!usableState) warnMisuse('a span link has a trace state without serialize()', 'it is left out');
    const ctx: SpanContext = { traceId: context.traceId, spanId: context.spanId, traceFlags: typeof flags === 'number' && Number.isInteger(flags) ? flags : 0 };
    if (usableState && state !== undefined) ctx.traceState = state;
    if (context.isRemote !== undefined) ctx.isRemote = context.isRemote === true;
    const attributes = (link as Link).attributes;
    return attributes === undefined ? { context: ctx } : { context: ctx, attributes };
  } catch {
    warnMisuse('a span link cannot be read', 'the link is dropped');
    return undefined;
  }
}

/** The links of a span's options, each checked (linkOf). */
export function linksOf(links: unknown): Link[] {
  if (!Array.isArray(links)) {
    warnMisuse(`a span's links are ${describe(links)}, not an array`, 'they are ignored');
    return [];
  }
  const out: Link[] = [];
  for (let i = 0; i < links.length; i++) {
    const link = linkOf(links[i]);
    if (link !== undefined) out.push(link);
  }
  return out;
}

/** What a value is, for a warning: its type, never its content (it may be personal data). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const t = typeof value;
  if (t === 'number') return Number.isNaN(value) ? 'NaN' : 'a number';
  if (t === 'object') return 'an object';
  return t === 'undefined' ? 'undefined' : `a ${t}`;
}
