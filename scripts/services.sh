#!/usr/bin/env bash
# Install (Debian packages, only when absent) and start, on 127.0.0.1 only, the services that the
# sample shop and the tests use: PostgreSQL (Shop DB `shop`, MES DB `mes`, role shop/shop) and
# RabbitMQ (guest/guest, local only). Idempotent: a second run with everything up changes nothing
# and takes a second or two. Works without systemd.
#   PostgreSQL server log (JSON lines, read by the collector): /var/log/postgresql/shop-otel/postgresql.json
#   RabbitMQ log:                                             /var/log/rabbitmq/rabbit.log
set -euo pipefail

log() { echo "services: $*"; }
die() { echo "services: error: $*" >&2; exit 1; }

apt_updated=0
need() { # need <command> <package...>
  local cmd=$1; shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  if [ $apt_updated = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

wait_tcp() { # wait_tcp <port> <seconds> <name>
  local port=$1 secs=$2 name=$3
  for _ in $(seq 1 $((secs * 5))); do
    (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && { exec 3>&- 3<&- 2>/dev/null || true; return 0; }
    sleep 0.2
  done
  die "$name did not accept connections on 127.0.0.1:$port within ${secs}s"
}

# The HTTPS server test makes a self-signed certificate for its run (test/http-server.test.ts).
need openssl openssl

# ---------------------------------------------------------------- PostgreSQL
[ -x /usr/lib/postgresql/15/bin/postgres ] || { need psql postgresql postgresql-contrib; [ -x /usr/lib/postgresql/15/bin/postgres ] || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }; }
PGVER=$(ls /usr/lib/postgresql | sort -n | tail -1)
PGCLUSTER=main
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$PGVER $PGCLUSTER"; then
  pg_createcluster "$PGVER" "$PGCLUSTER" >/dev/null
fi
CONF_DIR=/etc/postgresql/$PGVER/$PGCLUSTER/conf.d
mkdir -p "$CONF_DIR" /var/log/postgresql/shop-otel
chown postgres:postgres /var/log/postgresql/shop-otel
WANT=$(cat <<'CONF'
# Managed by shop-otel scripts/services.sh
listen_addresses = '127.0.0.1'
port = 5432
max_connections = 200
logging_collector = on
log_destination = 'stderr,jsonlog'
log_directory = '/var/log/postgresql/shop-otel'
log_filename = 'postgresql.log'
log_file_mode = 0644
log_rotation_age = 0
log_rotation_size = 100MB
log_min_duration_statement = 200
log_min_error_statement = error
log_connections = on
log_disconnections = off
CONF
)
changed=0
if [ "$(cat "$CONF_DIR/shop-otel.conf" 2>/dev/null)" != "$WANT" ]; then
  printf '%s\n' "$WANT" > "$CONF_DIR/shop-otel.conf"
  changed=1
fi
status=$(pg_lsclusters -h | awk -v v="$PGVER" -v c="$PGCLUSTER" '$1==v && $2==c {print $4}')
if [ "$status" != "online" ]; then
  pg_ctlcluster "$PGVER" "$PGCLUSTER" start
elif [ $changed = 1 ]; then
  pg_ctlcluster "$PGVER" "$PGCLUSTER" restart
fi
wait_tcp 5432 30 PostgreSQL
psql_su() { su postgres -c "psql -v ON_ERROR_STOP=1 -qAt -h /var/run/postgresql -p 5432 $*"; }
if [ "$(psql_su "-c \"SELECT 1 FROM pg_roles WHERE rolname='shop'\"")" != 1 ]; then
  psql_su "-c \"CREATE ROLE shop LOGIN CREATEDB PASSWORD 'shop'\""
fi
for db in shop mes; do
  if [ "$(psql_su "-c \"SELECT 1 FROM pg_database WHERE datname='$db'\"")" != 1 ]; then
    psql_su "-c \"CREATE DATABASE $db OWNER shop\""
  fi
done
log "postgresql $PGVER ready on 127.0.0.1:5432 (databases shop, mes; role shop)"

# ---------------------------------------------------------------- RabbitMQ
need rabbitmq-server rabbitmq-server
mkdir -p /etc/rabbitmq /var/log/rabbitmq
chown rabbitmq:rabbitmq /var/log/rabbitmq 2>/dev/null || true
RCONF=$(cat <<'CONF'
# Managed by shop-otel scripts/services.sh
listeners.tcp.1 = 127.0.0.1:5672
loopback_users.guest = true
log.file = rabbit.log
log.file.level = info
log.console = false
# shop-otel v2: distribution port on loopback too
CONF
)
rchanged=0
if [ "$(cat /etc/rabbitmq/rabbitmq.conf 2>/dev/null)" != "$RCONF" ]; then
  printf '%s\n' "$RCONF" > /etc/rabbitmq/rabbitmq.conf
  printf 'NODENAME=rabbit@localhost\nNODE_IP_ADDRESS=127.0.0.1\nLOG_BASE=/var/log/rabbitmq\n' > /etc/rabbitmq/rabbitmq-env.conf
  printf 'ERL_EPMD_ADDRESS=127.0.0.1\nSERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"\n' >> /etc/rabbitmq/rabbitmq-env.conf
  rchanged=1
fi
rabbit_up() { rabbitmqctl -q -n rabbit@localhost status >/dev/null 2>&1; }
if rabbit_up && [ $rchanged = 1 ]; then
  rabbitmqctl -q -n rabbit@localhost stop >/dev/null 2>&1 || true
  sleep 1
fi
if ! rabbit_up; then
  # Debian's init script needs systemd or sysvinit; run the server directly, detached, as rabbitmq.
  su rabbitmq -s /bin/sh -c 'HOME=/var/lib/rabbitmq ERL_EPMD_ADDRESS=127.0.0.1 rabbitmq-server -detached' >/dev/null 2>&1 || die "could not start rabbitmq-server"
fi
wait_tcp 5672 90 RabbitMQ
log "rabbitmq ready on 127.0.0.1:5672 (guest/guest, loopback only)"
