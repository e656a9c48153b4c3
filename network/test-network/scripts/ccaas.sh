#!/usr/bin/env bash
# Chaincode as a service: per-organisation TLS material for the chaincode servers (openssl), the ccaas
# package each organisation installs (its connection.json names that organisation's server), and the
# chaincode servers themselves (`fabric-chaincode-node server`): local processes in binaries mode, containers
# in Docker mode. Each server's settings are kept in generated/ccaas/ so that `network.sh up` restarts them
# with the network.

ccaas_dir() { echo "$(orgs_dir)/ccaas/$1"; }
ccaas_conf() { echo "$(gen_dir)/ccaas/$1-org$2.env"; }
ccaas_proc() { echo "ccaas-$1-org$2"; }

# ccaas_tls CC — CA, server certificate per org (SANs: 127.0.0.1, localhost, the container name) and the
# client certificate each org's peer presents (mutual TLS). Kept across redeploys.
ccaas_tls() {
  local cc=$1 dir n odir cnf serial
  command -v openssl >/dev/null 2>&1 || fatalln "openssl is needed to make the chaincode servers' TLS certificates"
  dir=$(ccaas_dir "$cc")
  mkdir -p "$dir"
  cnf="${dir}/openssl.cnf"
  if [ ! -s "${dir}/ca.crt" ]; then
    openssl_conf "$cnf" "IP:127.0.0.1"
    run openssl ecparam -name prime256v1 -genkey -noout -out "${dir}/ca.key"
    run openssl req -new -x509 -key "${dir}/ca.key" -sha256 -days 3650 -config "$cnf" -extensions v3_ca \
      -subj "/O=KeyLedger/CN=${cc} chaincode TLS CA" -out "${dir}/ca.crt"
  fi
  for n in "${ORG_NUMS[@]}"; do
    odir="${dir}/org${n}"
    [ -s "${odir}/server.crt" ] && [ -s "${odir}/client.crt" ] && continue
    mkdir -p "$odir"
    openssl_conf "$cnf" "IP:127.0.0.1,DNS:localhost,DNS:${cc}-ccaas.$(org_domain "$n")"
    serial="0x$(date +%s)${n}1"
    run openssl ecparam -name prime256v1 -genkey -noout -out "${odir}/server.key"
    run openssl req -new -key "${odir}/server.key" -config "$cnf" \
      -subj "/O=$(org_msp "$n")/CN=${cc}-ccaas.$(org_domain "$n")" -out "${odir}/server.csr"
    run openssl x509 -req -in "${odir}/server.csr" -CA "${dir}/ca.crt" -CAkey "${dir}/ca.key" -set_serial "$serial" \
      -days 825 -sha256 -extfile "$cnf" -extensions server -out "${odir}/server.crt"
    serial="0x$(date +%s)${n}2"
    run openssl ecparam -name prime256v1 -genkey -noout -out "${odir}/client.key"
    run openssl req -new -key "${odir}/client.key" -config "$cnf" \
      -subj "/O=$(org_msp "$n")/CN=$(peer_name "$n")" -out "${odir}/client.csr"
    run openssl x509 -req -in "${odir}/client.csr" -CA "${dir}/ca.crt" -CAkey "${dir}/ca.key" -set_serial "$serial" \
      -days 825 -sha256 -extfile "$cnf" -extensions client -out "${odir}/client.crt"
    cp "${dir}/ca.crt" "${odir}/ca.crt"
    rm -f "${odir}/server.csr" "${odir}/client.csr"
  done
}

# ccaas_package CC N LABEL OUT — a ccaas chaincode package for org N: metadata.json + code.tar.gz holding
# connection.json (the peer dials that org's chaincode server with mutual TLS).
ccaas_package() {
  local cc=$1 n=$2 label=$3 out=$4 work odir address
  odir="$(ccaas_dir "$cc")/org${n}"
  address="$(ccaas_host "$n" "$cc"):$(ccaas_port "$n")"
  work=$(mktemp -d)
  {
    echo "{"
    echo "  \"address\": $(json_string "$address"),"
    echo "  \"dial_timeout\": \"10s\","
    echo "  \"tls_required\": true,"
    echo "  \"client_auth_required\": true,"
    echo "  \"root_cert\": $(json_string "$(cat "${odir}/ca.crt")"),"
    echo "  \"client_key\": $(json_string "$(cat "${odir}/client.key")"),"
    echo "  \"client_cert\": $(json_string "$(cat "${odir}/client.crt")")"
    echo "}"
  } >"${work}/connection.json"
  printf '{"type":"ccaas","label":%s}\n' "$(json_string "$label")" >"${work}/metadata.json"
  tar -C "$work" -czf "${work}/code.tar.gz" connection.json
  mkdir -p "$(dirname "$out")"
  tar -C "$work" -czf "$out" metadata.json code.tar.gz
  rm -rf "$work"
}

# find_node_root DIR — nearest folder at or above DIR whose node_modules has fabric-shim.
find_node_root() {
  local d
  d=$(abspath "$1")
  while [ "$d" != "/" ]; do
    if [ -f "${d}/node_modules/fabric-shim/cli.js" ]; then
      echo "$d"
      return 0
    fi
    d=$(dirname "$d")
  done
  return 1
}

