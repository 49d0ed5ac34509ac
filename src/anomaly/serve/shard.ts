/**
 * Which replica owns a series: FNV-1a (32 bit) of its key, modulo the replica count. Stable across
 * restarts and processes (no seed), so `--shard i/n` on n replicas splits the series with no
 * coordination; changing n moves about (n−1)/n of the series, whose state then warms up anew.
 */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function ownsSeries(key: string, shard: { index: number; count: number }): boolean {
  return fnv1a(key) % shard.count === shard.index;
}
