import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { fastRecord, severityOf } from '../../src/instrumentations/winston-record-transport';

const require = createRequire(import.meta.url);
const { emitLogRecord } = require('@opentelemetry/winston-transport/build/src/utils') as { emitLogRecord(info: object, logger: { emit(r: unknown): void }): void };
const LEVEL = Symbol.for('level');
const SPLAT = Symbol.for('splat');
const CTX = Symbol.for('opentelemetry.js.contrib.winston.context');

function upstream(info: object): unknown {
  let out: unknown;
  emitLogRecord(info, { emit: (r) => (out = r) });
  return out;
}

const info = (level: string, message: unknown, meta: Record<string, unknown> = {}, splat: unknown[] = [meta]) => ({ ...meta, [LEVEL]: level, [SPLAT]: splat, level, message });

describe('the fast winston record', () => {
  it('is what upstream\'s emitLogRecord builds, for every all-primitive record', () => {
    const cases = [
      info('info', 'burst record', { seq: 1, customerId: 'cust-0042' }),
      { ...info('warn', 'w', { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16), trace_flags: '01', x: null, y: undefined, z: false, n: -1.5 }), [CTX]: ROOT_CONTEXT },
      info('notice', 'syslog level', { 'otel.event.name': 'shop.thing', 'event.name': 'kept as an attribute' }),
      info('help', 42, { 'otel.event.name': 7 }),
      info('http', undefined, {}),
      info('crit', 'c', {}, []),
      info('no-such-level', 'x', { a: 'b' }),
      { ...info('info', 'format added', {}), timestamp: '2026-01-01T00:00:00Z', label: 'svc' },
    ];
    for (const c of cases) expect(fastRecord(c as never), JSON.stringify(c)).toEqual(upstream(c));
  });

  it('leaves to upstream\'s path every record with an object, an exception candidate or a throwing read', () => {
    const getter = info('info', 'g', {});
    Object.defineProperty(getter, 'bad', { enumerable: true, get: () => { throw new Error('no'); } });
    const slow = [
      info('info', 'o', { nested: { a: 1 } }),
      info('info', 'e', { err: 'text error' }),
      info('info', 'e', { error: new Error('x') }),
      info('info', 's', { stack: 'Error: x\n at y' }),
      info('info', 'splat', {}, ['a string argument']),
      info('info', 'splat', {}, [{ message: 'error-like' }]),
      info('info', { object: 'body' }, {}),
      info('info', 'b', { big: 1n }),
      info('info', 'bytes', { b: new Uint8Array([1]) }),
      getter,
    ];
    for (const c of slow) expect(fastRecord(c as never)).toBeUndefined();
  });

  it('maps levels as upstream does', () => {
    expect([severityOf('info'), severityOf('warning'), severityOf('silly'), severityOf('emerg'), severityOf('critical'), severityOf(undefined)]).toEqual([9, 13, 1, 23, undefined, undefined]);
  });
});
