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

step 3/4 "compiling TypeScript: chaincode, devnet, gateway (tsc -b) — about a minute the first time, seconds afterwards"
# tsc -b is silent for as long as it compiles. --verbose names each project it compiles: those lines are the
# progress; its up-to-date chatter is dropped; anything else (a compile error) is shown as it is. pipefail
# keeps tsc's exit status.
started=$SECONDS
npx tsc -b --verbose | while IFS= read -r line; do
  case "$line" in
    *"Building project '"*)
      project=${line#*Building project \'}
      project=${project%/tsconfig.json\'*}
      [ "$project" = "$PWD" ] || echo "  compiling ${project#"$PWD"/}…"
      ;;
    "" | *" - Projects in this build:"* | "    * "* | *" - Project '"* | *" - Updating output timestamps"*) ;;
    *) printf '%s\n' "$line" ;;
  esac
done
echo "ok ($((SECONDS - started)) s)"

step 4/4 "starting the stack"
exec node gateway/dist/cli/keyledger.js start "$@"
