# shellcheck shell=bash
# The one place that starts and stops the processes of a local FeedbackRedis stack (scripts/run-local.sh and
# scripts/chaos.sh). Source it after common.sh; it changes nothing by itself.
#
# Every process is started as a child of the calling shell, its PID recorded in STACK_DIR/pids as "NAME PID" (one a
# line, the first line naming the script itself), and stopped by that PID: stack_stop_all stops the services
# (consumers, flushers, the load) first, while Kafka and Redis still serve their shutdown, then the infrastructure.

# shellcheck disable=SC2034 # the callers read these
STACK_DIR=""
STACK_SERVICES=()   # consumers, flushers and one-off children: stopped first
STACK_INFRA=()      # redis-server and the mock Kafka: stopped last
STACK_PORTS=()      # HTTP ports of the services started with stack_start_role, in start order
STACK_LAST_PID=""
STACK_BOOTSTRAP=""
STACK_KAFKA_CONTROL=""

# stack_init DIR NAME: records into DIR/pids (created afresh), the first line "NAME <this shell's PID>".
stack_init() {
  STACK_DIR="$1"
  STACK_SERVICES=() STACK_INFRA=() STACK_PORTS=() STACK_LAST_PID=""
  echo "$2 $$" > "$STACK_DIR/pids"
}

# stack_spawn services|infra NAME CMD...: starts CMD (an executable, never a shell function, so that $! is CMD's own
# PID and not a subshell's) in the background and records it; its PID is in STACK_LAST_PID.
stack_spawn() {
  local tier="$1" name="$2"
  shift 2
  "$@" &
  # shellcheck disable=SC2034 # the callers read it
  STACK_LAST_PID=$!
  if [ "$tier" = services ]; then STACK_SERVICES+=("$!"); else STACK_INFRA+=("$!"); fi
  echo "$name $!" >> "$STACK_DIR/pids"
}

# stack_forget PID: takes PID out of the lists to stop (it was stopped, or killed on purpose, and waited for).
stack_forget() {
  local kept=() p
  for p in "${STACK_SERVICES[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
  STACK_SERVICES=("${kept[@]}")
  kept=()
  for p in "${STACK_INFRA[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
  STACK_INFRA=("${kept[@]}")
}

# stack_child NAME CMD...: runs CMD as a recorded child and waits for it (a signal interrupts the wait, so the trap
# stops CMD at once instead of after it finishes); returns CMD's exit code.
stack_child() {
  local name="$1" pid rc=0
  shift
  "$@" &
  pid=$!
  STACK_SERVICES+=("$pid")
  echo "$name $pid" >> "$STACK_DIR/pids"
  wait "$pid" || rc=$?
  stack_forget "$pid"
  return "$rc"
}

# stack_name PID: the name PID was recorded under.
stack_name() { grep " $1\$" "$STACK_DIR/pids" | tail -n 1 | cut -d' ' -f1; }

# stack_stop PID...: TERM to each, then waits for all of them, at most 40 s in all, and KILLs what is left; an exit
# code other than 0 or a signal's is printed as a warning (never an error: the rest must still be stopped).
stack_stop() {
  local pid deadline=$((SECONDS + 40))
  for pid in "$@"; do [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; done
  for pid in "$@"; do
    [ -n "$pid" ] || continue
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "warning: pid $pid ($(stack_name "$pid")) did not stop within 40 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
    # Never let a process's exit code end the caller (set -e): say it, and go on stopping the rest. 143 is SIGTERM's
    # default, 137 the KILL above; anything else (a crash in a shutdown handler, say) is worth a look.
    local rc=0
    wait "$pid" 2>/dev/null || rc=$?
    case "$rc" in
      0|143|137|127) ;;
      *) echo "warning: pid $pid ($(stack_name "$pid")) exited with $rc when stopped; see its log" >&2 ;;
    esac
  done
  return 0
}

# stack_kill SIGNAL PID: sends SIGNAL to one recorded process; for KILL and TERM waits until it is gone and forgets it.
stack_kill() {
  local signal="$1" pid="$2"
  kill "-$signal" "$pid" 2>/dev/null || return 0
  case "$signal" in
    KILL|TERM) wait "$pid" 2>/dev/null; stack_forget "$pid" ;;
  esac
  return 0
}

# stack_stop_all: stops the services, then the infrastructure.
stack_stop_all() {
  stack_stop "${STACK_SERVICES[@]}"
  stack_stop "${STACK_INFRA[@]}"
  STACK_SERVICES=() STACK_INFRA=()
}

# stack_alive: prints "NAME PID" for each recorded process (not the script itself) still running.
stack_alive() {
  local name pid
  tail -n +2 "$STACK_DIR/pids" | while read -r name pid; do
    if kill -0 "$pid" 2>/dev/null; then echo "$name $pid"; fi
  done
}

