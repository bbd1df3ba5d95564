#!/usr/bin/env bash
# A fault matrix anyone can run. Each selected row gets its own fresh local stack (redis-server with AOF everysec and
# noeviction, the mock Kafka cluster, 2 consumers, 1-2 flushers, the file sink, or MongoDB when FEEDBACK_MONGODB_URI is
# set), a generated load whose ground truth is known (valid events with and without event ids, a second send of the
# first fifth with the same seed: redeliveries of the same ids, malformed messages of every dead-letter reason, 1 %
# hostile messages of every kind of docs/EVENTS.md's limits), its fault while the load flows, a drain, and a verdict
# counted from the sink and Kafka themselves (never from the service's counters): every message that had to be
# dead-lettered is looked up at its own coordinates in the dead-letter topic with the reason it had to get. One table
# at the end; exits 1 when any row loses an event, stalls (drain timeout), double-counts (an id in the sink that was
# never sent; with MongoDB also aggregates that differ from a recount of the events collection), dead-letters other
# than what was sent, lets Redis evict a key, leaves Redis holding work, or leaves a process running.
#
# Usage: scripts/chaos.sh [--rows LIST] [--seed N] [--events N] [--keep] [--build-from DIR | --no-build] [--dir DIR]
#   --rows        comma-separated rows, 'all' (default) or 'quick' (consumer-kill9,flusher-kill9,sink-outage with
#                 3,000 events and an 8 s outage: about 4 minutes on a busy 2-core machine; scripts/test.sh). Rows, in order:
#                 consumer-kill9 consumer-term flusher-kill9 flusher-kill9-write flusher-stop redis-kill9 redis-dataloss
#                 redis-maxmemory redis-empty broker-down sink-outage hot-agent hostile (redis-empty: its load paced
#                 over 30 s, Redis and both consumers killed -9 at 24 s, Redis back EMPTY, so the consumers start from
#                 Kafka's commit, kept 20 s behind Redis by FEEDBACK_COMMIT_SAFETY_MS, CHAOS_COMMIT_SAFETY_MS to
#                 change it, 0 to see what the margin defends; about 1.5 minutes)
#   --seed        the load's seed (default 1); printed per row, the same seed sends the same events
#   --events      events per row's main load (default 20,000; 200 to 100,000)
#   --keep        keep every row's directory (logs, Redis files, sink file, manifests); without it, only failed rows'
#   --build-from  build the service from this source tree instead (a scratch copy with a deliberate break)
#   --no-build    use the solution's own Release outputs (after dotnet build FeedbackRedis.sln -c Release; test.sh)
#   --dir         where the rows go (default .local/chaos; emptied first, but for its bin/ folder)
# FEEDBACK_MONGODB_URI set: every row uses the MongoDB sink, each row its own database (chaos_<row>_<time>, left there),
# and the verdict reads MongoDB; unset (the default, and on machines without MongoDB): the file sink, and the script
# says loudly at the start and the end that the MongoDB variant was not run.
# Every process a row starts is recorded with its PID in ROW_DIR/pids (scripts/lib/stack.sh) and carries
# CHAOS_ROW_DIR=ROW_DIR in its environment; at the row's end each is stopped by that PID, and the row fails if any
# recorded PID, or any process with that environment, is still alive.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/stack.sh"
cd "$REPO_ROOT"

ALL_ROWS="consumer-kill9,consumer-term,flusher-kill9,flusher-kill9-write,flusher-stop,redis-kill9,redis-dataloss,redis-maxmemory"
ALL_ROWS="$ALL_ROWS,redis-empty,broker-down,sink-outage,hot-agent,hostile"
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
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
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

mongo_uri="${FEEDBACK_MONGODB_URI:-}"
mongo_note="MongoDB variant NOT RUN: FEEDBACK_MONGODB_URI is not set (no MongoDB server runs on this machine); every row used the file sink"
if [ -n "$mongo_uri" ]; then
  log "sink: MongoDB (FEEDBACK_MONGODB_URI is set): each row writes its own database chaos_<row>_<time>; the verdict reads MongoDB"
else
  printf '\033[1;33m*** %s ***\033[0m\n' "$mongo_note" >&2
fi

