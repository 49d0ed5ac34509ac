import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningPort, otelEnv, runFixture, uniqueName } from './support/fixture';
import { startReceiver, type Receiver } from './support/otlp-receiver';

/**
 * The OTLP export requests go through an HTTP/1.1 client of our own (src/pipeline/http1-client.ts)
 * that connects to the endpoint directly. The claim in otlp-transport.ts: no proxy is lost by
 * it, because Node 24's NODE_USE_ENV_PROXY routes only node:http's global agents, and upstream's
 * exporter sends through an agent of its own. Pinned here on the running Node: with the env proxy
 * set and working (the app's own request through the global agent reaches the proxy), an agent
 * of the app's own goes direct, and so do shop-otel's exports: they arrive, and the proxy never
 * sees them.
 */
async function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('NODE_USE_ENV_PROXY and HTTP_PROXY set', () => {
  let receiver: Receiver;
  let proxy: Awaited<ReturnType<typeof listen>>;
  let target: Awaited<ReturnType<typeof listen>>;
  /** What reached the proxy: a forward proxy is sent the absolute URL as the request target. */
  const proxied: string[] = [];

  beforeAll(async () => {
    receiver = await startReceiver();
    proxy = await listen((req, res) => {
      proxied.push(req.url ?? '');
      req.resume();
      res.end('via proxy');
    });
    target = await listen((_req, res) => res.end('direct'));
  });
  afterAll(async () => {
    await receiver?.close();
    proxy?.server.close();
    target?.server.close();
  });

  it("the app's global agent goes through the proxy; an agent of its own and shop-otel's exports go direct", async () => {
    const service = uniqueName('env-proxy');
    const app = runFixture('env-proxy-app.cjs', {
      env: { ...otelEnv(receiver.url, service), NODE_USE_ENV_PROXY: '1', HTTP_PROXY: proxy.url, http_proxy: proxy.url, NO_PROXY: undefined, no_proxy: undefined },
    });
    try {
      const url = `http://127.0.0.1:${await listeningPort(app)}`;
      const probe = (await (await fetch(`${url}/probe?url=${encodeURIComponent(`${target.url}/x`)}`)).json()) as { globalAgent: string; ownAgent: string };
      // The env proxy is in force in this process (else the rest proves nothing) …
      expect(probe.globalAgent).toBe('via proxy');
      expect(proxied).toContain(`${target.url}/x`);
      // … and an agent of the app's own (upstream's exporter makes one) is not routed by it.
      expect(probe.ownAgent).toBe('direct');

      expect(await (await fetch(`${url}/log`)).text()).toBe('ok');
      const record = await receiver.waitFor('the record, exported', () => receiver.logs.find((l) => l.body === 'env-proxy record'));
      expect(record.traceId).toMatch(/^[0-9a-f]{32}$/);
      await receiver.waitFor('the request spans', () => receiver.spans.find((s) => s.resource['service.name'] === service && s.name === 'GET'));
      expect(proxied.filter((u) => u.startsWith(receiver.url))).toEqual([]);
      expect(proxied).toHaveLength(1);
    } finally {
      await app.stop('SIGTERM');
    }
  });
});
