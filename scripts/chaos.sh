#!/usr/bin/env bash
# A fault matrix anyone can run. Each selected row gets its own fresh local stack (redis-server with AOF everysec and
# noeviction, the mock Kafka cluster, 2 consumers, 1-2 flushers, the file sink), a generated load whose ground truth is
# known (valid events with and without event ids, a second send of the first fifth with the same seed: redeliveries
# of the same ids, malformed messages of every dead-letter reason), its fault while the load flows, a drain, and a
# verdict counted from the sink file and Kafka themselves (never from the service's counters). One table at the end;
# exits 1 when any row loses an event, stalls (drain timeout), double-counts (an id in the sink that was never
# sent), dead-letters other than what was sent, leaves Redis holding work, or leaves a process running.
#
# Usage: scripts/chaos.sh [--rows LIST] [--seed N] [--events N] [--keep] [--build-from DIR | --no-build] [--dir DIR]
#   --rows        comma-separated rows, 'all' (default) or 'quick' (consumer-kill9,flusher-kill9,sink-outage with
#                 3,000 events and an 8 s outage: about 4 minutes on a busy 2-core machine; scripts/test.sh). Rows, in order:
#                 consumer-kill9 consumer-term flusher-kill9 flusher-stop redis-kill9 redis-dataloss sink-outage hot-agent
#   --seed        the load's seed (default 1); printed per row, the same seed sends the same events
#   --events      events per row's main load (default 20,000; 200 to 100,000)
#   --keep        keep every row's directory (logs, Redis files, sink file, manifests); without it, only failed rows'
#   --build-from  build the service from this source tree instead (a scratch copy with a deliberate break)
#   --no-build    use the solution's own Release outputs (after dotnet build FeedbackRedis.sln -c Release; test.sh)
#   --dir         where the rows go (default .local/chaos; emptied first, but for its bin/ folder)
# Every process a row starts is recorded with its PID in ROW_DIR/pids (scripts/lib/stack.sh) and carries
# CHAOS_ROW_DIR=ROW_DIR in its environment; at the row's end each is stopped by that PID, and the row fails if any
# recorded PID, or any process with that environment, is still alive.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/stack.sh"
cd "$REPO_ROOT"

ALL_ROWS="consumer-kill9,consumer-term,flusher-kill9,flusher-stop,redis-kill9,redis-dataloss,sink-outage,hot-agent"
rows="all"
seed=1
events=""
keep=false
source_root="$REPO_ROOT"
base="$REPO_ROOT/.local/chaos"
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows="${2:?--rows needs a list}"; shift 2 ;;
    --seed) seed="${2:?--seed needs a number}"; shift 2 ;;
    --events) events="${2:?--events needs a number}"; shift 2 ;;
    --keep) keep=true; shift ;;
    --build-from) source_root="${2:?--build-from needs a folder}"; shift 2 ;;
    --no-build) source_root=""; shift ;;
    --dir) base="${2:?--dir needs a folder}"; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
quick=false
outage_seconds=30
case "$rows" in
  all) rows="$ALL_ROWS" ;;
  quick) rows="consumer-kill9,flusher-kill9,sink-outage"; quick=true; outage_seconds=8; events="${events:-3000}" ;;
esac
events="${events:-20000}"
case "$seed" in ''|*[!0-9]*) echo "error: --seed must be a whole number, not '$seed'" >&2; exit 2 ;; esac
case "$events" in ''|*[!0-9]*) echo "error: --events must be a whole number, not '$events'" >&2; exit 2 ;; esac
if [ "$events" -lt 200 ] || [ "$events" -gt 100000 ]; then
  # 12 partitions of load: the mock keeps at most 5 MiB a partition (older messages silently dropped).
  echo "error: --events must be from 200 to 100,000 (the mock Kafka keeps at most 5 MiB a partition)" >&2; exit 2
fi
[ "$seed" -le 2147483647 ] || { echo "error: --seed must be at most 2147483647" >&2; exit 2; }
IFS=, read -r -a selected <<< "$rows"
for row in "${selected[@]}"; do
  case ",$ALL_ROWS," in *",$row,"*) ;; *) echo "error: --rows: unknown row '$row' (rows: $ALL_ROWS, or all, or quick)" >&2; exit 2 ;; esac
