import { IncomingMessage, type ClientRequest } from 'node:http';
import { context, type Span } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import { offerFromUrlQuery } from '../business-ids/extract';
import { getScope } from '../business-ids/scope';
import type { PeerTrust } from '../business-ids/trust';
import { attachRequestState } from '../http/request-capture';

/**
 * Runs inside the server span's context as a request arrives: decides whether the IDs and
 * baggage the request brought are believed (its peer address against SHOP_OTEL_TRUSTED_PEERS),
 * hands the request its scope and RPC metadata (for the route and ID capture) and looks at its
 * query string.
 */
export function requestHook(trust: PeerTrust) {
  return (span: Span, request: ClientRequest | IncomingMessage): void => {
    if (!(request instanceof IncomingMessage)) return;
    const active = context.active();
    const scope = getScope(active);
    if (scope) scope.trust(trust.httpPeer(request.socket?.remoteAddress));
    attachRequestState(request, { scope, rpc: getRPCMetadata(active) });
    if (scope) offerFromUrlQuery(scope, request.url);
  };
}
