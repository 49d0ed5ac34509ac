import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  ValueType,
  type Attributes,
  type Context,
  type Histogram,
  type Span,
} from '@opentelemetry/api';
import { RPCType, setRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { shopDiag } from '../diag';
import type { EmitterInternals } from '../internal-types';
import { requestAttributes } from '../http/server-attributes';
import { VERSION } from '../version';
import { handOverAttributes } from '../trace/hand-over';

/**
 * Server spans for node:http and node:https, in place of @opentelemetry/instrumentation-http's
 * incoming side (its outgoing side stays: index.ts creates it with
 * disableIncomingRequestInstrumentation). Same span: name `GET` then `GET /orders/:orderId`
 * once the route is known, kind SERVER, the W3C and business-ID context extracted from the
 * headers, the same attributes (http/server-attributes.ts), status ERROR for 5xx and
 * exceptions, ended when the response closes; the same optional
 * http.server.request.duration histogram; RPCMetadata in the context so that anything setting
 * `route` there (our request capture, instrumentation-express) names the span.
 *
 * Why our own, measured (bench/micro/cpu-request.mjs, the order service at 450 req/s, Node 24):
 * with upstream's, the http instrumentation alone cost 260 µs of the 610 µs a request's telemetry
 * added (1326 µs per request against 1068 with http off; bare 716). Its profile
 * (bench/micro/cpu-profile.mjs): `new URL()` on every request, an attribute object rebuilt three
 * times, and `context.bind()` of the request and the response, which patches six methods of each
 * emitter and wraps every listener added to them. Here one `emit` per emitter is replaced by a
 * shared function that runs the original in the request's context (what bind() achieves: every
 * listener of the request and the response runs in it), and the attributes take a fast path
 * for ordinary requests. bench/RESULTS.md gives the before and after.
 *
 * Why `Server.prototype.emit` and not diagnostics_channel: `http.server.request.start` is
 * published before the 'request' event, but a subscriber cannot make the handler run in a
 * context except by `AsyncLocalStorage.enterWith()`, which leaks the request's context into what
 * runs after it on the socket (every later event of a keep-alive connection on Node 22's
 * async_hooks-based AsyncLocalStorage). Wrapping the one 'request' emit is what dd-trace does too.
 *
 * Nothing here throws into the app: if building the span fails the request is served without
 * one; an exception from the app's handler is recorded and rethrown unchanged.
 */
export type OnRequest = (ctx: Context, request: IncomingMessage) => void;

export interface HttpServerConfig extends InstrumentationConfig {
  /** Runs in the request's context once its span exists (trust, scope, route capture). */
  onRequest?: OnRequest;
  /** Record http.server.request.duration (SHOP_OTEL_SDK_DURATION_METRICS). */
  durations?: boolean;
}

const kState = Symbol('shop-otel.http-server');
const kCtx = Symbol('shop-otel.http-server.context');
const kEmit = Symbol('shop-otel.http-server.emit');

interface ServerState {
  owner: HttpServerInstrumentation;
  span: Span;
  rpc: RPCMetadata;
  method: string;
  start: number;
  metric?: Attributes;
  done: boolean;
}

type Bound = { [kCtx]?: Context; [kEmit]?: (...args: unknown[]) => boolean; emit: (...args: unknown[]) => boolean };
type StatefulResponse = ServerResponse & { [kState]?: ServerState };
type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;

/**
 * The emitter's own emit, run in the context it was bound to: shared by every request. On the
 * response it also ends the span: at 'close' (sent, or the connection went away) and at 'error'
 * (as an errorMonitor listener would), before the app's listeners, as listeners of ours added at
 * the request's start ran; two listeners fewer per response, and a 'close' nobody else listens to
 * needs no context switch.
 */
function boundEmit(this: Bound): boolean {
  const ctx = this[kCtx] as Context;
  const original = this[kEmit] as (...args: unknown[]) => boolean;
  // eslint-disable-next-line prefer-rest-params
  const args = arguments;
  const state = (this as unknown as StatefulResponse)[kState];
  if (state !== undefined && !state.done) {
    if (args[0] === 'close') state.owner.finish(this as unknown as StatefulResponse);
    else if (args[0] === 'error') state.owner.fail(this as unknown as StatefulResponse, args[1]);
  }
  // An event nobody listens to ('pause', 'prefinish', …) needs no context; nor one emitted in it.
  const events = (this as EmitterInternals)._events;
  if ((events !== undefined && events[args[0] as string] === undefined) || context.active() === ctx) return original.apply(this, args as unknown as unknown[]);
  return context.with(ctx, () => original.apply(this, args as unknown as unknown[]));
}

function bind(emitter: object, ctx: Context): void {
  const e = emitter as Bound;
  if (typeof e.emit !== 'function' || e[kEmit] !== undefined) return;
  e[kCtx] = ctx;
  e[kEmit] = e.emit;
  e.emit = boundEmit;
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export class HttpServerInstrumentation extends InstrumentationBase<HttpServerConfig> {
  private histogram: Histogram | undefined;
  // Created on first use: InstrumentationBase's constructor enables the hooks before this class's fields exist.
  private patched: Set<object> | undefined;

  constructor(config: HttpServerConfig = {}) {
    super('shop-otel-http-server', VERSION, config);
  }

  /**
   * node:http and node:https as they are loaded, as upstream does: loading node:https ourselves
   * would cost every service tls and crypto set-up (`node bench/micro/builtins.mjs`, 15 runs:
   * +27 to +29 ms over node:http alone).
   */
  protected init(): InstrumentationNodeModuleDefinition[] {
    return (['http', 'https'] as const).map(
      (scheme) =>
        new InstrumentationNodeModuleDefinition(
          scheme,
          ['*'],
          (exports: typeof http) => {
            this.patch(exports.Server.prototype as unknown as { emit: Emit }, scheme);
            return exports;
          },
          (exports?: typeof http) => {
            if (exports === undefined) return;
            const proto = exports.Server.prototype as unknown as { emit: Emit };
            if (this.patched?.delete(proto)) this._unwrap(proto, 'emit');
          },
        ),
    );
  }

  protected override _updateMetricInstruments(): void {
    if (!this.getConfig().durations) return;
    this.histogram = this.meter.createHistogram('http.server.request.duration', {
      description: 'Duration of HTTP server requests.',
      unit: 's',
      valueType: ValueType.DOUBLE,
      advice: { explicitBucketBoundaries: BUCKETS },
    });
  }

  /** Once per prototype: the CommonJS and the ESM hook both see node:http. */
  private patch(proto: { emit: Emit }, scheme: 'http' | 'https'): void {
    this.patched ??= new Set();
    if (this.patched.has(proto)) return;
    this.patched.add(proto);
    this._wrap(proto, 'emit', (original: Emit) => {
      const self = this;
      return function emit(this: unknown, event: string | symbol): boolean {
        // eslint-disable-next-line prefer-rest-params
        const args = arguments as unknown as [string | symbol, ...unknown[]];
        if (event !== 'request') return original.apply(this, args);
        const ctx = self.start(args[1] as IncomingMessage, args[2] as ServerResponse, scheme);
        if (ctx === undefined) return original.apply(this, args);
        return context.with(ctx, () => {
          try {
            return original.apply(this, args);
          } catch (error) {
            self.fail(args[2] as StatefulResponse, error);
            throw error;
          }
        });
      };
    });
  }

  /** The request's span and context, or undefined (serve it without) if anything about it fails. */
  private start(request: IncomingMessage, response: ServerResponse, scheme: 'http' | 'https'): Context | undefined {
    let span: Span | undefined;
    try {
      const attributes = requestAttributes(request, scheme);
      // Named by the method as sent (upstream's choice: `PROPFIND /dav`, attribute `_OTHER`).
      const method = request.method || 'GET';
      // Only the duration histogram reads it (`cpu-profile.mjs` BENCH_PROFILE_LINES=start: a quarter of this function's own ticks).
      const start = this.histogram !== undefined ? performance.now() : 0;
      const extracted = propagation.extract(ROOT_CONTEXT, request.headers);
      span = this.tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: handOverAttributes(attributes) }, extracted);
      const rpc: RPCMetadata = { type: RPCType.HTTP, span };
      const ctx = setRPCMetadata(trace.setSpan(extracted, span), rpc);
      const state: ServerState = { owner: this, span, rpc, method, start, done: false };
      if (this.histogram !== undefined) {
        state.metric = { 'http.request.method': attributes['http.request.method'], 'url.scheme': scheme };
        if (attributes['network.protocol.version']) state.metric['network.protocol.version'] = attributes['network.protocol.version'];
      }
      (response as StatefulResponse)[kState] = state;
      bind(request, ctx);
      // The span ends in the response's emit (boundEmit): at 'close', or at 'error'.
      bind(response, ctx);
      const onRequest = this.getConfig().onRequest;
      if (onRequest !== undefined) {
        try {
          onRequest(ctx, request);
        } catch (e) {
          shopDiag.debug('http server request hook failed', e);
        }
      }
      return ctx;
    } catch (e) {
      shopDiag.debug('http server span not started', e);
      span?.end(); // never left open: the request is served without it
      return undefined;
    }
  }

  /** An exception from the app's handler or an error of the response: the span records it and ends. */
  fail(response: StatefulResponse, error: unknown): void {
    try {
      const state = response[kState];
      if (state === undefined || state.done) return;
      const err = error instanceof Error ? error : new Error(String(error));
      state.span.setAttribute('error.type', err.name);
      state.span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      state.span.recordException(err);
      if (state.metric !== undefined) state.metric['error.type'] = err.name;
      this.close(state);
    } catch (e) {
      shopDiag.debug('http server span error not recorded', e);
    }
  }

  /** The response closed (sent, or the connection went away): status, route and name, then the end. */
  finish(response: StatefulResponse): void {
    try {
      const state = response[kState];
      if (state === undefined || state.done) return;
      const status = response.statusCode;
      const span = state.span;
      span.setAttribute('http.response.status_code', status);
      const route = state.rpc.route;
      if (route !== undefined) span.setAttribute('http.route', route);
      // instrumentation-http's parseResponseStatus and parseErrorType for a server span.
      if (!(status >= 100 && status < 500)) span.setStatus({ code: SpanStatusCode.ERROR });
      const errorType = typeof status === 'number' && status >= 500 && status < 600 ? String(status) : undefined;
      if (errorType !== undefined) span.setAttribute('error.type', errorType);
      if (route) span.updateName(`${state.method} ${route}`);
      if (state.metric !== undefined) {
        if (route !== undefined) state.metric['http.route'] = route;
        if (status) {
          state.metric['http.response.status_code'] = status;
          if (errorType !== undefined) state.metric['error.type'] ??= errorType;
        }
      }
      this.close(state);
    } catch (e) {
      shopDiag.debug('http server span not ended', e);
    }
  }

  private close(state: ServerState): void {
    state.done = true;
    state.span.end();
    if (state.metric !== undefined) this.histogram?.record((performance.now() - state.start) / 1000, state.metric);
  }
}

