#!/usr/bin/env bash
# A current promtool (the Prometheus 3.x line; Debian's is 2.42), built from the Go module proxy
# into the same cache as the collector build, once per version: the alert rules are checked and
# unit-tested with both (the compose stack runs Prometheus 3). Prints the binary's path last.
#   SHOP_PROMTOOL_VERSION (default below; module versions v0.3xx.y are Prometheus 3.xx.y)
#   SHOP_OTEL_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/shop-otel)
set -euo pipefail
VERSION=${SHOP_PROMTOOL_VERSION:-v0.316.0}
CACHE=${SHOP_OTEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shop-otel}
BIN="$CACHE/bin/promtool-$VERSION"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
command -v go >/dev/null || { echo "promtool-current: Go is required (Debian: apt-get install golang)" >&2; exit 1; }
mkdir -p "$CACHE/bin"
exec 9>"$CACHE/promtool.lock"
flock 9   # a concurrent build: wait for it, then use its binary
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
WORK=$(mktemp -d "$CACHE/promtool-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
echo "promtool-current: building promtool $VERSION (once; about a minute)" >&2
start=$(date +%s)
if ! GOBIN="$WORK" GOFLAGS=-buildvcs=false go install "github.com/prometheus/prometheus/cmd/promtool@$VERSION" >&2; then
  echo "promtool-current: retrying once" >&2
  GOBIN="$WORK" GOFLAGS=-buildvcs=false go install "github.com/prometheus/prometheus/cmd/promtool@$VERSION" >&2
fi
mv "$WORK/promtool" "$BIN"
echo "promtool-current: built in $(( $(date +%s) - start )) s" >&2
echo "$BIN"
