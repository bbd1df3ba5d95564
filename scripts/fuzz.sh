#!/usr/bin/env bash
# Fuzzes the message classifier and the stored item's reader with SharpFuzz + AFL++ for a bounded time. A dev tool:
# not run in CI. Installs what it needs (afl++ from apt, the SharpFuzz.CommandLine tool under artifacts/fuzz/tools),
# builds tools/FeedbackRedis.Fuzz into artifacts/fuzz/bin/<target>, instruments FeedbackRedis.dll there, seeds AFL from
# tools/FeedbackRedis.Fuzz/corpus/, runs afl-fuzz, prints its numbers and copies every crash input, with the stack its
# replay prints, to artifacts/fuzz/crashes/<target>/. What each target checks: docs/RELIABILITY.md ("Fuzzing").
# Usage: scripts/fuzz.sh [--seconds N] [--target classify|item]     (defaults: 120 seconds, classify)
# Exits 1 when the run found a crash, 0 when it found none.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"

seconds=120
target=classify
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
    --target) target="${2:?--target needs classify or item}"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "error: --seconds must be a whole number of seconds, not '$seconds'" >&2; exit 2; }
case "$target" in
  classify) seeds=tools/FeedbackRedis.Fuzz/corpus/messages ;;
  item) seeds=tools/FeedbackRedis.Fuzz/corpus/items ;;
  *) echo "error: --target must be classify or item, not '$target'" >&2; exit 2 ;;
esac

# The tool that instruments must match the SharpFuzz package the target is built with (Directory.Packages.props).
sharpfuzz_version=$(sed -n 's/.*PackageVersion Include="SharpFuzz" Version="\([^"]*\)".*/\1/p' Directory.Packages.props)
[ -n "$sharpfuzz_version" ] || { echo "error: no SharpFuzz version in Directory.Packages.props" >&2; exit 1; }

work="$REPO_ROOT/artifacts/fuzz"
tools="$work/tools"
bin="$work/bin/$target"  # one per target, so that two targets can run side by side
corpus="$work/corpus/$target"
findings="$work/findings/$target"
crashes="$work/crashes/$target"
log_file="$work/afl-$target.log"

ensure_dotnet
ensure_command afl-fuzz afl++
if ! dotnet tool list --tool-path "$tools" 2>/dev/null | grep -Eqi "^sharpfuzz\.commandline +$sharpfuzz_version( |$)"; then
  log "installing SharpFuzz.CommandLine $sharpfuzz_version into artifacts/fuzz/tools"
  dotnet tool uninstall SharpFuzz.CommandLine --tool-path "$tools" >/dev/null 2>&1 || true
  dotnet tool install SharpFuzz.CommandLine --version "$sharpfuzz_version" --tool-path "$tools" >/dev/null
fi

log "build tools/FeedbackRedis.Fuzz (Release) into artifacts/fuzz/bin/$target"
rm -rf "$bin"
dotnet build tools/FeedbackRedis.Fuzz/FeedbackRedis.Fuzz.csproj -c Release --nologo -v quiet -clp:ErrorsOnly -o "$bin" >/dev/null
log "instrument FeedbackRedis.dll"
"$tools/sharpfuzz" "$bin/FeedbackRedis.dll"

