#!/usr/bin/env bash
# The README's main command (`npm run demo`): install and start what the sample shop and its
# pipeline need (PostgreSQL, RabbitMQ; Prometheus, rsyslog, our collector build), build shop-otel,
# run the shop instrumented with traffic through the collector, and show what arrived where.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/use-node.sh   # Node 24 (SHOP_OTEL_NODE=22 for 22), provisioned when the machine's own is older
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/services.sh
bash scripts/pipeline-deps.sh >/dev/null
npm run -s build
exec node scripts/demo.mjs "$@"
