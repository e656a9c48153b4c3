#!/usr/bin/env bash
# shellcheck disable=SC2034 # globals set here are read by the other sourced scripts
# The network's shape in one place: organisations, node names, ports, host names and crypto paths.
# Everything else (configtx, env files, compose variables, connection file, tests) derives from here.
#
# Ports follow fabric-samples' test-network: orderer 7050 (admin 7053, operations 9443), Org1 peer 7051,
# Org2 9051, Org3 11051 (chaincode port = peer port + 1, operations 9444/9445/9446), CAs 7054/8054/11054 and
# 9054 for the orderer org. The extra orderers use 8050, 10050 and 12050 (admin +3, operations x443) so that
# on 127.0.0.1 (binaries mode) nothing collides with the peers' chaincode ports (fabric-samples' BFT compose
# uses 7052/7056/7058, which would clash with peer0.org1's 7052 outside Docker).
#
# Needs: MODE (docker|binaries), BFT (true|false), NET_DIR (where generated material lives).

ORG_NUMS=(1 2 3)
ALL_ORDERER_NAMES=(orderer orderer2 orderer3 orderer4)
ORDERER_DOMAIN=example.com
ORDERER_MSP=OrdererMSP
: "${CCAAS_PORT_BASE:=9990}"
CCAAS_DOCKER_PORT=9999

# Orderers that run for the chosen mode/consensus: Raft = three with Docker, one with binaries; BFT = four.
active_orderers() {
  if [ "${BFT:-false}" = "true" ]; then
    echo "orderer orderer2 orderer3 orderer4"
  elif [ "${MODE:-binaries}" = "docker" ]; then
    echo "orderer orderer2 orderer3"
  else
    echo "orderer"
  fi
}

# configtx profile name for the chosen mode/consensus.
channel_profile() {
  if [ "${BFT:-false}" = "true" ]; then
    echo "KeyLedgerBFT"
  elif [ "${MODE:-binaries}" = "docker" ]; then
    echo "KeyLedgerRaft"
  else
    echo "KeyLedgerRaftSingle"
  fi
}

org_domain() { echo "org$1.example.com"; }
org_msp() { echo "Org$1MSP"; }
peer_name() { echo "peer0.org$1.example.com"; }
peer_port() {
  case "$1" in
    1) echo 7051 ;;
    2) echo 9051 ;;
    3) echo 11051 ;;
    *) return 1 ;;
  esac
}
peer_cc_port() { echo $(($(peer_port "$1") + 1)); }
peer_ops_port() { echo $((9443 + $1)); }
# Host name other Fabric nodes use for a peer (gossip, anchor peers, discovery).
peer_host() {
  if [ "${MODE:-binaries}" = "docker" ]; then peer_name "$1"; else echo 127.0.0.1; fi
}
# Address a client on this machine (peer CLI, the KeyLedger gateway) dials.
peer_client_address() { echo "localhost:$(peer_port "$1")"; }

orderer_index() {
  case "$1" in
    orderer) echo 1 ;;
    orderer2) echo 2 ;;
    orderer3) echo 3 ;;
    orderer4) echo 4 ;;
    *) return 1 ;;
  esac
}
orderer_fqdn() { echo "$1.${ORDERER_DOMAIN}"; }
orderer_port() {
  case "$1" in
    orderer) echo 7050 ;;
    orderer2) echo 8050 ;;
    orderer3) echo 10050 ;;
    orderer4) echo 12050 ;;
    *) return 1 ;;
  esac
}
orderer_admin_port() { echo $(($(orderer_port "$1") + 3)); }
orderer_ops_port() {
  case "$1" in
    orderer) echo 9443 ;;
    orderer2) echo 8443 ;;
    orderer3) echo 10443 ;;
    orderer4) echo 12443 ;;
    *) return 1 ;;
  esac
}
orderer_host() {
  if [ "${MODE:-binaries}" = "docker" ]; then orderer_fqdn "$1"; else echo 127.0.0.1; fi
}

# Fabric CA servers (-ca): name, port, operations port for org N or "orderer".
ca_name() { if [ "$1" = orderer ]; then echo ca-orderer; else echo "ca-org$1"; fi; }
ca_port() {
  case "$1" in
    1) echo 7054 ;;
    2) echo 8054 ;;
    3) echo 11054 ;;
    orderer) echo 9054 ;;
    *) return 1 ;;
  esac
}
ca_ops_port() { echo $(($(ca_port "$1") + 10000)); }

# Chaincode-as-a-service server of org N for chaincode CC: where it listens and how the peer reaches it.
ccaas_port() {
  if [ "${MODE:-binaries}" = "docker" ]; then echo "$CCAAS_DOCKER_PORT"; else echo $((CCAAS_PORT_BASE + $1)); fi
}
ccaas_host() {
  if [ "${MODE:-binaries}" = "docker" ]; then echo "$2-ccaas.$(org_domain "$1")"; else echo 127.0.0.1; fi
}

# Crypto material paths (cryptogen layout; the Fabric CA path produces the same names).
orgs_dir() { echo "${NET_DIR}/organizations"; }
peer_org_dir() { echo "$(orgs_dir)/peerOrganizations/$(org_domain "$1")"; }
orderer_org_dir() { echo "$(orgs_dir)/ordererOrganizations/${ORDERER_DOMAIN}"; }
peer_node_dir() { echo "$(peer_org_dir "$1")/peers/$(peer_name "$1")"; }
orderer_node_dir() { echo "$(orderer_org_dir)/orderers/$(orderer_fqdn "$1")"; }
org_tlsca_cert() { echo "$(peer_org_dir "$1")/tlsca/tlsca.$(org_domain "$1")-cert.pem"; }
orderer_tlsca_cert() { echo "$(orderer_org_dir)/tlsca/tlsca.${ORDERER_DOMAIN}-cert.pem"; }
org_admin_msp() { echo "$(peer_org_dir "$1")/users/Admin@$(org_domain "$1")/msp"; }
org_user_msp() { echo "$(peer_org_dir "$1")/users/User1@$(org_domain "$1")/msp"; }
orderer_admin_msp() { echo "$(orderer_org_dir)/users/Admin@${ORDERER_DOMAIN}/msp"; }

# all_ports — "owner port" lines for every TCP port the chosen network binds on this machine.
all_ports() {
  local n o
  for o in $(active_orderers); do
    echo "$(orderer_fqdn "$o") $(orderer_port "$o")"
    echo "$(orderer_fqdn "$o")/admin $(orderer_admin_port "$o")"
    echo "$(orderer_fqdn "$o")/operations $(orderer_ops_port "$o")"
  done
  for n in "${ORG_NUMS[@]}"; do
    echo "$(peer_name "$n") $(peer_port "$n")"
    echo "$(peer_name "$n")/operations $(peer_ops_port "$n")"
    if [ "${MODE:-binaries}" = "binaries" ]; then
      echo "$(peer_name "$n")/chaincode $(peer_cc_port "$n")"
      echo "ccaas-org$n $(ccaas_port "$n")"
    fi
  done
  if [ "${USE_CA:-false}" = "true" ]; then
    for n in "${ORG_NUMS[@]}" orderer; do
      echo "$(ca_name "$n") $(ca_port "$n")"
      echo "$(ca_name "$n")/operations $(ca_ops_port "$n")"
    done
  fi
}
