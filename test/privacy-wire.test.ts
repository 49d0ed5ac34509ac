import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { negatives, positives } from './corpus/privacy';
import { listeningPort, otelEnv, PG_URL, runFixture, uniqueName, type Fixture } from './support/fixture';
import { startReceiver, type Receiver } from './support/otlp-receiver';

/**
 * The redaction corpus on the wire: every positive shape is put, by a fixture service through
 * the real entry point, into every carrier telemetry reads — log body, log attributes (flat and
 * nested), a span attribute, the request URL (url.query on the server span, url.full on the
 * client span of a downstream call), an SQL statement, a span name, incoming baggage, and the
 * resource (OTEL_RESOURCE_ATTRIBUTES and the process's command line) — and what the OTLP receiver
 * recorded is searched for the secret, plain and percent-encoded. Zero leaks; and the negative
 * corpus arrives unchanged in the same carriers.
 */
const POS = positives();
const NEG = negatives();
const forms = (secret: string) => [...new Set([secret, encodeURIComponent(secret)])];

let receiver: Receiver;
let app: Fixture;
let url: string;
let service: string;
let downstream: http.Server;
const RESOURCE_ITEMS = POS.filter((_, i) => i % 20 === 0);
const ARGV_ITEMS = POS.filter((_, i) => i % 25 === 3);

beforeAll(async () => {
  receiver = await startReceiver();
  downstream = http.createServer((req, res) => res.end('ok'));
  await new Promise<void>((r) => downstream.listen(0, '127.0.0.1', r));
  service = uniqueName('privacy');
  const resource = RESOURCE_ITEMS.map((p, i) => `app.note${i}=${encodeURIComponent(p.text)}`).join(',');
  app = runFixture('inputs-app.cjs', {
    env: {
      ...otelEnv(receiver.url, service),
      DATABASE_URL: PG_URL,
      DOWNSTREAM_URL: `http://127.0.0.1:${(downstream.address() as { port: number }).port}`,
      OTEL_RESOURCE_ATTRIBUTES: resource,
      SHOP_OTEL_PG_SQLCOMMENTER: 'false',
    },
    args: ARGV_ITEMS.map((p) => p.text),
  });
  url = `http://127.0.0.1:${await listeningPort(app)}`;
});
afterAll(async () => {
  await app?.stop();
  await new Promise((r) => downstream?.close(r));
  await receiver?.close();
});

