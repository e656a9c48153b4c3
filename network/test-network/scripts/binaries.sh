#!/usr/bin/env bash
# shellcheck disable=SC2034 # globals set here are read by the other sourced scripts
# Fabric binaries on this machine: finding them and their config folder, checking versions, and running
# orderers, peers, CAs and chaincode servers as local processes whose pids are recorded under run/.
# `down`/`stop` end only the processes recorded there, after checking that each pid still runs the command
# that was started (a recycled pid is left alone).

# find_fabric_bin — sets FABRIC_BIN_DIR from FABRIC_BIN, PATH, or ./fabric/bin (install-fabric.sh run here).
find_fabric_bin() {
  local peer_path
  FABRIC_BIN_DIR=""
  if [ -n "${FABRIC_BIN:-}" ]; then
    [ -x "${FABRIC_BIN}/peer" ] || fatalln "FABRIC_BIN=${FABRIC_BIN} has no peer binary"
    FABRIC_BIN_DIR=$(abspath "$FABRIC_BIN")
  elif peer_path=$(command -v peer 2>/dev/null) && [ -n "$peer_path" ]; then
    FABRIC_BIN_DIR=$(abspath "$(dirname "$peer_path")")
  elif [ -x "${NET_ROOT}/fabric/bin/peer" ]; then
    FABRIC_BIN_DIR="${NET_ROOT}/fabric/bin"
  fi
  [ -n "$FABRIC_BIN_DIR" ]
}

# fabric_tool NAME — absolute path of a Fabric binary (FABRIC_BIN_DIR first, then PATH).
fabric_tool() {
  if [ -n "${FABRIC_BIN_DIR:-}" ] && [ -x "${FABRIC_BIN_DIR}/$1" ]; then
    echo "${FABRIC_BIN_DIR}/$1"
  else
    command -v "$1" 2>/dev/null
  fi
}

# require_tools NAME... — fails with install instructions when a binary is missing.
require_tools() {
  local t missing=()
  for t in "$@"; do
    fabric_tool "$t" >/dev/null || missing+=("$t")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    errorln "missing Fabric binaries: ${missing[*]}"
    println "Install them with Fabric's install script (see network/test-network/README.md), e.g.:"
    println "  mkdir -p ${NET_ROOT}/fabric && cd ${NET_ROOT}/fabric"
    println "  curl -sSLO https://raw.githubusercontent.com/hyperledger/fabric/main/scripts/install-fabric.sh"
    println "  bash install-fabric.sh --fabric-version ${FABRIC_VERSION} --ca-version ${FABRIC_CA_VERSION} binary"
    println "then put its bin/ on PATH or set FABRIC_BIN=${NET_ROOT}/fabric/bin."
    exit 1
  fi
}

# find_fabric_cfg — sets FABRIC_CFG_DIR: the folder with the binaries' own core.yaml and orderer.yaml.
find_fabric_cfg() {
  local c
  FABRIC_CFG_DIR=""
  for c in "${FABRIC_CFG_PATH:-}" "${FABRIC_BIN_DIR:+${FABRIC_BIN_DIR}/../config}" "${NET_ROOT}/fabric/config"; do
    if [ -n "$c" ] && [ -f "$c/core.yaml" ] && [ -f "$c/orderer.yaml" ]; then
      FABRIC_CFG_DIR=$(abspath "$c")
      return 0
    fi
  done
  fatalln "cannot find the Fabric config folder (core.yaml, orderer.yaml) that comes with the binaries; set FABRIC_CFG_PATH to it (install-fabric.sh puts it in config/ next to bin/)"
}

# tool_version NAME — "2.5.10" from `NAME version`.
tool_version() {
  local out
  out=$("$(fabric_tool "$1")" version 2>/dev/null) || return 1
  printf '%s\n' "$out" | sed -n 's/^[[:space:]]*Version:[[:space:]]*v\{0,1\}\([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -n 1
}

