#!/usr/bin/env bash
# The alert rules against a current Prometheus (3.x; the compose stack runs one) as well as
# Debian's 2.42 (which test/unit/alert-rules.test.ts uses): `promtool check rules` on every rule
# file and `promtool test rules` on the unit tests, with promtool built once by
# promtool-current.sh (cached; the first build downloads and compiles Prometheus' module graph,
# ~10 min of CPU, so it is not part of `npm test`). SEASONAL=1 also runs the long anomaly tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
PROMTOOL=$(bash scripts/alerting/promtool-current.sh | tail -1)
cd collector/stack/prometheus/rules
"$PROMTOOL" check rules ./*.rules.yml
tests=$(ls ./*.test.yml | grep -v seasonal)
[ "${SEASONAL:-0}" = 1 ] && tests=$(ls ./*.test.yml)
# shellcheck disable=SC2086
"$PROMTOOL" test rules $tests
