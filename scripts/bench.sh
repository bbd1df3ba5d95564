#!/usr/bin/env bash
# Append throughput of the batch engine against raw pipelined RPUSH on the same Redis, in the same run.
# Starts its own redis-server on a free loopback port, runs redis-benchmark references (-P 64 -t rpush, the
# issue's; and the native floor of one RPUSH onto 10,000 lists plus one SADD into the guard set), then the
# engine's append bench for a few agent counts (the issue's case three times, median), the whole life cycle
# (append, seal, claim, ack), then Redis memory per pending event. Prints each figure and its ratios. Bounded: about 2 minutes on a 2-core machine.
# Usage: scripts/bench.sh [--events N] [--item-bytes N] [--repeat N] [--compare DIR] [--bdn]   (items default to 200
#        bytes, the issue's size; --repeat: runs per configuration in the alternating comparisons, default 3, median;
#        --compare DIR: the engine built from another commit (a folder holding FeedbackRedis.Benchmarks.dll), run
#        alternating with this build's "features off" runs; --bdn also runs the BenchmarkDotNet suite)
#
# scripts/bench.sh growth [--quick] [--cluster] [--parts LIST] [--repeat N] [--events N] [--max-agents N] [--out FILE]
#   Cost growth curves (docs/BENCHMARKS.md, "Cost growth"): append and whole-cycle throughput, server time and Redis memory
#   per event for 10^2..10^6 agents and batch sizes 10/50/500, a backlog near the high-water mark, the due scan and claim
#   against 10^2..10^6 open batches, and the cluster key layout's per-shard calls; --cluster also starts a 3-master
#   Redis Cluster on loopback and runs the layout on it. Each point is repeated (default 3) and bounded in count and
#   time; about 10-25 minutes on a loaded 2-core machine (--quick: a smoke run of a minute or two). The report is
#   markdown on standard output (and in FILE with --out).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"

