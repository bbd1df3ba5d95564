#!/usr/bin/env bash
# End-to-end benchmark (docs/BENCHMARKS.md, "End to end"): a topic preloaded with --events events (default 240,000), then
# consumer processes and one flusher with the file sink started; rate from the first to the last event in the sink,
# against a bare Confluent.Kafka consumer reading the same topics in the same run; hybrid (the default) and agent mode.
# Everything on this machine (librdkafka mock cluster, a private redis-server, loopback). Bounded: --events and
# --timeout seconds per run (default 120). Extra arguments go to the benchmark, e.g.
#   scripts/bench-e2e.sh --processes 1,2 --events 120000
#   scripts/bench-e2e.sh --compare DIR      also runs the service built in DIR (another commit) in the same run
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"

ensure_dotnet
ensure_command redis-server redis-server

log "build (Release)"
dotnet build tests/FeedbackRedis.Benchmarks -c Release --nologo -v quiet -clp:ErrorsOnly
bench=tests/FeedbackRedis.Benchmarks/bin/Release/net10.0/FeedbackRedis.Benchmarks.dll

for mode in hybrid agent; do
  log "end to end, FEEDBACK_BATCHING_MODE=$mode"
  dotnet "$bench" consumer --e2e "$@" --processes 1 --timeout 120 --env FEEDBACK_BATCHING_MODE=$mode
done
