#!/usr/bin/env bash
# Creates a project-owned SoftHSM configuration and one token per node (default: 3 validators, 2 front-ends).
# usage: scripts/softhsm-init.sh [--dir DIR] [--token LABEL]...
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/ensure-deps.sh
source scripts/lib/ensure-deps.sh
ensure_npm_packages
ensure_softhsm
npx tsc -b gateway
exec node gateway/dist/cli/keyledger.js hsm init "$@"
