import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_COMPONENT } from '../attributes';
import { getScope, setScope } from '../business-ids/scope';
import { scopeOfSpan } from '../business-ids/span-processor';
import type { PolicyConfig } from '../config';
import { shopDiag } from '../diag';
import { emitEvent } from './emitter';
import { RateLimiter, SlidingWindowCounter } from './rate';
import { COMPONENTS, isComponent, type EventName } from './schema';

/**
 * The policy's automatic WARNING and ERROR events (and the rate-limited INFO events of the
 * databases and the queue), derived from the spans the instrumentations already make: no code
 * in the app. Runs at span end, off the app's call path; it observes only and hands nothing on.
 *
 *   HTTP server span   5xx or exception      -> the component's failure event (shop.order.failed, …) or http.server.failed
 *                      slower than threshold -> http.server.slow_response
 *                      crm-api, per customer -> crm.customer.unusual_activity (sliding window)
 *                      file-storage, /files  -> storage.file.operation / storage.file.access_failed
 *   pg query span      error                 -> db.query.failed; slow -> db.query.slow; else db.query.completed (rate-limited)
 *   amqplib consume    processed             -> messaging.message.processed (rate-limited)
 *                      rejected w/o requeue  -> messaging.routing.failed (dead-lettered) + the component's failure event
 *                      mes-api, late order   -> mes.order.delayed
 *   amqplib publish    error / nack          -> messaging.delivery.failed
 */
// Server spans come from our instrumentation (instrumentations/http-server.ts); upstream's name is kept for apps that add instrumentation-http themselves.
const HTTP_SERVER = new Set(['shop-otel-http-server', '@opentelemetry/instrumentation-http']);
const PG = '@opentelemetry/instrumentation-pg';
const AMQP = '@opentelemetry/instrumentation-amqplib';

const FILE_PARAMS = ['fileId', 'file_id', 'modelFileId', 'id'];
const FILE_OPERATION: Record<string, string> = { GET: 'read', HEAD: 'read', PUT: 'write', POST: 'write', PATCH: 'write', DELETE: 'delete' };

/** The first word of a query text (linear: one run of spaces, then one of non-spaces). */
const FIRST_WORD = /^\s*(\S+)/;
const QUERY_TEXTS_MAX = 512;
const QUERY_TEXT_CACHED_MAX = 1024;
/** Databases, and operations per database, whose rate-limiter key is kept (at most 64 × 256 short strings). */
const QUERY_DBS_MAX = 64;
const QUERY_OPS_MAX = 256;

/** The attributes every query event carries; built only for a query that makes one. */
function queryBase(db: string, op: string): Attributes {
  return { 'db.system.name': 'postgresql', 'db.namespace': db, 'db.operation.name': op };
}

/** The value of a route template's parameter in a concrete path: ('/files/:fileId', '/files/a.stl') -> {fileId: 'a.stl'}. */
export function routeParams(route: string, path: string): Record<string, string> {
  const r = route.split('/');
  const p = path.split('?')[0].split('/');
  const out: Record<string, string> = {};
  if (r.length !== p.length) return out;
  for (let i = 0; i < r.length; i++) {
    if (r[i].startsWith(':')) {
      try {
        out[r[i].slice(1).replace(/\?$/, '')] = decodeURIComponent(p[i]);
      } catch {
        out[r[i].slice(1)] = p[i];
      }
    }
  }
  return out;
}

export class PolicySpanProcessor implements SpanProcessor {
  private readonly infoLimiter: RateLimiter;
  private readonly markerLimiter = new RateLimiter(1);
  private readonly customers: SlidingWindowCounter;
  private readonly delayed = new Set<string>();
  private readonly failureEvent: EventName | undefined;
  private readonly queryKeys = new Map<string, Map<string, string>>();
  private readonly components = new Map<string, string>();
  private readonly operations = new Map<string, string>();