if [ "${1:-}" = growth ]; then
  shift
  growth_args=(); cluster=false; out=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --quick) growth_args+=(--events 20000 --repeat 1 --max-agents 10000 --backlog 50000 --backlog-events 10000 --scan-batches 2000); shift ;;
      --cluster) cluster=true; shift ;;
      --parts|--repeat|--events|--max-agents|--backlog|--backlog-events|--scan-batches|--item-bytes|--point-timeout-s)
        [ $# -ge 2 ] || { echo "error: $1 needs a value" >&2; exit 2; }
        growth_args+=("$1" "$2"); shift 2 ;;
      --out) [ $# -ge 2 ] || { echo "error: --out needs a file" >&2; exit 2; }; out="$2"; shift 2 ;;
      *) echo "usage: scripts/bench.sh growth [--quick] [--cluster] [--parts LIST] [--repeat N] [--events N] [--max-agents N] [--backlog N] [--backlog-events N] [--scan-batches N] [--item-bytes N] [--point-timeout-s N] [--out FILE]" >&2; exit 2 ;;
    esac
  done
  ensure_dotnet
  ensure_command redis-server redis-server
  ensure_command redis-cli redis-tools
  ensure_command python3 python3
  dir=$(mktemp -d)
  pids=()
  # Every process this mode starts is stopped by its PID (the standalone server and the cluster's masters).
  stop_all() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; done
    rm -rf "$dir"
  }
  trap stop_all EXIT
  trap 'exit 143' INT TERM
  port=$(free_port)
  # DEBUG is allowed from loopback only, for DEBUG OBJECT (quicklist nodes of a list) in the report.
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no --maxmemory-policy noeviction \
    --enable-debug-command local --daemonize yes --logfile "$dir/redis.log" --pidfile "$dir/redis.pid"
  until [ -s "$dir/redis.pid" ] && redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
  pids+=("$(cat "$dir/redis.pid")")
  if $cluster; then
    # Three masters on loopback, each on a port whose cluster bus port (+10000) is free too.
    cluster_ports=$(python3 -c '
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
ports = []
while len(ports) < 3:
    p = random.randint(20000, 29999)
    if p not in ports and free(p) and free(p + 10000):
        ports.append(p)
print(" ".join(map(str, ports)))')
    endpoints=""
    for p in $cluster_ports; do
      mkdir -p "$dir/node-$p"
      redis-server --port "$p" --bind 127.0.0.1 --dir "$dir/node-$p" --cluster-enabled yes --cluster-config-file nodes.conf \
        --save '' --appendonly no --maxmemory-policy noeviction --daemonize yes --logfile "$dir/node-$p/redis.log" --pidfile "$dir/node-$p/redis.pid"
      until [ -s "$dir/node-$p/redis.pid" ] && redis-cli -p "$p" ping >/dev/null 2>&1; do sleep 0.1; done
      pids+=("$(cat "$dir/node-$p/redis.pid")")
      endpoints="${endpoints:+$endpoints,}127.0.0.1:$p"
    done
    # shellcheck disable=SC2086
    redis-cli --cluster create $(for p in $cluster_ports; do printf '127.0.0.1:%s ' "$p"; done) --cluster-replicas 0 --cluster-yes >"$dir/cluster-create.log" 2>&1 \
      || { cat "$dir/cluster-create.log" >&2; exit 1; }
    for p in $cluster_ports; do
      for _ in $(seq 300); do redis-cli -p "$p" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && break; sleep 0.1; done
      redis-cli -p "$p" cluster info | grep -q 'cluster_state:ok' || { echo "error: cluster node $p never reported cluster_state:ok" >&2; exit 1; }
    done
    growth_args+=(--cluster "$endpoints")
  fi
  log "build (Release)"
  dotnet build tests/FeedbackRedis.Benchmarks -c Release --nologo -v quiet -clp:ErrorsOnly
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC'); load $(cut -d' ' -f1-3 /proc/loadavg)"
  run=(dotnet tests/FeedbackRedis.Benchmarks/bin/Release/net10.0/FeedbackRedis.Benchmarks.dll growth --redis "127.0.0.1:$port" "${growth_args[@]}")
  if [ -n "$out" ]; then "${run[@]}" | tee "$out"; else "${run[@]}"; fi
  echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi

events=1000000
item_bytes=200
bdn=false
repeat=3
compare=""
usage="usage: scripts/bench.sh [--events N] [--item-bytes N] [--repeat N] [--compare DIR] [--bdn]"
while [ $# -gt 0 ]; do
  case "$1" in
    --events|--item-bytes|--repeat|--compare) [ $# -ge 2 ] || { echo "error: $1 needs a value" >&2; exit 2; } ;;
  esac
  case "$1" in
    --events) events="$2"; shift 2 ;;
    --item-bytes) item_bytes="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --compare) compare="$2"; shift 2 ;;
    --bdn) bdn=true; shift ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
case "$repeat" in ''|*[!0-9]*|0) echo "error: --repeat must be a whole number from 1" >&2; exit 2 ;; esac
if [ -n "$compare" ] && [ ! -f "$compare/FeedbackRedis.Benchmarks.dll" ]; then
  echo "error: --compare $compare: no FeedbackRedis.Benchmarks.dll in that folder" >&2; exit 2
fi
case "$events" in ''|*[!0-9]*) echo "error: --events must be a whole number" >&2; exit 2 ;; esac
case "$item_bytes" in ''|*[!0-9]*) echo "error: --item-bytes must be a whole number" >&2; exit 2 ;; esac
if [ "$item_bytes" -lt 200 ] || [ "$item_bytes" -gt 65536 ]; then echo "error: --item-bytes must be from 200 to 65536" >&2; exit 2; fi

ensure_dotnet
ensure_command redis-server redis-server
ensure_command redis-benchmark redis-tools
ensure_command python3 python3

port=$(free_port)
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no \
  --maxmemory-policy noeviction --daemonize yes --logfile "$dir/redis.log" --pidfile "$dir/redis.pid"
trap 'kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; rm -rf "$dir"' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done

