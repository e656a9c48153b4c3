#!/usr/bin/env bash
# `npm test`: every test of the project, from a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/ensure-deps.sh
source scripts/lib/ensure-deps.sh
ensure_npm_packages
ensure_softhsm
# The linter shellcheck and PyYAML check the real-Fabric network scripts (network/test-network).
ensure_debian_packages shellcheck python3-yaml

echo "==> type-checking and building (tsc -b)"
npx tsc -b
npx tsc --noEmit -p test/tsconfig.json

echo "==> lint (eslint) and formatting (prettier --check)"
npx eslint --max-warnings 0 .
npx prettier --check . >/dev/null

echo "==> chaincode unit tests with coverage"
mkdir -p coverage
npx jest --selectProjects chaincode --coverage --coverageReporters=text-summary --coverageReporters=text \
  --collectCoverageFrom='chaincode/src/**/*.ts' --coverageDirectory=coverage/chaincode \
  --coverageThreshold='{"global":{"lines":90}}' --json --outputFile=coverage/jest-chaincode.json

echo "==> devnet, gateway and end-to-end tests"
npx jest --selectProjects devnet gateway e2e --passWithNoTests --json --outputFile=coverage/jest-rest.json

echo "==> shellcheck of the project's own scripts"
shellcheck -x scripts/*.sh scripts/lib/*.sh .ci/run

echo "==> network/test-network: scripts, generated Fabric configuration, external builder"
bash network/test-network/test/run.sh | tee coverage/test-network.log

# One closing line with the totals of every runner above (each stops the script on a failure).
# shellcheck disable=SC2016 # a JavaScript template literal, not a shell expansion
node -e '
  const fs = require("node:fs");
  const jest = ["coverage/jest-chaincode.json", "coverage/jest-rest.json"].map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
  const last = fs.readFileSync("coverage/test-network.log", "utf8").trim().split("\n").pop();
  const [, p = "0", f = "0"] = /(\d+) passed, (\d+) failed/.exec(last) ?? [];
  const passed = jest.reduce((n, r) => n + r.numPassedTests, 0) + Number(p);
  const failed = jest.reduce((n, r) => n + r.numFailedTests, 0) + Number(f);
  console.log(`\n${passed} passed, ${failed} failed`);
'
