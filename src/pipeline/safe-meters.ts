import type { Attributes, Context, Meter, MeterOptions, MeterProvider, MetricOptions } from '@opentelemetry/api';
import { nameOf, optionalText, scopeOptionsOf, warnMisuse } from '../api-inputs';

/**
 * The MeterProvider the app sees through the metrics API (sdk.ts registers it as the global one;
 * the instrumentations keep the SDK's own, unwrapped). Misuse costs the one call, with a warning
 * (api-inputs.ts), never the app or the other metrics:
 *  - an instrument or meter name that is not a string becomes its text. Before, an instrument
 *    named `undefined` made every later metrics export of the process fail in the protobuf
 *    serializer: all metrics lost, at every interval;
 *  - a measurement the SDK throws on (a Symbol, a throwing getter, a BigInt in the attributes,
 *    attributes that are null) is dropped instead of thrown into the app;
 *  - options that are not an object are ignored.
 * Why a wrapper and not the SDK: its instruments throw on these (as upstream's do); its own checks
 * are for the TypeScript types. The wrapper is one more call per measurement, on the app's own
 * instruments only.
 */
export class SafeMeterProvider implements MeterProvider {
  constructor(private readonly inner: MeterProvider) {}

  getMeter(name: string, version?: string, options?: MeterOptions): Meter {
    if (typeof name !== 'string') name = nameOf(name, 'a meter name');
    if (version !== undefined && typeof version !== 'string') version = optionalText(version, 'a meter version');
    if (options !== undefined) options = scopeOptionsOf<MeterOptions>(options);
    return new SafeMeter(this.inner.getMeter(name, version, options));
  }
}

/** An instrument's options when they are an object whose fields can be read, else none. */
function instrumentOptionsOf(options: unknown): MetricOptions | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') {
    warnMisuse(`an instrument's options are ${options === null ? 'null' : `a ${typeof options}`}`, 'they are ignored');
    return undefined;
  }
  return options as MetricOptions;
}

type Create<I> = (name: string, options?: MetricOptions) => I;

/** `create` with the name and options checked; without the options if the SDK cannot read them. */
function created<I>(meter: Meter, create: Create<I>, name: unknown, options: unknown): I {
  const checkedName = typeof name === 'string' ? name : nameOf(name, 'an instrument name');
  const checked = instrumentOptionsOf(options);
  try {
    return create.call(meter, checkedName, checked);
  } catch {
    warnMisuse(`an instrument's options cannot be read`, 'it is made without them');
    return create.call(meter, checkedName);
  }
}

interface Recorder {
  (value: number, attributes?: Attributes, context?: Context): void;
}

/** A sync instrument whose one recording method (add or record) never throws. */
function safeRecorder(record: Recorder, instrument: object): Recorder {
  return (value, attributes, context) => {
    try {
      record.call(instrument, value, attributes, context);
    } catch {
      warnMisuse('a measurement (its value or attributes) could not be recorded', 'it is dropped');
    }
  };
}

class SafeMeter implements Meter {
  constructor(private readonly inner: Meter) {}

  createCounter(name: string, options?: MetricOptions) {
    return { add: this.sync(this.inner.createCounter, 'add', name, options) };
  }

  createUpDownCounter(name: string, options?: MetricOptions) {
    return { add: this.sync(this.inner.createUpDownCounter, 'add', name, options) };
  }

  createHistogram(name: string, options?: MetricOptions) {
    return { record: this.sync(this.inner.createHistogram, 'record', name, options) };
  }

  createGauge(name: string, options?: MetricOptions) {
    return { record: this.sync(this.inner.createGauge, 'record', name, options) };
  }

  /** The SDK's sync instrument made by `create`, as its one recording method (`add` or `record`), which never throws. */
  private sync<M extends 'add' | 'record'>(create: Create<{ [K in M]: Recorder }>, method: M, name: string, options?: MetricOptions): Recorder {
    const instrument = created(this.inner, create, name, options);
    return safeRecorder(instrument[method], instrument);
  }

  // Observables are the SDK's own (the app hands them back to addBatchObservableCallback); the
  // SDK catches what their callbacks throw and collects the rest.
  createObservableGauge(name: string, options?: MetricOptions) {
    return created(this.inner, this.inner.createObservableGauge, name, options);
  }

  createObservableCounter(name: string, options?: MetricOptions) {
    return created(this.inner, this.inner.createObservableCounter, name, options);
  }

  createObservableUpDownCounter(name: string, options?: MetricOptions) {
    return created(this.inner, this.inner.createObservableUpDownCounter, name, options);
  }

  addBatchObservableCallback(...args: Parameters<Meter['addBatchObservableCallback']>): void {
    try {
      this.inner.addBatchObservableCallback(...args);
    } catch {
      warnMisuse('addBatchObservableCallback() was given something other than a callback and observables', 'the call is ignored');
    }
  }

  removeBatchObservableCallback(...args: Parameters<Meter['removeBatchObservableCallback']>): void {
    try {
      this.inner.removeBatchObservableCallback(...args);
    } catch {
      warnMisuse('removeBatchObservableCallback() was given something other than a callback and observables', 'the call is ignored');
    }
  }
}
