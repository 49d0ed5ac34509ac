/**
 * Bounded counters for the policy's rate rules. Memory is capped by `maxKeys`: the oldest key is
 * evicted first (a Map keeps insertion order), so an attacker cycling customer IDs costs at most
 * `maxKeys` entries, never unbounded growth.
 */

/** At most `perSecond` events per key per second (a token bucket refilled continuously). */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly maxKeys = 1000,
  ) {}

  allow(key: string, now = Date.now()): boolean {
    if (this.perSecond <= 0) return false;
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
      b = { tokens: this.perSecond, at: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.perSecond, b.tokens + ((now - b.at) / 1000) * this.perSecond);
      b.at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/**
 * Counts hits per key over a sliding window (ring of one-second slots) and reports the first
 * crossing of `limit` in a window: `hit` returns the count when it first exceeds the limit, then
 * stays quiet for that key until the window has passed, so one burst makes one warning.
 */
export class SlidingWindowCounter {
  private readonly keys = new Map<string, { times: number[]; alertedAt: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  hit(key: string, now = Date.now()): number | undefined {
    let k = this.keys.get(key);
    if (k === undefined) {
      if (this.keys.size >= this.maxKeys) this.keys.delete(this.keys.keys().next().value as string);
      k = { times: [], alertedAt: -Infinity };
      this.keys.set(key, k);
    }
    const from = now - this.windowMs;
    while (k.times.length > 0 && k.times[0] <= from) k.times.shift();
    // Never keep more than limit + 1 timestamps: past that the answer cannot change.
    if (k.times.length <= this.limit) k.times.push(now);
    if (k.times.length > this.limit && now - k.alertedAt >= this.windowMs) {
      k.alertedAt = now;
      return k.times.length;
    }
    return undefined;
  }
}