done
[ -z "$source_root" ] || [ -f "$source_root/FeedbackRedis.sln" ] || { echo "error: --build-from $source_root holds no FeedbackRedis.sln" >&2; exit 2; }

ensure_dotnet
ensure_command redis-server redis-server
ensure_command redis-cli redis-tools
ensure_command curl curl
ensure_command python3 python3

mkdir -p "$base"
base="$(cd "$base" && pwd)"
find "$base" -mindepth 1 -maxdepth 1 ! -name bin -exec rm -rf {} +
results="$base/results.jsonl"
: > "$results"
bin="$base/bin"
verdict() { python3 "$REPO_ROOT/scripts/lib/chaos_verdict.py" "$@"; }
dev() { dotnet "$bin/dev/feedback-dev.dll" "$@"; }

cleanup() {
  local code=$?
  set +e
  trap '' INT TERM
  [ -n "$STACK_DIR" ] && stack_stop_all
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "$source_root" ]; then
  log "build (Release) from $source_root"
  stack_build "$source_root" "$bin"
else
  bin="$base/built"
  mkdir -p "$bin"
  ln -sfn "$REPO_ROOT/src/FeedbackRedis.Service/bin/Release/net10.0" "$bin/service"
  ln -sfn "$REPO_ROOT/tools/FeedbackRedis.DevTools/bin/Release/net10.0" "$bin/dev"
  for f in "$bin/service/feedback-redis.dll" "$bin/dev/feedback-dev.dll"; do
    [ -f "$f" ] || { echo "error: --no-build: $f is missing; run dotnet build FeedbackRedis.sln -c Release first" >&2; exit 2; }
  done
fi

# --- the stack of one row -------------------------------------------------------------------------------------------
dir=""; redis_port=""; redis_pid=""; sink=""
load_seconds=$([ "$quick" = true ] && echo 6 || echo 12)
drain_timeout=$([ "$quick" = true ] && echo 90 || echo 180)

start_redis() { stack_start_redis "$1" "$redis_port" "$dir/redis" --auto-aof-rewrite-percentage 0; redis_pid="$STACK_LAST_PID"; }
service() { stack_start_role "$bin/service/feedback-redis.dll" "$1" "$2"; }

# start_stack FLUSHERS: a fresh stack in $dir with 2 consumers and FLUSHERS flushers, the group settled.
start_stack() {
  mkdir -p "$dir/redis" "$dir/sink"
  stack_init "$dir" chaos
  export CHAOS_ROW_DIR="$dir"
  redis_port=$(free_port)
  start_redis redis-server || return 1
  stack_start_kafka "$bin/dev/feedback-dev.dll" "$dir/kafka.log" feedback.reply.received:6 feedback.reaction.received:6 \
    feedback.dlq:2 feedback.batch.flushed:2 || return 1
  sink="$dir/sink/feedback.jsonl"
  export FEEDBACK_REDIS_CONNECTION="127.0.0.1:$redis_port" FEEDBACK_KAFKA_BOOTSTRAP_SERVERS="$STACK_BOOTSTRAP"
  export FEEDBACK_SINK=file FEEDBACK_SINK_FILE_PATH="$sink"
  export FEEDBACK_BATCH_TIME_MS=2000 FEEDBACK_MAX_ITEM_BYTES=8192 FEEDBACK_FLUSH_POLL_MS=250
  # Short lease and retry delays so that a row's recovery fits its time bound (defaults: 30 s lease, 30 s max delay).
  export FEEDBACK_LEASE_MS=5000 FEEDBACK_FLUSH_RETRY_BASE_MS=500 FEEDBACK_FLUSH_RETRY_MAX_MS=2000
  # The mock cluster's coordinator holds a rebalance for about twice the session timeout (run-local.sh says more).
  export FEEDBACK_CONSUMER_SESSION_TIMEOUT_MS=6000
  service consumer consumer-1; service consumer consumer-2
  local n
  for n in $(seq 1 "$1"); do service flusher "flusher-$n"; done
  stack_wait_ready "${STACK_PORTS[@]}" || return 1
  stack_wait_assigned consumer-1 consumer-2
}