rm -rf "$corpus" "$findings" "$crashes"
mkdir -p "$corpus" "$crashes" "$(dirname "$findings")"
cp "$seeds"/* "$corpus"/

# Every process of afl-fuzz's tree (timeout, afl-fuzz, the dotnet fork server and its child), by PID with its command
# line, recorded while it runs: stop_afl stops exactly those still alive, even ones whose parent died first.
declare -A started=()
afl_root=""
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != "Z" ]; }
record_tree() {
  local queue=("$afl_root") pid child
  while [ ${#queue[@]} -gt 0 ]; do
    pid="${queue[0]}"; queue=("${queue[@]:1}")
    [ -n "${started[$pid]:-}" ] || started[$pid]=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null || true)
    for child in $(pgrep -P "$pid" || true); do queue+=("$child"); done
  done
}
still_ours() { alive "$1" && [ "$({ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null || true)" = "${started[$1]}" ]; }
stop_afl() {
  local pid
  for pid in "${!started[@]}"; do still_ours "$pid" && kill -TERM "$pid" 2>/dev/null || true; done
  for _ in 1 2 3 4 5; do
    local left=0
    for pid in "${!started[@]}"; do still_ours "$pid" && left=1; done
    [ "$left" -eq 1 ] || break
    sleep 1
  done
  for pid in "${!started[@]}"; do still_ours "$pid" && kill -KILL "$pid" 2>/dev/null || true; done
  started=()
}
trap stop_afl EXIT
trap 'stop_afl; exit 130' INT TERM

log "afl-fuzz, target $target, $seconds s (log: artifacts/fuzz/afl-$target.log)"
# afl-fuzz stops itself after -V seconds; timeout is the hard bound (start-up and calibration of a dotnet target are slow).
# AFL_SKIP_BIN_CHECK: the instrumented code is in FeedbackRedis.dll, not in the dotnet host afl-fuzz starts.
AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_FORKSRV_INIT_TMOUT=60000 \
  timeout --signal=INT --kill-after=30 "$((seconds + 120))" \
  afl-fuzz -V "$seconds" -i "$corpus" -o "$findings" -x tools/FeedbackRedis.Fuzz/json.dict -t 5000 -m none \
  -- dotnet "$bin/FeedbackRedis.Fuzz.dll" "$target" >"$log_file" 2>&1 &
afl_root=$!
while alive "$afl_root"; do
  record_tree
  sleep 2
done
set +e
wait "$afl_root"
afl_rc=$?
set -e
stop_afl

stats="$findings/default/fuzzer_stats"
if [ ! -f "$stats" ]; then
  echo "error: afl-fuzz wrote no fuzzer_stats (exit $afl_rc); the end of its log:" >&2
  tail -n 30 "$log_file" >&2
  exit 1
fi
afl_stat() { sed -n "s/^$1 *: *//p" "$stats" | head -n 1; }
run_time=$(afl_stat run_time)
execs=$(afl_stat execs_done)
crash_count=$(afl_stat saved_crashes)
[ -n "$crash_count" ] || crash_count=$(afl_stat unique_crashes)
corpus_count=$(afl_stat corpus_count)
[ -n "$corpus_count" ] || corpus_count=$(afl_stat paths_total)

# Each crash input is replayed once; its signature is the violated check (the violation's first words) and the first
# frame of FeedbackRedis outside the harness, so that many inputs of one bug read as one line.
signature() {
  awk 'NR == 2 { line = $0; sub(/^FeedbackRedis\.Fuzz\.PropertyViolation: /, "", line); split(line, parts, ":"); what = parts[1] }
       /^ *at FeedbackRedis\./ && !/FeedbackRedis\.Fuzz\./ && frame == "" { frame = $2; sub(/\(.*/, "", frame) }
       END { print what " @ " (frame == "" ? "(harness)" : frame) }' "$1"
}
n=0
: >"$crashes/summary.txt"
for input in "$findings"/default/crashes/id:*; do
  [ -e "$input" ] || continue
  n=$((n + 1))
  name=$(printf 'crash-%03d' "$n")
  cp "$input" "$crashes/$name.bin"
  timeout --kill-after=10 60 dotnet "$bin/FeedbackRedis.Fuzz.dll" "$target" "$crashes/$name.bin" >"$crashes/$name.txt" 2>&1 || true
  printf '%s\t%s\t%s\n' "$(signature "$crashes/$name.txt")" "$(stat -c %s "$input")" "$name" >>"$crashes/summary.txt"
done

echo "target:        $target"
echo "afl exit:      $afl_rc"
echo "run time:      ${run_time:-?} s"
echo "execs done:    ${execs:-?}"
if [ -n "$run_time" ] && [ "$run_time" -gt 0 ] && [ -n "$execs" ]; then
  echo "execs/s:       $((execs / run_time)) (average; afl's last figure: $(afl_stat execs_per_sec))"
fi
echo "corpus count:  ${corpus_count:-?} (seeds: $(find "$seeds" -type f | wc -l))"
echo "stability:     $(afl_stat stability)"
echo "bitmap cover:  $(afl_stat bitmap_cvg)"
echo "hangs:         $(afl_stat saved_hangs) (inputs, if any: artifacts/fuzz/findings/$target/default/hangs/)"
echo "crashes:       ${crash_count:-?}"
if [ "$n" -gt 0 ]; then
  echo "crash inputs and their replays (crash-NNN.bin, crash-NNN.txt): artifacts/fuzz/crashes/$target/"
  echo "by signature (inputs, smallest input):"
  sort -t $'\t' -k1,1 -k2,2n "$crashes/summary.txt" | awk -F '\t' '
    $1 != last { if (last != "") printf "  %3d  %s  (%s, %d bytes)\n", count, last, first, size; last = $1; count = 0; first = $3; size = $2 }
    { count++ }
    END { printf "  %3d  %s  (%s, %d bytes)\n", count, last, first, size }'
  exit 1
fi
