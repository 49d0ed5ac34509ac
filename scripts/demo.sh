#!/usr/bin/env bash
# The README's main command (`npm run demo`): install and start what the sample shop needs, build
# shop-otel, run the shop instrumented with traffic, and show what arrived.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/services.sh
npm run -s build
exec node scripts/demo.mjs "$@"