mkdir -p "$base"
base="$(cd "$base" && pwd)"
find "$base" -mindepth 1 -maxdepth 1 ! -name bin -exec rm -rf {} +
results="$base/results.jsonl"
: > "$results"
bin="$base/bin"
verdict() { python3 "$REPO_ROOT/scripts/lib/chaos_verdict.py" "$@"; }
dev() { dotnet "$bin/dev/feedback-dev.dll" "$@"; }
# redis_stat SECTION FIELD: one field of redis-server's INFO SECTION (errorstats fields as errorstat_OOM:count=N).
redis_stat() {
  redis-cli -p "$redis_port" INFO "$1" 2>/dev/null | tr -d '\r' | sed -n "s/^$2:\(count=\)\{0,1\}\([0-9]*\).*/\2/p" | head -n 1
}

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
dir=""; redis_port=""; redis_pid=""; sink=""; row_env=()
default_load_seconds=$([ "$quick" = true ] && echo 6 || echo 12)
load_seconds=$default_load_seconds
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
  # 4 dead-letter partitions: the giant messages' copies (1 MB each) stay far inside the mock's 5 MiB a partition.
  stack_start_kafka "$bin/dev/feedback-dev.dll" "$dir/kafka.log" feedback.reply.received:6 feedback.reaction.received:6 \
    feedback.dlq:4 feedback.batch.flushed:2 || return 1
  sink="$dir/sink/feedback.jsonl"
  export FEEDBACK_REDIS_CONNECTION="127.0.0.1:$redis_port" FEEDBACK_KAFKA_BOOTSTRAP_SERVERS="$STACK_BOOTSTRAP"
  if [ -n "$mongo_uri" ]; then
    export FEEDBACK_SINK=mongodb FEEDBACK_MONGODB_DATABASE="chaos_${row//-/_}_$(date -u +%Y%m%d%H%M%S)"
    unset FEEDBACK_SINK_FILE_PATH
    start_mongo_proxy || return 1
  else
    export FEEDBACK_SINK=file FEEDBACK_SINK_FILE_PATH="$sink"
  fi
  export FEEDBACK_BATCH_TIME_MS=2000 FEEDBACK_MAX_ITEM_BYTES=8192 FEEDBACK_FLUSH_POLL_MS=250
  # Short lease and retry delays so that a row's recovery fits its time bound (defaults: 30 s lease, 30 s max delay).
  export FEEDBACK_LEASE_MS=5000 FEEDBACK_FLUSH_RETRY_BASE_MS=500 FEEDBACK_FLUSH_RETRY_MAX_MS=2000
  # The mock cluster's coordinator holds a rebalance for about twice the session timeout (run-local.sh says more).
  export FEEDBACK_CONSUMER_SESSION_TIMEOUT_MS=6000
  local kv
  for kv in "${row_env[@]}"; do export "${kv?}"; done
  service consumer consumer-1; service consumer consumer-2
  local n
  for n in $(seq 1 "$1"); do service flusher "flusher-$n"; done
  stack_wait_ready "${STACK_PORTS[@]}" || return 1
  stack_wait_assigned consumer-1 consumer-2
}

# start_mongo_proxy: with a single-host mongodb:// URI, every process of the row reaches MongoDB through a loopback
# proxy (scripts/lib/tcp_proxy.py, directConnection=true) that row sink-outage cuts off; any other URI (mongodb+srv://,
# several hosts) is used as it is, and that row says it cannot cut MongoDB off.
mongo_proxy_pid=""
start_mongo_proxy() {
  local parsed port
  mongo_proxy_pid=""
  export FEEDBACK_MONGODB_URI="$mongo_uri"
  parsed=$(python3 - "$mongo_uri" <<'PY'
import re, sys
m = re.match(r"^mongodb://((?:[^@/]*)@)?([^/,?@]+?)(?::(\d+))?(/[^?]*)?(\?.*)?$", sys.argv[1])
if m:
    creds, host, port, path, query = m.group(1) or "", m.group(2), m.group(3) or "27017", m.group(4) or "/", m.group(5) or ""
    print(host, port, creds, path, query or "?", sep="\x1f")
PY
)
  [ -n "$parsed" ] || { echo "    MongoDB URI is not single-host mongodb://: no proxy, row sink-outage cannot cut MongoDB off" >&2; return 0; }
  local host tport creds path query
  IFS=$'\x1f' read -r host tport creds path query <<< "$parsed"
  port=$(free_port)
  stack_spawn infra mongo-proxy python3 "$REPO_ROOT/scripts/lib/tcp_proxy.py" "$port" "$host" "$tport" > "$dir/mongo-proxy.log" 2>&1
  mongo_proxy_pid="$STACK_LAST_PID"
  for _ in $(seq 1 50); do grep -q listening "$dir/mongo-proxy.log" && break; sleep 0.1; done
  [ "$query" = "?" ] && query="?directConnection=true" || query="$query&directConnection=true"
  export FEEDBACK_MONGODB_URI="mongodb://${creds}127.0.0.1:$port$path$query"
}

