#!/usr/bin/env bash
# `npm start`: install what is missing, build, and bring up the stack on the embedded devnet.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/ensure-deps.sh
source scripts/lib/ensure-deps.sh

step() { printf '\n==> [%s] %s\n' "$1" "$2"; }

step 1/4 "npm packages"
ensure_npm_packages
echo "ok"

step 2/4 "SoftHSM 2"
if ensure_softhsm; then echo "ok: $(softhsm2-util --version 2>/dev/null || echo installed)"; fi

step 3/4 "building chaincode, devnet and gateway (tsc -b)"
npx tsc -b
echo "ok"

step 4/4 "starting the stack"
exec node gateway/dist/cli/keyledger.js start "$@"
