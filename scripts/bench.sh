#!/usr/bin/env bash
# `npm run bench`: performance figures, each beside a baseline measured in the same run. Nothing passes or fails
# on time. `npm run bench -- --quick` runs shorter phases.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/ensure-deps.sh
source scripts/lib/ensure-deps.sh
ensure_npm_packages
ensure_softhsm
npx tsc -b

# Benchmarks run from TypeScript sources through a transpile-only loader (no type checking; tsc -b did that).
loader=./network/devnet/test/devnet/ts-register.js
for bench in devnet hsm rotation api providers signingQueue signingKeys signing shards threshold; do
  printf '\n==> %s\n' "$bench"
  node -r "$loader" "test/bench/$bench.bench.ts" "$@"
done
