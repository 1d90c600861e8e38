#!/usr/bin/env bash
# Benchmarks that print their figures (they are left out of ./test.sh):
#  - move throughput: 8 concurrent movers x 100 moves on one board through MoveCard and PostgreSQL;
#  - move-to-other-browser latency: drags in one Chromium, seen in another (KANBAN_BENCH_MOVES, default 40).
# Starts its own PostgreSQL (with fsync on) and app, like test.sh.
set -euo pipefail
cd "$(dirname "$0")"
PG_FSYNC=on KANBAN_TEST_FILTER="Category=Benchmark" ./test.sh
echo
cat KanbanBlazor.Tests/bench-results/move-throughput.txt e2e/bench-results/live-latency.txt
