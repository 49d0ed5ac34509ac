import type { IncomingMessage } from 'node:http';
import type { Context } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import { offerFromUrlQuery } from '../business-ids/extract';
import { getScope } from '../business-ids/scope';
import type { PeerTrust } from '../business-ids/trust';
import { attachRequestState } from '../http/request-capture';

/**
 * Runs as a request arrives, with the server span's context: decides whether the IDs and
 * baggage the request brought are believed (its peer address against SHOP_OTEL_TRUSTED_PEERS),
 * hands the request its scope and RPC metadata (for the route and ID capture) and looks at its
 * query string.
 */
export function requestHook(trust: PeerTrust) {
  return (ctx: Context, request: IncomingMessage): void => {
    const scope = getScope(ctx);
    if (scope) scope.trust(trust.httpPeer(request.socket?.remoteAddress));
    attachRequestState(request, { scope, rpc: getRPCMetadata(ctx) });
    if (scope) offerFromUrlQuery(scope, request.url);
  };
}
