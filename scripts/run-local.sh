#!/usr/bin/env bash
# Runs the whole FeedbackRedis system on this machine and shows the result:
# redis-server, a mock Kafka cluster, 2 consumer processes and 1 flusher process; a demo load of feedback
# events (some malformed); waits until every batch is flushed; prints a summary counted from the sink and
# Kafka themselves; stops everything it started. Exits non-zero if any valid event is missing from the sink.
#
# Uses MongoDB when FEEDBACK_MONGODB_URI is set, else the JSON-lines file sink (it says which).
# Usage: scripts/run-local.sh [--events N] [--agents N] [--malformed FRACTION] [--keep] [--kafka BOOTSTRAP] [--dir DIR]
#   --keep   leaves everything running after the summary (Ctrl-C stops it)
#   --kafka  uses that Kafka (its topics must exist) instead of starting a mock cluster
#   --dir    where logs, data and the build go (default .local/run; emptied first)
# Every process it starts is its own child, recorded with its PID in DIR/pids and carrying RUN_LOCAL_DIR=DIR in its
# environment; on exit (the end, an error, Ctrl-C or TERM) each is stopped by that PID: TERM, then KILL after 40 s
# (scripts/lib/stack.sh, shared with scripts/chaos.sh).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/stack.sh"
cd "$REPO_ROOT"

events=200000
agents=5000
malformed=0.005
keep=false
external_kafka=""
run="$REPO_ROOT/.local/run"
while [ $# -gt 0 ]; do
  case "$1" in
    --kafka) external_kafka="$2"; shift 2 ;;
    --dir) run="$2"; shift 2 ;;
    --events) events="$2"; shift 2 ;;
    --agents) agents="$2"; shift 2 ;;
    --malformed) malformed="$2"; shift 2 ;;
    --keep) keep=true; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$events" in ''|*[!0-9]*) echo "error: --events must be a whole number" >&2; exit 2 ;; esac
case "$agents" in ''|*[!0-9]*) echo "error: --agents must be a whole number" >&2; exit 2 ;; esac
[ "$events" -ge 1 ] && [ "$events" -le 1000000 ] || { echo "error: --events must be from 1 to 1,000,000 (the mock Kafka keeps 100,000 messages a partition)" >&2; exit 2; }

ensure_dotnet
ensure_command redis-server redis-server
ensure_command redis-cli redis-tools
ensure_command curl curl
ensure_command python3 python3

