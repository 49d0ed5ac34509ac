#!/usr/bin/env bash
# Runs a command on a provisioned Node (scripts/node.sh), with its npm and npx going through it:
#   bash scripts/with-node.sh 22 npx vitest run test/register.test.ts
#   bash scripts/with-node.sh 24 node samples/shop.mjs
set -euo pipefail
SHOP_OTEL_NODE=$1; shift
. "$(dirname "$0")/use-node.sh"
exec "$@"
