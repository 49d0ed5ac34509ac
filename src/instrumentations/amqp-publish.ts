import { context, diag, propagation, SpanKind, trace, type Attributes, type Span } from '@opentelemetry/api';
import { safeExecuteInTheMiddle } from '@opentelemetry/instrumentation';
import { AmqplibInstrumentation, type AmqplibInstrumentationConfig } from '@opentelemetry/instrumentation-amqplib';
import { handOverAttributes } from '../trace/hand-over';

/**
 * instrumentation-amqplib as it is — consumers, acks, confirm channels, its configuration — with
 * a `Channel.prototype.publish` wrapper of our own in place of upstream's `getPublishPatch` (a
 * method of 0.71; if an upgrade renames it, publishes take upstream's wrapper, still traced, and
 * test/amqp-publish.test.ts fails on LEAN_PUBLISH).
 *
 * Why: amqplib builds each message's headers table as `Object.create(options.headers)`, and
 * upstream's wrapper hands it a fresh headers object per publish (`options.headers ?? {}`, the
 * trace context injected into it). A fresh object made a prototype costs V8 a prototype map, its
 * prototype info and new object maps, all in the old generation, and amqplib's `for…in` over the
 * table then takes the slow path. Measured (bench/RESULTS.md, "amqplib's headers, the export
 * requests and the winston call in steady state"): `bench/micro/heap-sample.mjs` found amqplib's
 * `encodeTable` and `Object.create` the largest sites of what survived into the old generation;
 * `bench/micro/amqp-headers.cjs` the property encoding alone (a fresh headers object against one
 * whose keys stay); `bench/micro/amqp-publish.mjs` the publish span as a whole. Here, when the app passes no headers of its own (the common case), the
 * trace context goes into one long-lived carrier object whose keys stay (a value no longer
 * injected is set to `undefined`, which amqplib leaves out of the table), so the prototype and
 * its maps are made once. The carrier is lent to one publish at a time, its values cleared after
 * it, and never left in the app's objects: a plain options object of the app's is copied with the
 * carrier as its headers, any other gets `headers` for the duration of the call only (a frozen
 * one becomes the prototype of an object that has them; upstream leaves its headers object in
 * the app's, and throws on a frozen one). A publish with headers
 * of the app's, with more arguments than amqplib's four, or inside another (the carrier lent
 * already) takes upstream's wrapper.
 *
 * The same span as upstream's: name, kind, attributes in the same order, the publish hook with
 * the same arguments, the original called with the same arguments but the options; and the same
 * headers on the wire (test/amqp-publish.test.ts compares both against a real RabbitMQ). One
 * difference: if amqplib throws (a closed channel), the span ends here; upstream's is never ended.
 */

type Publish = (this: unknown, ...args: unknown[]) => unknown;
type Options = { headers?: unknown; messageId?: unknown; correlationId?: unknown; [key: string]: unknown };
type Carrier = Record<string, string | undefined>;

// instrumentation-amqplib's names, copied: the package exports only its index, not its utils.
const ATTR_MESSAGING_DESTINATION = 'messaging.destination';
const ATTR_MESSAGING_DESTINATION_KIND = 'messaging.destination_kind';
const DESTINATION_KIND_TOPIC = 'topic';
const ATTR_MESSAGING_RABBITMQ_ROUTING_KEY = 'messaging.rabbitmq.routing_key';
const OLD_ATTR_MESSAGING_MESSAGE_ID = 'messaging.message_id';
const ATTR_MESSAGING_CONVERSATION_ID = 'messaging.conversation_id';

/** Marks the wrapper in place on `Channel.prototype.publish` as this one (for the test). */
export const LEAN_PUBLISH = Symbol.for('shop-otel.amqplib.lean-publish');

// A carrier with more keys than this (a propagator writing keys of its own making) is replaced, not kept.
const MAX_CARRIER_KEYS = 16;

export class ShopAmqplibInstrumentation extends AmqplibInstrumentation {
  private carrier: Carrier = {};
  private lent = false;
  // { headers: carrier } for a publish without options (upstream makes `{}` for it).
  private noOptions: Options = { headers: this.carrier };

  constructor(config: AmqplibInstrumentationConfig = {}) {
    super(config);
    // Private in upstream's typings; read by its patch of amqplib's channel model when amqplib is loaded (after this constructor).
    (this as unknown as { getPublishPatch: ShopAmqplibInstrumentation['leanPublishPatch'] }).getPublishPatch = (moduleVersion, original) => this.leanPublishPatch(moduleVersion, original);
  }

  /** In place of upstream's getPublishPatch(moduleVersion, original). */
  private leanPublishPatch(moduleVersion: string | undefined, original: Publish): Publish {
    const upstream = (AmqplibInstrumentation.prototype as unknown as { getPublishPatch: (v: string | undefined, o: Publish) => Publish }).getPublishPatch.call(this, moduleVersion, original);
    const self = this;
    const lean = function publish(this: unknown, exchange: unknown, routingKey: unknown, content: unknown, options?: unknown): unknown {
      const opts = options as Options | null | undefined;
      if (self.lent || arguments.length > 4 || (opts != null && (typeof opts !== 'object' || opts.headers != null)) || confirmChannelTracing()) {
        // eslint-disable-next-line prefer-rest-params
        return upstream.apply(this, arguments as unknown as unknown[]);
      }
      return self.publish(this, original, moduleVersion, exchange as string, routingKey as string, content, opts ?? undefined);
    };
    (lean as unknown as Record<symbol, boolean>)[LEAN_PUBLISH] = true;
    return lean;
  }