  constructor(
    private readonly component: string | undefined,
    private readonly policy: PolicyConfig,
  ) {
    this.infoLimiter = new RateLimiter(policy.infoEventsPerSecond);
    this.customers = new SlidingWindowCounter(policy.customerRateLimit, policy.customerRateWindowS * 1000);
    this.failureEvent = component !== undefined && isComponent(component) ? COMPONENTS[component].failureEvent : undefined;
  }

  /** A refused debug marker is reported once, on the first span of its request (at most one a second). */
  onStart(span: Span, parentContext: Context): void {
    const scope = getScope(parentContext);
    if (scope?.debugRejected === undefined) return;
    const reason = scope.debugRejected;
    scope.debugRejected = undefined;
    if (this.markerLimiter.allow('marker')) {
      emitEvent('shop.debug.marker_rejected', { 'shop.debug.reason': reason }, { context: trace.setSpan(parentContext, span), body: `per-request DEBUG marker ignored: ${reason}` });
    }
  }

  onEnd(span: ReadableSpan): void {
    try {
      const scope = span.instrumentationScope.name;
      if (HTTP_SERVER.has(scope) && span.kind === SpanKind.SERVER) this.httpServer(span);
      else if (scope === PG && span.attributes['db.query.text'] !== undefined) this.query(span);
      else if (scope === AMQP && span.kind === SpanKind.CONSUMER) this.consumed(span);
      else if (scope === AMQP && span.kind === SpanKind.PRODUCER && span.status.code === SpanStatusCode.ERROR) this.publishFailed(span);
    } catch (e) {
      shopDiag.debug('policy rule failed', e);
    }
  }