# stack_build SOURCE_ROOT OUT: builds the service, feedbackctl and feedback-dev from SOURCE_ROOT into OUT/service,
# OUT/cli and OUT/dev. No build servers: they would outlive the run (MSBuild nodes, the compiler server).
stack_build() {
  local src="$1" out="$2" project
  for project in service:src/FeedbackRedis.Service cli:src/FeedbackRedis.Cli dev:tools/FeedbackRedis.DevTools; do
    dotnet build "$src/${project#*:}" -c Release --nologo -v quiet -clp:ErrorsOnly --disable-build-servers -o "$out/${project%%:*}"
  done
}

# stack_start_redis NAME PORT DATA_DIR [extra redis-server args]: redis-server with AOF (appendfsync everysec) and
# noeviction on 127.0.0.1:PORT, its files in DATA_DIR, its log DATA_DIR/redis.log; waits until it answers.
stack_start_redis() {
  local name="$1" port="$2" data="$3"
  shift 3
  stack_spawn infra "$name" redis-server --port "$port" --bind 127.0.0.1 --dir "$data" --save '' --appendonly yes \
    --appendfsync everysec --maxmemory-policy noeviction --daemonize no --logfile "$data/redis.log" "$@"
  for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "error: redis-server did not start on port $port:" >&2
  tail -20 "$data/redis.log" >&2
  return 1
}

# stack_start_kafka DEV_DLL LOG TOPIC_SPEC...: the mock Kafka cluster (3 brokers) in a feedback-dev process, with its
# control port on loopback; once it serves, its bootstrap servers are in STACK_BOOTSTRAP and its control port in
# STACK_KAFKA_CONTROL (see stack_kafka_control). (Not printed: a $(...) would start it in a subshell, out of reach.)
stack_start_kafka() {
  local dll="$1" logfile="$2" topic args=()
  shift 2
  for topic in "$@"; do args+=(--topic "$topic"); done
  stack_spawn infra kafka dotnet "$dll" kafka --brokers 3 --control-port 0 "${args[@]}" > "$logfile" 2>&1
  for _ in $(seq 1 300); do grep -q '^control=' "$logfile" && break; sleep 0.1; done
  STACK_BOOTSTRAP=$(sed -n 's/^bootstrap.servers=//p' "$logfile")
  STACK_KAFKA_CONTROL=$(sed -n 's/^control=127\.0\.0\.1://p' "$logfile")
  [ -n "$STACK_BOOTSTRAP" ] && [ -n "$STACK_KAFKA_CONTROL" ] || {
    echo "error: the mock Kafka cluster did not start:" >&2; cat "$logfile" >&2; return 1
  }
}

# stack_kafka_control COMMAND: sends one command to the mock cluster's control port ('down 1', 'down all', 'up all',
# 'status'; see feedback-dev kafka --help) over bash's /dev/tcp, prints the reply; fails when it is not "ok ...".
stack_kafka_control() {
  local fd reply=""
  exec {fd}<>"/dev/tcp/127.0.0.1/$STACK_KAFKA_CONTROL" || { echo "error: the mock Kafka control port does not answer" >&2; return 1; }
  printf '%s\n' "$*" >&"$fd"
  read -r -t 10 reply <&"$fd" || true
  exec {fd}>&-
  echo "$reply"
  case "$reply" in ok*) return 0 ;; *) echo "error: mock Kafka control '$*': ${reply:-no reply}" >&2; return 1 ;; esac
}

# stack_start_role SERVICE_DLL ROLE NAME: one service process (consumer, flusher or all) on a free HTTP port, its log
# STACK_DIR/NAME.log; its PID in STACK_LAST_PID, its port appended to STACK_PORTS. The FEEDBACK_* environment is the
# caller's.
stack_start_role() {
  local dll="$1" role="$2" name="$3" port
  port=$(free_port)
  stack_spawn services "$name" env FEEDBACK_HTTP_PORT="$port" dotnet "$dll" --role "$role" > "$STACK_DIR/$name.log" 2>&1
  STACK_PORTS+=("$port")
}

# stack_wait_ready PORT...: waits (30 s each) until every service answers /healthz/ready.
stack_wait_ready() {
  local port
  for port in "$@"; do
    for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$port/healthz/ready" >/dev/null 2>&1 && break; sleep 0.1; done
    curl -fsS "http://127.0.0.1:$port/healthz/ready" >/dev/null 2>&1 || {
      echo "error: service on port $port not ready:" >&2
      tail -20 "$STACK_DIR"/*.log >&2
      return 1
    }
  done
}

# stack_wait_assigned NAME...: waits (30 s each) until each consumer's log says it holds partitions.
stack_wait_assigned() {
  local name
  for name in "$@"; do
    for _ in $(seq 1 300); do grep -q "Partitions assigned" "$STACK_DIR/$name.log" && break; sleep 0.1; done
  done
}
