# Sourced by the scripts: installs npm packages when node_modules is missing or older than package-lock.json.
# shellcheck shell=bash
ensure_npm_packages() {
  local stamp=node_modules/.keyledger-lock-sha256
  local want
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> installing npm packages (npm ci)"
    npm ci --no-audit --no-fund
    echo "$want" > "$stamp"
  fi
}

# SoftHSM 2 (Debian package softhsm2) backs every HSM operation; install it when missing.
ensure_softhsm() {
  if [ -e /usr/lib/softhsm/libsofthsm2.so ] && command -v softhsm2-util >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing SoftHSM 2 (apt-get install softhsm2)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq softhsm2 >/dev/null
  else
    echo "SoftHSM 2 is missing. Install it with:  sudo apt-get update && sudo apt-get install -y softhsm2" >&2
    return 1
  fi
}
