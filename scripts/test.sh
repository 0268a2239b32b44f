#!/usr/bin/env bash
# The whole test suite: install, services check, type-check, lint, then every test on the real
# PostgreSQL and Redis of this machine.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh
bash scripts/ensure-services.sh

echo "== type-check"
npx tsc --noEmit -p .
echo "== lint"
npx eslint --max-warnings 0 .
echo "== tests"
report=$(mktemp)
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' "$report" || true
rm -f "$report"
exit $status
