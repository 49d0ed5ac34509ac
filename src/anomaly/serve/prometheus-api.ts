/**
 * The part of Prometheus' HTTP API the service uses: `query_range` (GET /api/v1/query_range),
 * with a timeout. Errors are thrown as PrometheusError (the caller backs off and reports).
 */
export interface RangeSeries {
  labels: Record<string, string>;
  /** [unix seconds, value] pairs, ascending. */
  points: Array<[number, number]>;
}

export class PrometheusError extends Error {}

/** Prometheus refuses more than 11 000 points per series in one query_range. */
export const MAX_POINTS_PER_QUERY = 10_000;

export async function queryRange(
  baseUrl: string,
  query: string,
  start: number,
  end: number,
  step: number,
  timeoutMs: number,
): Promise<RangeSeries[]> {
  const url = new URL(`${baseUrl}/api/v1/query_range`);
  url.searchParams.set('query', query);
  url.searchParams.set('start', String(start));
  url.searchParams.set('end', String(end));
  url.searchParams.set('step', String(step));
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    if ((e as Error).name === 'TimeoutError') throw new PrometheusError(`${baseUrl} did not answer within ${timeoutMs} ms`);
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw new PrometheusError(`${baseUrl} unreachable (${cause ?? (e as Error).name})`);
  }
  let body: { status?: string; error?: string; data?: { result?: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new PrometheusError(`${baseUrl} answered ${res.status} without JSON`);
  }
  if (body.status !== 'success') throw new PrometheusError(`query ${JSON.stringify(query)}: ${body.error ?? `HTTP ${res.status}`}`);
  return (body.data?.result ?? []).map((r) => ({
    labels: r.metric,
    points: r.values.map(([t, v]) => [Number(t), Number(v)] as [number, number]).filter(([, v]) => Number.isFinite(v)),
  }));
}