rm -rf "$run" && mkdir -p "$run"
run="$(cd "$run" && pwd)"
export RUN_LOCAL_DIR="$run"
stack_init "$run" run-local
cleanup() {
  local code=$?
  set +e
  trap '' INT TERM
  stack_stop_all
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "build (Release)"
stack_build "$REPO_ROOT" "$run/bin"
ctl() { dotnet "$run/bin/cli/feedbackctl.dll" "$@"; }
dev() { dotnet "$run/bin/dev/feedback-dev.dll" "$@"; }

redis_port=$(free_port)
log "redis-server on 127.0.0.1:$redis_port (AOF on, noeviction)"
stack_start_redis redis-server "$redis_port" "$run"

if [ -n "$external_kafka" ]; then
  bootstrap="$external_kafka"
  log "Kafka: $bootstrap (given with --kafka)"
else
log "mock Kafka cluster (librdkafka, in a feedback-dev process)"
# The mock keeps at most 100,000 messages or 5 MiB per partition (older ones are dropped): enough partitions
# that a run up to the --events limit stays well inside that.
stack_start_kafka "$run/bin/dev/feedback-dev.dll" "$run/kafka.log" feedback.reply.received:12 feedback.reaction.received:12 \
  feedback.dlq:4 feedback.batch.flushed:6
bootstrap="$STACK_BOOTSTRAP"
echo "    bootstrap.servers=$bootstrap"
fi

export FEEDBACK_REDIS_CONNECTION="127.0.0.1:$redis_port"
export FEEDBACK_KAFKA_BOOTSTRAP_SERVERS="$bootstrap"
export FEEDBACK_BATCH_TIME_MS="${FEEDBACK_BATCH_TIME_MS:-3000}"
export FEEDBACK_MAX_ITEM_BYTES="${FEEDBACK_MAX_ITEM_BYTES:-8192}"
export FEEDBACK_FLUSH_POLL_MS="${FEEDBACK_FLUSH_POLL_MS:-250}"
# The mock cluster's group coordinator holds a cooperative rebalance for up to about twice the session timeout;
# a short one lets the second consumer get its partitions within seconds (real brokers do not need this).
export FEEDBACK_CONSUMER_SESSION_TIMEOUT_MS="${FEEDBACK_CONSUMER_SESSION_TIMEOUT_MS:-6000}"
if [ -n "${FEEDBACK_MONGODB_URI:-}" ]; then
  export FEEDBACK_SINK=mongodb
  log "sink: MongoDB (FEEDBACK_MONGODB_URI is set)"
else
  export FEEDBACK_SINK=file
  export FEEDBACK_SINK_FILE_PATH="$run/feedback.jsonl"
  log "sink: JSON-lines file $FEEDBACK_SINK_FILE_PATH (set FEEDBACK_MONGODB_URI to use MongoDB)"
fi

start_role() {
  stack_start_role "$run/bin/service/feedback-redis.dll" "$1" "$2"
  echo "    $2: pid $STACK_LAST_PID, http://127.0.0.1:${STACK_PORTS[-1]} (log $run/$2.log)"
}
log "starting 2 consumers and 1 flusher"
start_role consumer consumer-1
start_role consumer consumer-2
start_role flusher flusher-1
stack_wait_ready "${STACK_PORTS[@]}"

# Produce once the group has settled (both consumers hold partitions), so no partition is revoked mid-stream: the
# mock broker refuses commits during a rebalance, and a revoked partition would be replayed (docs/INGESTION.md).
stack_wait_assigned consumer-1 consumer-2
log "producing $events events over $agents agents ($malformed malformed)"
started=$(date +%s.%N)
stack_child produce dotnet "$run/bin/dev/feedback-dev.dll" produce --count "$events" --agents "$agents" --malformed "$malformed" \
  --hot-share 0.3 --manifest "$run/manifest.txt" --too-large-bytes $((FEEDBACK_MAX_ITEM_BYTES + 1024)) --json \
  > "$run/produce.json"

log "waiting until every valid event is in the sink (the batch time is ${FEEDBACK_BATCH_TIME_MS} ms here)"
valid=$(wc -l < "$run/manifest.txt" | tr -d ' ')
deadline=$(( $(date +%s) + 300 ))
while :; do
  left=$(ctl status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pendingEvents"])')
  arrived=$(dev report --manifest "$run/manifest.txt" --sink-file "${FEEDBACK_SINK_FILE_PATH:-}" --count-only 2>/dev/null || echo 0)
  echo "    in the sink: $arrived of $valid valid events; pending in Redis: $left"
  if [ "$left" = "0" ] && [ "$arrived" = "$valid" ]; then break; fi
  if [ "$(date +%s)" -gt "$deadline" ]; then echo "error: not everything was flushed within 300 s" >&2; break; fi
  sleep 2
done
finished=$(date +%s.%N)

log "summary (counted from the sink and Kafka)"
set +e
dev report --manifest "$run/manifest.txt" --sink-file "${FEEDBACK_SINK_FILE_PATH:-}" --produced "$run/produce.json" \
  --seconds "$(python3 -c "print($finished - $started)")"
result=$?
set -e

cat <<EOT

Look around (while --keep keeps it running):
  redis-cli -p $redis_port ZRANGE feedback:deadlines 0 9 WITHSCORES
  redis-cli -p $redis_port GET feedback:pending
  dotnet $run/bin/cli/feedbackctl.dll --redis 127.0.0.1:$redis_port status
  dotnet $run/bin/cli/feedbackctl.dll --redis 127.0.0.1:$redis_port batches list --by size
  curl -s http://127.0.0.1:${STACK_PORTS[2]}/metrics | grep '^feedback_'
EOT
if $keep; then
  log "running; Ctrl-C stops everything"
  wait
fi
exit "$result"