# pid_of NAME: the latest PID recorded under NAME.
pid_of() { grep "^$1 " "$dir/pids" | tail -n 1 | cut -d' ' -f2; }

# restart NAME ROLE NEW_NAME: kill -9 (or whatever was done) is over; starts ROLE again as NEW_NAME.
restart() { service "$2" "$3"; stack_wait_ready "${STACK_PORTS[-1]}"; }

# load_start AGENTS HOT_SHARE: the main load in the background, paced to last about $load_seconds s; $load_hostile of
# it hostile and $load_giants giant messages (1,000,000 bytes, near the consumer's 1 MiB partition fetch) among it.
load_pid=""
load_hostile=0.01
load_giants=0
load_start() {
  local rate=$(( events / load_seconds + 1 ))
  stack_spawn services produce-1 dotnet "$bin/dev/feedback-dev.dll" produce --count "$events" --rate "$rate" --agents "$1" \
    --hot-share "$2" --malformed 0.03 --hostile "$load_hostile" --giants "$load_giants" --without-event-id 0.1 --seed "$seed" \
    --too-large-bytes 9216 --manifest "$dir/manifest-1.txt" --dead-manifest "$dir/dead-1.txt" --json \
    > "$dir/produce-1.json" 2> "$dir/produce-1.log"
  load_pid="$STACK_LAST_PID"
}

