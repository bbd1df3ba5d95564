#!/usr/bin/env bash
# Mutation testing of the item owner, the message reader, the classifier and the id validation, with the
# fast tests only (no Kafka; the test project's SetUpFixture still starts one redis-server). Not part of CI: a run
# takes about 15 to 30 minutes on 2 cores. Configuration: tests/FeedbackRedis.Tests/stryker-config.json.
# Installs dotnet-stryker 5.1.0 into .local/tools (gitignored) once; the report lands in
# tests/FeedbackRedis.Tests/StrykerOutput/<date>/reports/ (html, json, and the table on the console).
# Usage: scripts/mutation.sh [extra dotnet-stryker options, e.g. --concurrency 2 or --mutate '**/Items/AgentIds.cs']
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"

ensure_dotnet
ensure_command redis-server redis-server

tools="$REPO_ROOT/.local/tools"
if ! dotnet tool list --tool-path "$tools" 2>/dev/null | grep -Eq '^dotnet-stryker +5\.1\.0 '; then
  log "installing dotnet-stryker 5.1.0 into .local/tools"
  dotnet tool uninstall dotnet-stryker --tool-path "$tools" >/dev/null 2>&1 || true
  dotnet tool install dotnet-stryker --version 5.1.0 --tool-path "$tools"
fi

# Property tests: 2,000 cases instead of 100,000 so each mutant's run stays short, and one fixed seed so two runs of
# the same code give the same score (override either to explore).
export FEEDBACK_TEST_ITERATIONS="${FEEDBACK_TEST_ITERATIONS:-2000}"
export FEEDBACK_TEST_SEED="${FEEDBACK_TEST_SEED:-4rdnoKbmusVhnzPQ}"

cd tests/FeedbackRedis.Tests
log "dotnet-stryker (iterations $FEEDBACK_TEST_ITERATIONS, seed $FEEDBACK_TEST_SEED)"
"$tools/dotnet-stryker" --config-file stryker-config.json --skip-version-check "$@"
