import { createHmac, timingSafeEqual } from 'node:crypto';
import { shopDiag } from '../diag';
import type { PolicyConfig } from '../config';

/**
 * DEBUG on demand, without a restart.
 *
 * - For the whole service: the configured signal (SIGUSR2 by default) switches DEBUG on for
 *   `timeoutS` seconds, and off again if it is on; it turns itself off when the time is up.
 * - For one request's whole journey: a request carrying a debug marker (header `x-shop-debug`
 *   or baggage `shop.debug`) signed with the shared secret turns DEBUG on for that trace in
 *   every service it reaches (the marker travels on as baggage and each service checks it
 *   again). Markers are `v1.<expiry, epoch seconds>.<HMAC-SHA256(secret, "v1.<expiry>")>`,
 *   valid for at most 24 h; mint one with `npx shop-otel-debug-token --ttl 600`.
 *   A forged, expired or unverifiable marker is ignored and counted.
 */
export const MAX_MARKER_TTL_S = 24 * 3600;

export type MarkerCheck = { ok: true } | { ok: false; reason: 'malformed' | 'expired' | 'bad-signature' | 'no-secret' | 'too-long-lived' };

function sign(secret: string, expiry: number): string {
  return createHmac('sha256', secret).update(`v1.${expiry}`).digest('base64url');
}

export function mintDebugMarker(secret: string, ttlS: number, now = Date.now()): string {
  const expiry = Math.floor(now / 1000) + Math.max(1, Math.min(ttlS, MAX_MARKER_TTL_S));
  return `v1.${expiry}.${sign(secret, expiry)}`;
}

export function checkDebugMarker(secret: string | undefined, marker: string, now = Date.now()): MarkerCheck {
  const m = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(marker);
  if (!m) return { ok: false, reason: 'malformed' };
  if (secret === undefined) return { ok: false, reason: 'no-secret' };
  const expiry = Number(m[1]);
  const nowS = Math.floor(now / 1000);
  const expected = Buffer.from(sign(secret, expiry));
  const given = Buffer.from(m[2]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
  if (expiry <= nowS) return { ok: false, reason: 'expired' };
  if (expiry > nowS + MAX_MARKER_TTL_S) return { ok: false, reason: 'too-long-lived' };
  return { ok: true };
}

export class DebugControl {
  private until = 0;
  private timer: NodeJS.Timeout | undefined;
  private rejectedCount = 0;
  private onRejected: (reason: string) => void = () => undefined;

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
  check(marker: string): MarkerCheck {
    const result = checkDebugMarker(this.config.secret, marker);
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
