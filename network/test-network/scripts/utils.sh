#!/usr/bin/env bash
# Shared helpers: progress output, command running, waiting, templates, JSON, ports.
# Sourced by network.sh and the other scripts; defines functions only.

: "${VERBOSE:=false}"

C_RESET=$'\033[0m'
C_RED=$'\033[0;31m'
C_GREEN=$'\033[0;32m'
C_BLUE=$'\033[0;34m'
C_YELLOW=$'\033[1;33m'
if [ ! -t 1 ] || [ -n "${NO_COLOR:-}" ]; then
  C_RESET='' C_RED='' C_GREEN='' C_BLUE='' C_YELLOW=''
fi

println() { printf '%s\n' "$*"; }
infoln() { printf '%s%s%s\n' "$C_BLUE" "$*" "$C_RESET"; }
successln() { printf '%s%s%s\n' "$C_GREEN" "$*" "$C_RESET"; }
warnln() { printf '%sWARNING: %s%s\n' "$C_YELLOW" "$*" "$C_RESET" >&2; }
errorln() { printf '%sERROR: %s%s\n' "$C_RED" "$*" "$C_RESET" >&2; }
fatalln() {
  errorln "$*"
  exit 1
}

# step "n/m" "what" — a progress header.
step() { printf '\n%s==> [%s] %s%s\n' "$C_BLUE" "$1" "$2" "$C_RESET"; }

# run CMD ARGS... — runs a command, its output going to the CLI log; on failure prints that output and
# returns the command's status. With -verbose the command line and output are shown as they run.
run() {
  local log="${CLI_LOG:-/dev/null}" status=0 out
  if [ "$VERBOSE" = "true" ]; then
    printf '+ %s\n' "$*" >&2
    "$@" 2>&1 | tee -a "$log"
    status=${PIPESTATUS[0]}
  else
    out=$("$@" 2>&1) || status=$?
    printf '+ %s\n%s\n' "$*" "$out" >>"$log" 2>/dev/null || true
    if [ "$status" -ne 0 ]; then
      printf '+ %s\n%s\n' "$*" "$out" >&2
    fi
  fi
  return "$status"
}

# capture VAR CMD ARGS... — like run, but keeps stdout in VAR (stderr goes to the log / screen on failure).
capture() {
  local __var=$1 __status=0 __out __err
  shift
  __err=$(mktemp)
  __out=$("$@" 2>"$__err") || __status=$?
  {
    printf '+ %s\n' "$*"
    cat "$__err"
  } >>"${CLI_LOG:-/dev/null}" 2>/dev/null || true
  if [ "$__status" -ne 0 ] || [ "$VERBOSE" = "true" ]; then
    printf '+ %s\n' "$*" >&2
    cat "$__err" >&2
  fi
  rm -f "$__err"
  printf -v "$__var" '%s' "$__out"
  return "$__status"
}

# wait_until TIMEOUT_SECONDS DESCRIPTION CMD ARGS... — polls CMD every second until it succeeds.
wait_until() {
  local timeout=$1 what=$2 start now
  shift 2
  start=$(date +%s)
  while true; do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    now=$(date +%s)
    if [ $((now - start)) -ge "$timeout" ]; then
      errorln "timed out after ${timeout}s waiting for ${what}"
      return 1
    fi
    sleep 1
  done
}

# abspath PATH — absolute path of an existing file or folder, without readlink -f (macOS).
abspath() {
  if [ -d "$1" ]; then
    (cd "$1" && pwd -P)
  else
    printf '%s/%s\n' "$(cd "$(dirname "$1")" && pwd -P)" "$(basename "$1")"
  fi
}

# relpath FROM_DIR PATH — PATH relative to FROM_DIR when it lies below it, else PATH unchanged.
relpath() {
  local from=${1%/} path=$2
  case "$path" in
    "$from"/*) printf '%s\n' "${path#"$from"/}" ;;
    *) printf '%s\n' "$path" ;;
  esac
}

# json_string VALUE — VALUE as a JSON string literal (quotes, backslashes, control characters escaped).
json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

# render_template IN OUT NAME... — copies IN to OUT replacing each ${NAME} by the value of the shell variable
# NAME. Fails when a listed variable is unset or when any ${...} placeholder is left over.
render_template() {
  local in=$1 out=$2 name value content
  shift 2
  content=$(<"$in")
  for name in "$@"; do
    if ! declare -p "$name" >/dev/null 2>&1; then
      errorln "render_template: variable ${name} is not set (template ${in})"
      return 1
    fi
    value=${!name}
    content=${content//"\${${name}}"/"$value"}
  done
  if [[ "$content" =~ \$\{([A-Za-z0-9_]+)\} ]]; then
    errorln "render_template: ${in} still has \${${BASH_REMATCH[1]}} after rendering"
    return 1
  fi
  mkdir -p "$(dirname "$out")"
  printf '%s\n' "$content" >"$out"
}

# port_in_use PORT — true when something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pid_alive PID
pid_alive() {
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null
}

# pid_command PID — the command line of a process (Linux /proc, else ps).
pid_command() {
  if [ -r "/proc/$1/cmdline" ]; then
    tr '\0' ' ' <"/proc/$1/cmdline"
  else
    ps -p "$1" -o command= 2>/dev/null
  fi
}

# version_ge A B — true when dotted version A >= B (numeric parts only).
version_ge() {
  local IFS=. i
  local -a a b
  read -r -a a <<<"$1"
  read -r -a b <<<"$2"
  for i in 0 1 2; do
    if [ "${a[i]:-0}" -gt "${b[i]:-0}" ]; then return 0; fi
    if [ "${a[i]:-0}" -lt "${b[i]:-0}" ]; then return 1; fi
  done
  return 0
}

# first_file DIR — the first regular file in DIR (sorted), or nothing.
first_file() {
  local f
  for f in "$1"/*; do
    if [ -f "$f" ]; then
      printf '%s\n' "$f"
      return 0
    fi
  done
  return 1
}

# sha256_file FILE — hex SHA-256 of FILE.
sha256_file() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  else
    openssl dgst -sha256 -r "$1" | cut -d' ' -f1
  fi
}

# openssl_conf FILE SAN — an openssl config with the extension sections the scripts sign with: v3_ca (a CA),
# server (TLS server, subjectAltName SAN) and client (TLS client). Used for the chaincode servers' CA
# (ccaas.sh) and the operations client CA (operations.sh).
openssl_conf() {
  cat >"$1" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $2
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
EOF
}
