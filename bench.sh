#!/usr/bin/env bash
# Benchmarks that print their figures (they are left out of ./test.sh):
#  - move throughput: pgbench -N -c 8 as the reference, then 8 movers on one board and on 8 boards
#    through the board transaction, with the ratios to pgbench;
#  - move-to-other-browser latency: drags in one Chromium, seen in another (KANBAN_BENCH_MOVES, default 40).
# Starts its own PostgreSQL (with fsync on) and app, like test.sh.
set -euo pipefail
cd "$(dirname "$0")"
PG_FSYNC=on KANBAN_TEST_FILTER="Category=Benchmark" ./test.sh
echo
cat KanbanBlazor.Tests/bench-results/move-throughput.txt e2e/bench-results/live-latency.txt
