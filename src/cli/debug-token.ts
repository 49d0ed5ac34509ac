#!/usr/bin/env node
/**
 * Mint a per-request DEBUG marker: `SHOP_OTEL_DEBUG_SECRET=… npx shop-otel-debug-token --ttl 600`.
 * It prints two headers to send with the request: `traceparent` (a new trace) and
 * `x-shop-debug` (the marker, bound to that trace). Every service that shares the secret exports
 * DEBUG records for that trace's whole journey until the marker expires, and for no other.
 * `--trace <32 hex>` binds it to a trace of your choosing.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_MARKER_TTL_S, mintDebugMarker, MAX_MARKER_TTL_S } from '../policy/debug-control';

const { values } = parseArgs({ options: { ttl: { type: 'string', default: String(DEFAULT_MARKER_TTL_S) }, trace: { type: 'string' } } });
const secret = process.env.SHOP_OTEL_DEBUG_SECRET;
const ttl = Number(values.ttl);
if (!secret || secret.length < 16) {
  process.stderr.write('shop-otel-debug-token: set SHOP_OTEL_DEBUG_SECRET (16 characters or more), the secret your services share.\n');
  process.exit(2);
}
if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_MARKER_TTL_S) {
  process.stderr.write(`shop-otel-debug-token: --ttl must be a whole number of seconds from 1 to ${MAX_MARKER_TTL_S}.\n`);
  process.exit(2);
}
const minted = mintDebugMarker(secret, ttl, { traceId: values.trace });
process.stdout.write(`traceparent: ${minted.traceparent}\nx-shop-debug: ${minted.marker}\n`);
