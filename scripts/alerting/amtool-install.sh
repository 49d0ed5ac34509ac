#!/usr/bin/env bash
# Builds a current amtool (Alertmanager's CLI) from the Go module proxy into a cache outside the
# repository, once: Debian's amtool is 0.25, and the config must stay valid for current releases
# too (the compose stack runs a current Alertmanager). Only amtool builds from the module: the
# server's web UI assets are not in it, so the server is Debian's. Idempotent; prints the binary's
# absolute path as its last line (everything else goes to stderr).
#   SHOP_OTEL_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/shop-otel)
set -euo pipefail
AMTOOL_VERSION=v0.35.0
CACHE=${SHOP_OTEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shop-otel}
BIN="$CACHE/bin/amtool-$AMTOOL_VERSION"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
command -v go >/dev/null || { echo "amtool-install: Go is required (Debian: apt-get install golang, or the toolchain from go.dev)" >&2; exit 1; }
mkdir -p "$CACHE/bin"
exec 9>"$CACHE/amtool.lock"
flock 9   # two concurrent installs: the second waits, then finds the binary
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
WORK=$(mktemp -d "$CACHE/amtool-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
echo "amtool-install: building amtool $AMTOOL_VERSION (about a minute, once)" >&2
# Module downloads can hiccup: retry once.
GOBIN="$WORK" GOFLAGS=-buildvcs=false go install "github.com/prometheus/alertmanager/cmd/amtool@$AMTOOL_VERSION" >&2 \
  || GOBIN="$WORK" GOFLAGS=-buildvcs=false go install "github.com/prometheus/alertmanager/cmd/amtool@$AMTOOL_VERSION" >&2
mv "$WORK/amtool" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
echo "$BIN"
