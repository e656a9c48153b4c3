#!/usr/bin/env bash
# shellcheck disable=SC2034 # globals set here are read by the other sourced scripts
# Environment of the peer CLI acting as an organisation's admin, and the flags every orderer call needs.
# As in fabric-samples' envVar.sh, but commands run in a subshell (peer_cli) so that nothing leaks into the
# nodes this script starts.

# set_peer_env N — exports what `peer` needs to act as OrgN's admin against peer0.orgN.
set_peer_env() {
  local n=$1
  export FABRIC_CFG_PATH="${FABRIC_CFG_DIR}"
  export CORE_PEER_TLS_ENABLED=true
  export CORE_PEER_LOCALMSPID
  CORE_PEER_LOCALMSPID=$(org_msp "$n")
  export CORE_PEER_TLS_ROOTCERT_FILE
  CORE_PEER_TLS_ROOTCERT_FILE=$(org_tlsca_cert "$n")
  export CORE_PEER_MSPCONFIGPATH
  CORE_PEER_MSPCONFIGPATH=$(org_admin_msp "$n")
  export CORE_PEER_ADDRESS
  CORE_PEER_ADDRESS=$(peer_client_address "$n")
  unset CORE_PEER_TLS_CLIENTAUTHREQUIRED CORE_PEER_TLS_CLIENTCERT_FILE CORE_PEER_TLS_CLIENTKEY_FILE
}

# peer_cli N ARGS... — `peer ARGS` as OrgN's admin (output handled by run).
peer_cli() {
  local n=$1
  shift
  (
    set_peer_env "$n"
    run "$(fabric_tool peer)" "$@"
  )
}

# peer_cli_capture VAR N ARGS... — like peer_cli, keeping stdout in VAR.
peer_cli_capture() {
  local __v=$1 n=$2 __o __s=0
  shift 2
  __o=$(
    local __inner=""
    set_peer_env "$n"
    capture __inner "$(fabric_tool peer)" "$@" || exit $?
    printf '%s' "$__inner"
  ) || __s=$?
  printf -v "$__v" '%s' "$__o"
  return "$__s"
}

# set_orderer_args — ORDERER_ARGS: the -o/--tls flags for peer commands that talk to the ordering service.
set_orderer_args() {
  ORDERER_ARGS=(-o "localhost:$(orderer_port orderer)" --ordererTLSHostnameOverride "$(orderer_fqdn orderer)"
    --tls --cafile "$(orderer_tlsca_cert)")
}

# set_peer_target_args N... — PEER_TARGET_ARGS: --peerAddresses/--tlsRootCertFiles for each org N.
set_peer_target_args() {
  local n
  PEER_TARGET_ARGS=()
  for n in "$@"; do
    PEER_TARGET_ARGS+=(--peerAddresses "$(peer_client_address "$n")" --tlsRootCertFiles "$(org_tlsca_cert "$n")")
  done
}

# osnadmin_cli ORDERER ARGS... — osnadmin against an orderer's admin endpoint with mutual TLS.
osnadmin_cli() {
  local o=$1 node
  shift
  node=$(orderer_node_dir "$o")
  run "$(fabric_tool osnadmin)" "$@" -o "localhost:$(orderer_admin_port "$o")" \
    --ca-file "$(orderer_tlsca_cert)" --client-cert "${node}/tls/server.crt" --client-key "${node}/tls/server.key"
}
