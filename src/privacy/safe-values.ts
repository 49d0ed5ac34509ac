import type { Logger, LoggerProvider, LogRecord } from '@opentelemetry/api-logs';
import { shopDiag } from '../diag';

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
    return '[unreadable]';
  } finally {
    budget.seen.delete(obj);
  }
}

function read(holder: object, key: string | number, depth: number, budget: Budget): unknown {
  try {
    return plain((holder as Record<string | number, unknown>)[key], depth + 1, budget);
  } catch {
    return '[unreadable]';
  }
}

/** A value as a valid, finite log AnyValue. */
export function toPlainValue(value: unknown): unknown {
  return plain(value, 0, { nodes: 0, seen: new WeakSet() });
}

export function needsCopy(v: unknown): boolean {
  return (typeof v === 'object' && v !== null && !(v instanceof Uint8Array)) || typeof v === 'bigint' || typeof v === 'symbol' || typeof v === 'function';
}

export function safeRecord(record: LogRecord): LogRecord {
  let out = record;
  const attrs = record.attributes as Record<string, unknown> | undefined;
  if (attrs !== undefined && attrs !== null) {
    const keys = Object.keys(attrs);
    const values: unknown[] = [];
    let copy: Record<string, unknown> | undefined;
    for (let i = 0; i < keys.length; i++) {
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
        copy[keys[i]] = unreadable ? '[unreadable]' : toPlainValue(v);
      } else if (copy !== undefined) copy[keys[i]] = v;
    }
    if (copy !== undefined) out = { ...record, attributes: copy as LogRecord['attributes'] };
  }
  if (needsCopy(record.body)) out = { ...out, body: toPlainValue(record.body) as LogRecord['body'] };
  return out;
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
      this.inner.emit(safeRecord(record));
    } catch (e) {
      shopDiag.debug('a log record could not be emitted', e);
    }
  }
}

/** The LoggerProvider the app and the instrumentations see. */
export class SafeLoggerProvider implements LoggerProvider {
  constructor(private readonly inner: LoggerProvider) {}

  getLogger(name: string, version?: string, options?: Parameters<LoggerProvider['getLogger']>[2]): Logger {
    return new SafeLogger(this.inner.getLogger(name, version, options));
  }
}
