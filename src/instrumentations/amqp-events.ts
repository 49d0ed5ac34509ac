import { propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile, isWrapped } from '@opentelemetry/instrumentation';
import { getScope } from '../business-ids/scope';
import { emitEvent, errorType } from '../policy/emitter';
import { VERSION } from '../version';

/**
 * What amqplib reports as events rather than calls, turned into the policy's queue events:
 *   channel 'return' (an unroutable message sent with `mandatory`) -> messaging.routing.failed
 *   channel 'error' / connection 'error'                           -> messaging.delivery.failed
 * A returned message still carries the headers we injected on publish, so its event joins the
 * trace (and the business IDs) of the request that published it.
 */
const VERSIONS = ['>=0.5.5 <1'];
type Emitter = { emit(event: string | symbol, ...args: unknown[]): boolean };
type Returned = { fields?: { exchange?: string; routingKey?: string; replyText?: string; replyCode?: number }; properties?: { headers?: Record<string, unknown>; messageId?: string } };

function onReturn(message: Returned): void {
  const headers = message?.properties?.headers ?? {};
  const ctx: Context = propagation.extract(ROOT_CONTEXT, headers);
  // The broker hands back a message this service published: its headers are our own.
  getScope(ctx)?.trust(true);
  const exchange = message?.fields?.exchange || '(default)';
  emitEvent(
    'messaging.routing.failed',
    {
      'shop.component': 'message-queue',
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': exchange,
      'messaging.rabbitmq.destination.routing_key': message?.fields?.routingKey ?? '',
      'messaging.message.id': message?.properties?.messageId ?? '',
      'messaging.routing.reason': message?.fields?.replyText ?? 'returned',
    },
    { context: ctx, body: `message returned unroutable by ${exchange} (routing key ${message?.fields?.routingKey ?? ''}): ${message?.fields?.replyText ?? ''}` },
  );
}

function onError(source: 'channel' | 'connection', error: unknown): void {
  emitEvent(
    'messaging.delivery.failed',
    { 'shop.component': 'message-queue', 'messaging.system': 'rabbitmq', 'messaging.destination.name': `(${source})`, 'error.type': errorType(error) },
    { context: ROOT_CONTEXT, body: `RabbitMQ ${source} error: ${error instanceof Error ? error.message : String(error)}` },
  );
}

export class AmqpEventsInstrumentation extends InstrumentationBase {
  constructor() {
    super('shop-otel-amqp-events', VERSION, {});
  }

  protected init() {
    const patchEmit = (source: 'channel' | 'connection') => (proto: Emitter) => {
      if (isWrapped(proto.emit)) this._unwrap(proto, 'emit');
      this._wrap(proto, 'emit', (original: Emitter['emit']) =>
        function emit(this: Emitter, event: string | symbol, ...args: unknown[]) {
          try {
            if (event === 'return' && source === 'channel') onReturn(args[0] as Returned);
            else if (event === 'error') onError(source, args[0]);
          } catch {
            // an observer never breaks the emitter
          }
          return original.call(this, event, ...args);
        },
      );
    };
    return new InstrumentationNodeModuleDefinition('amqplib', VERSIONS, undefined, undefined, [
      new InstrumentationNodeModuleFile(
        'amqplib/lib/channel.js',
        VERSIONS,
        (exports: { Channel: { prototype: Emitter } }) => {
          patchEmit('channel')(exports.Channel.prototype);
          return exports;
        },
        (exports?: { Channel: { prototype: Emitter } }) => {
          // Upstream's amqplib instrumentation, disabled first, may have unwrapped it already (shimmer would print to the app's stderr).
          if (exports && isWrapped(exports.Channel.prototype.emit)) this._unwrap(exports.Channel.prototype, 'emit');
        },
      ),
      new InstrumentationNodeModuleFile(
        'amqplib/lib/connection.js',
        VERSIONS,
        (exports: { Connection: { prototype: Emitter } }) => {
          patchEmit('connection')(exports.Connection.prototype);
          return exports;
        },
        (exports?: { Connection: { prototype: Emitter } }) => {
          if (exports && isWrapped(exports.Connection.prototype.emit)) this._unwrap(exports.Connection.prototype, 'emit');
        },
      ),
    ]);
  }
}
