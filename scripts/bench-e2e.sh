#!/usr/bin/env bash
# End-to-end benchmark (docs/BENCHMARKS.md, "End to end"): a topic preloaded with --events events (default 240,000), then
# consumer processes and one flusher with the file sink started; rate from the first to the last event in the sink,
# against a bare Confluent.Kafka consumer reading the same topics in the same run; hybrid (the default) and agent mode.
# A mode of scripts/bench-consumer.sh (same mock cluster, private redis-server, loopback; bounded by --events and
# --timeout seconds per run). Extra arguments go to the benchmark, e.g.
#   scripts/bench-e2e.sh --processes 1,2 --events 120000
#   scripts/bench-e2e.sh --compare DIR      also runs the service built in DIR (another commit) in the same run
set -euo pipefail
for mode in hybrid agent; do
  echo "==> end to end, FEEDBACK_BATCHING_MODE=$mode"
  "$(dirname "$0")/bench-consumer.sh" --e2e "$@" --processes 1 --timeout 120 --env "FEEDBACK_BATCHING_MODE=$mode"
done