log "build (Release)"
dotnet build tests/FeedbackRedis.Benchmarks -c Release --nologo -v quiet -clp:ErrorsOnly
bench="dotnet tests/FeedbackRedis.Benchmarks/bin/Release/net10.0/FeedbackRedis.Benchmarks.dll"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC'); redis $(redis-server --version | sed -E 's/.*v=([0-9.]+).*/\1/'); load $(cut -d' ' -f1-3 /proc/loadavg)"

# rb ARGS...: redis-benchmark on a flushed server; prints its requests per second (whole number).
rb() {
  redis-cli -p "$port" flushall >/dev/null
  local rate
  rate=$(redis-benchmark -p "$port" -P 64 -n 2000000 --csv "$@" | tail -n 1 | awk -F'","' '{print $(NF-6)}')  # name, rps, then six latency columns
  redis-cli -p "$port" flushall >/dev/null
  echo "${rate%.*}"
}
# med VALUES...: the median (the lower middle one of an even count).
med() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
# ratio A B: A/B with three decimals.
ratio() { python3 -c "import sys; print(f'{int(sys.argv[1]) / int(sys.argv[2]):.3f}')" "$1" "$2"; }
# engine AGENTS MODE [ITEM_BYTES] [PARTITIONS] [--name value ...]: one run of the engine's append bench; prints events
# per second. Arguments after the fourth go to the bench as they are (--max-bytes, --grace-ms, --policies).
engine() {
  ${engine_bench:-$bench} append --redis "127.0.0.1:$port" --events "$events" --agents "$1" --mode "$2" --concurrency 4 --chunk 500 \
    --item-bytes "${3:-$item_bytes}" --partitions "${4:-0}" "${@:5}" | awk -F= '/^append_events_per_second=/{print $2}'
}

log "references on the same redis-server"
# The issue's reference: pipelined RPUSH onto one list, 3-byte values (redis-benchmark's default); then values of
# the items' size.
rpush=$(rb -t rpush)
rpush_sized=$(rb -t rpush -d "$item_bytes")
# The native floor of what one appended event needs, without any script: an RPUSH of an item onto one of 10,000
# lists, and an SADD of a new id into one large set (the duplicate guard). Both pipelined.
item=$(python3 -c 'import sys; head = "{\"eventId\":\"feedback.reply.received/1/123456\",\"agentId\":\"agent-1234\",\"text\":\""; print(head + "x" * (int(sys.argv[1]) - len(head) - 2) + "\"}")' "$item_bytes")
rpush_agents=$(rb -r 10000 RPUSH 'bench:batch:agent-__rand_int__' "$item")
sadd_guard=$(rb -r 100000000 SADD bench:guard 'feedback.reply.received/1/__rand_int__')
floor=$(python3 -c "import sys; a, b = map(int, sys.argv[1:]); print(round(1 / (1 / a + 1 / b)))" "$rpush_agents" "$sadd_guard")

row() { printf '%-56s %10s events/s  %6s %8s %8s\n' "$1" "$2" "$(ratio "$2" "$rpush")" "$(ratio "$2" "$rpush_sized")" "$(ratio "$2" "$floor")"; }
printf '%-56s %10s           %6s %8s %8s\n' "" "" "/RPUSH" "/-d $item_bytes" "/floor"
row "redis-benchmark RPUSH -P 64 (3 B, one list)" "$rpush"
row "redis-benchmark RPUSH -P 64 -d $item_bytes (one list)" "$rpush_sized"
row "RPUSH $item_bytes B onto 10,000 lists (-P 64)" "$rpush_agents"
row "SADD new ids into one set (-P 64)" "$sadd_guard"
row "floor: one RPUSH + one SADD per event" "$floor"

