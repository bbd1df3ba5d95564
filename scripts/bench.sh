#!/usr/bin/env bash
# Append throughput of the batch engine against raw pipelined RPUSH on the same Redis, in the same run.
# Starts its own redis-server on a free loopback port, runs redis-benchmark (-P 64 -t rpush), then the
# engine's append bench for a few agent counts, then Redis memory per pending event. Prints each figure
# and its ratio to RPUSH. Bounded: about 2 minutes on a 2-core machine.
# Usage: scripts/bench.sh [--events N] [--bdn]   (--bdn also runs the BenchmarkDotNet suite)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"

events=1000000
bdn=false
while [ $# -gt 0 ]; do
  case "$1" in
    --events) events="$2"; shift 2 ;;
    --bdn) bdn=true; shift ;;
    *) echo "usage: scripts/bench.sh [--events N] [--bdn]" >&2; exit 2 ;;
  esac
done
case "$events" in ''|*[!0-9]*) echo "error: --events must be a whole number" >&2; exit 2 ;; esac

ensure_dotnet
ensure_command redis-server redis-server
ensure_command redis-benchmark redis-tools
ensure_command python3 python3
ensure_command bc bc

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

log "reference: redis-benchmark -P 64 -t rpush (3-byte values, its default; and 240-byte values, the size of our items)"
rpush=$(redis-benchmark -p "$port" -P 64 -t rpush -n 2000000 --csv | awk -F'"' '/^"RPUSH"/{print $4}')
rpush=${rpush%.*}
redis-cli -p "$port" flushall >/dev/null
rpush240=$(redis-benchmark -p "$port" -P 64 -t rpush -n 2000000 -d 240 --csv | awk -F'"' '/^"RPUSH"/{print $4}')
rpush240=${rpush240%.*}
redis-cli -p "$port" flushall >/dev/null
printf '%-44s %12s events/s\n' "redis-benchmark RPUSH -P 64" "$rpush"
printf '%-44s %12s events/s\n' "redis-benchmark RPUSH -P 64 -d 240" "$rpush240"

for agents in 100 10000; do
  for mode in agent hybrid; do
    line=$($bench append --redis "127.0.0.1:$port" --events "$events" --agents "$agents" --mode "$mode" --concurrency 4 --chunk 500 | grep '^append_events_per_second=')
    rate=${line#*=}
    printf '%-44s %12s events/s  %5.1f%% of RPUSH, %5.1f%% of RPUSH -d 240\n' "append, $agents agents, mode $mode" "$rate" \
      "$(echo "100*$rate/$rpush" | bc -l)" "$(echo "100*$rate/$rpush240" | bc -l)"
  done
done

log "memory per pending event"
$bench memory --redis "127.0.0.1:$port" --events 200000 --agents 5000 > "$dir/memory.txt"
head -n 1 "$dir/memory.txt"
per=$(grep '^bytes_per_pending_event=' "$dir/memory.txt" | cut -d= -f2)
item=$(grep '^item_bytes=' "$dir/memory.txt" | cut -d= -f2)
printf '%-44s %12s bytes  (item %s bytes, overhead %s bytes)\n' "Redis memory per pending event" "$per" "$item" "$((per - item))"

if $bdn; then
  log "BenchmarkDotNet"
  FEEDBACK_BENCH_REDIS="127.0.0.1:$port" $bench --filter '*AppendBenchmarks*' --job short --join
fi
