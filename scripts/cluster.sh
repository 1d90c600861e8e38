#!/usr/bin/env bash
# A local cluster on this machine, with real parts: PostgreSQL, PgBouncer in transaction pooling mode in
# front of it, two app instances, and nginx with sticky sessions in front of them, on one port.
#   scripts/cluster.sh start [DIR] [PORT]   start everything (default .data/cluster, port 8080); idempotent
#   scripts/cluster.sh stop [DIR]           stop everything
#   scripts/cluster.sh kill [DIR] N         kill app instance N (1 or 2) at once, as a crash would
#   scripts/cluster.sh revive [DIR] N       start app instance N again
# Ports: nginx PORT, PostgreSQL PORT+1, PgBouncer PORT+2, the instances PORT+3 and PORT+4.
# The app is built in Release unless KANBAN_CLUSTER_APP_DIR names a built KanbanBlazor.Web output;
# KANBAN_CLUSTER_LIFT_RATE_LIMITS=1 lifts the sign-in and API rate limits (tests sign everyone in from 127.0.0.1).
# The first instance migrates and seeds the demo tenants; the second starts once it is up.
# Sticky sessions: nginx gives each browser a random kanban_affinity cookie and hashes it to an
# instance (consistently); when that instance is down, the browser's requests go to the other one.
# Each response names the instance that served it in X-Kanban-Upstream.
# nginx and PgBouncer are installed with apt when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

cmd=${1:?usage: cluster.sh start|stop|kill|revive [DIR] [PORT|N]}
dir=$(realpath -m "${2:-.data/cluster}")

app_port() { echo $(( $(cat "$dir/port") + 2 + $1 )); }

start_instance() {
  local n=$1 port pid_file="$dir/app$1.pid"
  port=$(app_port "$n")
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then return 0; fi
  local app_dir pg_port bouncer_port seed=false
  app_dir=$(cat "$dir/app-dir")
  pg_port=$(( $(cat "$dir/port") + 1 ))
  bouncer_port=$(( $(cat "$dir/port") + 2 ))
  [ "$n" = 1 ] && seed=true
  (
    cd "$app_dir"
    export ASPNETCORE_ENVIRONMENT=Development
    export ASPNETCORE_URLS="http://127.0.0.1:$port"
    # Serving connections go through PgBouncer; the listeners and the schema owner go to PostgreSQL itself.
    export ConnectionStrings__Kanban="Host=127.0.0.1;Port=$bouncer_port;Database=kanban;Username=kanban_app;Timeout=3"
    export ConnectionStrings__KanbanIdentity="Host=127.0.0.1;Port=$bouncer_port;Database=kanban;Username=kanban_identity;Timeout=3"
    export ConnectionStrings__KanbanListen="Host=127.0.0.1;Port=$pg_port;Database=kanban;Username=kanban_app;Timeout=3"
    export ConnectionStrings__KanbanOwner="Host=127.0.0.1;Port=$pg_port;Database=kanban;Username=kanban_owner;Pooling=false"
    export Database__BootstrapConnectionString="Host=127.0.0.1;Port=$pg_port;Database=postgres;Username=postgres;Pooling=false"
    export Database__PgBouncer=true
    export Database__SeedDemoData=$seed
    export Logging__LogLevel__Default=Warning
    [ -n "${KANBAN_CLUSTER_LIFT_RATE_LIMITS:-}" ] && export RateLimits__SignInPerMinute=1000 RateLimits__ApiPerMinute=1000000
    # (a name with dots cannot be exported by bash; env passes it) Catch-ups and reloads are told at Information.
    nohup env "Logging__LogLevel__KanbanBlazor.Web.Features.Board.LiveBoard=Information" dotnet KanbanBlazor.Web.dll >> "$dir/app$n.log" 2>&1 &
    echo $! > "$pid_file"
  )
  for _ in $(seq 1 240); do
    if curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
      echo "App instance $n is running on 127.0.0.1:$port (log: $dir/app$n.log)"
      return 0
    fi
    if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      echo "App instance $n exited; its log:" >&2
      tail -40 "$dir/app$n.log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "App instance $n did not answer /healthz in 2 minutes; its log:" >&2
  tail -40 "$dir/app$n.log" >&2
  return 1
}

