#!/usr/bin/env bash
# `npm start`: install what is missing, build, and bring up the stack on the embedded devnet.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/ensure-deps.sh
source scripts/lib/ensure-deps.sh

step() { printf '\n==> [%s] %s\n' "$1" "$2"; }

step 1/3 "npm packages"
ensure_npm_packages
echo "ok"

step 2/3 "SoftHSM 2"
if ensure_softhsm; then echo "ok: $(softhsm2-util --version 2>/dev/null || echo installed)"; fi

step 3/3 "building chaincode, devnet and gateway (tsc -b)"
npx tsc -b
echo "ok"

if [ -f network/devnet/dist/cli.js ]; then
  exec node scripts/start-stack.js "$@"
fi

cat <<'MSG'

Built. What cannot start yet:
  - the embedded devnet (network/devnet) is not built into this checkout yet, so there is no ledger to deploy
    the chaincode to and no REST API to start;
  - the chaincode package is built and deployable on its own: chaincode/dist (fabric-chaincode-node start).
Run `npm test` to run every test.
MSG