  /** The span's own context (trace correlation) with its request's business IDs. */
  private ctx(span: ReadableSpan): Context {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, span.spanContext());
    const scope = scopeOfSpan(span as unknown as Span);
    return scope ? setScope(ctx, scope) : ctx;
  }

  private emit(name: EventName, span: ReadableSpan, attributes: Attributes, body: string, component?: string): void {
    // The component's key written as a literal: a computed key in an object literal takes V8's
    // slow path (as the amqplib publish span's attributes did, `cpu-profile.mjs` BENCH_PROFILE_LINES).
    emitEvent(name, component ? Object.assign({ 'shop.component': component } satisfies Record<typeof ATTR_COMPONENT, string>, attributes) : attributes, { context: this.ctx(span), body });
  }

  private httpServer(span: ReadableSpan): void {
    const a = span.attributes;
    const status = Number(a['http.response.status_code'] ?? 0);
    const method = String(a['http.request.method'] ?? 'GET');
    const route = a['http.route'] !== undefined ? String(a['http.route']) : undefined;
    const ms = Math.round(hrTimeToMilliseconds(span.duration));
    const failed = status >= 500 || (status === 0 && span.status.code === SpanStatusCode.ERROR);
    // Most requests make no event: nothing more to build for them.
    if (!failed && status !== 401 && status !== 403 && ms <= this.policy.slowResponseMs && this.component !== 'file-storage' && this.component !== 'crm-api') return;
    const base: Attributes = { 'http.request.method': method, 'http.route': route ?? '(unmatched)', 'http.response.status_code': status, 'http.response.duration_ms': ms };

    if (this.component === 'file-storage' && route !== undefined && /\/files?\b/.test(route)) {
      const params = routeParams(route, String(a['url.path'] ?? ''));
      const fileId = FILE_PARAMS.map((p) => params[p]).find((v) => v !== undefined);
      const op = FILE_OPERATION[method] ?? method.toLowerCase();
      const fileAttrs = { ...base, ...(fileId !== undefined ? { 'storage.file.id': fileId } : {}), 'storage.operation.type': op };
      if (status >= 400 || failed) this.emit('storage.file.access_failed', span, { ...fileAttrs, 'error.type': String(a['error.type'] ?? status) }, `file ${op} failed: ${method} ${route} -> ${status}`);
      else this.emit('storage.file.operation', span, fileAttrs, `file ${op}`);
    } else if (status === 401 || status === 403) {
      // Refused credentials are security events: the collector sends them to the SIEM.
      this.emit('http.server.auth_failed', span, { ...base, 'error.type': String(status) }, `${method} ${route ?? '(unmatched)'} refused with ${status}`);
    } else if (failed) {
      const name = this.failureEvent ?? 'http.server.failed';
      this.emit(name, span, { ...base, 'error.type': String(a['error.type'] ?? (status || 'exception')) }, `${method} ${route ?? a['url.path'] ?? ''} failed with ${status || 'an exception'}`);
    }
    if (ms > this.policy.slowResponseMs) {
      this.emit('http.server.slow_response', span, base, `slow response: ${method} ${route ?? '(unmatched)'} took ${ms} ms (threshold ${this.policy.slowResponseMs} ms)`);
    }
    if (this.component === 'crm-api') {
      const customer = scopeOfSpan(span as unknown as Span)?.customerId;
      if (customer !== undefined) {
        const count = this.customers.hit(customer);
        if (count !== undefined) {
          this.emit('crm.customer.unusual_activity', span, { 'crm.activity.count': count, 'crm.activity.window_s': this.policy.customerRateWindowS }, `unusual activity: ${count} requests for one customer within ${this.policy.customerRateWindowS} s`);
        }
      }
    }
  }

  private query(span: ReadableSpan): void {
    const a = span.attributes;
    const db = String(a['db.namespace'] ?? 'unknown');
    const component = this.componentOf(db);
    const op = String(a['db.operation.name'] ?? this.operationOf(String(a['db.query.text'])));
    const ms = Math.round(hrTimeToMilliseconds(span.duration) * 10) / 10;
    if (span.status.code === SpanStatusCode.ERROR) {
      const err = span.events.find((e) => e.name === 'exception')?.attributes?.['exception.type'];
      this.emit('db.query.failed', span, { ...queryBase(db, op), 'db.query.text': a['db.query.text'], 'error.type': String(a['error.type'] ?? err ?? 'error'), 'db.query.duration_ms': ms }, `query failed: ${op} on ${db}: ${span.status.message ?? ''}`, component);
    } else if (ms > this.policy.slowQueryMs) {
      this.emit('db.query.slow', span, { ...queryBase(db, op), 'db.query.text': a['db.query.text'], 'db.query.duration_ms': ms }, `slow query: ${op} on ${db} took ${ms} ms (threshold ${this.policy.slowQueryMs} ms)`, component);
    } else if (this.infoLimiter.allow(this.queryKey(db, op))) {
      // One literal with every attribute, the component's first (an event per query: no spreads).
      const attributes = { 'shop.component': component, 'db.system.name': 'postgresql', 'db.namespace': db, 'db.operation.name': op, 'db.response.returned_rows': Number(a['db.response.returned_rows'] ?? 0), 'db.query.duration_ms': ms } satisfies Record<typeof ATTR_COMPONENT, string> & Attributes;
      this.emit('db.query.completed', span, attributes, `query ${op} on ${db}`);
    }
  }

  /**
   * The first word of a query's text, upper-cased, kept per text (an app's queries are a few
   * texts, each the same string at every call): the match and the upper-casing per query were
   * 38 % of this rule's own ticks at the service (`cpu-profile.mjs` BENCH_PROFILE_LINES=query).
   * Bounded: texts up to 1 KB, the map cleared when full.
   */
  private operationOf(text: string): string {
    let op = this.operations.get(text);
    if (op === undefined) {
      // The query's first word; a match, not a split of the whole text (one string, not one per word).
      op = (FIRST_WORD.exec(text)?.[1] ?? '').toUpperCase();
      if (text.length <= QUERY_TEXT_CACHED_MAX) {
        if (this.operations.size >= QUERY_TEXTS_MAX) this.operations.clear();
        this.operations.set(text, op);
      }
    }
    return op;
  }

  /** The policy component of a database (`<db>-db` unless configured), made once per database. */
  private componentOf(db: string): string {
    let component = this.components.get(db);
    if (component === undefined) {
      if (this.components.size >= QUERY_DBS_MAX) this.components.clear();
      // Own keys only: a database named `constructor` is not Object's.
      component = Object.hasOwn(this.policy.dbComponents, db) ? this.policy.dbComponents[db] : `${db}-db`;
      this.components.set(db, component);
    }
    return component;
  }

  /**
   * The rate limiter's key of a database and operation, made once per pair: a key concatenated
   * per query was a new string to flatten and hash at every lookup, 67 % of the limiter's ticks
   * on the order mix's profile (BENCH_PROFILE_LINES=allow, 1.4 µs per request inclusive).
   * Bounded: each map is cleared when full.
   */
  private queryKey(db: string, op: string): string {
    let ops = this.queryKeys.get(db);
    if (ops === undefined) {
      if (this.queryKeys.size >= QUERY_DBS_MAX) this.queryKeys.clear();
      ops = new Map();
      this.queryKeys.set(db, ops);
    }
    let key = ops.get(op);
    if (key === undefined) {
      if (ops.size >= QUERY_OPS_MAX) ops.clear();
      key = `db/${db}/${op}`;
      ops.set(op, key);
    }
    return key;
  }

  private consumed(span: ReadableSpan): void {
    const a = span.attributes;
    const queue = span.name.replace(/ process$/, '');
    const statusMessage = span.status.message ?? '';
    const rejected = span.status.code === SpanStatusCode.ERROR;
    const deadLettered = rejected && /without requeue/.test(statusMessage);
    const status = rejected ? (deadLettered ? 'dead-lettered' : /requeue/.test(statusMessage) ? 'requeued' : 'rejected') : 'acked';
    const base: Attributes = {
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': queue,
      'messaging.message.id': String(a['messaging.message_id'] ?? a['messaging.message.id'] ?? ''),
      'messaging.message.status': status,
    };
    if (deadLettered) {
      this.emit('messaging.routing.failed', span, { ...base, 'messaging.routing.reason': 'dead-lettered' }, `message dead-lettered from ${queue}: ${statusMessage}`, 'message-queue');
    }
    if (rejected && this.failureEvent !== undefined && this.component !== 'shop-api' && this.component !== 'crm-api') {
      this.emit(this.failureEvent, span, { ...base, 'error.type': status, ...(this.failureEvent.startsWith('shop.operation') ? { 'shop.operation.type': `consume ${queue}` } : {}), ...(this.failureEvent.startsWith('crm.interaction') ? { 'crm.interaction.type': `consume ${queue}` } : {}) }, `message from ${queue} not processed: ${statusMessage}`);
    }
    if (!rejected && this.infoLimiter.allow(`mq/${queue}`)) {
      this.emit('messaging.message.processed', span, base, `message processed from ${queue}`, 'message-queue');
    }
    if (this.component === 'mes-api') {
      const scope = scopeOfSpan(span as unknown as Span);
      if (scope?.orderId !== undefined && scope.orderSince !== undefined) {
        const delay = Date.now() - scope.orderSince;
        if (delay > this.policy.mesDelayMs && !this.delayed.has(scope.orderId)) {
          if (this.delayed.size > 10_000) this.delayed.clear();
          this.delayed.add(scope.orderId);
          this.emit('mes.order.delayed', span, { 'mes.delay_ms': delay, 'mes.delay_threshold_ms': this.policy.mesDelayMs }, `order reached the MES ${Math.round(delay / 1000)} s after it was created (threshold ${Math.round(this.policy.mesDelayMs / 1000)} s)`);
        }
      }
    }
  }

  private publishFailed(span: ReadableSpan): void {
    const a = span.attributes;
    this.emit(
      'messaging.delivery.failed',
      span,
      { 'messaging.system': 'rabbitmq', 'messaging.destination.name': String(a['messaging.destination'] ?? span.name.replace(/^publish /, '')), 'messaging.rabbitmq.destination.routing_key': String(a['messaging.rabbitmq.routing_key'] ?? ''), 'error.type': 'nack' },
      `message delivery failed: ${span.status.message ?? 'publish error'}`,
      'message-queue',
    );
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
