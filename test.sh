#!/usr/bin/env bash
# Runs every test: Core unit tests, integration tests against a real PostgreSQL (directly and through
# PgBouncer), and browser tests in Chromium. Starts its own throwaway PostgreSQL and PgBouncer
# (installing them and Chromium with apt when they are missing) and removes them afterwards.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x /usr/bin/chromium ]; then
  echo "Chromium not found; installing it with apt..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium >&2
fi

pg_dir=$(mktemp -d /tmp/kanban-test-pg.XXXXXX)
pg_port=${KANBAN_TEST_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
cleanup() { scripts/pgbouncer.sh stop "$pg_dir/bouncer"; scripts/pg.sh stop "$pg_dir/data"; rm -rf "$pg_dir"; }
trap cleanup EXIT
[ "$(id -u)" = 0 ] && chmod 755 "$pg_dir"
# Durability is not under test here; fsync=off keeps a busy two-core machine fast.
PG_FSYNC=${PG_FSYNC:-off} scripts/pg.sh start "$pg_dir/data" "$pg_port"
export KANBAN_TEST_PG_PORT=$pg_port
# PgBouncer in transaction mode with one server connection per database and role, so that every
# client's transactions take turns on one PostgreSQL session (PgBouncerTenancyTests).
bouncer_port=${KANBAN_TEST_PGBOUNCER_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
scripts/pgbouncer.sh start "$pg_dir/bouncer" "$bouncer_port" "$pg_port" 1
export KANBAN_TEST_PGBOUNCER_PORT=$bouncer_port

dotnet tool restore >/dev/null  # dotnet-ef, from dotnet-tools.json
dotnet build KanbanBlazor.sln -c Release -nologo -v q -clp:ErrorsOnly

results=$(mktemp -d)
status=0
# Benchmarks (./bench.sh) are not tests: they print figures and are left out here.
filter=${KANBAN_TEST_FILTER:-Category!=Benchmark}
for project in ${KANBAN_TEST_PROJECTS:-KanbanBlazor.Tests e2e}; do
  dotnet test "$project" -c Release --no-build -nologo --filter "$filter" \
    --logger "trx;LogFilePrefix=$(basename "$project")" --results-directory "$results" || status=1
done

# One plain closing line for whoever reads the log.
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
durations = []
for f in glob.glob(sys.argv[1] + "/*.trx"):
    root = ET.parse(f).getroot()
    for r in root.iter("{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}UnitTestResult"):
        h, m, s = r.get("duration", "0:0:0").split(":")
        durations.append((int(h) * 3600 + int(m) * 60 + float(s), r.get("testName")))
    c = root.find(".//{*}Counters")
    passed += int(c.get("passed")); failed += int(c.get("failed")) + int(c.get("error")) + int(c.get("timeout"))
    skipped += int(c.get("notExecuted"))
print("slowest:", "; ".join(f"{name} {secs:.0f} s" for secs, name in sorted(durations, reverse=True)[:5]))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
rm -rf "$results"
exit $status
