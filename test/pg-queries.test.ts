import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { byRole } from './support/by-role';
import { FIXTURES, PG_URL, REPO } from './support/fixture';

// Our pg query wrapper (src/instrumentations/pg-queries.ts) against the one it replaces,
// instrumentation-pg's: the same 23 forms of query() (text, values, config objects, named
// statements, callbacks, promises, the pool's, a Submittable, failures, existing comments, no
// argument), each under a parent span and with none, against the real PostgreSQL, each wrapper in
// a process of its own; the spans, what PostgreSQL received, what the app's callbacks and promises
// saw, and the duration metric's records must all match, and ours must be the wrapper in place.
interface SpanOut {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string };
  events: Array<{ name: string; attributes?: Record<string, unknown> }>;
  ended: boolean;
}
interface Entry {
  label: string;
  parent: string | null;
  result: unknown;
  activeAfter: string | null;
  callback: { err: unknown; rows: unknown; active: string | null; thisIsClient: boolean } | null;
  spans: SpanOut[];
}
interface Out {
  results: Entry[];
  recorded: Array<{ name: string; attributes: Record<string, unknown> }>;
  leanWrapper: boolean;
}

const run = promisify(execFile);
async function queries(which: 'upstream' | 'ours', durations = false): Promise<Out> {
  const { stdout } = await run(process.execPath, [path.join(FIXTURES, 'pg-query-compare.cjs'), which, ...(durations ? ['durations'] : [])], { cwd: REPO, timeout: 60_000, env: { ...process.env, PG_URL } });
  return JSON.parse(stdout) as Out;
}

describe('pg query spans: ours match instrumentation-pg', () => {
  let upstream: Out;
  let ours: Out;
  beforeAll(async () => {
    [upstream, ours] = await Promise.all([queries('upstream'), queries('ours')]);
  }, 90_000);

  it('the wrapper in place is ours in one process and upstream\'s in the other (upstream still calls _getClientQueryPatch)', () => {
    expect(ours.leanWrapper).toBe(true);
    expect(upstream.leanWrapper).toBe(false);
  });

  it('every case, under a parent and without one, made its span and ran to its end', () => {
    expect(upstream.results.length).toBe(46);
    expect(ours.results.map((e) => e.label)).toEqual(upstream.results.map((e) => e.label));
    for (const e of ours.results) {
      expect(e.spans.length, e.label).toBe(1);
      expect(e.spans[0].ended, e.label).toBe(true);
      if (e.parent) expect(e.spans[0].parentSpanId, e.label).toBe(e.parent);
      else expect(e.spans[0].parentSpanId, e.label).toBeUndefined();
    }
  });

  it('the same span, result, comment and callback context for every case', () => {
    const role = (e: Entry) => byRole(e, e.parent, e.spans);
    for (let i = 0; i < upstream.results.length; i++) expect(role(ours.results[i]), upstream.results[i].label).toBe(role(upstream.results[i]));
  });

  it('the comment carries the query span\'s own traceparent; a named statement and an existing comment get none', () => {
    const q = (label: string) => JSON.stringify(ours.results.find((e) => e.label === label)!.result);
    const e = ours.results.find((x) => x.label === 'current_query')!;
    expect(q('current_query')).toContain(`traceparent='00-${e.spans[0].traceId}-${e.spans[0].spanId}-01'`);
    expect(q('named statement')).not.toContain('traceparent');
    expect(q('existing comment')).not.toContain('traceparent');
    expect(JSON.stringify(ours.results.find((x) => x.label === 'config object with callback')!.callback?.rows)).toContain('traceparent');
  });

  it('a callback runs in its caller\'s context; failures are errors with the sanitised exception', () => {
    const cb = ours.results.find((e) => e.label === 'text, values, callback')!;
    expect(cb.callback).toMatchObject({ err: null, rows: [{ x: 3 }], active: cb.parent });
    const failed = ours.results.find((e) => e.label === 'failure, callback')!;
    expect(failed.callback?.err).toBe('42P01');
    expect(failed.spans[0].status.code).toBe(2);
    expect(failed.spans[0].events).toEqual([{ name: 'exception', attributes: { 'exception.message': "PostgreSQL error of type 'error' occurred (code: 42P01)" } }]);
    expect(ours.results.find((e) => e.label === 'no arguments')!.spans[0]).toMatchObject({ name: 'pg.query', status: { code: 2 } });
  });

  it('with the duration histogram recording (SHOP_OTEL_SDK_DURATION_METRICS=true), the same records', async () => {
    const [u, o] = await Promise.all([queries('upstream', true), queries('ours', true)]);
    expect(u.recorded.length).toBeGreaterThan(40);
    expect(o.recorded).toEqual(u.recorded);
    expect(o.recorded.some((r) => r.attributes['error.type'] === '42P01')).toBe(true);
  }, 90_000);
});
