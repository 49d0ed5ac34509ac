import { createRequire } from 'node:module';
import { SeverityNumber, type Logger, type LoggerProvider, type LogRecord } from '@opentelemetry/api-logs';
import type { Context } from '@opentelemetry/api';
import { shopDiag } from '../diag';
import { safeInfo } from './winston-safe-metadata';
import { installWinstonDebugGate } from './winston-debug-gate';
import { ownedEmitter, type DirectLogger, type OwnedPrimitiveRecord } from '../pipeline/direct-logs';

/**
 * The winston transport that turns a winston record into an SDK log record, in place of
 * @opentelemetry/winston-transport's OpenTelemetryTransportV3 (which instrumentation-winston adds
 * to every logger; see winston-instrumentation.ts for how ours is added instead).
 *
 * Why our own, measured (bench/micro/log-burst.mjs, redaction off, µs added per winston call; see
 * bench/RESULTS.md, "The winston call"): upstream's path costs per record a Writable stream's
 * write machinery (state, buffering, a process.nextTick per write), two object rests and a Set
 * in emitLogRecord, the @opentelemetry/api-logs global's hop, and our SafeLogger's copy check —
 * for a record whose values are, nearly always, all primitives. Here:
 *
 * - `write()` is winston-transport's own `_write` (level check, the transport's format) called
 *   directly: this transport never buffers or applies backpressure (log() is synchronous), so
 *   the Writable state machine in front of it does nothing but cost. Ending, piping and
 *   unpiping are the stream's, unchanged.
 * - A record whose body and metadata are all primitives, with no exception candidate (`err`,
 *   `error`, a `stack`, an error-like splat argument), is built in one pass over its keys and
 *   emitted straight into the SDK's log processors (the SafeLogger's check would find nothing to
 *   copy; pipeline/direct-logs.ts builds the record without the SDK's LogRecordImpl).
 *   The attributes, severity, body, event name and context are exactly what upstream builds.
 * - Any other record takes upstream's exact path (safeInfo's copy, then upstream's
 *   emitLogRecord into the SafeLogger): exception payloads, Error serialisation, hostile values,
 *   all as before.
 * The instrumentation scope is upstream's name and version, so nothing changes on the wire.
 */

/* eslint-disable @typescript-eslint/no-require-imports */
const upstreamDir = require.resolve('@opentelemetry/winston-transport');
const requireUpstream = createRequire(upstreamDir);
// winston-transport as upstream resolves it (the same base class the app's winston expects).
const TransportStream = requireUpstream('winston-transport') as new (opts?: object) => TransportLike;
const upstreamUtils = require('@opentelemetry/winston-transport/build/src/utils') as { emitLogRecord(info: object, logger: Logger): void };
const { PACKAGE_NAME, PACKAGE_VERSION } = require('@opentelemetry/winston-transport/build/src/version') as { PACKAGE_NAME: string; PACKAGE_VERSION: string };
/* eslint-enable @typescript-eslint/no-require-imports */

interface TransportLike {
  _write(info: object, enc: string | undefined, cb: (e?: unknown) => void): void;
  _writableState: { ending?: boolean; destroyed?: boolean; ended?: boolean };
  emit(event: string, ...args: unknown[]): boolean;
}

const LEVEL = Symbol.for('level');
const SPLAT = Symbol.for('splat');
const OTEL_CONTEXT = Symbol.for('opentelemetry.js.contrib.winston.context');
// ATTR_OTEL_EVENT_NAME of the semantic conventions, as upstream reads it.
const EVENT_NAME = 'otel.event.name';

// Upstream's level maps (winston-transport utils.ts getSeverityNumber), first match wins.
const S = SeverityNumber;
const SEVERITY_MAPS: Array<Record<string, SeverityNumber>> = [
  { fatal: S.FATAL, error: S.ERROR, warn: S.WARN, info: S.INFO, debug: S.DEBUG, trace: S.TRACE },
  { error: S.ERROR, warn: S.WARN, info: S.INFO, http: S.DEBUG3, verbose: S.DEBUG2, debug: S.DEBUG, silly: S.TRACE },
  { emerg: S.FATAL3, alert: S.FATAL2, crit: S.FATAL, error: S.ERROR, warning: S.WARN, notice: S.INFO2, info: S.INFO, debug: S.DEBUG },
  { error: S.ERROR, warn: S.WARN, help: S.INFO3, data: S.INFO2, info: S.INFO, debug: S.DEBUG, prompt: S.TRACE4, verbose: S.TRACE3, input: S.TRACE2, silly: S.TRACE },
];
export function severityOf(level: unknown): SeverityNumber | undefined {
  if (typeof level !== 'string') return undefined;
  for (const m of SEVERITY_MAPS) if (Object.hasOwn(m, level)) return m[level];
  return undefined;
}

