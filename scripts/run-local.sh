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
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
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
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
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
pids=()
cleanup() {
  local code=$?
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -f "$run/redis.pid" ] && kill "$(cat "$run/redis.pid")" 2>/dev/null || true
  exit "$code"
}
trap cleanup EXIT INT TERM

log "build (Release)"
dotnet build src/FeedbackRedis.Service -c Release --nologo -v quiet -clp:ErrorsOnly -o "$run/bin/service"
dotnet build src/FeedbackRedis.Cli -c Release --nologo -v quiet -clp:ErrorsOnly -o "$run/bin/cli"
ctl() { dotnet "$run/bin/cli/feedbackctl.dll" "$@"; }

redis_port=$(free_port)
log "redis-server on 127.0.0.1:$redis_port (AOF on, noeviction)"
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$run" --save '' --appendonly yes --appendfsync everysec \
  --maxmemory-policy noeviction --daemonize yes --logfile "$run/redis.log" --pidfile "$run/redis.pid"
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.1; done

if [ -n "$external_kafka" ]; then
  bootstrap="$external_kafka"
  log "Kafka: $bootstrap (given with --kafka)"
else
log "mock Kafka cluster (librdkafka, in a feedbackctl process)"
# The mock keeps at most 100,000 messages or 5 MiB per partition (older ones are dropped): enough partitions
# that a run up to the --events limit stays well inside that.
ctl dev kafka --brokers 3 --topic feedback.reply.received:12 --topic feedback.reaction.received:12 \
  --topic feedback.dlq:4 --topic feedback.batch.flushed:6 > "$run/kafka.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q '^bootstrap.servers=' "$run/kafka.log" && break; sleep 0.1; done
bootstrap=$(sed -n 's/^bootstrap.servers=//p' "$run/kafka.log")
[ -n "$bootstrap" ] || { echo "error: the mock Kafka cluster did not start:" >&2; cat "$run/kafka.log" >&2; exit 1; }
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

ports=()
start_role() {
  local role="$1" name="$2" port
  port=$(free_port)
  FEEDBACK_HTTP_PORT="$port" dotnet "$run/bin/service/feedback-redis.dll" --role "$role" > "$run/$name.log" 2>&1 &
  pids+=($!)
  ports+=("$port")
  echo "    $name: pid $!, http://127.0.0.1:$port (log $run/$name.log)"
}
log "starting 2 consumers and 1 flusher"
start_role consumer consumer-1
start_role consumer consumer-2
start_role flusher flusher-1
for port in "${ports[@]}"; do
  for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$port/healthz/ready" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fsS "http://127.0.0.1:$port/healthz/ready" >/dev/null || { echo "error: service on port $port not ready:" >&2; tail -20 "$run"/*.log >&2; exit 1; }
done

# Produce once the group has settled (both consumers hold partitions), so no partition is revoked mid-stream: the
# mock broker refuses commits during a rebalance, and a revoked partition would be replayed (docs/INGESTION.md).
for name in consumer-1 consumer-2; do
  for _ in $(seq 1 300); do grep -q "Partitions assigned" "$run/$name.log" && break; sleep 0.1; done
done
log "producing $events events over $agents agents ($malformed malformed)"
started=$(date +%s.%N)
ctl produce --count "$events" --agents "$agents" --malformed "$malformed" --hot-share 0.3 --manifest "$run/manifest.txt" \
  --too-large-bytes $((FEEDBACK_MAX_ITEM_BYTES + 1024)) --json \
  > "$run/produce.json"

log "waiting until every valid event is in the sink (the batch time is ${FEEDBACK_BATCH_TIME_MS} ms here)"
valid=$(wc -l < "$run/manifest.txt" | tr -d ' ')
deadline=$(( $(date +%s) + 300 ))
while :; do
  left=$(ctl status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pendingEvents"])')
  arrived=$(ctl dev report --manifest "$run/manifest.txt" --sink-file "${FEEDBACK_SINK_FILE_PATH:-}" --count-only 2>/dev/null || echo 0)
  echo "    in the sink: $arrived of $valid valid events; pending in Redis: $left"
  if [ "$left" = "0" ] && [ "$arrived" = "$valid" ]; then break; fi
  if [ "$(date +%s)" -gt "$deadline" ]; then echo "error: not everything was flushed within 300 s" >&2; break; fi
  sleep 2
done
finished=$(date +%s.%N)

log "summary (counted from the sink and Kafka)"
set +e
ctl dev report --manifest "$run/manifest.txt" --sink-file "${FEEDBACK_SINK_FILE_PATH:-}" --produced "$run/produce.json" \
  --seconds "$(python3 -c "print($finished - $started)")"
result=$?
set -e

cat <<EOT

Look around (while --keep keeps it running):
  redis-cli -p $redis_port ZRANGE feedback:deadlines 0 9 WITHSCORES
  redis-cli -p $redis_port GET feedback:pending
  dotnet $run/bin/cli/feedbackctl.dll --redis 127.0.0.1:$redis_port status
  dotnet $run/bin/cli/feedbackctl.dll --redis 127.0.0.1:$redis_port batches list --by size
  curl -s http://127.0.0.1:${ports[2]}/metrics | grep '^feedback_'
EOT
if $keep; then
  log "running; Ctrl-C stops everything"
  wait
fi
exit "$result"
