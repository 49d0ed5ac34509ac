import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { byRole } from './support/by-role';
import { AMQP_URL, FIXTURES, REPO } from './support/fixture';

// Our amqplib publish wrapper (src/instrumentations/amqp-publish.ts) against the one it replaces,
// instrumentation-amqplib's: the same forms of Channel#publish, each under a parent span and with
// none, against the real RabbitMQ, each wrapper in a process of its own; the producer spans, the
// headers each message arrived with, what the publish hook saw and what publish returned must
// match, the app's options object must be left as it was given (upstream leaves its headers there),
// and ours must be the wrapper in place.
interface SpanOut {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string };
  ended: boolean;
}
interface Entry {
  label: string;
  parent?: string | null;
  returned?: unknown;
  received?: { headers: Record<string, unknown> | null; [k: string]: unknown } | null;
  hook?: unknown[];
  spans: SpanOut[];
  optionsAfter?: { keys: string[]; headers: unknown } | null;
  threw?: string | null;
}
interface Out {
  results: Entry[];
  leanWrapper: boolean;
}

const run = promisify(execFile);
async function publishes(which: 'upstream' | 'ours'): Promise<Out> {
  const { stdout } = await run(process.execPath, [path.join(FIXTURES, 'amqp-publish-compare.cjs'), which], { cwd: REPO, timeout: 60_000, env: { ...process.env, AMQP_URL } });
  return JSON.parse(stdout) as Out;
}

/** An entry by role (support/by-role.ts), without what is compared on its own (the options afterwards) and with the process's exchange and queue name made one. */
function compared(e: Entry): string {
  const { optionsAfter: _ignored, ...rest } = e;
  return byRole(rest, e.parent, e.spans).replace(/fixture\.publish\.(upstream|ours)\.\d+/g, 'fixture.publish.X');
}