# pid_of NAME: the latest PID recorded under NAME.
pid_of() { grep "^$1 " "$dir/pids" | tail -n 1 | cut -d' ' -f2; }

# restart NAME ROLE NEW_NAME: kill -9 (or whatever was done) is over; starts ROLE again as NEW_NAME.
restart() { service "$2" "$3"; stack_wait_ready "${STACK_PORTS[-1]}"; }

# load_start AGENTS HOT_SHARE: the main load in the background, paced to last about $load_seconds s.
load_pid=""
load_start() {
  local rate=$(( events / load_seconds + 1 ))
  stack_spawn services produce-1 dotnet "$bin/dev/feedback-dev.dll" produce --count "$events" --rate "$rate" --agents "$1" \
    --hot-share "$2" --malformed 0.03 --without-event-id 0.1 --seed "$seed" --too-large-bytes 9216 \
    --manifest "$dir/manifest-1.txt" --json > "$dir/produce-1.json" 2> "$dir/produce-1.log"
  load_pid="$STACK_LAST_PID"
}

# load_finish: waits for the main load, then sends the first fifth again with the same seed: the same event ids
# (redeliveries), new fallback ids for those sent without one, and the same malformed messages at new offsets.
load_finish() {
  local rc=0
  wait "$load_pid" || rc=$?
  stack_forget "$load_pid"
  [ "$rc" -eq 0 ] || { echo "error: the main load failed ($rc): $(tail -3 "$dir/produce-1.log")" >&2; return 1; }
  stack_child produce-2 dotnet "$bin/dev/feedback-dev.dll" produce --count $(( events / 5 )) --agents "$agents" --hot-share "$hot_share" \
    --malformed 0.03 --without-event-id 0.1 --seed "$seed" --too-large-bytes 9216 --manifest "$dir/manifest-2.txt" --json \
    > "$dir/produce-2.json" 2> "$dir/produce-2.log"
}

# redis_left: entries of work still in Redis (open, sealed and meta keys, guard ids, index entries); 0 when drained.
redis_left() {
  local keys zsets
  keys=$(redis-cli -p "$redis_port" --scan --pattern 'feedback:*' 2>/dev/null \
    | grep -cE '^feedback:(batch|sealed|meta):' || true)
  zsets=0
  for z in ready inflight dead deadlines; do zsets=$(( zsets + $(redis-cli -p "$redis_port" ZCARD "feedback:$z" 2>/dev/null || echo 1) )); done
  echo $(( keys + zsets + $(redis-cli -p "$redis_port" SCARD feedback:guard 2>/dev/null || echo 1) ))
}

# in_flight_owner_pid: the PID in the owner of some in-flight batch ("host/pid/random"), or nothing.
in_flight_owner_pid() {
  local id
  id=$(redis-cli -p "$redis_port" ZRANGE feedback:inflight 0 0 2>/dev/null | head -n 1)
  [ -n "$id" ] || return 0
  redis-cli -p "$redis_port" HGET "feedback:meta:$id" owner 2>/dev/null | cut -d/ -f2
}

# wait_in_flight SECONDS: waits until some batch is in flight (claimed, not acked); prints its owner's PID.
wait_in_flight() {
  local deadline=$((SECONDS + $1)) pid
  while [ "$SECONDS" -lt "$deadline" ]; do
    pid=$(in_flight_owner_pid)
    if [ -n "$pid" ]; then echo "$pid"; return 0; fi
    sleep 0.05
  done
  return 1
}

# --- the rows: each runs its fault while the load flows, and says what it did in $fault ----------------------------
fault=""
agents=2000
hot_share=0.3
flushers=2