  private publish(channel: unknown, original: Publish, moduleVersion: string | undefined, exchange: string, routingKey: string, content: unknown, options: Options | undefined): unknown {
    const connection = (channel as { connection?: Record<symbol, object> }).connection;
    // Upstream's createPublishSpan, attribute for attribute. Added one by one to a copy of the
    // connection's, not as computed keys after a spread in one literal: V8 defines those through
    // its slow path, and they were half of this function's own time at the service
    // (`cpu-profile.mjs` BENCH_PROFILE_LINES=publish).
    const attributes: Attributes = { ...connectionAttributes(connection) };
    attributes[ATTR_MESSAGING_DESTINATION] = exchange;
    attributes[ATTR_MESSAGING_DESTINATION_KIND] = DESTINATION_KIND_TOPIC;
    attributes[ATTR_MESSAGING_RABBITMQ_ROUTING_KEY] = routingKey;
    // Only when given (upstream sets them undefined, which the span leaves out): an object without
    // an undefined value can be handed over to the span as it is (trace/hand-over.ts).
    if (options?.messageId !== undefined) attributes[OLD_ATTR_MESSAGING_MESSAGE_ID] = options.messageId as string;
    if (options?.correlationId !== undefined) attributes[ATTR_MESSAGING_CONVERSATION_ID] = options.correlationId as string;
    const span: Span = this.tracer.startSpan(`publish ${exchange !== '' ? exchange : '<default>'}`, { kind: SpanKind.PRODUCER, attributes: handOverAttributes(attributes) });
    const carrier = this.carrier;
    this.lent = true;
    // A plain options object of the app's is copied, the carrier as its headers: amqplib only reads
    // the options (Args.publish), so the copy carries the same message, and the app's object is
    // never touched. Lending the carrier to the app's object meant a `delete` after the call, 40 %
    // of this function's own time at the service (`cpu-profile.mjs` BENCH_PROFILE_LINES=publish).
    // Any other object (a prototype of its own, whose inherited options a copy would lose) gets
    // `headers` for the duration of the call, as before.
    let lentTo: Options | undefined;
    let hadHeaders = false;
    let previous: unknown;
    try {
      let opts: Options | undefined;
      if (options === undefined) opts = this.noOptions;
      else if (Object.getPrototypeOf(options) === Object.prototype) {
        try {
          opts = { ...options, headers: carrier };
        } catch {
          // a getter of the app's that throws when read here: lent instead, as below
        }
      }
      if (opts === undefined) {
        const own = options as Options;
        hadHeaders = Object.hasOwn(own, 'headers');
        previous = own.headers;
        try {
          own.headers = carrier;
          opts = lentTo = own;
        } catch {
          // Frozen, sealed or not extensible: the app's object as the prototype of one that has
          // the headers (amqplib reads the rest through it).
          opts = Object.create(own, { headers: { value: carrier, enumerable: true } }) as Options;
        }
      }
      propagation.inject(trace.setSpan(context.active(), span), carrier);
      const { publishHook } = this.getConfig();
      if (publishHook) {
        safeExecuteInTheMiddle(
          () => publishHook(span, { moduleVersion, exchange, routingKey, content: content as Buffer, options: opts as never, isConfirmChannel: false }),
          (e) => {
            if (e) diag.error('amqplib instrumentation: publishHook error', e);
          },
          true,
        );
      }
      return original.call(channel, exchange, routingKey, content, opts);
    } finally {
      if (lentTo !== undefined) {
        if (hadHeaders) lentTo.headers = previous;
        else delete lentTo.headers;
      }
      this.release(carrier);
      span.end();
    }
  }

  /** The carrier's values cleared, its keys kept (see above); replaced if it grew past its bound. */
  private release(carrier: Carrier): void {
    let keys = 0;
    for (const key in carrier) {
      carrier[key] = undefined;
      keys++;
    }
    if (keys > MAX_CARRIER_KEYS) {
      this.carrier = {};
      this.noOptions = { headers: this.carrier };
    }
    this.lent = false;
  }
}

/**
 * The connection's attributes, as instrumentation-amqplib stored them on it when it connected,
 * under a Symbol of its own (not Symbol.for, and not exported): found once by its description.
 */
const CONNECTION_ATTRIBUTES_DESCRIPTION = 'opentelemetry.amqplib.connection.attributes';
let connectionAttributesKey: symbol | undefined;
function connectionAttributes(connection: Record<symbol, object> | undefined): object | undefined {
  if (connection == null || typeof connection !== 'object') return undefined;
  if (connectionAttributesKey === undefined) {
    connectionAttributesKey = Object.getOwnPropertySymbols(connection).find((s) => s.description === CONNECTION_ATTRIBUTES_DESCRIPTION);
    if (connectionAttributesKey === undefined) return undefined;
  }
  return connection[connectionAttributesKey];
}

/** instrumentation-amqplib's isConfirmChannelTracing: its confirm-channel publish marks the context (createContextKey: Symbol.for) so that the inner publish is not traced again. */
const CONFIRM_CHANNEL_KEY = Symbol.for('opentelemetry.amqplib.channel.is-confirm-channel');
function confirmChannelTracing(): boolean {
  return context.active().getValue(CONFIRM_CHANNEL_KEY) === true;
}