log "engine append: $events events, 4 callers x 500 events per call, batch size 50, $item_bytes-byte items"
runs=()
for _ in 1 2 3; do runs+=("$(engine 10000 agent)"); done
median=$(med "${runs[@]}")
row "append, agent, 10,000 agents (median of ${runs[*]})" "$median"
# The same with the consumer's offset record: every call records 24 partitions (two topics of 12), alternating with
# runs without it so that both see the same machine.
with=(); without=()
for _ in 1 2 3; do with+=("$(engine 10000 agent "$item_bytes" 24)"); without+=("$(engine 10000 agent)"); done
with_median=$(med "${with[@]}")
without_median=$(med "${without[@]}")
row "  same, offsets of 24 partitions per call (median of ${with[*]})" "$with_median"
row "  same, no offsets, alternating (median of ${without[*]})" "$without_median"
echo "offset record cost: $(ratio "$with_median" "$without_median") of the throughput without it (budget >= 0.950)"
# The batch-policy features, each on alone, alternating with runs with all of them off: a byte limit
# (5,000 bytes: about 25 items, so it seals before the size of 50), a sliding grace of 1 s, and policies for 1,000 of
# the 10,000 agents (batch size 50, as the global one: only the cost of reading them).
off=(); on_bytes=(); on_grace=(); on_policy=(); base=()
for _ in $(seq "$repeat"); do
  off+=("$(engine 10000 agent)")
  if [ -n "$compare" ]; then base+=("$(engine_bench="dotnet $compare/FeedbackRedis.Benchmarks.dll" engine 10000 agent)"); fi
  on_bytes+=("$(engine 10000 agent "$item_bytes" 0 --max-bytes 5000)")
  on_grace+=("$(engine 10000 agent "$item_bytes" 0 --grace-ms 1000)")
  on_policy+=("$(engine 10000 agent "$item_bytes" 0 --policies 1000)")
done
off_median=$(med "${off[@]}")
row "  same, batch-policy features off, alternating (median of ${off[*]})" "$off_median"
if [ -n "$compare" ]; then
  base_median=$(med "${base[@]}")
  row "  same, the --compare build (median of ${base[*]})" "$base_median"
  echo "  features off: $(ratio "$off_median" "$base_median") of the --compare build (budget >= 0.950)"
fi
for f in bytes grace policy; do
  declare -n runs_of="on_$f"
  m=$(med "${runs_of[@]}")
  row "  same, $f on (median of ${runs_of[*]})" "$m"
  echo "  $f cost: $(ratio "$m" "$off_median") of the throughput with every feature off"
done
row "append, agent, 10,000 agents, 240-byte items (as consumed)" "$(engine 10000 agent 240)"
row "append, hybrid, 10,000 agents" "$(engine 10000 hybrid)"
row "append, agent, 100 agents" "$(engine 100 agent)"
row "append, hybrid, 100 agents" "$(engine 100 hybrid)"
# The whole life cycle on the same Redis: appenders plus two flusher loops (due scan, claim, ack; no sink).
cycle() {
  $bench cycle --redis "127.0.0.1:$port" --events "$events" --agents 10000 --claimers 2 --item-bytes "$item_bytes" \
    --mode "$1" | awk -F= '/^cycle_events_per_second=/{print $2}'
}
row "append + seal + claim + ack, agent, 10,000 agents" "$(cycle agent)"
row "append + seal + claim + ack, hybrid, 10,000 agents" "$(cycle hybrid)"
echo "bar of the engine issue: 250,000 events/s; this run: $median (agent, 10,000 agents, median)"

log "memory per pending event"
$bench memory --redis "127.0.0.1:$port" --events 200000 --agents 5000 --item-bytes "$item_bytes" > "$dir/memory.txt"
head -n 1 "$dir/memory.txt"
per=$(grep '^bytes_per_pending_event=' "$dir/memory.txt" | cut -d= -f2)
item=$(grep '^item_bytes=' "$dir/memory.txt" | cut -d= -f2)
printf '%-44s %12s bytes  (item %s bytes, overhead %s bytes)\n' "Redis memory per pending event" "$per" "$item" "$((per - item))"

if $bdn; then
  log "BenchmarkDotNet"
  FEEDBACK_BENCH_REDIS="127.0.0.1:$port" $bench --filter '*AppendBenchmarks*' --job short --join
fi
