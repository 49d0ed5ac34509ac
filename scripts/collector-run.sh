#!/usr/bin/env bash
# Runs otelcol-shop with otel-collector.yaml, adding the overlays that the environment asks for:
#   SHOP_OTEL_COLLECTOR_TOKEN      -> collector/overlays/auth.yaml (bearer-token auth on OTLP)
#   SHOP_OTEL_COLLECTOR_TLS_CERT   -> collector/overlays/tls.yaml  (TLS on OTLP; with _TLS_KEY)
#   SHOP_OTEL_COLLECTOR_EXTRAS     -> that file, merged last
#   SHOP_OTEL_COLLECTOR_BIN        -> use this binary instead of building/finding ours
# Extra arguments go to the collector (e.g. `validate`). Every other setting: docs/collector.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SHOP_OTEL_COLLECTOR_BIN:-$(bash scripts/collector-build.sh | tail -n 1)}
args=(--config otel-collector.yaml)
[ -n "${SHOP_OTEL_COLLECTOR_TOKEN:-}" ] && args+=(--config collector/overlays/auth.yaml)
if [ -n "${SHOP_OTEL_COLLECTOR_TLS_CERT:-}" ]; then
  [ -n "${SHOP_OTEL_COLLECTOR_TLS_KEY:-}" ] || { echo "collector-run: SHOP_OTEL_COLLECTOR_TLS_CERT is set but SHOP_OTEL_COLLECTOR_TLS_KEY is not" >&2; exit 2; }
  args+=(--config collector/overlays/tls.yaml)
fi
[ -n "${SHOP_OTEL_COLLECTOR_EXTRAS:-}" ] && args+=(--config "$SHOP_OTEL_COLLECTOR_EXTRAS")
if [ "${1:-}" = validate ]; then shift; exec "$BIN" validate "${args[@]}" "$@"; fi
exec "$BIN" "${args[@]}" "$@"
