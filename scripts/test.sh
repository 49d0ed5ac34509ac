#!/usr/bin/env bash
# The README's test command (`npm test`): install and start what the tests need, build, run them.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/services.sh
npm run -s build
exec npx vitest run "$@"
