#!/usr/bin/env bash
# Runs every test of FeedbackRedis on a fresh machine: installs what the tests need (redis-server),
# restores, builds, runs the .NET tests, the chart checks, the tests of scripts/lib/tcp_proxy.py and the quick fault
# matrix, and ends with the line
#   N passed, N failed, N skipped
# computed from the real results. Exits non-zero when a test failed or when no test ran.
# Usage: scripts/test.sh [extra dotnet test arguments, e.g. --filter Category!=Slow]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"

ensure_dotnet
ensure_command redis-server redis-server
ensure_command redis-cli redis-tools
ensure_command python3 python3

results="$REPO_ROOT/artifacts/test-results"
rm -rf "$results" && mkdir -p "$results"

log "restore and build (Release)"
dotnet restore FeedbackRedis.sln --nologo -v quiet
dotnet build FeedbackRedis.sln -c Release --no-restore --nologo -v quiet -clp:ErrorsOnly

# run_tests LOG_NAME PATH [dotnet test arguments...]: one dotnet test run into $results with that PATH, its TRX files
# and log named LOG_NAME.
run_tests() {
  local name=$1 path=$2; shift 2
  PATH="$path" "$dotnet" test FeedbackRedis.sln -c Release --no-build --nologo \
    --logger "trx;LogFilePrefix=$name" --logger "console;verbosity=normal" \
    --results-directory "$results" "$@" 2>&1 | tee "$results/$name.log" | grep -E '^\s+(Passed|Failed|Skipped) |^(Passed|Failed)!|error' || true
}

dotnet=$(readlink -f "$(command -v dotnet)")
set +e
if [ $# -gt 0 ]; then
  log "dotnet test $*"
  run_tests results "$PATH" "$@"
else
  # The unit tests run first with nothing on PATH but dotnet: no redis-server, no other tool. That they pass there is
  # the evidence that Category=Unit needs no server (tests/README.md); then everything else.
  log "dotnet test: unit tests, with no server on PATH"
  no_servers="$results/no-servers-path"
  mkdir -p "$no_servers" && ln -sf "$dotnet" "$no_servers/dotnet"
  run_tests unit "$no_servers" --filter "Category=Unit"
  log "dotnet test: every other test (real redis-server, Redis Cluster, Kafka mock cluster, processes)"
  run_tests results "$PATH" --filter "Category!=Unit"
fi
set -e

read -r passed failed skipped < <(python3 scripts/lib/trx_summary.py "$results"/*.trx 2>"$results/problems.txt" | tail -n 1) || { passed=0; failed=1; skipped=0; }
[ -s "$results/problems.txt" ] && { log "not passed:"; cat "$results/problems.txt"; }
if ! ls "$results"/*.trx >/dev/null 2>&1; then
  echo "error: dotnet test produced no results (build or runner failure); see the *.log files in $results" >&2
  failed=$((failed + 1))
fi

if [ -x scripts/test-chart.sh ]; then
  log "chart checks"
  set +e
  scripts/test-chart.sh 2>&1 | tee "$results/chart.log"
  chart_rc=${PIPESTATUS[0]}
  set -e
  chart_line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$results/chart.log" | tail -n 1 || true)
  if [ -n "$chart_line" ]; then
    passed=$((passed + $(echo "$chart_line" | sed -E 's/^([0-9]+) passed.*/\1/')))
    failed=$((failed + $(echo "$chart_line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')))
  fi
  if [ "$chart_rc" -ne 0 ] && [ -z "$chart_line" ]; then
    failed=$((failed + 1))
  fi
fi

# The loopback proxy of the fault matrix's MongoDB sink outage (scripts/lib/tcp_proxy.py), as an OS process in front of
# an echo server: its own "N passed, N failed, N skipped" line is added to the totals; no line counts as one failure.
log "tcp_proxy.py tests (scripts/lib/test_tcp_proxy.py)"
set +e
timeout 300 python3 scripts/lib/test_tcp_proxy.py 2>&1 | tee "$results/tcp-proxy.log"
proxy_rc=${PIPESTATUS[0]}
set -e
proxy_line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$results/tcp-proxy.log" | tail -n 1 || true)
if [ -n "$proxy_line" ]; then
  read -r proxy_passed proxy_failed proxy_skipped < <(echo "$proxy_line" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/')
  passed=$((passed + proxy_passed)) failed=$((failed + proxy_failed)) skipped=$((skipped + proxy_skipped))
fi
if [ "$proxy_rc" -ne 0 ] && { [ -z "$proxy_line" ] || [ "${proxy_failed:-0}" -eq 0 ]; }; then
  failed=$((failed + 1))
fi

# The quick fault matrix (scripts/chaos.sh --rows quick, about 3 minutes): one pass or fail per row, from its own
# "N passed, N failed" line; a run that prints none (it broke before its table) counts as one failure.
if [ -x scripts/chaos.sh ] && [ $# -eq 0 ]; then
  log "fault matrix, quick rows (scripts/chaos.sh --rows quick)"
  set +e
  scripts/chaos.sh --rows quick --no-build --dir "$REPO_ROOT/.local/chaos-test" 2>&1 | tee "$results/chaos.log"
  chaos_rc=${PIPESTATUS[0]}
  set -e
  chaos_line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$results/chaos.log" | tail -n 1 || true)
  if [ -n "$chaos_line" ]; then
    passed=$((passed + $(echo "$chaos_line" | sed -E 's/^([0-9]+) passed.*/\1/')))
    failed=$((failed + $(echo "$chaos_line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')))
  fi
  if [ "$chaos_rc" -ne 0 ] && [ -z "$chaos_line" ]; then
    failed=$((failed + 1))
  fi
fi

echo "$passed passed, $failed failed, $skipped skipped"
if [ "$failed" -ne 0 ]; then exit 1; fi
if [ "$passed" -eq 0 ]; then echo "error: no test ran" >&2; exit 1; fi
