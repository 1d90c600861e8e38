#!/usr/bin/env bash
# PgBouncer in transaction pooling mode in front of a local PostgreSQL (installed with apt when missing).
#   scripts/pgbouncer.sh start DIR PORT PG_PORT [POOL_SIZE]   write DIR/pgbouncer.ini and start; idempotent
#   scripts/pgbouncer.sh stop DIR
# Every database of the server is reachable by its name; the app's roles and postgres log in with
# trust on 127.0.0.1, like scripts/pg.sh's server. POOL_SIZE is the number of server connections
# per database and role (default 20). PgBouncer refuses to run as root: it then runs as 'postgres'.
# PGBOUNCER_QUERY_WAIT_TIMEOUT: seconds a query may wait for a server connection (default 120, PgBouncer's).
set -euo pipefail

cmd=${1:?usage: pgbouncer.sh start|stop DIR [PORT PG_PORT [POOL_SIZE]]}
dir=$(realpath -m "${2:?directory}")

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    port=${3:?port}
    pg_port=${4:?PostgreSQL port}
    pool=${5:-20}
    if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
      echo "PgBouncer not found; installing it with apt..." >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq pgbouncer >&2
    fi
    bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
    mkdir -p "$dir"
    if [ -f "$dir/pgbouncer.pid" ] && kill -0 "$(cat "$dir/pgbouncer.pid")" 2>/dev/null; then
      echo "PgBouncer is running on 127.0.0.1:$port (config in $dir)"
      exit 0
    fi
    printf '"%s" ""\n' postgres kanban_owner kanban_app kanban_identity > "$dir/users.txt"
    cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$pg_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/users.txt
pool_mode = transaction
default_pool_size = $pool
max_client_conn = 2000
max_db_connections = 0
server_reset_query =
; Back within a second of PostgreSQL (re)starting, not PgBouncer's default 15 s.
server_login_retry = 1
; A query that waits this long for a server connection (PostgreSQL down) fails instead of hanging.
query_wait_timeout = ${PGBOUNCER_QUERY_WAIT_TIMEOUT:-120}
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
    if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; fi
    as_owner "$bin" -d "$dir/pgbouncer.ini"
    for _ in $(seq 1 50); do
      if (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "PgBouncer is running on 127.0.0.1:$port (transaction pooling, $pool server connections per database and role; config in $dir)"
        exit 0
      fi
      sleep 0.1
    done
    echo "PgBouncer did not start; see $dir/pgbouncer.log" >&2
    exit 1
    ;;
  stop)
    if [ -f "$dir/pgbouncer.pid" ]; then kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true; fi
    ;;
  *)
    echo "usage: pgbouncer.sh start|stop DIR [PORT PG_PORT [POOL_SIZE]]" >&2
    exit 2
    ;;
esac