/** True for what upstream's emitLogRecord passes through as it is and the SafeLogger would not copy. */
function primitive(v: unknown): boolean {
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean' || v === undefined || v === null;
}

/** An error-like value as upstream's isSdkLogsExceptionCandidate sees it (reads that throw count as one: the slow path copes). */
function exceptionLike(v: unknown): boolean {
  if (typeof v === 'string' || typeof v === 'number') return true;
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return o.code != null || o.name != null || o.message != null || o.stack != null;
}

type Info = Record<string | symbol, unknown>;

/**
 * The SDK record for `info`, or undefined when `info` needs upstream's path (a non-primitive
 * value or body, an exception candidate). Never throws for a getter: a throwing read answers undefined.
 */
export function fastRecord(info: Info, out?: { count: number }): LogRecord | undefined {
  if (info.err !== undefined || info.error !== undefined || typeof info.stack === 'string') return undefined;
  const splat = info[SPLAT];
  if (Array.isArray(splat)) for (let i = 0; i < splat.length; i++) if (exceptionLike(splat[i])) return undefined;
  const body = info.message;
  if (!primitive(body)) return undefined;
  const attributes: Record<string, unknown> = {};
  let eventName: string | undefined;
  // The attributes' key count, for a record handed over as it is (direct-logs.ts OwnedPrimitiveRecord); -1 (copy) with an empty key, which the SDK refuses.
  let count = 0;
  const keys = Object.keys(info);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    let v: unknown;
    try {
      v = info[k];
    } catch {
      return undefined;
    }
    if (!primitive(v)) return undefined;
    switch (k) {
      case 'message':
      case 'level':
      case 'trace_id':
      case 'span_id':
      case 'trace_flags':
        continue;
      case EVENT_NAME:
        if (typeof v === 'string') eventName = v;
        continue;
      default:
        if (v === undefined) continue; // the SDK's record leaves an undefined value out
        attributes[k] = v;
        count = k.length === 0 || count < 0 ? -1 : count + 1;
    }
  }
  const level = info[LEVEL];
  const record: LogRecord = { severityNumber: severityOf(level), severityText: level as string | undefined, body: body as LogRecord['body'], attributes: attributes as LogRecord['attributes'] };
  const ctx = info[OTEL_CONTEXT] as Context | undefined;
  if (ctx) record.context = ctx;
  if (eventName !== undefined) record.eventName = eventName;
  if (out !== undefined) out.count = count;
  return record;
}

/** Where the records go: the direct provider into the SDK's processors (the fast path) and the SafeLoggerProvider (upstream's path). */
export interface WinstonSink {
  sdk: LoggerProvider;
  safe: LoggerProvider;
}

const noop = () => undefined;
const counted = { count: -1 };

export class WinstonRecordTransport extends TransportStream {
  private readonly logger: Logger;
  private readonly emitOwned: DirectLogger['emitOwned'] | undefined;
  private readonly safeLogger: Logger;

  constructor(sink: WinstonSink, options?: object) {
    super(options);
    this.logger = sink.sdk.getLogger(PACKAGE_NAME, PACKAGE_VERSION);
    this.emitOwned = ownedEmitter(this.logger);
    this.safeLogger = sink.safe.getLogger(PACKAGE_NAME, PACKAGE_VERSION);
  }

  /** The Writable's write without its machinery (see above); an ending or destroyed stream keeps the stream's own answer. */
  write(info: object, enc?: unknown, cb?: unknown): boolean {
    const state = this._writableState;
    const done = (typeof enc === 'function' ? enc : typeof cb === 'function' ? cb : noop) as (e?: unknown) => void;
    if (state.ending || state.ended || state.destroyed) return (TransportStream.prototype as unknown as { write: (...a: unknown[]) => boolean }).write.call(this, info, enc, cb);
    this._write(info, undefined, done);
    return true;
  }

  log(info: Info, callback?: () => void): void {
    try {
      const record = fastRecord(info, counted);
      // The attributes object is fresh and all primitives: handed over, not copied again.
      if (record !== undefined) this.emitOwned !== undefined && counted.count >= 0 ? this.emitOwned(record as OwnedPrimitiveRecord, counted.count) : this.logger.emit(record);
      else upstreamUtils.emitLogRecord(safeCopy(info), this.safeLogger);
    } catch (error) {
      shopDiag.debug('a winston record could not be emitted', error);
    }
    this.emit('logged', info);
    if (callback) callback();
  }
}

function safeCopy(info: Info): Info {
  try {
    return safeInfo(info);
  } catch {
    return info;
  }
}

installWinstonDebugGate(WinstonRecordTransport.prototype);
