# Shared helpers for the scripts in scripts/. Source it; it changes nothing by itself.

# The repository root, whatever the caller's working directory.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# ensure_command CMD DEBIAN_PACKAGE...: installs the packages with apt-get when CMD is missing (idempotent).
ensure_command() {
  local cmd="$1"; shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  log "installing $* (for $cmd)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ -z "${FEEDBACK_APT_UPDATED:-}" ]; then
    $sudo apt-get update -qq
    FEEDBACK_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
  command -v "$cmd" >/dev/null 2>&1 || { echo "error: $cmd still missing after installing $*" >&2; return 1; }
}

ensure_dotnet() {
  command -v dotnet >/dev/null 2>&1 || { echo "error: the .NET 10 SDK is required (global.json pins the band); install dotnet-sdk-10.0" >&2; return 1; }
}

# free_port: prints a free TCP port on loopback.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
