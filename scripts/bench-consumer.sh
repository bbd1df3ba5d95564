#!/usr/bin/env bash
# Consumer throughput benchmark (docs/BENCHMARKS.md, "Consumer throughput"): the consumer pipeline into Redis (real service
# processes, --role consumer) against a bare Confluent.Kafka consumer reading the same topic, 1 and 2 processes, in
# one run on this machine (librdkafka mock cluster and a private redis-server on loopback; the mock cluster is the dev
# tool's MockKafkaCluster, tools/FeedbackRedis.DevTools, which the benchmarks reference and build). Bounded: --events
# (default 240,000) and --timeout seconds per run (default 120). Extra arguments go to the benchmark, e.g.
#   scripts/bench-consumer.sh --repeat 3
#   scripts/bench-consumer.sh --repeat 3 --env FEEDBACK_BATCHING_MODE=agent --env FEEDBACK_BATCH_SIZE=1000
#   scripts/bench-consumer.sh stages --mode agent --batch-size 1000 --batch 2000   (where the time goes)
#   scripts/bench-consumer.sh --steady --repeat 3 --compare base=DIR [--compare NAME=DIR ...]
#     --steady: time and CPU counted from a third of the events on (start-up and JIT left out);
#     --compare: other builds of the service (a folder holding feedback-redis.dll), run in the same run on the same topic
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"

ensure_dotnet
ensure_command redis-server redis-server

log "build (Release)"
dotnet build tests/FeedbackRedis.Benchmarks -c Release --nologo -v quiet -clp:ErrorsOnly
bench=tests/FeedbackRedis.Benchmarks/bin/Release/net10.0/FeedbackRedis.Benchmarks.dll

if [ "${1:-}" = "stages" ]; then
  shift
  exec dotnet "$bench" consumer-stages "$@"
fi
exec dotnet "$bench" consumer "$@"
