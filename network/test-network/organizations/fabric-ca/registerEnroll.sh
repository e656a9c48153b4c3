#!/usr/bin/env bash
# Crypto material from Fabric CA servers (network.sh up -ca), in the same folder layout and file names as
# cryptogen, so that everything downstream (configtx, env files, compose, connection file) is identical.
#
# One CA per organisation acts as both its identity CA and its TLS CA (as in fabric-samples). For each peer
# organisation: enroll the CA bootstrap admin (the org MSP), register peer0 (type peer), user1 (client) and
# orgNadmin (admin), enroll peer0's MSP and TLS certificate (SANs: host name, localhost, 127.0.0.1), user1 and
# the admin; NodeOUs config.yaml in every MSP. The orderer organisation registers orderer..orderer4 (type
# orderer) and ordererAdmin. Sourced by network.sh (needs utils.sh, topology.sh, binaries.sh).

ca_home() { if [ "$1" = orderer ]; then echo "$(orgs_dir)/fabric-ca/orderer"; else echo "$(orgs_dir)/fabric-ca/org$1"; fi; }
ca_tls_root() { echo "$(ca_home "$1")/ca-cert.pem"; }

# ca_client ORG ARGS... — fabric-ca-client against ORG's CA (N or "orderer") with its TLS root.
ca_client() {
  local org=$1
  shift
  run "$(fabric_tool fabric-ca-client)" "$@" --caname "$(ca_name "$org")" --tls.certfiles "$(ca_tls_root "$org")"
}

ca_url() { echo "https://$2@localhost:$(ca_port "$1")"; }

# ca_register ORG NAME SECRET TYPE — registers an identity; an identity already registered is fine (rerun).
ca_register() {
  local org=$1 out status=0
  out=$("$(fabric_tool fabric-ca-client)" register --caname "$(ca_name "$org")" --id.name "$2" --id.secret "$3" \
    --id.type "$4" --tls.certfiles "$(ca_tls_root "$org")" 2>&1) || status=$?
  printf '+ fabric-ca-client register %s (%s)\n%s\n' "$2" "$4" "$out" >>"${CLI_LOG:-/dev/null}" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    case "$out" in
      *"already registered"*) return 0 ;;
    esac
    printf '%s\n' "$out" >&2
    return "$status"
  fi
}

# write_node_ous MSP_DIR — NodeOUs config.yaml pointing at the MSP's CA certificate.
write_node_ous() {
  local msp=$1 cacert ou
  cacert=$(basename "$(first_file "${msp}/cacerts")") || fatalln "no CA certificate in ${msp}/cacerts"
  {
    echo "NodeOUs:"
    echo "  Enable: true"
    for ou in client peer admin orderer; do
      case "$ou" in
        client) echo "  ClientOUIdentifier:" ;;
        peer) echo "  PeerOUIdentifier:" ;;
        admin) echo "  AdminOUIdentifier:" ;;
        orderer) echo "  OrdererOUIdentifier:" ;;
      esac
      echo "    Certificate: cacerts/${cacert}"
      echo "    OrganizationalUnitIdentifier: ${ou}"
    done
  } >"${msp}/config.yaml"
}

# normalise_msp MSP_DIR ID — cryptogen file names: signcerts/ID-cert.pem and keystore/priv_sk.
normalise_msp() {
  local msp=$1 id=$2 cert key
  cert=$(first_file "${msp}/signcerts") || fatalln "no certificate in ${msp}/signcerts"
  [ "$cert" = "${msp}/signcerts/${id}-cert.pem" ] || mv "$cert" "${msp}/signcerts/${id}-cert.pem"
  key=$(first_file "${msp}/keystore") || fatalln "no key in ${msp}/keystore"
  [ "$key" = "${msp}/keystore/priv_sk" ] || mv "$key" "${msp}/keystore/priv_sk"
  write_node_ous "$msp"
}

# enroll_node ORG NAME SECRET HOST NODE_DIR — MSP and TLS material of a peer or orderer.
enroll_node() {
  local org=$1 name=$2 secret=$3 host=$4 dir=$5 tls
  ca_client "$org" enroll -u "$(ca_url "$org" "${name}:${secret}")" -M "${dir}/msp" \
    --csr.hosts "$host" --csr.hosts localhost --csr.hosts 127.0.0.1
  normalise_msp "${dir}/msp" "$host"
  tls="${dir}/tls"
  ca_client "$org" enroll -u "$(ca_url "$org" "${name}:${secret}")" -M "$tls" --enrollment.profile tls \
    --csr.hosts "$host" --csr.hosts localhost --csr.hosts 127.0.0.1
  cp "$(first_file "${tls}/tlscacerts")" "${tls}/ca.crt"
  cp "$(first_file "${tls}/signcerts")" "${tls}/server.crt"
  cp "$(first_file "${tls}/keystore")" "${tls}/server.key"
  mkdir -p "${dir}/msp/tlscacerts"
  cp "${tls}/ca.crt" "${dir}/msp/tlscacerts/$(basename "$(first_file "${tls}/tlscacerts")")"
}