# check_binaries_version — Fabric >= 2.4 (channel participation without system channel, external builders
# by env var, calculatepackageid); >= 3.0 for BFT.
check_binaries_version() {
  local v
  v=$(tool_version peer) || fatalln "cannot run $(fabric_tool peer) version"
  [ -n "$v" ] || fatalln "cannot read the version of $(fabric_tool peer)"
  FABRIC_BIN_VERSION=$v
  if ! version_ge "$v" 2.4.0; then
    fatalln "Fabric binaries ${v} found in ${FABRIC_BIN_DIR}; KeyLedger needs Fabric 2.4 or later"
  fi
  if [ "${BFT:-false}" = "true" ] && ! version_ge "$v" 3.0.0; then
    fatalln "-bft needs Fabric 3.x binaries (SmartBFT); found ${v} in ${FABRIC_BIN_DIR}"
  fi
  infoln "Fabric binaries ${v} from ${FABRIC_BIN_DIR:-PATH}"
}

# load_env_file FILE — exports each KEY=VALUE line literally (no shell evaluation); skips comments.
load_env_file() {
  local line key
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      '' | '#'*) continue ;;
    esac
    key=${line%%=*}
    [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    export "${key}=${line#*=}"
  done <"$1"
}

run_dir() { echo "${NET_DIR}/run"; }
log_dir() { echo "${NET_DIR}/logs"; }

# start_process NAME WORKDIR ENV_FILE[,ENV_FILE...] CMD ARGS... — starts CMD in the background with the env
# files loaded, output to logs/NAME.log, pid and command name to run/NAME.pid.
start_process() {
  local name=$1 workdir=$2 envs=$3 pidfile pid f
  shift 3
  pidfile="$(run_dir)/${name}.pid"
  mkdir -p "$(run_dir)" "$(log_dir)"
  if process_running "$name"; then
    infoln "${name} already running (pid $(cut -d' ' -f1 "$pidfile"))"
    return 0
  fi
  (
    cd "$workdir" || exit 1
    # Nothing from the caller's shell (e.g. a fabric-samples envVar.sh session) may leak into the node.
    for f in $(compgen -e); do
      case "$f" in
        CORE_* | ORDERER_* | FABRIC_CA_* | FABRIC_CFG_PATH | FABRIC_LOGGING_SPEC | CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG) unset "$f" ;;
      esac
    done
    IFS=,
    for f in $envs; do
      [ -n "$f" ] && load_env_file "$f"
    done
    unset IFS
    exec nohup "$@" >>"$(log_dir)/${name}.log" 2>&1 </dev/null
  ) &
  pid=$!
  printf '%s %s\n' "$pid" "$(basename "$1")" >"$pidfile"
  println "started ${name} (pid ${pid}, log $(relpath "$NET_DIR" "$(log_dir)/${name}.log"))"
}

# recorded_pid NAME — the pid in run/NAME.pid, or nothing.
recorded_pid() {
  [ -f "$(run_dir)/$1.pid" ] && cut -d' ' -f1 "$(run_dir)/$1.pid"
}

# process_running NAME — true when run/NAME.pid names a live process still running the recorded command.
process_running() {
  local pidfile pid cmd
  pidfile="$(run_dir)/$1.pid"
  [ -f "$pidfile" ] || return 1
  read -r pid cmd <"$pidfile" || return 1
  pid_alive "$pid" || return 1
  case "$(pid_command "$pid")" in
    *"$cmd"*) return 0 ;;
    *) return 1 ;;
  esac
}

# stop_process NAME — TERM, then KILL after 15 s, the process recorded in run/NAME.pid; removes the pid file.
stop_process() {
  local name=$1 pidfile pid cmd
  pidfile="$(run_dir)/${name}.pid"
  [ -f "$pidfile" ] || return 0
  read -r pid cmd <"$pidfile" || true
  if process_running "$name"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do
      pid_alive "$pid" || break
      sleep 0.5
    done
    if pid_alive "$pid"; then
      warnln "${name} (pid ${pid}) did not stop in 15s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    println "stopped ${name} (pid ${pid})"
  elif [ -n "${pid:-}" ]; then
    println "${name} was not running (stale pid ${pid}, ${cmd:-?})"
  fi
  rm -f "$pidfile"
}

# stop_all_processes — every process recorded under run/, chaincode servers first, orderers last.
stop_all_processes() {
  local f name
  [ -d "$(run_dir)" ] || return 0
  for f in "$(run_dir)"/ccaas-*.pid "$(run_dir)"/peer*.pid "$(run_dir)"/ca-*.pid "$(run_dir)"/orderer*.pid; do
    [ -f "$f" ] || continue
    name=$(basename "$f" .pid)
    stop_process "$name"
  done
}

