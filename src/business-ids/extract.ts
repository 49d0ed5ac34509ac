import type { BusinessIdKind } from '../attributes';
import type { BusinessScope, IdSettings } from './scope';

/**
 * Finding business IDs in what the instrumentation already holds: route/query parameters, parsed
 * JSON bodies, message payloads, log metadata. Every finder is cheap when there is nothing to
 * find, and skips a kind the scope already knows.
 */

const KINDS: readonly BusinessIdKind[] = ['order', 'customer'];

function fieldsOf(settings: IdSettings, kind: BusinessIdKind): readonly string[] {
  return kind === 'order' ? settings.orderFields : settings.customerFields;
}

/** Top-level fields of a plain object (parsed JSON body, route params, log metadata). */
export function offerFromObject(scope: BusinessScope, obj: unknown, source: string): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return;
  const record = obj as Record<string, unknown>;
  // Indexed loops: for…of here was nearly half of this function's own ticks at the service, which
  // runs it for every log record and body (`cpu-profile.mjs` BENCH_PROFILE_LINES=offerFromObject).
  for (let k = 0; k < KINDS.length; k++) {
    const kind = KINDS[k];
    if (scope.hasOwn(kind)) continue;
    const fields = fieldsOf(scope.settings, kind);
    for (let f = 0; f < fields.length; f++) {
      const v = record[fields[f]];
      if (v !== undefined && v !== null && scope.offer(kind, v, `${source} field ${fields[f]}`) !== undefined) break;
    }
  }
}

/**
 * Express-style route parameters: the configured names, and a bare `:id` when the request path
 * names the collection (`/orders/<id>` or `/customers/<id>`).
 */
export function offerFromParams(scope: BusinessScope, params: unknown, path: string): void {
  offerFromObject(scope, params, 'route parameter');
  if (params === null || typeof params !== 'object') return;
  const id = (params as Record<string, unknown>).id;
  if (typeof id !== 'string' || id.length === 0) return;
  if (!scope.hasOwn('order') && path.includes(`/orders/${id}`)) scope.offer('order', id, 'route parameter id under /orders/');
  if (!scope.hasOwn('customer') && path.includes(`/customers/${id}`)) scope.offer('customer', id, 'route parameter id under /customers/');
}

/** Query parameters of a request URL (`/x?orderId=...`). */
export function offerFromUrlQuery(scope: BusinessScope, url: string | undefined): void {
  if (!url || scope.complete) return;
  const q = url.indexOf('?');
  if (q < 0) return;
  const search = new URLSearchParams(url.slice(q + 1));
  for (const kind of KINDS) {
    if (scope.hasOwn(kind)) continue;
    for (const field of fieldsOf(scope.settings, kind)) {
      const v = search.get(field);
      if (v !== null && scope.offer(kind, v, `query parameter ${field}`) !== undefined) break;
    }
  }
}

/** Payloads larger than this are not scanned for IDs. */
export const MAX_SCANNED_PAYLOAD = 64 * 1024;

const scanners = new WeakMap<IdSettings, Array<[BusinessIdKind, RegExp]>>();

/**
 * JSON text (an AMQP message body): a targeted scan for `"orderId": "..."` / `"orderId": 42`
 * rather than JSON.parse, so a large or malformed payload costs a bounded regex pass and no
 * object graph. Measured beside bench/: a 1 kB order message scans in ~1 µs.
 */
export function offerFromJsonText(scope: BusinessScope, content: unknown, source: string): void {
  if (scope.complete) return;
  let text: string;
  if (typeof content === 'string') text = content;
  else if (Buffer.isBuffer(content)) {
    if (content.length > MAX_SCANNED_PAYLOAD) return;
    text = content.toString('utf8');
  } else return;
  if (text.length > MAX_SCANNED_PAYLOAD) return;
  let list = scanners.get(scope.settings);
  if (!list) {
    list = KINDS.map((kind) => {
      const names = fieldsOf(scope.settings, kind).map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      return [kind, new RegExp(`"(?:${names.join('|')})"\\s*:\\s*(?:"([^"\\\\]{1,256})"|(\\d{1,16})\\b)`)] as [BusinessIdKind, RegExp];
    });
    scanners.set(scope.settings, list);
  }
  for (const [kind, re] of list) {
    if (scope.hasOwn(kind)) continue;
    const m = re.exec(text);
    if (m) scope.offer(kind, m[1] ?? m[2], source);
  }
}