# enroll_user ORG NAME SECRET ID MSP_DIR
enroll_user() {
  ca_client "$1" enroll -u "$(ca_url "$1" "$2:$3")" -M "$5"
  normalise_msp "$5" "$4"
}

# org_msp_from_ca ORG_DIR DOMAIN — org-level MSP plus the tlsca/ and ca/ copies cryptogen also makes.
org_msp_from_ca() {
  local dir=$1 domain=$2 cacert
  cacert=$(first_file "${dir}/msp/cacerts")
  mkdir -p "${dir}/msp/tlscacerts" "${dir}/tlsca" "${dir}/ca"
  cp "$cacert" "${dir}/msp/tlscacerts/tlsca.${domain}-cert.pem"
  cp "$cacert" "${dir}/tlsca/tlsca.${domain}-cert.pem"
  cp "$cacert" "${dir}/ca/ca.${domain}-cert.pem"
  write_node_ous "${dir}/msp"
}

create_peer_org_ca() {
  local n=$1 dir domain
  dir=$(peer_org_dir "$n")
  domain=$(org_domain "$n")
  infoln "Enrolling Org${n} identities with $(ca_name "$n")"
  mkdir -p "$dir"
  export FABRIC_CA_CLIENT_HOME="$dir"
  ca_client "$n" enroll -u "$(ca_url "$n" admin:adminpw)"
  org_msp_from_ca "$dir" "$domain"
  ca_register "$n" peer0 peer0pw peer
  ca_register "$n" user1 user1pw client
  ca_register "$n" "org${n}admin" "org${n}adminpw" admin
  enroll_node "$n" peer0 peer0pw "$(peer_name "$n")" "$(peer_node_dir "$n")"
  enroll_user "$n" user1 user1pw "User1@${domain}" "$(org_user_msp "$n")"
  enroll_user "$n" "org${n}admin" "org${n}adminpw" "Admin@${domain}" "$(org_admin_msp "$n")"
}

create_orderer_org_ca() {
  local dir o
  dir=$(orderer_org_dir)
  infoln "Enrolling orderer identities with $(ca_name orderer)"
  mkdir -p "$dir"
  export FABRIC_CA_CLIENT_HOME="$dir"
  ca_client orderer enroll -u "$(ca_url orderer admin:adminpw)"
  org_msp_from_ca "$dir" "$ORDERER_DOMAIN"
  for o in "${ALL_ORDERER_NAMES[@]}"; do
    ca_register orderer "$o" "${o}pw" orderer
    enroll_node orderer "$o" "${o}pw" "$(orderer_fqdn "$o")" "$(orderer_node_dir "$o")"
  done
  ca_register orderer ordererAdmin ordererAdminpw admin
  enroll_user orderer ordererAdmin ordererAdminpw "Admin@${ORDERER_DOMAIN}" "$(orderer_admin_msp)"
}

# start_cas_binaries — fabric-ca-server processes on 127.0.0.1 with TLS (their own config defaults).
start_cas_binaries() {
  local org home
  for org in "${ORG_NUMS[@]}" orderer; do
    home=$(ca_home "$org")
    mkdir -p "$home"
    {
      echo "# fabric-ca-server overrides for $(ca_name "$org"). Generated by network.sh."
      echo "FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS=127.0.0.1:$(ca_ops_port "$org")"
    } >"$(gen_dir)/env/$(ca_name "$org").env"
    start_process "$(ca_name "$org")" "$home" "$(gen_dir)/env/$(ca_name "$org").env" \
      "$(fabric_tool fabric-ca-server)" start -b admin:adminpw --home "$home" --address 127.0.0.1 \
      --port "$(ca_port "$org")" --tls.enabled --ca.name "$(ca_name "$org")" \
      --csr.cn "$(ca_name "$org")" --csr.hosts localhost --csr.hosts 127.0.0.1
  done
}

# wait_cas — each CA has written its certificate and answers getcainfo.
wait_cas() {
  local org
  for org in "${ORG_NUMS[@]}" orderer; do
    wait_until 60 "$(ca_name "$org") to write $(ca_tls_root "$org")" test -s "$(ca_tls_root "$org")" ||
      { show_log_tail "$(ca_name "$org")"; exit 1; }
    wait_until 60 "$(ca_name "$org") on port $(ca_port "$org")" "$(fabric_tool fabric-ca-client)" getcainfo \
      -u "https://localhost:$(ca_port "$org")" --caname "$(ca_name "$org")" --tls.certfiles "$(ca_tls_root "$org")" \
      -H "$(ca_home "$org")/client" || { show_log_tail "$(ca_name "$org")"; exit 1; }
  done
}

create_orgs_with_ca() {
  local n
  wait_cas
  for n in "${ORG_NUMS[@]}"; do create_peer_org_ca "$n"; done
  create_orderer_org_ca
}
