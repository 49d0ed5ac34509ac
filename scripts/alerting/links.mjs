// The two link bases every alert's annotations carry (docs/alerting.md, "Links"): one constant
// each, here. The rule files in collector/stack/prometheus/rules/ are written with these
// defaults; `render-rules.mjs --runbook-base URL --traces-base URL` rewrites them for a
// deployment (the repository's web address, the Jaeger UI's).

/** runbook_url = RUNBOOK_BASE + '<AlertName>.md': repository-relative by default. */
export const RUNBOOK_BASE = 'docs/runbooks/';

/** traces_url starts with this: the trace store's UI (Jaeger's search page). */
export const TRACES_BASE = 'http://127.0.0.1:16686';

/**
 * The traces_url annotation: Jaeger's search for the alert's service over the hour before the
 * evaluation (Jaeger wants microseconds; Prometheus' templates have no clock but `query "time()"`).
 */
export function tracesUrl(serviceTemplate = '{{ $labels.service }}', base = TRACES_BASE) {
  const us = (expr) => `{{ with query "${expr}" }}{{ . | first | value | printf "%.0f" }}{{ end }}`;
  return `${base}/search?service=${serviceTemplate}&lookback=custom&start=${us('(time() - 3600) * 1e6')}&end=${us('time() * 1e6')}&limit=20`;
}

/** What that template renders to at evaluation time `t` seconds (for the unit tests' expectations). */
export function tracesUrlAt(service, t, base = TRACES_BASE) {
  return `${base}/search?service=${service}&lookback=custom&start=${((t - 3600) * 1e6).toFixed(0)}&end=${(t * 1e6).toFixed(0)}&limit=20`;
}