describe('amqplib publish spans: ours match instrumentation-amqplib', () => {
  let upstream: Out;
  let ours: Out;
  beforeAll(async () => {
    [upstream, ours] = await Promise.all([publishes('upstream'), publishes('ours')]);
  }, 90_000);

  it('ours is the wrapper in place (and upstream\'s in the other process)', () => {
    expect(ours.leanWrapper).toBe(true);
    expect(upstream.leanWrapper).toBe(false);
  });

  it('the same producer span, headers on the wire, hook arguments and return value for every form of publish', () => {
    const labels = upstream.results.map((e) => e.label);
    expect(ours.results.map((e) => e.label)).toEqual(labels);
    expect(labels.length).toBe(22);
    for (let i = 0; i < upstream.results.length; i++) {
      const u = upstream.results[i];
      const o = ours.results[i];
      if (u.label === 'closed channel' || u.label === 'frozen options' || u.label === 'throwing getter') continue; // below
      expect(compared(o), `${o.label}${o.parent ? ', with a parent' : ''}`).toBe(compared(u));
    }
  });

  it('the compared entries hold what they are about: a span per publish, the trace context on the wire, the hook ran', () => {
    for (const e of ours.results.filter((x) => x.label !== 'closed channel' && x.label !== 'confirm channel' && x.label !== 'frozen options' && x.label !== 'throwing getter')) {
      expect(e.spans.length, e.label).toBe(1);
      const span = e.spans[0];
      expect(span.kind).toBe(3); // PRODUCER
      expect(span.ended).toBe(true);
      expect(span.attributes['fixture.hook']).toBe('ran');
      expect(span.attributes['messaging.system']).toBe('rabbitmq');
      expect(e.received?.headers?.traceparent).toBe(`00-${span.traceId}-${span.spanId}-01`);
      if (e.parent) expect(span.parentSpanId).toBe(e.parent);
      expect(e.returned).toBe(true);
    }
    const appHeaders = ours.results.find((x) => x.label === "options with the app's headers")!;
    expect(appHeaders.received?.headers).toMatchObject({ app: 'mine', n: 3 });
    const ids = ours.results.find((x) => x.label === 'default exchange, IDs')!;
    expect(ids.spans[0].name).toBe('publish <default>');
    expect(ids.spans[0].attributes['messaging.message_id']).toBe('msg-1');
    expect(ids.spans[0].attributes['messaging.conversation_id']).toBe('corr-1');
    expect(ours.results.find((x) => x.label === 'confirm channel')!.spans.length).toBe(1);
  });

  it('leaves the app\'s options object as it was given (upstream adds its headers object to it)', () => {
    const first = ours.results.find((x) => x.label === 'reused options, first')!;
    expect(first.optionsAfter).toEqual({ keys: ['contentType'], headers: null });
    const own = ours.results.find((x) => x.label === 'own headers: undefined')!;
    expect(own.optionsAfter).toEqual({ keys: ['headers', 'priority'], headers: null });
    // Options with a prototype of their own get the headers lent for the call (a copy would lose
    // what they inherit): the inherited content type reaches the broker, and nothing stays behind.
    // Frozen options that inherit cannot have headers lent: the publish still goes out, traced,
    // with what they inherit, and nothing thrown into the app.
    const frozen = ours.results.find((x) => x.label === 'frozen options')!;
    expect(frozen.threw).toBeNull();
    expect(frozen.received).toMatchObject({ contentType: 'application/x-frozen', messageId: 'msg-frozen' });
    expect(frozen.received?.headers?.traceparent).toBe(`00-${frozen.spans[0].traceId}-${frozen.spans[0].spanId}-01`);
    expect(frozen.optionsAfter).toEqual({ keys: ['messageId', 'headers'], headers: null });
    // What upstream does there, for the record (the claim in amqp-publish.ts): a TypeError into the app, nothing sent.
    const theirsFrozen = upstream.results.find((x) => x.label === 'frozen options')!;
    expect(theirsFrozen.threw).toMatch(/^TypeError/);
    expect(theirsFrozen.received).toBeNull();
    // Plain options whose getter throws when read cannot be copied: the headers are lent for the
    // call instead, the publish goes out traced, and nothing stays behind or is thrown (upstream
    // sends it too, and leaves its headers object in the app's options).
    const audited = ours.results.find((x) => x.label === 'throwing getter')!;
    expect(audited.threw).toBeNull();
    expect(audited.received).toMatchObject({ messageId: 'msg-audited' });
    expect(audited.received?.headers?.traceparent).toBe(`00-${audited.spans[0].traceId}-${audited.spans[0].spanId}-01`);
    expect(audited.optionsAfter).toEqual({ keys: ['messageId', 'audit'], headers: null });
    const theirsAudited = upstream.results.find((x) => x.label === 'throwing getter')!;
    expect(theirsAudited.threw).toBeNull();
    expect(theirsAudited.optionsAfter?.keys).toContain('headers');
    const inherited = ours.results.filter((x) => x.label === 'inherited options');
    expect(inherited).toHaveLength(2);
    for (const e of inherited) {
      expect(e.optionsAfter).toEqual({ keys: ['messageId'], headers: null });
      expect(e.received).toMatchObject({ contentType: 'application/x-inherited', messageId: 'msg-inherited' });
      expect(e.received?.headers?.traceparent).toBe(`00-${e.spans[0].traceId}-${e.spans[0].spanId}-01`);
    }
    // What upstream does, for the record: the app's object keeps a headers object with a trace context in it.
    const theirs = upstream.results.find((x) => x.label === 'reused options, second')!;
    expect(theirs.optionsAfter?.keys).toContain('headers');
    // Reused options: each message gets its own publish's trace context, not the one before.
    const second = ours.results.filter((x) => x.label === 'reused options, second');
    for (const e of second) expect(e.received?.headers?.traceparent).toBe(`00-${e.spans[0].traceId}-${e.spans[0].spanId}-01`);
  });

  it('a closed channel throws into the app unchanged; ours ends the span (upstream leaves it open, never exported)', () => {
    const u = upstream.results.find((x) => x.label === 'closed channel')!;
    const o = ours.results.find((x) => x.label === 'closed channel')!;
    expect(o.threw).toBe(u.threw);
    expect(o.threw).toMatch(/closed/i);
    expect(u.spans).toEqual([]);
    expect(o.spans.length).toBe(1);
    expect(o.spans[0].ended).toBe(true);
  });
});