# load_finish: waits for the main load, then sends the first fifth again with the same seed: the same event ids
# (redeliveries), new fallback ids for those sent without one, and the same malformed and hostile messages at new
# offsets (no giants: the first giant comes after the first fifth, so the two sends stay the same up to there).
load_finish() {
  local rc=0
  wait "$load_pid" || rc=$?
  stack_forget "$load_pid"
  [ "$rc" -eq 0 ] || { echo "error: the main load failed ($rc): $(tail -3 "$dir/produce-1.log")" >&2; return 1; }
  stack_child produce-2 dotnet "$bin/dev/feedback-dev.dll" produce --count $(( events / 5 )) --agents "$agents" --hot-share "$hot_share" \
    --malformed 0.03 --hostile "$load_hostile" --without-event-id 0.1 --seed "$seed" --too-large-bytes 9216 \
    --manifest "$dir/manifest-2.txt" --dead-manifest "$dir/dead-2.txt" --json > "$dir/produce-2.json" 2> "$dir/produce-2.log"
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

# in_flight_owned_by PID: whether some in-flight batch's owner names PID (right after a flusher's kill -9 its batch
# stays in flight under the dead owner until its lease expires, so the first in-flight batch need not be the new one's).
# One script call reads every in-flight batch's owner at once (a batch is often in flight for a few milliseconds).
in_flight_owned_by() {
  redis-cli -p "$redis_port" EVAL "local o = {} for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
      o[#o + 1] = redis.call('HGET', 'feedback:meta:' .. id, 'owner') or '' end return o" 1 feedback:inflight 2>/dev/null \
    | cut -d/ -f2 | grep -x "$1" > /dev/null
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
  local deadline found
  for i in 1 2 3; do
    pid=$(pid_of "$name")
    deadline=$((SECONDS + 20)) found=false
    while [ "$SECONDS" -lt "$deadline" ]; do
      if in_flight_owned_by "$pid"; then found=true; break; fi
      sleep 0.05
    done
    $found || break
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

# kill -9 of the only flusher the moment the sink file grows: a large group's write (global batching, batches of up to
# 5,000 events) has begun and is not acknowledged, so the batch is claimed again after its lease and written again.
# The verdict's re-writes column shows the lines written twice; the distinct count must still be exact.
row_flusher-kill9-write() {
  load_start "$agents" "$hot_share"
  local i pid size last deadline kills=0 name=flusher-1
  for i in 1 2 3; do
    pid=$(pid_of "$name")
    last=$(stat -c %s "$sink" 2>/dev/null || echo 0)
    size="$last"
    deadline=$((SECONDS + 30))
    while [ "$SECONDS" -lt "$deadline" ]; do
      size=$(stat -c %s "$sink" 2>/dev/null || echo 0)
      [ "$size" = "$last" ] || break
      sleep 0.01
    done
    [ "$size" != "$last" ] || break
    stack_kill KILL "$pid"; kills=$((kills + 1))
    echo "    killed $name (pid $pid) as the sink file grew from $last to $size bytes"
    name="flusher-1-w$i"
    restart "" flusher "$name"
  done
  fault="kill -9 of the only flusher as the sink file grew (a write of a batch of up to 5,000 events begun, not acked), $kills times"
  [ "$kills" -gt 0 ] || { fault="$fault: the sink never grew, the fault was not injected"; return 1; }
}

# Redis near its memory limit: the flushers are stopped (SIGSTOP), maxmemory is set to what Redis uses plus 3 MB
# (noeviction), and the load runs into it until Redis refuses appends for memory (errorstat_OOM); 3 s later the
# flushers go on (SIGCONT, their leases long expired) and must drain it with the limit still in place. Nothing may be
# evicted (evicted_keys stays 0) or lost.
row_redis-maxmemory() {
  local f used limit oom=0 waited=0 stopped=()
  for f in flusher-1 flusher-2; do stopped+=("$(pid_of "$f")"); done
  for f in "${stopped[@]}"; do kill -STOP "$f"; done
  used=$(redis_stat memory used_memory)
  limit=$((used + 3 * 1024 * 1024))
  redis-cli -p "$redis_port" CONFIG SET maxmemory "$limit" > /dev/null
  load_start "$agents" "$hot_share"
  while [ "${oom:-0}" -eq 0 ] && [ "$waited" -lt 400 ]; do sleep 0.1; waited=$((waited + 1)); oom=$(redis_stat errorstats errorstat_OOM); done
  sleep 3
  oom=$(redis_stat errorstats errorstat_OOM)
  for f in "${stopped[@]}"; do kill -CONT "$f"; done
  fault="Redis maxmemory $limit bytes (used $used + 3 MB, noeviction); flushers stopped until Redis refused writes for memory"
  fault="$fault (${oom:-0} OOM refusals by then), then resumed"
  [ "${oom:-0}" -gt 0 ] || { fault="$fault: Redis never refused a write, the fault was not injected"; return 1; }
}

# Redis comes back EMPTY (a cache-only Redis crashed, or a new pod without its volume) and every consumer dies with it,
# so the new consumers find no offset record in Redis and start from Kafka's committed offsets: the one case where
# FEEDBACK_COMMIT_SAFETY_MS (20 s here) is the defence. The load is paced over 30 s, so at the crash (24 s into it)
# Kafka holds commits of the first seconds' offsets (stored 20 s after Redis acknowledged them, committed every 1 s);
# everything appended since is uncommitted and read again. What was in Redis and not yet in the sink at the crash
# (open batches of the 4 s batch time, sealed, claimed) is lost with Redis and must come back from Kafka; a batch
# being written at the crash reaches the sink, its ack fails, and it is read and written again (re-writes). The
# design must lose nothing as long as every event reaches the sink within the margin of its append (here a few
# seconds). A build that commits offsets Redis has not acknowledged for M yet (EnableAutoOffsetStore) must lose the
# events that were only in Redis.
redis_empty_margin_ms=${CHAOS_COMMIT_SAFETY_MS:-20000}
row_redis-empty() {
  load_start "$agents" "$hot_share"
  sleep 24
  local victims=("$redis_pid" "$(pid_of consumer-1)" "$(pid_of consumer-2)") p
  kill -KILL "${victims[@]}"
  for p in "${victims[@]}"; do wait "$p" 2>/dev/null; stack_forget "$p"; done
  # The data is gone: the folder is kept aside for a look, and Redis starts with AOF on (as the start-up check
  # wants) in an empty one.
  mv -T "$dir/redis" "$dir/redis.lost"
  mkdir -p "$dir/redis"
  start_redis redis-server-2 || { fault="redis-empty: Redis did not start again"; return 1; }
  local keys
  keys=$(redis-cli -p "$redis_port" DBSIZE)
  service consumer consumer-1b; service consumer consumer-2b
  stack_wait_ready "${STACK_PORTS[-2]}" "${STACK_PORTS[-1]}" || { fault="redis-empty: the consumers did not start again"; return 1; }
  stack_wait_assigned consumer-1b consumer-2b
  # Where the new consumers started: Kafka's committed offset of each partition (the lowest position each logged; a
  # later rebalance logs higher ones), summed over the partitions: the messages Kafka counts as done.
  local i committed
  for i in $(seq 1 100); do
    [ "$(grep -l "Kafka's committed offset" "$dir/consumer-1b.log" "$dir/consumer-2b.log" 2>/dev/null | wc -l)" -eq 2 ] && break
    sleep 0.1
  done
  committed=$(grep -ho "at Kafka's committed offset, Redis had no record ([^)]*)" "$dir/consumer-1b.log" "$dir/consumer-2b.log" \
    | grep -o '[a-z.]*\[[0-9]*\]@[0-9]*' \
    | awk -F@ '!($1 in low) || $2 < low[$1] { low[$1] = $2 } END { n = 0; for (p in low) { s += low[p]; n++ } print s + 0, n + 0 }')
  fault="kill -9 of redis-server and both consumers 24 s into a 30 s load; Redis restarted EMPTY ($keys keys), the consumers"
  fault="$fault restarted at Kafka's commits (${committed% *} messages of the load over ${committed#* } partitions; commit"
  fault="$fault safety ${redis_empty_margin_ms} ms, batch time 4 s)"
  # No commit at all would mean the new consumers read everything again: the row still tells a build that commits ahead
  # of Redis from one that does not, but it did not show the margin holding a commit back by just the right amount.
  [ "${committed% *}" != 0 ] || fault="$fault: NOTE Kafka held no commit yet (a slow machine?): the consumers started over"
  [ "$keys" = 0 ] || { fault="$fault: REDIS WAS NOT EMPTY, the fault was not injected"; return 1; }
}

# A mock broker down and up: every broker down for $broker_down_seconds s in the middle of the load (the producer
# buffers; the consumers, the dead-letter producer and the flushers' announcements lose Kafka), then all up again.
broker_down_seconds=15
row_broker-down() {
  load_start "$agents" "$hot_share"
  sleep 3
  stack_kafka_control down all > /dev/null || { fault="broker down: the mock Kafka control port refused"; return 1; }
  sleep "$broker_down_seconds"
  stack_kafka_control up all > /dev/null || { fault="broker down: the mock Kafka control port refused 'up all'"; return 1; }
  fault="all 3 mock brokers down for $broker_down_seconds s during the load (rd_kafka_mock_broker_set_down), then up"
}

# Hostile messages mixed in: 5 % of the load of every hostile kind (feedback-dev produce --hostile: deep JSON, huge
# strings, invalid UTF-8, lone surrogates in values and names, non-finite numbers, duplicate keys, control characters
# in names, wrong shapes) and 2 giant messages of 1,000,000 bytes; each is checked at its own coordinates in the
# dead-letter topic for its reason, and no valid event may be lost or held up.
row_hostile() {
  load_start "$agents" "$hot_share"
  fault="hostile: $load_hostile of the load hostile messages of every kind, $load_giants giant messages of 1,000,000 bytes"
}

# The sink's folder is swapped for a plain file: every open of the sink file fails (ENOTDIR) until it is swapped back
# (mv of a folder is atomic, and the sink never creates folders after start-up, so no line can go elsewhere).
# With MongoDB: the proxy between the row's processes and MongoDB closes every connection and refuses new ones.
row_sink-outage() {
  load_start "$agents" "$hot_share"
  sleep 2
  if [ -n "$mongo_uri" ]; then
    [ -n "$mongo_proxy_pid" ] || { fault="sink outage: MongoDB cannot be cut off (not a single-host mongodb:// URI)"; return 1; }
    kill -USR1 "$mongo_proxy_pid"
    sleep "$outage_seconds"
    kill -USR2 "$mongo_proxy_pid"
    fault="sink outage: MongoDB unreachable (every connection closed, new ones refused) for $outage_seconds s during the load"
    return 0
  fi
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
  agents=2000 hot_share=0.3 flushers=2 fault="(not reached)" load_hostile=0.01 load_giants=0 row_env=()
  load_seconds=$default_load_seconds
  case "$row" in
    flusher-kill9) flushers=1 ;;
    flusher-kill9-write) flushers=1
      row_env=(FEEDBACK_BATCHING_MODE=global FEEDBACK_GLOBAL_SHARDS=2 FEEDBACK_BATCH_SIZE=5000 FEEDBACK_BATCH_TIME_MS=3000) ;;
    redis-empty) load_seconds=30
      row_env=(FEEDBACK_COMMIT_SAFETY_MS=$redis_empty_margin_ms FEEDBACK_CONSUMER_COMMIT_INTERVAL_MS=1000 FEEDBACK_BATCH_TIME_MS=4000) ;;
    hot-agent) agents=100 hot_share=0.5 ;;
    hostile) load_hostile=0.05 load_giants=2 ;;
  esac
  log "row $row: seed $seed, $events events, 2 consumers, $flushers flusher(s), $FEEDBACK_SINK_NAME sink${row_env[*]:+, ${row_env[*]}}; in $dir"
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
      if [ -n "$mongo_uri" ]; then
        verdict union "$dir/manifest.txt" "$dir"/manifest-*.txt
        valid=$(wc -l < "$dir/manifest.txt" | tr -d ' ')
        arrived=$(dev report --manifest "$dir/manifest.txt" --count-only 2>/dev/null || echo 0)
      else
        read -r arrived valid < <(verdict count "$sink" "$dir"/manifest-*.txt)
      fi
      echo "    drain: $arrived of $valid valid events in the sink; $left entries of work left in Redis"
      [ "$left" = 0 ] && [ "$arrived" = "$valid" ] && break
      if [ $((SECONDS - drain_start)) -ge "$drain_timeout" ]; then stalled=1; break; fi
      sleep 2
    done
    drain_seconds=$((SECONDS - drain_start))
    verdict merge "$dir/produced.json" "$dir"/produce-*.json
    verdict union "$dir/manifest.txt" "$dir"/manifest-*.txt
    local sink_args=(--sink-file "$sink")
    [ -z "$mongo_uri" ] || sink_args=()
    dev report --manifest "$dir/manifest.txt" "${sink_args[@]}" --produced "$dir/produced.json" --dead-manifest "$dir"/dead-*.txt \
      --json-out "$dir/report.json" > "$dir/report.txt" 2>&1 || true
    sed 's/^/    /' "$dir/report.txt"
  fi
  local dead_batches evicted
  dead_batches=$(redis-cli -p "$redis_port" ZCARD feedback:dead 2>/dev/null || echo 0)
  evicted=$(redis_stat stats evicted_keys)
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
    --leftovers "$leftovers" --error "$error" --report-json "$dir/report.json" --evicted "${evicted:-0}" \
    --sink-kind "$FEEDBACK_SINK_NAME" > "$dir/verdict.json"
  for kv in "${row_env[@]}"; do unset "${kv%%=*}"; done
  STACK_DIR=""
  if grep -q '"verdict": "PASS"' "$dir/verdict.json" && ! $keep; then rm -rf "$dir"; fi
}

FEEDBACK_SINK_NAME=$([ -n "$mongo_uri" ] && echo mongodb || echo file)
echo "chaos: rows ${selected[*]}; seed $seed; $events events a row (+ $((events / 5)) sent again); $FEEDBACK_SINK_NAME sink"
for row in "${selected[@]}"; do run_row "$row"; done
log "verdict (from the $FEEDBACK_SINK_NAME sink and the Kafka topics; $(date -u '+%Y-%m-%d %H:%M UTC'))"
set +e
verdict table "$results"
status=$?
set -e
[ -n "$mongo_uri" ] || printf '\033[1;33m*** %s ***\033[0m\n' "$mongo_note" >&2
exit "$status"
