import type { Logger, LoggerProvider, LogRecord } from '@opentelemetry/api-logs';
import { shopDiag } from '../diag';
import { isContext, nameOf, optionalText, readOr, scopeOptionsOf, textOf, UNREADABLE, validTime, warnMisuse } from '../api-inputs';

/**
 * Log records as the app hands them over (winston metadata, the events API's attributes) can
 * hold anything: cycles, BigInts, Symbol keys, class instances, getters that throw. The SDK
 * validates attribute values when the record is built, on the app's call path: a cycle or a
 * BigInt drops that attribute, and a getter that throws loses the whole record. So the global
 * LoggerProvider is wrapped: a record whose body or attributes hold an object is copied first
 * into plain, finite, acyclic values (a BigInt becomes its decimal text, a Date its ISO form, a
 * cycle `[circular]`, an unreadable property `[unreadable]`, at most MAX_DEPTH levels and
 * MAX_NODES nodes), and emit never throws. Records of primitives only — nearly all — cost one
 * pass over their attribute values.
 */
export const MAX_DEPTH = 8;
export const MAX_NODES = 2000;

type Budget = { nodes: number; seen: WeakSet<object> };

function plain(value: unknown, depth: number, budget: Budget): unknown {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return value;
    case 'bigint':
      return value.toString();
    case 'symbol':
      return value.toString();
    case 'function':
      return '[function]';
    default:
      break;
  }
  if (value === null || value instanceof Uint8Array) return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  // Errors are left to whoever serialises them (the winston transport records their stack).
  if (value instanceof Error) return value;
  const obj = value as object;
  if (budget.seen.has(obj)) return '[circular]';
  if (depth >= MAX_DEPTH || ++budget.nodes > MAX_NODES) return '[truncated]';
  budget.seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      const out: unknown[] = [];
      for (let i = 0; i < obj.length && budget.nodes <= MAX_NODES; i++) out.push(read(obj, i, depth, budget));
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(obj)) {
      if (++budget.nodes > MAX_NODES) break;
      out[k] = read(obj, k, depth, budget);
    }
    return out;
  } catch {
    return UNREADABLE;
  } finally {
    budget.seen.delete(obj);
  }
}

function read(holder: object, key: string | number, depth: number, budget: Budget): unknown {
  try {
    return plain((holder as Record<string | number, unknown>)[key], depth + 1, budget);
  } catch {
    return UNREADABLE;
  }
}

/** A value as a valid, finite log AnyValue. */
export function toPlainValue(value: unknown): unknown {
  // A Proxy can throw even where `instanceof` looks (its prototype): the whole value is then unreadable.
  return readOr(() => plain(value, 0, { nodes: 0, seen: new WeakSet() }), UNREADABLE);
}

/** True when the value is not a primitive the SDK keeps as it is (or cannot be read: a Proxy that throws). */
export function needsCopy(v: unknown): boolean {
  if (typeof v === 'object' && v !== null) {
    try {
      return !(v instanceof Uint8Array);
    } catch {
      return true;
    }
  }
  return typeof v === 'bigint' || typeof v === 'symbol' || typeof v === 'function';
}

/**
 * The record as the SDK can keep it and the encoders write it, or undefined when there is none
 * to read (a record that is not an object, or whose fields throw on reading). Besides the values
 * above, the fields the SDK keeps as given are checked (api-inputs.ts): a severityText or
 * eventName that is not a string becomes its text, a severityNumber that is not an integer is
 * left out, a time that is not one becomes now, a context that is not a Context the active one,
 * attributes that are not an object none, an exception whose fields cannot be read a plain copy.
 * Before, each of these either lost the record or (severityText, eventName) failed its batch in
 * the encoder. Ordinary records cost a `typeof` per field.
 */
export function safeRecord(record: LogRecord): LogRecord | undefined {
  if (record === null || typeof record !== 'object') {
    warnMisuse(`a log record is ${record === null ? 'null' : `a ${typeof record}`}, not an object`, 'nothing is emitted');
    return undefined;
  }
  let fields: LogRecord;
  try {
    const { severityText, severityNumber, eventName, timestamp, observedTimestamp, context, exception, attributes, body } = record;
    fields = { severityText, severityNumber, eventName, timestamp, observedTimestamp, context, exception, attributes, body };
  } catch {
    warnMisuse('a log record cannot be read', 'nothing is emitted');
    return undefined;
  }
  let out = checkedFields(record, fields);
  const attrs = fields.attributes as Record<string, unknown> | undefined;
  if (attrs !== undefined && attrs !== null && typeof attrs === 'object') {
    let keys: string[] | undefined;
    try {
      keys = Object.keys(attrs);
    } catch {
      keys = undefined;
    }
    const values: unknown[] = [];
    let copy: Record<string, unknown> | undefined = keys === undefined ? {} : undefined;
    if (keys === undefined) warnMisuse("a log record's attributes cannot be read", 'the record is emitted without them');
    for (let i = 0; keys !== undefined && i < keys.length; i++) {
      let v: unknown;
      let unreadable = false;
      try {
        v = attrs[keys[i]];
      } catch {
        unreadable = true;
      }
      values.push(v);
      if (unreadable || needsCopy(v)) {
        if (copy === undefined) {
          copy = {};
          for (let j = 0; j < i; j++) copy[keys[j]] = values[j];
        }
        copy[keys[i]] = unreadable ? UNREADABLE : toPlainValue(v);
      } else if (copy !== undefined) copy[keys[i]] = v;
    }
    if (copy !== undefined) out = { ...out, attributes: copy as LogRecord['attributes'] };
  }
  if (needsCopy(fields.body)) out = { ...out, body: toPlainValue(fields.body) as LogRecord['body'] };
  return out;
}

