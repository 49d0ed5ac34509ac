/**
 * A compared entry as JSON with its IDs named by role (PARENT, SPAN0 …, TRACE0 …) wherever they
 * appear (an SQL comment, a traceparent header): two processes' spans then compare equal when
 * they relate to each other the same way. Shared by the wrapper comparisons (pg-queries,
 * amqp-publish).
 */
export function byRole(entry: object, parent: string | null | undefined, spans: ReadonlyArray<{ traceId: string; spanId: string }>): string {
  const names = new Map<string, string>();
  if (parent) names.set(parent, 'PARENT');
  spans.forEach((s, i) => {
    names.set(s.spanId, `SPAN${i}`);
    if (!names.has(s.traceId)) names.set(s.traceId, `TRACE${names.size}`);
  });
  return JSON.stringify(entry).replace(/[0-9a-f]{32}|[0-9a-f]{16}/g, (id) => names.get(id) ?? 'OTHER');
}
