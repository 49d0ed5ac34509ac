import { IncomingMessage } from 'node:http';
import type { RPCMetadata } from '@opentelemetry/core';
import { shopDiag } from '../diag';
import { offerFromObject, offerFromParams } from '../business-ids/extract';
import type { BusinessScope } from '../business-ids/scope';

/**
 * Route templates and business IDs from any express-style router, without wrapping a single
 * middleware.
 *
 * express 4 and 5 (and `router`, and connect-style frameworks) assign `req.params` when a layer
 * matches, `req.route` when a route dispatches and `req.body` when a body parser is done. An
 * accessor pair on IncomingMessage.prototype sees each assignment: params and body yield the
 * business IDs, the route yields `http.route`, which the HTTP instrumentation puts on the server
 * span and its name (`GET /orders/:orderId`) when the response ends.
 *
 * Why not @opentelemetry/instrumentation-express: it wraps every layer and makes a span per
 * middleware, which nobody reads. Measured in bench/ (RESULTS.md, the order service): with the
 * express and router instrumentations, 5 of upstream's 8.5 spans per request are middleware and
 * handler spans; with express alone, 2 of 5.5; shop-otel exports 2.5. This costs a property write
 * per assignment (1.1 % of the service's CPU, bench/micro/cpu-profile.mjs) and makes none.
 *
 * The values live in symbol-keyed slots on the request, so reads are plain property reads.
 */
const kState = Symbol.for('shop-otel.request-state');

export interface RequestState {
  scope: BusinessScope | undefined;
  rpc: RPCMetadata | undefined;
  params?: unknown;
  body?: unknown;
  route?: unknown;
}

type WithState = IncomingMessage & { [kState]?: RequestState };

export function attachRequestState(req: IncomingMessage, state: RequestState): void {
  (req as WithState)[kState] = state;
}

let installed = false;
const PROPS = ['params', 'body', 'route'] as const;
type Prop = (typeof PROPS)[number];

function onAssign(req: WithState, prop: Prop, value: unknown): void {
  const state = req[kState];
  if (state === undefined) return;
  try {
    if (prop === 'params') {
      if (state.scope && !state.scope.complete) offerFromParams(state.scope, value, req.originalUrl ?? req.url ?? '');
    } else if (prop === 'body') {
      if (state.scope && !state.scope.complete) offerFromObject(state.scope, value, 'JSON body');
    } else if (state.rpc && value !== null && typeof value === 'object') {
      const path = (value as { path?: unknown }).path;
      if (path !== undefined) state.rpc.route = `${req.baseUrl ?? ''}${typeof path === 'string' ? path : String(path)}` || '/';
    }
  } catch (e) {
    shopDiag.debug(`request ${prop} capture failed`, e);
  }
}

declare module 'node:http' {
  interface IncomingMessage {
    baseUrl?: string;
    originalUrl?: string;
  }
}

export function installRequestCapture(): void {
  if (installed) return;
  const proto = IncomingMessage.prototype as unknown as Record<string, unknown>;
  for (const prop of PROPS) {
    if (Object.getOwnPropertyDescriptor(proto, prop)) {
      shopDiag.warn(`IncomingMessage.prototype.${prop} is already defined; route/ID capture for it is off.`);
      continue;
    }
    const slot = Symbol(`shop-otel.${prop}`);
    Object.defineProperty(proto, prop, {
      configurable: true,
      enumerable: false,
      get(this: Record<symbol, unknown>) {
        return this[slot];
      },
      set(this: WithState & Record<symbol, unknown>, value: unknown) {
        this[slot] = value;
        onAssign(this, prop, value);
      },
    });
  }
  installed = true;
}

export function uninstallRequestCapture(): void {
  if (!installed) return;
  const proto = IncomingMessage.prototype as unknown as Record<string, unknown>;
  for (const prop of PROPS) delete proto[prop];
  installed = false;
}
