import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { InstrumentationName, ShopOtelConfig } from '../config';
import { consumeHook, publishHook } from './amqp-hooks';
import { requestHook } from './http-hooks';
import { PeerTrust } from '../business-ids/trust';
import type { WinstonSink } from './winston-record-transport';

/**
 * The instrumentations shop-otel offers, as a typed map from name to a lazy factory: a package
 * is required only when its instrumentation is enabled, so a service pays start-up time only for
 * what it uses.
 */
type Factory = (config: ShopOtelConfig, sink?: WinstonSink) => Instrumentation | Instrumentation[];

/* eslint-disable @typescript-eslint/no-require-imports */
const FACTORIES: Record<InstrumentationName, Factory> = {
  // Server spans are ours (http-server.ts: a quarter of the cost, measured there); client spans upstream's.
  http: (config) => {
    const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
    const { HttpServerInstrumentation } = require('./http-server') as typeof import('./http-server');
    return [
      new HttpServerInstrumentation({ onRequest: requestHook(new PeerTrust(config.businessIds.trustedPeers)), durations: config.metrics.durations }),
      new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
    ];
  },
  // fetch() in Node 20 is undici, which the http instrumentation does not see.
  undici: () => {
    const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
    return new UndiciInstrumentation();
  },
  express: () => {
    const { RouteCaptureInstrumentation } = require('./route-capture') as typeof import('./route-capture');
    return new RouteCaptureInstrumentation();
  },
  pg: (config) => {
    const { ShopPgInstrumentation } = require('./pg-queries') as typeof import('./pg-queries');
    const { PgConnectEventsInstrumentation } = require('./pg-connect-events') as typeof import('./pg-connect-events');
    const queries = new ShopPgInstrumentation({
      // Connection spans are noise next to the query spans; parameter values are never exported.
      ignoreConnectSpans: true,
      enhancedDatabaseReporting: false,
      addSqlCommenterCommentToQueries: config.pg.sqlCommenter,
      // The policy's db.query.completed event reports the query's result size.
      responseHook: (span, { data }) => span.setAttribute('db.response.returned_rows', Number(data.rowCount ?? data.rows?.length ?? 0)),
    });
    return [queries, new PgConnectEventsInstrumentation(config.policy.dbComponents)];
  },
  amqplib: (config) => {
    const { ShopAmqplibInstrumentation } = require('./amqp-publish') as typeof import('./amqp-publish');
    const { AmqpEventsInstrumentation } = require('./amqp-events') as typeof import('./amqp-events');
    return [
      // instrumentation-amqplib with a publish wrapper of our own (amqp-publish.ts).
      new ShopAmqplibInstrumentation({
        publishHook: publishHook(config.businessIds),
        consumeHook: consumeHook(new PeerTrust(config.businessIds.trustedPeers)),
      }),
      new AmqpEventsInstrumentation(),
    ];
  },
  // Upstream's instrumentation for correlation and configuration, our transport for the records (winston-instrumentation.ts).
  winston: (config, sink) => {
    const { ShopWinstonInstrumentation } = require('./winston-instrumentation') as typeof import('./winston-instrumentation');
    return new ShopWinstonInstrumentation({ disableLogSending: config.logs.exporters.length === 0 }, sink);
  },
  'runtime-node': () => {
    const { RuntimeNodeInstrumentation } = require('@opentelemetry/instrumentation-runtime-node') as typeof import('@opentelemetry/instrumentation-runtime-node');
    return new RuntimeNodeInstrumentation();
  },
};

/** `sink`: where the winston transport sends its records (the SDK's LoggerProvider and its safe wrapper). */
export function createInstrumentations(config: ShopOtelConfig, sink?: WinstonSink): Instrumentation[] {
  return config.instrumentations.flatMap((name) => FACTORIES[name](config, sink));
}
