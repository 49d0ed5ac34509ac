#!/usr/bin/env bash
# Builds otelcol-shop from collector/manifest.yaml with the OpenTelemetry Collector Builder into a
# cache outside the repository, keyed by the manifest's hash: a second run costs nothing. Prints
# the binary's absolute path as its last line (everything else goes to stderr).
#   SHOP_OTEL_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/shop-otel)
set -euo pipefail
cd "$(dirname "$0")/.."
MANIFEST=collector/manifest.yaml
BUILDER_VERSION=v0.148.0   # same release as the manifest's components
HASH=$(sha256sum "$MANIFEST" | cut -c1-12)
CACHE=${SHOP_OTEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shop-otel}
OUT="$CACHE/otelcol-shop-$HASH"
BIN="$OUT/otelcol-shop"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi

command -v go >/dev/null || { echo "collector-build: Go is required (Debian: apt-get install golang, or the toolchain from go.dev)" >&2; exit 1; }
mkdir -p "$CACHE"
exec 9>"$CACHE/build.lock"
flock 9   # two concurrent builds: the second waits, then finds the binary
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi

GOBIN_DIR="$CACHE/bin"
if [ ! -x "$GOBIN_DIR/builder-$BUILDER_VERSION" ]; then
  echo "collector-build: installing the collector builder $BUILDER_VERSION" >&2
  GOBIN="$GOBIN_DIR" GOFLAGS=-buildvcs=false go install "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION" >&2
  mv "$GOBIN_DIR/builder" "$GOBIN_DIR/builder-$BUILDER_VERSION"
fi
WORK=$(mktemp -d "$CACHE/work-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
sed "s#output_path: ./build#output_path: $WORK/build#" "$MANIFEST" > "$WORK/manifest.yaml"
echo "collector-build: building otelcol-shop ($HASH); the first build takes several minutes" >&2
start=$(date +%s)
# Module downloads can hiccup: retry the whole build once.
if ! GOFLAGS=-buildvcs=false "$GOBIN_DIR/builder-$BUILDER_VERSION" --config "$WORK/manifest.yaml" >&2; then
  echo "collector-build: retrying once" >&2
  GOFLAGS=-buildvcs=false "$GOBIN_DIR/builder-$BUILDER_VERSION" --config "$WORK/manifest.yaml" >&2
fi
mkdir -p "$OUT"
cp "$WORK/build/otelcol-shop" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
echo "collector-build: built in $(( $(date +%s) - start )) s" >&2
echo "$BIN"
