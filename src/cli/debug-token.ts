#!/usr/bin/env node
/**
 * Mint a per-request DEBUG marker: `SHOP_OTEL_DEBUG_SECRET=… npx shop-otel-debug-token --ttl 600`.
 * Send it as the `x-shop-debug` header (or baggage `shop.debug`); every service that shares the
 * secret exports DEBUG records for that request's whole journey until the marker expires.
 */
import { parseArgs } from 'node:util';
import { mintDebugMarker, MAX_MARKER_TTL_S } from '../policy/debug-control';

const { values } = parseArgs({ options: { ttl: { type: 'string', default: '600' } } });
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
process.stdout.write(`${mintDebugMarker(secret, ttl)}\n`);
