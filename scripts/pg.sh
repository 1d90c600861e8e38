#!/usr/bin/env bash
# A private PostgreSQL from the machine's binaries (installed with apt when missing).
#   scripts/pg.sh start DATA_DIR PORT    initialise (first time) and start; idempotent
#   scripts/pg.sh stop DATA_DIR
# As root, initdb and postgres refuse to run: the cluster then belongs to the 'postgres' user.
# Connections: trust authentication on 127.0.0.1 only, so no password is ever committed.
set -euo pipefail

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

ensure_binaries() {
  if [ -z "$(find_bin)" ] || [ ! -x "$(find_bin)/initdb" ]; then
    echo "PostgreSQL server binaries not found; installing them with apt..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
  fi
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd=${1:?usage: pg.sh start|stop DATA_DIR [PORT]}
dir=$(realpath -m "${2:?data directory}")

case "$cmd" in
  start)
    port=${3:?port}
    ensure_binaries
    bin=$(find_bin)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; chmod 700 "$dir"; fi
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=${PG_FSYNC:-on}" start >/dev/null
    fi
    echo "PostgreSQL is running on 127.0.0.1:$port (data in $dir)" >&2
    ;;
  stop)
    bin=$(find_bin)
    [ -n "$bin" ] && [ -f "$dir/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: pg.sh start|stop DATA_DIR [PORT]" >&2; exit 2 ;;
esac
