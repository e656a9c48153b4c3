#!/usr/bin/env bash
#
# KeyLedger on Hyperledger Fabric: three peer organisations (Org1MSP, Org2MSP, Org3MSP; one peer each) and an
# orderer organisation, channel `keyledger`, chaincode `keyledger` — with Docker (official images) or with
# the Fabric binaries on this machine (processes on 127.0.0.1). Commands and flags follow fabric-samples'
# test-network:
#
#   ./network.sh up createChannel deployCC            # then, from the repository root: npm start -- --network fabric
#   ./network.sh down
#
# Run ./network.sh -h for everything else; README.md explains the setup.
set -euo pipefail

NET_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd "${NET_ROOT}/../.." && pwd -P)

# Pinned versions: Fabric 2.5 LTS by default, Fabric 3 for BFT (SmartBFT). Override with the environment.
: "${FABRIC_VERSION:=2.5.15}"
: "${FABRIC_BFT_VERSION:=3.1.1}"
: "${FABRIC_CA_VERSION:=1.5.15}"
: "${FABRIC_NODEENV_IMAGE_TAG:=2.5}"
: "${NODE_IMAGE_TAG:=20-alpine}"
: "${COMPOSE_PROJECT:=keyledger}"
: "${DOCKER_NETWORK:=keyledger_fabric}"

# shellcheck source=scripts/utils.sh
. "${NET_ROOT}/scripts/utils.sh"
# shellcheck source=scripts/topology.sh
. "${NET_ROOT}/scripts/topology.sh"
# shellcheck source=scripts/generate.sh
. "${NET_ROOT}/scripts/generate.sh"
# shellcheck source=scripts/operations.sh
. "${NET_ROOT}/scripts/operations.sh"
# shellcheck source=scripts/binaries.sh
. "${NET_ROOT}/scripts/binaries.sh"
# shellcheck source=scripts/docker.sh
. "${NET_ROOT}/scripts/docker.sh"
# shellcheck source=scripts/envVar.sh
. "${NET_ROOT}/scripts/envVar.sh"
# shellcheck source=scripts/createChannel.sh
. "${NET_ROOT}/scripts/createChannel.sh"
# shellcheck source=scripts/ccaas.sh
. "${NET_ROOT}/scripts/ccaas.sh"
# shellcheck source=scripts/deployCC.sh
. "${NET_ROOT}/scripts/deployCC.sh"
# shellcheck source=organizations/fabric-ca/registerEnroll.sh
. "${NET_ROOT}/organizations/fabric-ca/registerEnroll.sh"