row_consumer-kill9() {
  load_start "$agents" "$hot_share"
  sleep 2
  local c1 c2
  c1=$(pid_of consumer-1); stack_kill KILL "$c1"; restart consumer-1 consumer consumer-1b
  sleep 2
  c2=$(pid_of consumer-2); stack_kill KILL "$c2"; restart consumer-2 consumer consumer-2b
  sleep 1
  stack_kill KILL "$(pid_of consumer-1b)"; restart consumer-1b consumer consumer-1c
  fault="kill -9 of a consumer 3 times during the load (each restarted)"
}

row_consumer-term() {
  load_start "$agents" "$hot_share"
  sleep 2
  stack_kill TERM "$(pid_of consumer-1)"; restart consumer-1 consumer consumer-1b
  sleep 1
  stack_kill TERM "$(pid_of consumer-2)"; restart consumer-2 consumer consumer-2b
  fault="SIGTERM to each consumer in turn during the load (graceful hand-over; each restarted)"
}

row_flusher-kill9() {
  load_start "$agents" "$hot_share"
  local i pid kills=0 name=flusher-1
  for i in 1 2 3; do
    pid=$(wait_in_flight 20) || break
    [ "$pid" = "$(pid_of "$name")" ] || break
    stack_kill KILL "$pid"; kills=$((kills + 1))
    name="flusher-1-r$i"
    restart "" flusher "$name"
  done
  fault="kill -9 of the only flusher while it held a claimed batch, $kills times (each restarted; lease 5 s)"
  [ "$kills" -gt 0 ] || { fault="$fault: the fault was not injected"; return 1; }
}

row_flusher-stop() {
  load_start "$agents" "$hot_share"
  local pid
  pid=$(wait_in_flight 20) || { fault="flusher SIGSTOP: no batch was ever in flight, the fault was not injected"; return 1; }
  kill -STOP "$pid"
  sleep 8
  kill -CONT "$pid"
  fault="SIGSTOP of the flusher holding a batch ($(stack_name "$pid")) for 8 s (lease 5 s), then SIGCONT"
}

row_redis-kill9() {
  load_start "$agents" "$hot_share"
  sleep 3
  stack_kill KILL "$redis_pid"
  sleep 2
  start_redis redis-server-2
  fault="kill -9 of redis-server during the load, restarted from its AOF (everysec) after 2 s"
}

