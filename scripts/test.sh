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

echo "==> chaincode unit tests with coverage"
npx jest --selectProjects chaincode --coverage --coverageReporters=text-summary --coverageReporters=text \
  --collectCoverageFrom='chaincode/src/**/*.ts' --coverageDirectory=coverage/chaincode \
  --coverageThreshold='{"global":{"lines":90}}'

echo "==> devnet, gateway and end-to-end tests"
npx jest --selectProjects devnet gateway e2e --passWithNoTests

echo "==> shellcheck of the project's own scripts"
shellcheck -x scripts/*.sh scripts/lib/*.sh .ci/run

echo "==> network/test-network: scripts, generated Fabric configuration, external builder"
bash network/test-network/test/run.sh