print_help() {
  cat <<EOF
Usage:
  network.sh <command>... [flags]

Commands (several may follow each other, e.g. "up createChannel deployCC"):
  up             generate crypto material and start orderers and peers (restarts a stopped network,
                 with its chaincode servers)
  createChannel  create channel '${CHANNEL_NAME}' with osnadmin, join every peer, wait for the orderer leader
                 and gossip, write connection.json
  deployCC       build, package, install, approve (every org) and commit the chaincode; start its servers
  stop           stop every node and chaincode server started by this script; keep all data
  down           stop everything started by this script and remove all generated material and ledgers
  connection     (re)write connection.json
  cli-env <N>    shell exports for the peer CLI as OrgN's admin: eval "\$(./network.sh cli-env 1)"
  status         what runs, and the channel's height on each peer
  generate       write crypto (cryptogen), configtx.yaml, env files, compose variables and connection.json
                 without starting anything
  help           this text

Flags:
  --mode <docker|binaries>  Docker images or local Fabric binaries (default: the mode the network was created
                 with; else binaries when peer and orderer are found (PATH or FABRIC_BIN), else docker)
  -c <channel>   channel name (default: keyledger)
  -ca            Fabric CA servers instead of cryptogen
  -bft           BFT ordering with four orderers (Fabric 3 SmartBFT) instead of Raft
  -ccn <name>    chaincode name (default: keyledger)
  -ccp <path>    chaincode folder (default: ../../chaincode)
  -ccv <version> chaincode version (default: 1.0)
  -ccs <n|auto>  chaincode definition sequence (default: auto = committed sequence + 1)
  -ccep <policy> endorsement policy, e.g. "OR('Org1MSP.peer','Org2MSP.peer')" (default: channel's MAJORITY)
  -cccg <file>   private data collections config
  -cctype <ccaas|node>  chaincode as a service (default) or a node package built by the peer (Docker only)
  -ccl <lang>    chaincode language: typescript, javascript or node (all the same Node packaging)
  --dir <path>   where generated material, ledgers, logs and pids go (default: this folder)
  -verbose       trace every command and show its output
  -h, --help     this text

Environment: FABRIC_BIN (folder with peer, orderer, ...), FABRIC_CFG_PATH (the release's config folder),
  FABRIC_VERSION (${FABRIC_VERSION}), FABRIC_BFT_VERSION (${FABRIC_BFT_VERSION}), FABRIC_CA_VERSION (${FABRIC_CA_VERSION}),
  BATCH_TIMEOUT (2s), CCAAS_PORT_BASE (${CCAAS_PORT_BASE}: binaries-mode chaincode servers listen on base+N).

Examples:
  ./network.sh up createChannel deployCC
  ./network.sh up createChannel deployCC --mode docker -ca
  ./network.sh up createChannel -bft --mode docker && ./network.sh deployCC
  ./network.sh deployCC -ccv 1.1            # upgrade: next sequence, new chaincode servers
  ./network.sh down
EOF
}

# ---------------------------------------------------------------------------------------------- state

state_file() { echo "${NET_DIR}/network.state"; }

state_get() {
  [ -f "$(state_file)" ] || return 0
  sed -n "s/^$1=//p" "$(state_file)" | tail -n 1
}

state_set() {
  local f tmp
  f=$(state_file)
  mkdir -p "$(dirname "$f")"
  tmp="${f}.tmp.$$"
  if [ -f "$f" ]; then grep -v "^$1=" "$f" >"$tmp" || true; else : >"$tmp"; fi
  echo "$1=$2" >>"$tmp"
  mv "$tmp" "$f"
}

crypto_exists() {
  [ -d "$(peer_org_dir 1)/peers" ] && [ -d "$(orderer_org_dir)/orderers" ]
}

# ---------------------------------------------------------------------------------------------- setup

# choose_mode — explicit flag > recorded state > KEYLEDGER_FABRIC_MODE > binaries if found > docker.
choose_mode() {
  local recorded
  recorded=$(state_get MODE)
  if [ -n "$MODE" ]; then
    if [ -n "$recorded" ] && [ "$recorded" != "$MODE" ] && [ "$COMMANDS" != "down" ]; then
      fatalln "this network was created with --mode ${recorded}; run ./network.sh down first to switch to --mode ${MODE}"
    fi
  elif [ -n "$recorded" ]; then
    MODE=$recorded
  elif [ -n "${KEYLEDGER_FABRIC_MODE:-}" ]; then
    MODE=$KEYLEDGER_FABRIC_MODE
  elif find_fabric_bin && [ -n "$(fabric_tool orderer)" ]; then
    MODE=binaries
  elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    MODE=docker
  else
    MODE=binaries
  fi
  case "$MODE" in
    docker | binaries) ;;
    *) fatalln "--mode must be docker or binaries (got '${MODE}')" ;;
  esac
}

