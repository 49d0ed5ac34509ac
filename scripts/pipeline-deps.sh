#!/usr/bin/env bash
# Installs, only when absent, what the collector pipeline needs on this machine: Debian's
# Prometheus, Alertmanager and rsyslog (the SIEM's syslog input in tests and the demo), and our
# collector build (scripts/collector-build.sh, cached) and a current amtool
# (scripts/alerting/amtool-install.sh, cached). Idempotent; never starts the packages'
# own system services (we run our own instances on loopback). Prints the collector's path last.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
[ -x /usr/bin/prometheus ] || missing+=(prometheus)
[ -x /usr/bin/prometheus-alertmanager ] || missing+=(prometheus-alertmanager)
[ -x /usr/sbin/rsyslogd ] || missing+=(rsyslog)
ls /usr/lib/*/rsyslog/lmnsd_gtls.so >/dev/null 2>&1 || missing+=(rsyslog-gnutls)   # the SIEM input over TLS
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "pipeline-deps: installing ${missing[*]}" >&2
  # Keep the packages' init scripts from starting system-wide daemons (no systemd here anyway).
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; created_policy=1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
fi
# A current amtool (Debian's is 0.25), built once from the Go module proxy: the config is checked with both.
bash scripts/alerting/amtool-install.sh >/dev/null
bash scripts/collector-build.sh
