#!/usr/bin/env bash
# Runs KanbanBlazor on http://localhost:5000 with a private PostgreSQL in .data/pg (port 5433),
# migrated and seeded with the demo tenants on first run. Running it again reuses the data.
set -euo pipefail
cd "$(dirname "$0")"

dotnet tool restore >/dev/null  # dotnet-ef (dotnet-tools.json), for adding migrations
scripts/pg.sh start .data/pg 5433
trap 'scripts/pg.sh stop .data/pg' EXIT

cat <<'TXT'

KanbanBlazor: http://localhost:5000
Demo logins (password Kanban!demo1), for tenants acme and globex:
  admin@acme.demo    manager@acme.demo    rep@acme.demo    viewer@acme.demo
  admin@globex.demo  manager@globex.demo  rep@globex.demo  viewer@globex.demo
  consultant@kanban.demo (member of both: Manager in acme, Sales rep in globex)

TXT
export ASPNETCORE_ENVIRONMENT=Development
dotnet run --project KanbanBlazor.Web --launch-profile http "$@"
