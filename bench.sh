#!/usr/bin/env bash
# Benchmarks that print their figures (they are left out of ./test.sh):
#  - move throughput: pgbench -N -c 8 as the reference, then 8 movers on one board and on 8 boards
#    through the board transaction, with the ratios to pgbench;
#  - move-to-other-browser latency: drags in one Chromium, seen in another (KANBAN_BENCH_MOVES, default 40);
#  - many viewers on one board: N headless circuits (KANBAN_BENCH_CIRCUITS, default 50,200,1000,2000):
#    heap per circuit, one move's delivery to all N, moves/s while they watch, against no circuit open;
#  - two instances: one move's delivery to circuits on its own instance and, relayed by PostgreSQL, on another
#    (KANBAN_BENCH_CROSS_CIRCUITS on each, default 50); and the same on the local cluster of scripts/cluster.sh
#    (nginx with sticky sessions, two instances, PgBouncer in transaction mode);
#  - "My next actions" on a tenant of 100,000 cards (KANBAN_BENCH_NEXT_ACTIONS): server time beside a key lookup;
#  - metrics on a board of 50,000 cards and 1,000,000 events: the 90-day dashboard and the forecast beside a key lookup;
#  - board load in Chromium: 200 cards (reference), 10,000 in one stage, 100,000 in a tenant
#    (KANBAN_BENCH_HUGE, default 100000): navigation to draggable, first screen, heap per viewer.
# Starts its own PostgreSQL (with fsync on) and app, like test.sh; the app talks to PostgreSQL directly
# (KANBAN_BENCH_DIRECT_DB=1), not through the e2e tests' fault-injection relay.
set -euo pipefail
cd "$(dirname "$0")"
KANBAN_BENCH_DIRECT_DB=1 KANBAN_BENCH_HUGE=${KANBAN_BENCH_HUGE:-100000} PG_FSYNC=on KANBAN_TEST_FILTER="Category=Benchmark" ./test.sh
echo
cat KanbanBlazor.Tests/bench-results/move-throughput.txt KanbanBlazor.Tests/bench-results/next-actions.txt KanbanBlazor.Tests/bench-results/metrics.txt e2e/bench-results/live-latency.txt e2e/bench-results/circuits.txt e2e/bench-results/instances.txt e2e/bench-results/cluster.txt e2e/bench-results/board-load.txt
