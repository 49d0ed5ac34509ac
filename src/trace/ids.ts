import type { IdGenerator } from '@opentelemetry/sdk-trace';

/** The character codes of the 16 lowercase hex digits. */
const HEX = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const fromCharCode = String.fromCharCode;

/** 32 random bits from Math.random, as the SDK's RandomIdGenerator takes them. */
const word = (): number => (Math.random() * 4294967296) >>> 0;

/**
 * Trace and span IDs from Math.random, as the SDK's RandomIdGenerator makes them (never all
 * zeros), written as hex by one String.fromCharCode call rather than through a shared Buffer and
 * `toString('hex')` (a call into C++ per ID). `node bench/micro/trace-ids.mjs` (a span and a trace
 * ID per iteration, each used as a Map key): 142 ns per ID against the SDK's 224; the pool of crypto-random hex tried
 * before was as fast but pinned its 16 KiB pool in every ID sliced from it (bench/RESULTS.md,
 * "Trace IDs from a pool").
 */
export class HexIdGenerator implements IdGenerator {
  generateTraceId(): string {
    for (;;) {
      const a = word();
      const b = word();
      const c = word();
      const d = word();
      if ((a | b | c | d) !== 0) return hex4(a, b, c, d);
    }
  }

  generateSpanId(): string {
    for (;;) {
      const a = word();
      const b = word();
      if ((a | b) !== 0) return hex2(a, b);
    }
  }
}

/** Two 32-bit words as 16 hex digits, in one flat string. */
function hex2(a: number, b: number): string {
  return fromCharCode(
    HEX[a >>> 28], HEX[(a >>> 24) & 15], HEX[(a >>> 20) & 15], HEX[(a >>> 16) & 15], HEX[(a >>> 12) & 15], HEX[(a >>> 8) & 15], HEX[(a >>> 4) & 15], HEX[a & 15],
    HEX[b >>> 28], HEX[(b >>> 24) & 15], HEX[(b >>> 20) & 15], HEX[(b >>> 16) & 15], HEX[(b >>> 12) & 15], HEX[(b >>> 8) & 15], HEX[(b >>> 4) & 15], HEX[b & 15],
  );
}

/** Four 32-bit words as 32 hex digits, in one flat string (a concatenation of two would be a rope, flattened at its first use). */
function hex4(a: number, b: number, c: number, d: number): string {
  return fromCharCode(
    HEX[a >>> 28], HEX[(a >>> 24) & 15], HEX[(a >>> 20) & 15], HEX[(a >>> 16) & 15], HEX[(a >>> 12) & 15], HEX[(a >>> 8) & 15], HEX[(a >>> 4) & 15], HEX[a & 15],
    HEX[b >>> 28], HEX[(b >>> 24) & 15], HEX[(b >>> 20) & 15], HEX[(b >>> 16) & 15], HEX[(b >>> 12) & 15], HEX[(b >>> 8) & 15], HEX[(b >>> 4) & 15], HEX[b & 15],
    HEX[c >>> 28], HEX[(c >>> 24) & 15], HEX[(c >>> 20) & 15], HEX[(c >>> 16) & 15], HEX[(c >>> 12) & 15], HEX[(c >>> 8) & 15], HEX[(c >>> 4) & 15], HEX[c & 15],
    HEX[d >>> 28], HEX[(d >>> 24) & 15], HEX[(d >>> 20) & 15], HEX[(d >>> 16) & 15], HEX[(d >>> 12) & 15], HEX[(d >>> 8) & 15], HEX[(d >>> 4) & 15], HEX[d & 15],
  );
}