# The crash everysec allows (and a replica promoted behind its primary): the AOF's length is noted, the load goes
# on, Redis is killed and its AOF cut back to the noted length (auto-rewrite is off, so the files stay the same).
row_redis-dataloss() {
  load_start "$agents" "$hot_share"
  sleep 3
  local sizes="$dir/aof-sizes"
  (cd "$dir/redis/appendonlydir" && for f in *; do echo "$f $(stat -c %s "$f")"; done) > "$sizes"
  local noted before after waited=0
  noted=$(cat "$dir"/redis/appendonlydir/* | wc -c)
  # At least 2 s and 50 KB (a few hundred events) of acknowledged appends to lose, at most 20 s of waiting.
  sleep 2
  while [ $(( $(cat "$dir"/redis/appendonlydir/* | wc -c) - noted )) -lt 50000 ] && [ "$waited" -lt 40 ]; do
    sleep 0.5; waited=$((waited + 1))
  done
  stack_kill KILL "$redis_pid"
  before=$(cat "$dir"/redis/appendonlydir/* | wc -c)
  while read -r f size; do truncate -s "$size" "$dir/redis/appendonlydir/$f"; done < "$sizes"
  after=$(cat "$dir"/redis/appendonlydir/* | wc -c)
  start_redis redis-server-2
  fault="Redis data loss: kill -9, AOF cut back by $((before - after)) bytes of acknowledged writes, restarted"
  [ $((before - after)) -gt 0 ] || { fault="$fault: NOTHING TO LOSE, the fault was not injected"; return 1; }
}

# The sink's folder is swapped for a plain file: every open of the sink file fails (ENOTDIR) until it is swapped back
# (mv of a folder is atomic, and the sink never creates folders after start-up, so no line can go elsewhere).
row_sink-outage() {
  load_start "$agents" "$hot_share"
  sleep 2
  mv -T "$dir/sink" "$dir/sink.away"
  echo "outage" > "$dir/sink"
  sleep "$outage_seconds"
  rm -f "$dir/sink"
  mv -T "$dir/sink.away" "$dir/sink"
  fault="sink outage: the sink file's folder unreachable for $outage_seconds s during the load"
}

row_hot-agent() {
  load_start 100 0.5
  fault="one hot agent with half the traffic (100 agents, --hot-share 0.5: the hottest 1% is one agent)"
}

# --- one row, start to verdict --------------------------------------------------------------------------------------
# Steps run in this shell (never a subshell: the processes must be this shell's children, their PIDs in its lists);
# a failed step ends the row with its error, and the verdict is still counted from what the sink and Kafka hold.
run_row() {
  local row="$1" started=$SECONDS error="" stalled=0 drain_seconds=0 drain_start left=1 arrived=0 valid=0
  dir="$base/$row"
  mkdir -p "$dir"
  agents=2000 hot_share=0.3 flushers=2 fault="(not reached)"
  [ "$row" = flusher-kill9 ] && flushers=1
  [ "$row" = hot-agent ] && agents=100 hot_share=0.5
  log "row $row: seed $seed, $events events, 2 consumers, $flushers flusher(s); in $dir"
  start_stack "$flushers" || error="the stack did not start"
  if [ -z "$error" ]; then
    "row_$row" || error="the fault step failed"
    echo "    fault: $fault"
    load_finish || error="${error:+$error; }the load failed"
  fi
  if [ -z "$error" ]; then
    drain_start=$SECONDS
    while :; do
      left=$(redis_left)
      read -r arrived valid < <(verdict count "$sink" "$dir"/manifest-*.txt)
      echo "    drain: $arrived of $valid valid events in the sink; $left entries of work left in Redis"
      [ "$left" = 0 ] && [ "$arrived" = "$valid" ] && break
      if [ $((SECONDS - drain_start)) -ge "$drain_timeout" ]; then stalled=1; break; fi
      sleep 2
    done
    drain_seconds=$((SECONDS - drain_start))
    verdict merge "$dir/produced.json" "$dir"/produce-*.json
    verdict union "$dir/manifest.txt" "$dir"/manifest-*.txt
    dev report --manifest "$dir/manifest.txt" --sink-file "$sink" --produced "$dir/produced.json" > "$dir/report.txt" 2>&1 || true
    sed 's/^/    /' "$dir/report.txt"
  fi
  local dead_batches
  dead_batches=$(redis-cli -p "$redis_port" ZCARD feedback:dead 2>/dev/null || echo 0)
  left=$(redis_left)
  stack_stop_all
  unset CHAOS_ROW_DIR
  local alive leftovers
  alive=$(stack_alive; grep -l "CHAOS_ROW_DIR=$dir\b" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 | sed 's/^/unrecorded /' || true)
  leftovers=$(printf '%s' "$alive" | grep -c . || true)
  [ "$leftovers" -eq 0 ] || echo "    still running after the row: $alive" >&2
  [ -f "$dir/produced.json" ] || echo '{"sent":0,"valid":0,"malformed":0,"failed":0,"malformedByKind":{}}' > "$dir/produced.json"
  [ -f "$dir/manifest.txt" ] || : > "$dir/manifest.txt"
  verdict row --name "$row" --fault "$fault" --seed "$seed" --sink "$sink" --manifest "$dir/manifest.txt" \
    --produced "$dir/produced.json" --report "$dir/report.txt" --results "$results" --redis-left "$left" \
    --dead-batches "$dead_batches" --drain-seconds "$drain_seconds" --seconds $((SECONDS - started)) --stalled "$stalled" \
    --leftovers "$leftovers" --error "$error" > "$dir/verdict.json"
  STACK_DIR=""
  if grep -q '"verdict": "PASS"' "$dir/verdict.json" && ! $keep; then rm -rf "$dir"; fi
}

echo "chaos: rows ${selected[*]}; seed $seed; $events events a row (+ $((events / 5)) sent again)"
for row in "${selected[@]}"; do run_row "$row"; done
log "verdict (from the sink file and the Kafka topics; $(date -u '+%Y-%m-%d %H:%M UTC'))"
verdict table "$results"