# ccaas_write_conf CC N PACKAGE_ID — what it takes to (re)start org N's chaincode server.
ccaas_write_conf() {
  local cc=$1 n=$2 id=$3 conf
  conf=$(ccaas_conf "$cc" "$n")
  mkdir -p "$(dirname "$conf")"
  {
    echo "CCAAS_NAME=${cc}"
    echo "CCAAS_ORG=${n}"
    echo "CCAAS_PACKAGE_ID=${id}"
    echo "CCAAS_SRC=${CC_SRC_PATH}"
    echo "CCAAS_NODE_ROOT=${CC_NODE_ROOT}"
    echo "CCAAS_PORT=$(ccaas_port "$n")"
  } >"$conf"
}

# ccaas_start_binaries CONF — org's chaincode server as a local node process on 127.0.0.1.
ccaas_start_binaries() {
  local conf=$1 CCAAS_NAME CCAAS_ORG CCAAS_PACKAGE_ID CCAAS_SRC CCAAS_NODE_ROOT CCAAS_PORT tls node_bin
  # shellcheck disable=SC1090
  . "$conf"
  tls="$(ccaas_dir "$CCAAS_NAME")/org${CCAAS_ORG}"
  node_bin=$(command -v node) || fatalln "node is needed to run the chaincode server"
  start_process "$(ccaas_proc "$CCAAS_NAME" "$CCAAS_ORG")" "$CCAAS_SRC" "" \
    "$node_bin" "${CCAAS_NODE_ROOT}/node_modules/fabric-shim/cli.js" server \
    --chaincode-address "127.0.0.1:${CCAAS_PORT}" --chaincode-id "$CCAAS_PACKAGE_ID" \
    --chaincode-tls-cert-file "${tls}/server.crt" --chaincode-tls-key-file "${tls}/server.key" \
    --chaincode-tls-client-cacert-file "${tls}/ca.crt" --module-path "$CCAAS_SRC"
  wait_until 30 "chaincode server $(ccaas_proc "$CCAAS_NAME" "$CCAAS_ORG") on 127.0.0.1:${CCAAS_PORT}" \
    port_in_use "$CCAAS_PORT" || {
    show_log_tail "$(ccaas_proc "$CCAAS_NAME" "$CCAAS_ORG")"
    exit 1
  }
}

# ccaas_compose_env CC — generated/ccaas/CC.compose.env for compose/compose-ccaas.yaml (all orgs).
ccaas_compose_env() {
  local cc=$1 n file CCAAS_NAME CCAAS_ORG CCAAS_PACKAGE_ID CCAAS_SRC CCAAS_NODE_ROOT CCAAS_PORT
  file="$(gen_dir)/ccaas/${cc}.compose.env"
  {
    cat "$(gen_dir)/compose.env"
    echo "CC_NAME=${cc}"
    echo "CCAAS_TLS_DIR=$(ccaas_dir "$cc")"
    echo "NODE_IMAGE_TAG=${NODE_IMAGE_TAG}"
    for n in "${ORG_NUMS[@]}"; do
      # shellcheck disable=SC1090
      . "$(ccaas_conf "$cc" "$n")"
      echo "CC_ID_ORG${n}=${CCAAS_PACKAGE_ID}"
    done
    echo "CC_APP_ROOT=${CCAAS_NODE_ROOT}"
    echo "CC_WORKDIR=$(relpath "$CCAAS_NODE_ROOT" "$CCAAS_SRC")"
  } >"$file"
  echo "$file"
}

ccaas_compose() {
  local cc=$1 envf
  shift
  envf="$(gen_dir)/ccaas/${cc}.compose.env"
  run docker compose --env-file "$envf" -p "${COMPOSE_PROJECT}-cc-${cc}" -f "${NET_ROOT}/compose/compose-ccaas.yaml" "$@"
}

# ccaas_start CC — starts (or restarts) every org's chaincode server for chaincode CC.
ccaas_start() {
  local cc=$1 n
  if [ "$MODE" = "docker" ]; then
    ccaas_compose_env "$cc" >/dev/null
    ccaas_compose "$cc" up -d --force-recreate || fatalln "could not start the ${cc} chaincode containers"
  else
    for n in "${ORG_NUMS[@]}"; do
      stop_process "$(ccaas_proc "$cc" "$n")"
      ccaas_start_binaries "$(ccaas_conf "$cc" "$n")"
    done
  fi
}

# ccaas_restart_all — on `up` of an existing network: every chaincode server deployed before.
ccaas_restart_all() {
  local conf cc seen=" "
  for conf in "$(gen_dir)"/ccaas/*-org1.env; do
    [ -f "$conf" ] || continue
    cc=$(sed -n 's/^CCAAS_NAME=//p' "$conf")
    case "$seen" in *" $cc "*) continue ;; esac
    seen="${seen}${cc} "
    infoln "restarting chaincode servers of ${cc}"
    if [ "$MODE" = "docker" ]; then
      ccaas_compose "$cc" up -d || warnln "could not restart the ${cc} chaincode containers"
    else
      ccaas_start "$cc"
    fi
  done
}

# ccaas_stop_all_docker — removes every chaincode-server compose project (docker down).
ccaas_stop_all_docker() {
  local f cc
  for f in "$(gen_dir)"/ccaas/*.compose.env; do
    [ -f "$f" ] || continue
    cc=$(sed -n 's/^CC_NAME=//p' "$f")
    ccaas_compose "$cc" "$@" || true
  done
}
