#!/usr/bin/env bash
# The README's test command (`npm test`): install and start what the tests need (PostgreSQL,
# RabbitMQ; Prometheus, rsyslog and our collector build), build, run them.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/use-node.sh   # Node 24 (SHOP_OTEL_NODE=22 for 22), provisioned when the machine's own is older
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/services.sh
bash scripts/pipeline-deps.sh >/dev/null
npm run -s build
exec npx vitest run "$@"
