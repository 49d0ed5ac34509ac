import { randomFillSync } from 'node:crypto';
import type { IdGenerator } from '@opentelemetry/sdk-trace';

/**
 * Trace and span IDs cut from a pooled hex string of crypto-random bytes, in place of the SDK's
 * RandomIdGenerator (Math.random into a shared Buffer, then one `toString('hex')` per ID).
 *
 * Why our own, measured (bench/micro/trace-ids.mjs, Node 24, ns per ID used as a Map key):
 * see the numbers beside the benchmark in bench/RESULTS.md ("Trace and span IDs"). Each request
 * of the order service makes three to four IDs. The pool is refilled every POOL_BYTES / 24 span and
 * trace ID pairs; an ID is a slice of it (V8 may keep the 16 KiB pool string alive while any of
 * its IDs lives: a few pools at most, since a span lives until its batch is serialised).
 * The IDs are also better ones: from the OS's CSPRNG, where Math.random's state can be recovered
 * from a few outputs. As the SDK's, an ID is never all zeros (invalid in W3C trace context).
 */
const POOL_BYTES = 8192;
const ZERO_SPAN = '0000000000000000';
const ZERO_TRACE = '00000000000000000000000000000000';

export class PooledIdGenerator implements IdGenerator {
  private pool = '';
  private at = 0;

  private take(chars: number): string {
    if (this.at + chars > this.pool.length) {
      this.pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES)).toString('hex');
      this.at = 0;
    }
    const id = this.pool.slice(this.at, this.at + chars);
    this.at += chars;
    return id;
  }

  generateTraceId(): string {
    const id = this.take(32);
    return id === ZERO_TRACE ? this.generateTraceId() : id;
  }

  generateSpanId(): string {
    const id = this.take(16);
    return id === ZERO_SPAN ? this.generateSpanId() : id;
  }
}
