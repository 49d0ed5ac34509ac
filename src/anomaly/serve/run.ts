/** `shop-otel-anomaly serve`: configuration, the service, its /metrics endpoint, signals. */
import { createServer } from 'node:http';
import { resolveServeConfig } from './config';
import { AnomalyService } from './service';

export async function runServe(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const config = resolveServeConfig(argv, env);
  const log = (m: string) => process.stderr.write(`shop-otel-anomaly: ${m}\n`);
  const service = new AnomalyService(config, log);
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      service.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': service.registry.contentType });
          res.end(text);
        },
        (e) => {
          res.writeHead(500);
          res.end(String(e));
        },
      );
    } else if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listenPort, config.listenHost, resolve);
  }).catch((e: Error) => {
    log(`cannot listen on ${config.listenHost}:${config.listenPort} (${e.message})`);
    throw e;
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.listenPort;
  log(`listening on http://${config.listenHost}:${port}/metrics; ${config.queries.length} queries every ${config.stepSeconds}s from ${config.prometheusUrl}, shard ${config.shard.index}/${config.shard.count}, state ${config.statePath}`);
  service.start();
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: saving state and stopping`);
      service.stop().finally(() => server.close(() => resolve(0)));
      server.closeAllConnections();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