/** `record`, or a copy with the fields of the wrong type replaced (see safeRecord). */
function checkedFields(record: LogRecord, f: LogRecord): LogRecord {
  let fix: Record<string, unknown> | undefined;
  if (f.severityText !== undefined && typeof f.severityText !== 'string') (fix ??= {}).severityText = optionalText(f.severityText, "a log record's severityText");
  if (f.eventName !== undefined && typeof f.eventName !== 'string') (fix ??= {}).eventName = optionalText(f.eventName, "a log record's eventName");
  // The OTLP enum's values (SeverityNumber: 0 unspecified, 1 TRACE to 24 FATAL4); past int32 the encoders would not even agree.
  const sn = f.severityNumber as unknown;
  if (sn !== undefined && !(typeof sn === 'number' && Number.isInteger(sn) && sn >= 0 && sn <= 24)) {
    warnMisuse("a log record's severityNumber is not one of 0-24", 'it is left out');
    (fix ??= {}).severityNumber = undefined;
  }
  if (f.timestamp !== undefined && !(typeof f.timestamp === 'number' && Number.isFinite(f.timestamp))) {
    const t = validTime(f.timestamp, "a log record's timestamp");
    if (t === undefined) (fix ??= {}).timestamp = undefined;
  }
  if (f.observedTimestamp !== undefined && !(typeof f.observedTimestamp === 'number' && Number.isFinite(f.observedTimestamp))) {
    const t = validTime(f.observedTimestamp, "a log record's observedTimestamp");
    if (t === undefined) (fix ??= {}).observedTimestamp = undefined;
  }
  if (f.context !== undefined && !isContext(f.context)) {
    warnMisuse("a log record's context is not a Context", 'the active context is used');
    (fix ??= {}).context = undefined;
  }
  if (f.exception !== undefined && f.exception !== null && typeof f.exception !== 'string') {
    const plainException = exceptionOf(f.exception);
    if (plainException !== f.exception) (fix ??= {}).exception = plainException;
  }
  if (f.attributes !== undefined && (f.attributes === null || typeof f.attributes !== 'object')) {
    warnMisuse(`a log record's attributes are ${f.attributes === null ? 'null' : `a ${typeof f.attributes}`}, not an object`, 'the record is emitted without them');
    (fix ??= {}).attributes = undefined;
  }
  if (fix === undefined) return record;
  // Built from the fields as read, without those left undefined: the SDK's Logger spreads the
  // record over the active context, so an own `context: undefined` would uncorrelate it.
  const out: Record<string, unknown> = {};
  const merged: Record<string, unknown> = { ...f, ...fix };
  for (const key of Object.keys(merged)) if (merged[key] !== undefined) out[key] = merged[key];
  return out as LogRecord;
}

/** An exception the SDK can read: the value itself, its text if it is not an object, or a plain copy if reading its fields throws. */
function exceptionOf(exception: unknown): unknown {
  if (typeof exception !== 'object' && typeof exception !== 'function') return textOf(exception);
  const e = exception as { code?: unknown; name?: unknown; message?: unknown; stack?: unknown };
  // What LogRecordImpl reads of it: the four fields, the code's toString(), and the whole as text when none names it.
  const readable = readOr(() => {
    const { code, name, message } = e;
    void e.stack;
    if (code) void (code as { toString(): unknown }).toString();
    else if (!name && !message) void String(exception);
    return true;
  }, false);
  if (readable) return exception;
  warnMisuse("a log record's exception cannot be read", 'what can be read of it is used');
  const copy: Record<string, string> = {};
  for (const key of ['code', 'name', 'message', 'stack'] as const) {
    const value = readOr(() => e[key], undefined);
    if (value !== undefined && value !== null) copy[key] = textOf(value);
  }
  return copy;
}

class SafeLogger implements Logger {
  constructor(private readonly inner: Logger) {}

  enabled(options?: Parameters<Logger['enabled']>[0]): boolean {
    try {
      return this.inner.enabled(options);
    } catch {
      return false;
    }
  }

  emit(record: LogRecord): void {
    try {
      const safe = safeRecord(record);
      if (safe !== undefined) this.inner.emit(safe);
    } catch (e) {
      shopDiag.debug('a log record could not be emitted', e);
    }
  }
}

type LoggerOptions = Parameters<LoggerProvider['getLogger']>[2];

/** The LoggerProvider the app and the instrumentations see. */
export class SafeLoggerProvider implements LoggerProvider {
  constructor(private readonly inner: LoggerProvider) {}

  getLogger(name: string, version?: string, options?: Parameters<LoggerProvider['getLogger']>[2]): Logger {
    // A scope name that is not a string failed every batch its records were in (api-inputs.ts).
    if (typeof name !== 'string') name = nameOf(name, 'a logger name');
    if (version !== undefined && typeof version !== 'string') version = optionalText(version, 'a logger version');
    if (options !== undefined) options = scopeOptionsOf<NonNullable<LoggerOptions>>(options);
    try {
      return new SafeLogger(this.inner.getLogger(name, version, options));
    } catch {
      warnMisuse("a logger's scope attributes cannot be read", 'the logger is made without them');
      return new SafeLogger(this.inner.getLogger(name, version, options?.schemaUrl === undefined ? undefined : { schemaUrl: options.schemaUrl }));
    }
  }
}