case "$cmd" in
  start)
    port=${3:-8080}
    mkdir -p "$dir/nginx-temp"
    echo "$port" > "$dir/port"
    if [ -n "${KANBAN_CLUSTER_APP_DIR:-}" ]; then
      realpath "$KANBAN_CLUSTER_APP_DIR" > "$dir/app-dir"
    else
      dotnet build KanbanBlazor.Web -c Release -nologo -v q -clp:ErrorsOnly
      realpath KanbanBlazor.Web/bin/Release/net10.0 > "$dir/app-dir"
    fi
    if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
      echo "nginx not found; installing it with apt..." >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq nginx >&2
    fi
    [ "$(id -u)" = 0 ] && chmod 755 "$dir"
    scripts/pg.sh start "$dir/pg" $((port + 1))
    # A move waits at most 5 s for a server connection: with PostgreSQL down it fails with "not saved" rather than hangs.
    PGBOUNCER_QUERY_WAIT_TIMEOUT=5 scripts/pgbouncer.sh start "$dir/bouncer" $((port + 2)) $((port + 1))
    start_instance 1
    start_instance 2
    user_line=""
    [ "$(id -u)" = 0 ] && user_line="user root;"
    cat > "$dir/nginx.conf" <<CONF
$user_line
worker_processes 1;
daemon on;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/nginx-temp/body;
  proxy_temp_path $dir/nginx-temp/proxy;
  fastcgi_temp_path $dir/nginx-temp/fastcgi;
  uwsgi_temp_path $dir/nginx-temp/uwsgi;
  scgi_temp_path $dir/nginx-temp/scgi;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  # Sticky sessions: a browser keeps the instance its affinity cookie hashes to (a new browser gets one).
  map \$cookie_kanban_affinity \$affinity { '' \$request_id; default \$cookie_kanban_affinity; }
  map \$cookie_kanban_affinity \$affinity_cookie { '' "kanban_affinity=\$request_id; Path=/; HttpOnly; SameSite=Lax"; default ''; }
  upstream kanban {
    hash \$affinity consistent;
    server 127.0.0.1:$(app_port 1) max_fails=1 fail_timeout=5s;
    server 127.0.0.1:$(app_port 2) max_fails=1 fail_timeout=5s;
  }
  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass http://kanban;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      # A circuit's WebSocket lives as long as the page; an instance that is down is skipped at once.
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
      proxy_connect_timeout 2s;
      # Only an instance that does not answer counts as down: a 503 of the app's own ("the database cannot be
      # reached") is an answer, and must not mark every instance down at once. A move (POST) already sent
      # is never sent again to the other instance.
      proxy_next_upstream error timeout;
      add_header Set-Cookie \$affinity_cookie;
      add_header X-Kanban-Upstream \$upstream_addr always;
    }
  }
}
CONF
    if [ -f "$dir/nginx.pid" ] && kill -0 "$(cat "$dir/nginx.pid")" 2>/dev/null; then
      nginx -c "$dir/nginx.conf" -s reload
    else
      nginx -c "$dir/nginx.conf"
    fi
    for _ in $(seq 1 50); do
      if curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
        echo "KanbanBlazor cluster: http://127.0.0.1:$port (nginx, sticky sessions) -> instances on $(app_port 1) and $(app_port 2) -> PgBouncer on $((port + 2)) -> PostgreSQL on $((port + 1)); files in $dir"
        exit 0
      fi
      sleep 0.2
    done
    echo "nginx did not answer on $port; its log:" >&2
    tail -20 "$dir/nginx-error.log" >&2
    exit 1
    ;;
  stop)
    [ -d "$dir" ] || exit 0
    if [ -f "$dir/nginx.pid" ] && kill -0 "$(cat "$dir/nginx.pid")" 2>/dev/null; then nginx -c "$dir/nginx.conf" -s quit || true; fi
    for n in 1 2; do
      if [ -f "$dir/app$n.pid" ]; then kill "$(cat "$dir/app$n.pid")" 2>/dev/null || true; rm -f "$dir/app$n.pid"; fi
    done
    scripts/pgbouncer.sh stop "$dir/bouncer" || true
    scripts/pg.sh stop "$dir/pg" || true
    ;;
  kill)
    n=${3:?instance number}
    kill -9 "$(cat "$dir/app$n.pid")"
    rm -f "$dir/app$n.pid"
    ;;
  revive)
    start_instance "${3:?instance number}"
    ;;
  *)
    echo "usage: cluster.sh start|stop|kill|revive [DIR] [PORT|N]" >&2
    exit 2
    ;;
esac