# apply_recorded — BFT/CA choices of an existing network win over defaults; conflicting flags are errors.
apply_recorded() {
  local r
  r=$(state_get BFT)
  if [ -n "$r" ]; then
    if [ "$BFT_FLAG" = "true" ] && [ "$r" != "true" ]; then fatalln "this network runs Raft; run ./network.sh down before -bft"; fi
    BFT=$r
  fi
  r=$(state_get USE_CA)
  if [ -n "$r" ]; then
    if [ "$CA_FLAG" = "true" ] && [ "$r" != "true" ]; then fatalln "this network uses cryptogen material; run ./network.sh down before -ca"; fi
    USE_CA=$r
  fi
  r=$(state_get CHANNEL_NAME)
  if [ -n "$r" ] && [ "$CHANNEL_FLAG" = "false" ]; then CHANNEL_NAME=$r; fi
  if [ "$BFT" = "true" ]; then
    FABRIC_IMAGE_TAG=${FABRIC_IMAGE_TAG:-$FABRIC_BFT_VERSION}
  else
    FABRIC_IMAGE_TAG=${FABRIC_IMAGE_TAG:-$FABRIC_VERSION}
  fi
  FABRIC_CA_IMAGE_TAG=${FABRIC_CA_IMAGE_TAG:-$FABRIC_CA_VERSION}
}

# setup_tools — binaries this command needs, their config folder, their version.
setup_tools() {
  local -a needed=(peer configtxgen osnadmin)
  find_fabric_bin || true
  if [ "$MODE" = "binaries" ]; then needed+=(orderer); fi
  if [ "$USE_CA" = "true" ]; then
    needed+=(fabric-ca-client)
    if [ "$MODE" = "binaries" ]; then needed+=(fabric-ca-server); fi
  else
    needed+=(cryptogen)
  fi
  require_tools "${needed[@]}"
  find_fabric_cfg
  check_binaries_version
  if [ "$MODE" = "docker" ] && [ "$FABRIC_BIN_VERSION" != "$FABRIC_IMAGE_TAG" ]; then
    warnln "CLI binaries are ${FABRIC_BIN_VERSION}, images are ${FABRIC_IMAGE_TAG}; a different minor version may not work"
  fi
  gen_fabric_cfg_env
}

# check_ports_free — every port of the chosen topology is free (the devnet also uses 7051 by default).
check_ports_free() {
  local owner port busy=()
  while read -r owner port; do
    if port_in_use "$port"; then busy+=("${port} (${owner})"); fi
  done < <(all_ports)
  if [ "${#busy[@]}" -gt 0 ]; then
    errorln "ports already in use: ${busy[*]}"
    println "Is the KeyLedger devnet (npm start, port 7051) or another Fabric network running? Stop it first."
    exit 1
  fi
}

