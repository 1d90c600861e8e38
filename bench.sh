#!/usr/bin/env bash
# Benchmarks that print their figures. Today: move-to-other-browser latency (KANBAN_BENCH_MOVES,
# default 40 drags). Starts its own PostgreSQL and app like test.sh.
set -euo pipefail
cd "$(dirname "$0")"
PG_FSYNC=on KANBAN_TEST_FILTER="Category=Benchmark" KANBAN_TEST_PROJECTS="e2e" ./test.sh
cat e2e/bench-results/live-latency.txt