# show_log_tail NAME — last lines of logs/NAME.log, to explain a failure.
show_log_tail() {
  local log
  log="$(log_dir)/$1.log"
  if [ -f "$log" ]; then
    errorln "last lines of ${log}:"
    tail -n 25 "$log" >&2
  fi
}

# node_healthy PORT CAFILE — /healthz (open to any client, see operations.sh) is OK, or fails only for the
# docker check (a peer in binaries mode keeps core.yaml's vm.endpoint, which an environment variable cannot
# unset; CCaaS does not use Docker).
node_healthy() {
  local body all docker
  body=$(ops_health "$1" "$2") || return 1
  case "$body" in
    *'"status":"OK"'*) return 0 ;;
  esac
  all=$(printf '%s' "$body" | grep -o '"component":"[^"]*"' | wc -l)
  docker=$(printf '%s' "$body" | grep -o '"component":"docker"' | wc -l)
  [ "$all" -gt 0 ] && [ "$all" -eq "$docker" ]
}

# wait_node NAME OPS_PORT CAFILE LISTEN_PORT — waits until a started node answers (or its process died).
wait_node() {
  local name=$1 ops=$2 ca=$3 listen=$4 start now problem
  start=$(date +%s)
  while true; do
    # The pid itself, not process_running: right after the fork the command line is still the script's.
    if [ "${MODE}" = "binaries" ] && ! pid_alive "$(recorded_pid "$name")"; then
      show_log_tail "$name"
      fatalln "${name} exited during start-up"
    fi
    if port_in_use "$listen"; then
      if ! have_curl; then
        println "${name} is up"
        return 0
      fi
      if node_healthy "$ops" "$ca"; then
        # The readiness waits (Raft/BFT leader, gossip) read /metrics: a node that does not let the operations
        # client in is reported now, by name, rather than as a leader or gossip time-out later.
        if problem=$(ops_access_problem "$ops" "$ca"); then fatalln "${name}: ${problem}"; fi
        println "${name} is up"
        return 0
      fi
    fi
    now=$(date +%s)
    if [ $((now - start)) -ge "${NODE_START_TIMEOUT:-90}" ]; then
      [ "${MODE}" = "binaries" ] && show_log_tail "$name"
      fatalln "${name} did not become healthy in ${NODE_START_TIMEOUT:-90}s"
    fi
    sleep 1
  done
}

have_curl() { command -v curl >/dev/null 2>&1; }

# start_orderers_binaries / start_peers_binaries — one process per node on 127.0.0.1.
start_orderers_binaries() {
  local o fqdn
  for o in $(active_orderers); do
    fqdn=$(orderer_fqdn "$o")
    mkdir -p "${NET_DIR}/data/${fqdn}"
    start_process "$fqdn" "${NET_DIR}" "${NET_ROOT}/config/orderer.env,$(gen_dir)/env/${fqdn}.env,$(gen_dir)/env/fabric-cfg.env" \
      "$(fabric_tool orderer)"
  done
  for o in $(active_orderers); do
    wait_node "$(orderer_fqdn "$o")" "$(orderer_ops_port "$o")" "$(orderer_node_dir "$o")/tls/ca.crt" "$(orderer_port "$o")"
  done
}

start_peers_binaries() {
  local n name
  for n in "${ORG_NUMS[@]}"; do
    name=$(peer_name "$n")
    mkdir -p "${NET_DIR}/data/${name}"
    start_process "$name" "${NET_DIR}" "${NET_ROOT}/config/peer.env,$(gen_dir)/env/${name}.env,$(gen_dir)/env/fabric-cfg.env" \
      "$(fabric_tool peer)" node start
  done
  for n in "${ORG_NUMS[@]}"; do
    wait_node "$(peer_name "$n")" "$(peer_ops_port "$n")" "$(peer_node_dir "$n")/tls/ca.crt" "$(peer_port "$n")"
  done
}

# gen_fabric_cfg_env — generated/env/fabric-cfg.env: FABRIC_CFG_PATH for the nodes (the binaries' config).
gen_fabric_cfg_env() {
  mkdir -p "$(gen_dir)/env"
  {
    echo "# The Fabric release's own config folder (core.yaml, orderer.yaml); everything else is overridden."
    echo "FABRIC_CFG_PATH=${FABRIC_CFG_DIR}"
  } >"$(gen_dir)/env/fabric-cfg.env"
}
