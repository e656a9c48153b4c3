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

# Installs the Debian packages not yet installed (as root with apt), or prints the command to run.
ensure_debian_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing ${missing[*]} (apt-get)"
    if [ -z "${KEYLEDGER_APT_UPDATED:-}" ]; then
      apt-get update -qq
      export KEYLEDGER_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Missing packages. Install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
}

# SoftHSM 2 (Debian package softhsm2) backs every HSM operation.
ensure_softhsm() {
  ensure_debian_packages softhsm2
}
