#!/usr/bin/env bash
# Writes (default) or checks (--check) every part of the repository made from the settings table,
# src/FeedbackRedis/Configuration/FeedbackSettings.cs: the README configuration table, the settings tables of
# docs/INGESTION.md, docs/FLUSHING.md and docs/SINKS.md, the chart's values.yaml config: block, the config properties
# of values.schema.json and the chart README's table. It runs the tests that compare them
# (SettingsDocumentsTests); with FEEDBACK_SETTINGS_WRITE=1 those rewrite the files instead of failing.
#   scripts/settings-docs.sh            regenerate after changing the table
#   scripts/settings-docs.sh --check    fail if a generated part is out of date (what the test suite does anyway)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
ensure_dotnet

write=1
case "${1:-}" in
  --check) write=0 ;;
  "") ;;
  *) echo "usage: scripts/settings-docs.sh [--check]" >&2; exit 2 ;;
esac

cd "$REPO_ROOT"
log "building the tests"
dotnet build tests/FeedbackRedis.Tests/FeedbackRedis.Tests.csproj -c Release --nologo -v quiet -clp:ErrorsOnly
log "$([ "$write" -eq 1 ] && echo writing || echo checking) the parts made from the settings table"
FEEDBACK_SETTINGS_WRITE="$write" dotnet test tests/FeedbackRedis.Tests/FeedbackRedis.Tests.csproj -c Release --no-build --nologo \
  --filter "FullyQualifiedName~FeedbackRedis.Tests.Configuration.SettingsDocumentsTests" --logger "console;verbosity=normal" \
  | grep -E "Passed|Failed|rewritten|differs|line [0-9]+|file:|table:|Total tests" || true
if [ "$write" -eq 1 ]; then
  git --no-pager diff --stat -- README.md docs charts/feedback-redis
fi
# The run's own verdict (grep above only filters its output).
FEEDBACK_SETTINGS_WRITE=0 dotnet test tests/FeedbackRedis.Tests/FeedbackRedis.Tests.csproj -c Release --no-build --nologo \
  --filter "FullyQualifiedName~FeedbackRedis.Tests.Configuration.SettingsDocumentsTests" -v quiet >/dev/null \
  || { echo "error: generated settings parts are out of date (run scripts/settings-docs.sh)" >&2; exit 1; }
log "settings parts are up to date"