any_node_running() {
  local f
  if [ "$MODE" = "docker" ]; then
    [ -n "$(docker ps -q --filter "label=com.docker.compose.project=${COMPOSE_PROJECT}" 2>/dev/null)" ]
  else
    for f in "$(run_dir)"/*.pid; do
      [ -f "$f" ] && process_running "$(basename "$f" .pid)" && return 0
    done
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------- commands

create_crypto_cryptogen() {
  local f
  for f in orderer org1 org2 org3; do
    run "$(fabric_tool cryptogen)" generate --config="${NET_ROOT}/organizations/cryptogen/crypto-config-${f}.yaml" \
      --output="$(orgs_dir)" || fatalln "cryptogen failed for crypto-config-${f}.yaml"
  done
}

create_crypto() {
  if [ "$USE_CA" = "true" ]; then
    if [ "$MODE" = "docker" ]; then start_cas_docker; else start_cas_binaries; fi
    create_orgs_with_ca
  else
    create_crypto_cryptogen
  fi
  ops_tls
  println "crypto material in $(relpath "$NET_ROOT" "$(orgs_dir)")"
}

generate_configs() {
  gen_configtx
  if [ "$MODE" = "binaries" ]; then gen_node_envs; fi
  gen_compose_env
  println "configuration in $(relpath "$NET_ROOT" "$(gen_dir)")"
}

net_up() {
  local restart=false
  if crypto_exists && [ -f "$(state_file)" ]; then restart=true; fi
  step "1/4" "checks (--mode ${MODE}, $(if [ "$BFT" = true ]; then echo "BFT, 4 orderers"; else echo "Raft, $(active_orderers | wc -w | tr -d ' ') orderer(s)"; fi), $(if [ "$USE_CA" = true ]; then echo "Fabric CA"; else echo cryptogen; fi))"
  setup_tools
  [ "$MODE" = "docker" ] && require_docker
  if any_node_running; then
    infoln "some nodes are already running; starting the missing ones"
  else
    check_ports_free
  fi
  state_set MODE "$MODE"
  state_set BFT "$BFT"
  state_set USE_CA "$USE_CA"
  state_set CHANNEL_NAME "$CHANNEL_NAME"

  step "2/4" "crypto material"
  if [ "$restart" = true ]; then
    println "reusing $(relpath "$NET_ROOT" "$(orgs_dir)")"
    ops_tls # a network made before the operations client CA existed gets one now
    if [ "$USE_CA" = "true" ]; then
      if [ "$MODE" = "docker" ]; then start_cas_docker; else start_cas_binaries; fi
    fi
  else
    create_crypto
  fi

  step "3/4" "configuration"
  generate_configs

  step "4/4" "starting orderers and peers"
  if [ "$MODE" = "docker" ]; then start_network_docker; else
    start_orderers_binaries
    start_peers_binaries
  fi

  if [ "$restart" = true ]; then
    ccaas_restart_all
    if [ "$(state_get CHANNEL_CREATED)" = "true" ]; then
      wait_orderer_leader
      wait_gossip
      write_connection_file "${NET_DIR}/connection.json"
    fi
  fi
  successln "Fabric network is up (${MODE}): orderers $(active_orderers | tr ' ' ','); peers on $(for n in "${ORG_NUMS[@]}"; do printf '%s ' "$(peer_client_address "$n")"; done)"
}

net_stop() {
  if [ "$MODE" = "docker" ]; then
    require_docker
    stop_network_docker
  else
    stop_all_processes
  fi
  successln "stopped; ./network.sh up starts the same network again"
}

# remove_generated — everything network.sh wrote (never the shipped files of this folder).
remove_generated() {
  local d
  for d in "$(orgs_dir)/peerOrganizations" "$(orgs_dir)/ordererOrganizations" "$(orgs_dir)/ccaas" "$(ops_dir)" \
    "$(orgs_dir)/fabric-ca/org1" "$(orgs_dir)/fabric-ca/org2" "$(orgs_dir)/fabric-ca/org3" "$(orgs_dir)/fabric-ca/orderer" \
    "${NET_DIR}/channel-artifacts" "$(gen_dir)" "${NET_DIR}/data" "$(log_dir)" "$(run_dir)"; do
    [ -e "$d" ] || continue
    if ! rm -rf "$d" 2>/dev/null && [ "$MODE" = "docker" ] && command -v docker >/dev/null 2>&1; then
      # Files the CA containers wrote as root in a bind mount.
      docker run --rm -v "$(dirname "$d"):/data" --entrypoint sh "hyperledger/fabric-ca:${FABRIC_CA_IMAGE_TAG}" \
        -c "rm -rf '/data/$(basename "$d")'" >/dev/null 2>&1 || true
    fi
    [ -e "$d" ] && warnln "could not remove ${d}"
  done
  rm -f "${NET_DIR}/connection.json" "$(state_file)"
}

net_down() {
  if [ "$MODE" = "docker" ]; then
    if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
      compose_files
      down_network_docker
    else
      warnln "no Docker engine answers: containers (if any) were not removed"
    fi
  fi
  stop_all_processes
  remove_generated
  successln "network removed (generated material, ledgers, logs and connection.json)"
}

net_status() {
  local n out
  println "mode: ${MODE}; consensus: $(if [ "$BFT" = true ]; then echo BFT; else echo Raft; fi); channel: ${CHANNEL_NAME} (created: $(state_get CHANNEL_CREATED))"
  if [ "$MODE" = "docker" ]; then
    require_docker
    compose_net ps || true
  else
    for f in "$(run_dir)"/*.pid; do
      [ -f "$f" ] || continue
      if process_running "$(basename "$f" .pid)"; then
        println "running: $(basename "$f" .pid) (pid $(cut -d' ' -f1 "$f"))"
      else
        println "stopped: $(basename "$f" .pid)"
      fi
    done
  fi
  if [ "$(state_get CHANNEL_CREATED)" = "true" ]; then
    setup_tools >/dev/null
    for n in "${ORG_NUMS[@]}"; do
      if peer_cli_capture out "$n" channel getinfo -c "$CHANNEL_NAME" 2>/dev/null; then
        println "$(peer_name "$n"): ${out#Blockchain info: }"
      else
        println "$(peer_name "$n"): not answering"
      fi
    done
  fi
}

net_generate() {
  find_fabric_bin || true
  if ! crypto_exists; then
    if fabric_tool cryptogen >/dev/null; then
      [ "$USE_CA" = "true" ] && warnln "generate uses cryptogen; Fabric CA material is made by ./network.sh up -ca"
      create_crypto_cryptogen
    else
      warnln "cryptogen not found: configuration written without crypto material"
    fi
  fi
  ops_tls
  state_set MODE "$MODE"
  state_set BFT "$BFT"
  state_set USE_CA "$USE_CA"
  state_set CHANNEL_NAME "$CHANNEL_NAME"
  generate_configs
  if crypto_exists; then
    write_connection_file "${NET_DIR}/connection.json"
    println "connection file: $(relpath "$NET_ROOT" "${NET_DIR}/connection.json")"
  fi
}

# print_cli_env N — shell exports for the peer CLI as OrgN's admin (eval "$(./network.sh cli-env N)").
print_cli_env() {
  local v
  crypto_exists || fatalln "no crypto material yet: run ./network.sh up first"
  setup_tools >&2
  set_peer_env "$1"
  for v in FABRIC_CFG_PATH CORE_PEER_TLS_ENABLED CORE_PEER_LOCALMSPID CORE_PEER_TLS_ROOTCERT_FILE CORE_PEER_MSPCONFIGPATH CORE_PEER_ADDRESS; do
    printf 'export %s=%q\n' "$v" "${!v}"
  done
  printf 'export ORDERER_CA=%q\n' "$(orderer_tlsca_cert)"
  # shellcheck disable=SC2016 # $PATH and $ORDERER_CA are for the shell that evals this
  if [ -n "${FABRIC_BIN_DIR:-}" ]; then printf 'export PATH=%q:"$PATH"\n' "$FABRIC_BIN_DIR"; fi
  # shellcheck disable=SC2016
  printf '# peer ... -o localhost:%s --ordererTLSHostnameOverride %s --tls --cafile "$ORDERER_CA"\n' "$(orderer_port orderer)" "$(orderer_fqdn orderer)"
}

# ---------------------------------------------------------------------------------------------- arguments

MODE=""
COMMANDS=""
CHANNEL_NAME=keyledger
CHANNEL_FLAG=false
BFT=false
BFT_FLAG=false
USE_CA=false
CA_FLAG=false
CC_NAME=keyledger
CC_SRC_PATH="${REPO_ROOT}/chaincode"
CC_VERSION=1.0
CC_SEQUENCE=auto
CC_END_POLICY=""
CC_COLL_CONFIG=""
CC_TYPE=ccaas
NET_DIR=""
CLI_ENV_ORG=1

need_value() {
  if [ "$#" -lt 2 ] || [ -z "$2" ]; then fatalln "flag $1 needs a value"; fi
}

while [ "$#" -gt 0 ]; do
  case "$1" in
    up | down | stop | createChannel | deployCC | deployCCAAS | connection | status | generate | restart)
      COMMANDS="${COMMANDS:+${COMMANDS} }$1"
      ;;
    cli-env)
      [[ "${2:-}" =~ ^[123]$ ]] || fatalln "cli-env needs an organisation number (1, 2 or 3)"
      COMMANDS="${COMMANDS:+${COMMANDS} }cli-env"
      CLI_ENV_ORG=$2
      shift
      ;;
    help | -h | --help)
      print_help
      exit 0
      ;;
    --mode | -mode)
      need_value "$@"
      MODE=$2
      shift
      ;;
    --mode=*) MODE=${1#--mode=} ;;
    -c)
      need_value "$@"
      CHANNEL_NAME=$2
      CHANNEL_FLAG=true
      shift
      ;;
    -ca) USE_CA=true CA_FLAG=true ;;
    -bft) BFT=true BFT_FLAG=true ;;
    -ccn)
      need_value "$@"
      CC_NAME=$2
      shift
      ;;
    -ccp)
      need_value "$@"
      [ -d "$2" ] || fatalln "-ccp $2: no such folder"
      CC_SRC_PATH=$(abspath "$2")
      shift
      ;;
    -ccv)
      need_value "$@"
      CC_VERSION=$2
      shift
      ;;
    -ccs)
      need_value "$@"
      CC_SEQUENCE=$2
      shift
      ;;
    -ccep)
      need_value "$@"
      CC_END_POLICY=$2
      shift
      ;;
    -cccg)
      need_value "$@"
      [ -f "$2" ] || fatalln "-cccg $2: no such file"
      CC_COLL_CONFIG=$(abspath "$2")
      shift
      ;;
    -cctype)
      need_value "$@"
      CC_TYPE=$2
      shift
      ;;
    -ccl)
      need_value "$@"
      case "$2" in
        typescript | javascript | node) ;;
        *) fatalln "-ccl $2: KeyLedger's chaincode is Node (typescript/javascript)" ;;
      esac
      shift
      ;;
    --dir)
      need_value "$@"
      mkdir -p "$2"
      NET_DIR=$(abspath "$2")
      shift
      ;;
    -verbose | --verbose) VERBOSE=true ;;
    -s | -r | -d | -i | -cai)
      need_value "$@"
      warnln "flag $1 is not used by the KeyLedger network (ignored)"
      shift
      ;;
    *)
      errorln "unknown argument: $1"
      print_help
      exit 1
      ;;
  esac
  shift
done

[ -n "$COMMANDS" ] || {
  print_help
  exit 0
}
case "$CC_TYPE" in
  ccaas | node) ;;
  *) fatalln "-cctype must be ccaas or node (got '${CC_TYPE}')" ;;
esac
[[ "$CHANNEL_NAME" =~ ^[a-z][a-z0-9.-]*$ ]] || fatalln "invalid channel name '${CHANNEL_NAME}' (lower case letters, digits, . and -)"
[[ "$CC_NAME" =~ ^[A-Za-z0-9][A-Za-z0-9_.+-]*$ ]] || fatalln "invalid chaincode name '${CC_NAME}'"

NET_DIR=${NET_DIR:-$NET_ROOT}
mkdir -p "${NET_DIR}/logs"
CLI_LOG="${NET_DIR}/logs/cli.log"
if [ "$VERBOSE" = "true" ]; then
  export PS4='+ ${BASH_SOURCE[0]##*/}:${LINENO}: '
  set -x
fi

choose_mode
apply_recorded

for command in $COMMANDS; do
  case "$command" in
    up) net_up ;;
    restart)
      net_stop
      net_up
      ;;
    createChannel)
      setup_tools
      create_channel
      ;;
    deployCC | deployCCAAS)
      setup_tools
      [ "$MODE" = "docker" ] && require_docker
      deploy_cc
      ;;
    stop) net_stop ;;
    down) net_down ;;
    connection)
      crypto_exists || fatalln "no crypto material yet: run ./network.sh up first"
      write_connection_file "${NET_DIR}/connection.json"
      println "$(relpath "$NET_ROOT" "${NET_DIR}/connection.json")"
      ;;
    status) net_status ;;
    generate) net_generate ;;
    cli-env) print_cli_env "$CLI_ENV_ORG" ;;
  esac
done

if [ -f "${NET_DIR}/connection.json" ] && [[ " $COMMANDS " == *" deployCC "* || " $COMMANDS " == *" createChannel "* ]]; then
  println ""
  println "KeyLedger can now run against this network, from the repository root:"
  println "  npm start -- --network fabric"
  println "(or KEYLEDGER_CONNECTION=$(relpath "$REPO_ROOT" "${NET_DIR}/connection.json") npm start)"
fi