/** Requests carried so far: the waits below count their server spans and records, which end last. */
let carried = 0;
async function carry(text: string): Promise<void> {
  carried++;
  const r = await fetch(`${url}/carry?q=${encodeURIComponent(text)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', baggage: `note=${encodeURIComponent(text)}` },
    body: JSON.stringify({ text }),
  });
  expect(r.status, text).toBe(200);
}

const mine = <T extends { resource: Record<string, unknown> }>(xs: T[]) => xs.filter((x) => x.resource['service.name'] === service);

describe('the redaction corpus on the wire', () => {
  it(`${POS.length} positive shapes in every carrier: zero leaks`, async () => {
    for (const p of POS) await carry(p.text);
    const last = POS[POS.length - 1];
    await receiver.waitFor('the last record', () => mine(receiver.logs).filter((l) => l.body !== null && l.body !== 'carrier attribute').length >= POS.length || undefined, 60_000);
    await receiver.waitFor('the last spans', () => mine(receiver.spans).filter((s) => s.kind === 2 && String(s.attributes['url.path']) === '/carry').length >= POS.length || undefined, 60_000);
    expect(last).toBeDefined();
    const carriers: Record<string, string> = {
      'log records': JSON.stringify(mine(receiver.logs).map((l) => ({ body: l.body, attributes: l.attributes }))),
      spans: JSON.stringify(mine(receiver.spans).map((s) => ({ name: s.name, attributes: s.attributes, status: s.status, events: s.events, links: s.links }))),
      resource: JSON.stringify(mine(receiver.spans)[0].resource),
    };
    const leaks: string[] = [];
    // Where exactly, for the report: a span's name or attribute, a record's body or attribute.
    const places: Array<[string, string]> = [];
    for (const s of mine(receiver.spans)) {
      places.push([`span name`, s.name]);
      for (const [k, v] of Object.entries(s.attributes)) places.push([`span ${s.name} attribute ${k}`, JSON.stringify(v)]);
    }
    for (const p of POS) {
      for (const [carrier, text] of Object.entries(carriers)) {
        for (const f of p.secrets.flatMap(forms)) {
          if (!text.includes(f)) continue;
          const where = places.find(([, v]) => v.includes(f));
          leaks.push(`${p.kind} in ${carrier}: ${f}${where ? ` (${where[0]} = ${where[1].slice(0, 200)})` : ''}`);
        }
      }
    }
    expect(leaks).toEqual([]);
    // The carriers were really there: the statement, the span name, the URL, the resource, the command line.
    const spans = mine(receiver.spans);
    expect(spans.filter((s) => String(s.attributes['db.query.text'] ?? '').includes('[REDACTED]')).length).toBeGreaterThan(POS.length / 2);
    expect(spans.filter((s) => s.scope === 'inputs-app' && s.name.includes('[REDACTED]')).length).toBeGreaterThan(POS.length / 2);
    // The parts beyond name and attributes: every one arrived (a span whose name is not a string
    // included, and the batches around it), and they were redacted, not dropped.
    const parts = spans.filter((s) => s.name === 'carry parts');
    expect(parts).toHaveLength(POS.length);
    expect(parts.filter((s) => s.status.message?.includes('[REDACTED]') && s.events[0]?.name.includes('[REDACTED]') && String(s.events[0]?.attributes['app.note']).includes('[REDACTED]') && String(s.links[0]?.attributes['app.note']).includes('[REDACTED]')).length).toBeGreaterThan(POS.length / 2);
    const objectNamed = spans.filter((s) => s.name.startsWith('object '));
    expect(objectNamed).toHaveLength(POS.length);
    expect(objectNamed.filter((s) => s.name.includes('[REDACTED]')).length).toBeGreaterThan(POS.length / 2);
    expect(spans.filter((s) => s.kind === 3 && String(s.attributes['url.full'] ?? '').includes('[REDACTED]')).length).toBeGreaterThan(POS.length / 2);
    expect(spans.filter((s) => s.kind === 2 && String(s.attributes['url.query'] ?? '').includes('[REDACTED]')).length).toBeGreaterThan(POS.length / 2);
    const resource = spans[0].resource;
    expect(Object.keys(resource).filter((k) => k.startsWith('app.note'))).toHaveLength(RESOURCE_ITEMS.length);
    expect(JSON.stringify(resource['process.command_args'])).toContain('[REDACTED]');
  });

  it(`${NEG.length} negatives (IDs, timestamps, UUIDs, prices, trace IDs) arrive unchanged: zero false redactions`, async () => {
    for (const n of NEG) await carry(n);
    await receiver.waitFor('the negatives', () => NEG.every((n) => mine(receiver.logs).some((l) => l.body === n)) || undefined, 60_000);
    await receiver.waitFor('their spans', () => NEG.every((n) => mine(receiver.spans).some((s) => s.name === n)) || undefined, 60_000);
    // The server span of a request ends after its inner spans and may come in a later batch.
    await receiver.waitFor('every server span', () => mine(receiver.spans).filter((s) => s.kind === 2 && s.attributes['url.path'] === '/carry').length >= carried || undefined, 60_000);
    await receiver.waitFor('every attribute record', () => mine(receiver.logs).filter((l) => l.body === 'carrier attribute').length >= carried || undefined, 60_000);
    const changed = NEG.filter((n) => {
      const attr = mine(receiver.logs).find((l) => l.body === 'carrier attribute' && l.attributes.note === n);
      const span = mine(receiver.spans).find((s) => s.kind === 2 && s.attributes['app.note'] === n);
      return attr === undefined || span === undefined;
    });
    expect(changed).toEqual([]);
  });
});
