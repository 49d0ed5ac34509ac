import { needsCopy, toPlainValue } from '../privacy/safe-values';

/**
 * winston metadata reaches the OpenTelemetry transport as the app logged it. The transport walks
 * nested objects itself, and a getter that throws anywhere inside loses the whole record (it
 * catches, warns, and drops it). So the transport's `log` sees a copy in which every object
 * value is plain and readable (privacy/safe-values.ts: bounded, acyclic, `[unreadable]` for a
 * throwing getter). A record whose metadata is all primitives — the common case — is passed on
 * as it is, after one look at each value.
 */
let installed = false;

type Info = Record<string | symbol, unknown>;

export function safeInfo(info: Info): Info {
  let copy: Info | undefined;
  for (const key of Object.keys(info)) {
    const v = info[key];
    if (!needsCopy(v) || v instanceof Error) continue;
    copy ??= { ...info };
    copy[key] = toPlainValue(v);
  }
  return copy ?? info;
}

export function installWinstonSafeMetadata(): void {
  if (installed) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { OpenTelemetryTransportV3 } = require('@opentelemetry/winston-transport') as { OpenTelemetryTransportV3: { prototype: { log: (info: Info, cb?: () => void) => void } } };
  const proto = OpenTelemetryTransportV3.prototype;
  const original = proto.log;
  proto.log = function log(this: unknown, info: Info, callback?: () => void) {
    let safe = info;
    try {
      safe = safeInfo(info);
    } catch {
      // keep the original: the transport copes with what it can
    }
    return original.call(this, safe, callback);
  };
  installed = true;
}
