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
# environment; on exit (the end, an error, Ctrl-C or TERM) each is stopped by that PID: TERM, then KILL after 40 s.
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
run="$(cd "$run" && pwd)"
export RUN_LOCAL_DIR="$run"
echo "run-local $$" > "$run/pids"
services=()   # consumers and flushers: stopped first, while Kafka and Redis still serve their shutdown
infra=()      # redis-server and the mock Kafka: stopped last
# spawn services|infra NAME CMD...: starts CMD (an executable, never a shell function, so that $! is CMD's own PID
# and not a subshell's) in the background and records it.
spawn() {
  local tier="$1" name="$2"
  shift 2
  "$@" &
  if [ "$tier" = services ]; then services+=("$!"); else infra+=("$!"); fi
  echo "$name $!" >> "$run/pids"
}
# child NAME CMD...: runs CMD as a recorded child and waits for it (a signal interrupts the wait, so the trap stops
# CMD at once instead of after it finishes); returns CMD's exit code.
child() {
  local name="$1" pid rc=0
  shift
  "$@" &
  pid=$!
  services+=("$pid")
  echo "$name $pid" >> "$run/pids"
  wait "$pid" || rc=$?
  local kept=() p
  for p in "${services[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
  services=("${kept[@]}")
  return "$rc"
}
# stop PID...: TERM to each, then waits for all of them, at most 40 s in all, and KILLs what is left.
stop() {
  local pid deadline=$((SECONDS + 40))
  for pid in "$@"; do [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; done
  for pid in "$@"; do
    [ -n "$pid" ] || continue
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "warning: pid $pid ($(grep " $pid\$" "$run/pids" | cut -d' ' -f1)) did not stop within 40 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
  done
}
cleanup() {
  local code=$?
  set +e
  trap '' INT TERM
  stop "${services[@]}"
  stop "${infra[@]}"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "build (Release)"
# No build servers: they would outlive the run (MSBuild nodes, the compiler server).
build() { dotnet build "$1" -c Release --nologo -v quiet -clp:ErrorsOnly --disable-build-servers -o "$2"; }
build src/FeedbackRedis.Service "$run/bin/service"
build src/FeedbackRedis.Cli "$run/bin/cli"
build tools/FeedbackRedis.DevTools "$run/bin/dev"
ctl() { dotnet "$run/bin/cli/feedbackctl.dll" "$@"; }
dev() { dotnet "$run/bin/dev/feedback-dev.dll" "$@"; }

redis_port=$(free_port)
log "redis-server on 127.0.0.1:$redis_port (AOF on, noeviction)"
spawn infra redis-server redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$run" --save '' --appendonly yes \
  --appendfsync everysec --maxmemory-policy noeviction --daemonize no --logfile "$run/redis.log"
for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$redis_port" ping >/dev/null 2>&1 || { echo "error: redis-server did not start:" >&2; tail -20 "$run/redis.log" >&2; exit 1; }

if [ -n "$external_kafka" ]; then
  bootstrap="$external_kafka"
  log "Kafka: $bootstrap (given with --kafka)"
else
log "mock Kafka cluster (librdkafka, in a feedback-dev process)"
# The mock keeps at most 100,000 messages or 5 MiB per partition (older ones are dropped): enough partitions
# that a run up to the --events limit stays well inside that.
spawn infra kafka dotnet "$run/bin/dev/feedback-dev.dll" kafka --brokers 3 --topic feedback.reply.received:12 \
  --topic feedback.reaction.received:12 --topic feedback.dlq:4 --topic feedback.batch.flushed:6 > "$run/kafka.log" 2>&1
for _ in $(seq 1 300); do grep -q '^bootstrap.servers=' "$run/kafka.log" && break; sleep 0.1; done
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
  spawn services "$name" env FEEDBACK_HTTP_PORT="$port" dotnet "$run/bin/service/feedback-redis.dll" --role "$role" > "$run/$name.log" 2>&1
  ports+=("$port")
  echo "    $name: pid ${services[-1]}, http://127.0.0.1:$port (log $run/$name.log)"
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
child produce dotnet "$run/bin/dev/feedback-dev.dll" produce --count "$events" --agents "$agents" --malformed "$malformed" \
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
  curl -s http://127.0.0.1:${ports[2]}/metrics | grep '^feedback_'
EOT
if $keep; then
  log "running; Ctrl-C stops everything"
  wait
fi
exit "$result"
