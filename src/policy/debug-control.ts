import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { shopDiag } from '../diag';
import type { PolicyConfig } from '../config';
import { RateLimiter } from './rate';

/**
 * DEBUG on demand, without a restart.
 *
 * - For the whole service: the configured signal (none by default; SHOP_OTEL_DEBUG_SIGNAL, e.g.
 *   SIGUSR2 where nodemon does not use it) switches DEBUG on for `timeoutS` seconds, and off
 *   again if it is on; it turns itself off when the time is up.
 * - For one request's whole journey: a request carrying a debug marker (header `x-shop-debug`
 *   or baggage `shop.debug`) signed with the shared secret turns DEBUG on for that trace in
 *   every service it reaches (the marker travels on as baggage and each service checks it
 *   again). Markers are `v2.<expiry, epoch s>.<trace ID>.<HMAC-SHA256(secret, "v2.<expiry>.<trace ID>")>`:
 *   bound to the one trace they may switch DEBUG on for (the request carries the matching
 *   `traceparent`; `npx shop-otel-debug-token` prints both), valid for at most an hour (default
 *   ten minutes), and honoured for at most MARKER_REQUESTS_PER_SECOND requests a second per
 *   process. A captured marker replayed therefore lights up only its own trace, briefly, at a
 *   bounded rate — never DEBUG for other requests. A forged, expired, unbound, replayed-too-fast
 *   or unverifiable marker is ignored and counted.
 */
export const MAX_MARKER_TTL_S = 3600;
export const DEFAULT_MARKER_TTL_S = 600;
export const MARKER_REQUESTS_PER_SECOND = 10;

export type MarkerCheck = { ok: true } | { ok: false; reason: 'malformed' | 'expired' | 'bad-signature' | 'no-secret' | 'too-long-lived' | 'wrong-trace' | 'rate-limited' };

const TRACE_ID = /^[0-9a-f]{32}$/;

function sign(secret: string, expiry: number, traceId: string): string {
  return createHmac('sha256', secret).update(`v2.${expiry}.${traceId}`).digest('base64url');
}

export interface MintedMarker {
  marker: string;
  traceId: string;
  /** A `traceparent` header value for a new trace with that ID (send it with the marker). */
  traceparent: string;
}

/** A marker for `traceId` (default: a new random trace). */
export function mintDebugMarker(secret: string, ttlS: number = DEFAULT_MARKER_TTL_S, options: { now?: number; traceId?: string } = {}): MintedMarker {
  const now = options.now ?? Date.now();
  const traceId = options.traceId !== undefined && TRACE_ID.test(options.traceId) ? options.traceId : randomBytes(16).toString('hex');
  const expiry = Math.floor(now / 1000) + Math.max(1, Math.min(ttlS, MAX_MARKER_TTL_S));
  return { marker: `v2.${expiry}.${traceId}.${sign(secret, expiry, traceId)}`, traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

export function checkDebugMarker(secret: string | undefined, marker: string, traceId: string | undefined, now = Date.now()): MarkerCheck {
  const m = /^v2\.(\d{1,12})\.([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$/.exec(marker);
  if (!m) return { ok: false, reason: 'malformed' };
  if (secret === undefined) return { ok: false, reason: 'no-secret' };
  const expiry = Number(m[1]);
  const nowS = Math.floor(now / 1000);
  const expected = Buffer.from(sign(secret, expiry, m[2]));
  const given = Buffer.from(m[3]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
  if (expiry <= nowS) return { ok: false, reason: 'expired' };
  if (expiry > nowS + MAX_MARKER_TTL_S) return { ok: false, reason: 'too-long-lived' };
  if (traceId !== m[2]) return { ok: false, reason: 'wrong-trace' };
  return { ok: true };
}

export class DebugControl {
  private until = 0;
  private timer: NodeJS.Timeout | undefined;
  private rejectedCount = 0;
  private onRejected: (reason: string) => void = () => undefined;
  private readonly perTrace = new RateLimiter(MARKER_REQUESTS_PER_SECOND, 1000);

  constructor(private readonly config: PolicyConfig['debug']) {}

  /** Is DEBUG on for the whole service right now? */
  get serviceDebug(): boolean {
    return this.until !== 0 && this.until > Date.now();
  }

  get rejected(): number {
    return this.rejectedCount;
  }

  enable(seconds = this.config.timeoutS): void {
    this.until = Date.now() + seconds * 1000;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.until = 0;
      shopDiag.info('DEBUG is off again (timeout); back to the policy level.');
    }, seconds * 1000);
    this.timer.unref();
    shopDiag.info(`DEBUG is on for this service for ${seconds} s.`);
  }

  disable(): void {
    this.until = 0;
    clearTimeout(this.timer);
    shopDiag.info('DEBUG is off; back to the policy level.');
  }

  /** Installs the signal toggle; returns its removal. */
  installSignal(): () => void {
    const signal = this.config.signal;
    if (signal === undefined) return () => undefined;
    const handler = () => (this.serviceDebug ? this.disable() : this.enable());
    process.on(signal, handler);
    return () => process.removeListener(signal, handler);
  }

  setRejectionHandler(fn: (reason: string) => void): void {
    this.onRejected = fn;
  }

  /** Verify a marker from an incoming request or message; count the bad ones. */
  check(marker: string, traceId: string | undefined): MarkerCheck {
    let result = checkDebugMarker(this.config.secret, marker, traceId);
    if (result.ok && !this.perTrace.allow(traceId as string)) result = { ok: false, reason: 'rate-limited' };
    if (result.ok) return result;
    this.rejectedCount++;
    shopDiag.debug(`debug marker ignored: ${result.reason}`);
    try {
      this.onRejected(result.reason);
    } catch {
      // counting must not hurt the request
    }
    return result;
  }
}

/** The service's debug control; configured at start (a default that refuses markers until then). */
export let debugControl = new DebugControl({ signal: undefined, timeoutS: 600, secret: undefined });

export function configureDebugControl(config: PolicyConfig['debug']): DebugControl {
  debugControl = new DebugControl(config);
  return debugControl;
}
