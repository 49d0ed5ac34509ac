import { needsCopy, toPlainValue } from '../privacy/safe-values';

/**
 * winston metadata reaches the OpenTelemetry transport as the app logged it. Upstream's record
 * builder (@opentelemetry/winston-transport's emitLogRecord, which winston-record-transport.ts
 * uses for every record that is not all primitives) walks
 * nested objects itself, and a getter that throws anywhere inside loses the whole record (it
 * catches, warns, and drops it). So the transport's `log` sees a copy in which every object
 * value is plain and readable (privacy/safe-values.ts: bounded, acyclic, `[unreadable]` for a
 * throwing getter). A record whose metadata is all primitives — the common case — is passed on
 * as it is, after one look at each value.
 */
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
