#!/usr/bin/env bash
# `npm run bench` (`-- --quick` for a short run): everything the benchmark needs, idempotently,
# then the benchmark itself. Writes bench/results/latest.json and the tables in bench/RESULTS.md.
#   - wrk from Debian, when absent
#   - the peers (bench/peers: upstream, EDOT, Splunk, dd-trace), from their lock file, only when
#     the lock changed since the last install; never in the root package
#   - PostgreSQL and RabbitMQ (scripts/services.sh), shop-otel built (npm run build),
#     the collector built (scripts/collector-build.sh, cached; done by bench/collector.mjs)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/use-node.sh   # Node 24 (SHOP_OTEL_NODE=22 for 22), provisioned when the machine's own is older
log() { echo "bench: $*" >&2; }

if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk (Debian)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi

# bench/peers (the receiver's decoder) and one folder per peer, each from its own lock file.
for dir in bench/peers bench/peers/upstream bench/peers/edot bench/peers/splunk bench/peers/dd-trace; do
  stamp=$dir/node_modules/.bench-lock-sha
  want=$(sha256sum "$dir/package-lock.json" | cut -c1-16)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing $dir (npm ci; install scripts stay off)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
  fi
done

[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/services.sh >&2
npm run -s build
exec node bench/run.mjs "$@"
