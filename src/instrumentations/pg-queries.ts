import { context, createNoopMeter, diag, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { safeExecuteInTheMiddle } from '@opentelemetry/instrumentation';
import { PgInstrumentation, type PgInstrumentationConfig } from '@opentelemetry/instrumentation-pg';
import { addSqlCommenterComment } from '@opentelemetry/sql-common';
import { handOverAttributes } from '../trace/hand-over';

/**
 * instrumentation-pg as it is — its pool and connection patches, its pool metrics, its
 * configuration — with a leaner `Client.prototype.query` wrapper in place of upstream's
 * `_getClientQueryPatch` (a private method of 0.77; if an upgrade renames it, queries take
 * upstream's wrapper, still traced, and test/pg-queries.test.ts fails on LEAN_QUERY).
 *
 * Why: the query wrapper was the largest single entry into telemetry code on the order mix's
 * profile (bench/micro/cpu-profile.mjs 450 9000 on the build before, each sample charged to its
 * entry into telemetry code as BENCH_PROFILE_ENTRIES now does: ~60 µs per query with its span's
 * start, ~25 more at its end). bench/micro/pg-query.mjs against the build before (this wrapper
 * with the bundle's patches of sdk-trace, sql-common and context.bind): 17 to 43 µs less CPU per
 * query in three runs (bench/RESULTS.md, "The span path, pg's query wrapper and the baggage header").
 * Upstream's, besides the span: the query's first word parsed twice (span name and metric
 * attribute), the connection's attributes built twice (span and metric), `db.query.text` set after
 * the start (a second attribute pass), a metric attribute set, a closure and two clock reads per
 * query for `db.client.operation.duration` even when that histogram records nothing (our default:
 * pipeline/duration-metrics.ts), and an object spread for query objects. This wrapper makes the
 * same span: the same name, kind, attributes in the same order, status, exception event,
 * sqlcommenter comment, callback context and end — test/pg-queries.test.ts compares them with
 * upstream's for every form of `query()` against a real PostgreSQL, and checks that the wrapper in
 * place is this one (LEAN_QUERY). With `enhancedDatabaseReporting`, `enableTraceContextPropagation`,
 * `requireParentSpan` or a `requestHook` (shop-otel's configuration sets none of them) it is
 * upstream's wrapper. Two differences, neither visible in what is exported: the sampler sees
 * `db.query.text` among the start attributes (samplers that read attributes are not among those
 * the configuration offers), and when the duration histogram is the no-op one, no duration is
 * computed for it.
 */

type QueryConfig = { text: string; values?: unknown[]; name?: string; callback?: Callback };
type Callback = (this: unknown, err: unknown, res: unknown) => unknown;
type Query = (this: PgClient, ...args: unknown[]) => unknown;
interface PgClient {
  database?: string;
  connectionParameters: { database?: string; host?: string; port?: unknown };
}
interface Plugin {
  tracer: ReturnType<typeof trace.getTracer>;
  getConfig(): PgInstrumentationConfig;
  recordOperationDuration(attributes: Attributes, startTime: ReturnType<typeof hrTime>): void;
  _operationDuration: unknown;
}

const NOOP_HISTOGRAM = createNoopMeter().createHistogram('noop');
const DB_SYSTEM = 'postgresql';

// Upstream's helpers below are copied, not called: the package exports only its index, not its utils.

/** Upstream's parseNormalizedOperationName. */
function operationName(text: string): string {
  const trimmed = text.trim();
  const space = trimmed.indexOf(' ');
  const command = (space === -1 ? trimmed : trimmed.slice(0, space)).toUpperCase();
  return command.endsWith(';') ? command.slice(0, -1) : command;
}

/** Upstream's sanitizedErrorMessage: the error's type and PostgreSQL code, never its message. */
function sanitizedError(error: { name?: string; code?: string }): string {
  return `PostgreSQL error of type '${error?.name ?? 'PostgreSQLError'}' occurred (code: ${error?.code ?? 'UNKNOWN'})`;
}

function failed(span: Span, error: unknown, message: string | undefined): void {
  if (error instanceof Error) span.recordException(sanitizedError(error as { name?: string; code?: string }));
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

function responded(config: PgInstrumentationConfig, span: Span, result: unknown): void {
  const hook = config.responseHook;
  if (typeof hook === 'function') safeExecuteInTheMiddle(() => hook(span, { data: result as never }), (err) => err && diag.error('Error running response hook', err), true);
}

/** Marks the wrapper in place on `Client.prototype.query` as this one (for the test). */
export const LEAN_QUERY = Symbol.for('shop-otel.pg.lean-query');

function leanQueryPatch(plugin: Plugin): (original: Query) => Query {
  return (original) => {
    const query = function query(this: PgClient, ...args: unknown[]) {
      const config = plugin.getConfig();
      const recording = plugin._operationDuration !== NOOP_HISTOGRAM;
      const startTime = recording ? hrTime() : undefined;
      const arg0 = args[0];
      const isString = typeof arg0 === 'string';
      const isObject = !isString && typeof arg0 === 'object' && arg0 !== null && typeof (arg0 as QueryConfig).text === 'string';
      const q = arg0 as QueryConfig;
      const text = isString ? (arg0 as string) : isObject ? q.text : undefined;
      const params = this.connectionParameters;
      const dbName = params.database;
      // Upstream's getQuerySpanName, getSemanticAttributesFromConnection and handleConfigQuery, in one pass.
      const operation = text === undefined ? undefined : operationName(text);
      const named = isObject && typeof q.name === 'string';
      const spanName = text === undefined ? 'pg.query' : `pg.query:${named && q.name ? q.name : operation}${dbName ? ` ${dbName}` : ''}`;
      const attributes: Attributes = { 'db.system.name': DB_SYSTEM, 'db.namespace': dbName, 'server.address': params.host, 'server.port': Number.isInteger(params.port) ? (params.port as number) : undefined };
      if (text) attributes['db.query.text'] = text;
      if (named) attributes['db.postgresql.plan'] = q.name;
      const span = plugin.tracer.startSpan(spanName, { kind: SpanKind.CLIENT, attributes: handOverAttributes(attributes) });
      // The duration metric, as upstream records it, only when its histogram records.
      let duration: Duration | undefined;
      if (recording) {
        const metricAttributes: Attributes = { 'db.system.name': DB_SYSTEM, 'db.namespace': this.database, 'server.port': params.port as number, 'server.address': params.host };
        if (text) metricAttributes['db.operation.name'] = operation;
        duration = { attributes: metricAttributes, startTime: startTime!, plugin };
      }
      if (config.addSqlCommenterCommentToQueries) {
        if (isString) args[0] = addSqlCommenterComment(span, arg0 as string);
        else if (isObject && (!('name' in q) || q.name === undefined)) args[0] = { ...q, text: addSqlCommenterComment(span, q.text) };
      }
      if (args.length > 0) {
        const active = context.active();
        const hasParent = trace.getSpan(active) !== undefined;
        const last = args.length - 1;
        if (typeof args[last] === 'function') {
          const cb = endingCallback(config, span, args[last] as Callback, duration);
          args[last] = hasParent ? context.bind(active, cb) : cb;
        } else if (isObject && typeof q.callback === 'function') {
          const cb = endingCallback(config, span, q.callback, duration);
          (args[0] as QueryConfig).callback = hasParent ? context.bind(active, cb) : cb;
        }
      }
      let result: unknown;
      try {
        result = original.apply(this, args);
      } catch (e) {
        failed(span, e, typeof e === 'object' && e !== null && 'message' in e ? String((e as Error).message) : undefined);
        span.end();
        throw e;
      }
      if (result instanceof Promise) {
        return result.then(
          (value) => {
            responded(plugin.getConfig(), span, value);
            record(duration);
            span.end();
            return value;
          },
          (error: unknown) => {
            failed(span, error, (error as Error)?.message);
            record(duration);
            span.end();
            throw error;
          },
        );
      }
      return result;
    };
    (query as unknown as Record<symbol, boolean>)[LEAN_QUERY] = true;
    return query;
  };
}

interface Duration {
  attributes: Attributes;
  startTime: ReturnType<typeof hrTime>;
  plugin: Plugin;
}
function record(duration: Duration | undefined): void {
  if (duration !== undefined) duration.plugin.recordOperationDuration(duration.attributes, duration.startTime);
}

/** Upstream's patchCallback: the span ends before the app's callback runs. */
function endingCallback(config: PgInstrumentationConfig, span: Span, cb: Callback, duration: Duration | undefined): Callback {
  return function patchedCallback(this: unknown, err: unknown, res: unknown) {
    if (err) {
      if (duration !== undefined && Object.prototype.hasOwnProperty.call(err, 'code')) duration.attributes['error.type'] = (err as { code?: string }).code;
      failed(span, err, (err as Error).message);
    } else responded(config, span, res);
    record(duration);
    span.end();
    cb.call(this, err, res);
  };
}

export class ShopPgInstrumentation extends PgInstrumentation {
  constructor(config: PgInstrumentationConfig) {
    super(config);
    // What this wrapper does not do (shop-otel's configuration sets none of them): upstream's wrapper.
    if (config.enhancedDatabaseReporting === true || config.enableTraceContextPropagation === true || config.requireParentSpan === true || typeof config.requestHook === 'function') return;
    // Private in upstream's typings; read by its _patchPgClient when pg is loaded (after this constructor).
    (this as unknown as { _getClientQueryPatch: () => (original: Query) => Query })._getClientQueryPatch = () => leanQueryPatch(this as unknown as Plugin);
  }
}
