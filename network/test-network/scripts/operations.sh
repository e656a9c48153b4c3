#!/usr/bin/env bash
# The peers' and orderers' operations endpoints (/healthz, /version, /metrics, /logspec) and who may read them.
#
# Fabric (2.4, 2.5, 3.x: core/operations/system.go, core/middleware/require_cert.go) serves /metrics and
# /logspec over TLS only to a client whose certificate verifies against the node's operations client root CAs
# (core.yaml operations.tls.clientRootCAs.files, orderer.yaml Operations.TLS.ClientRootCAs); any other request
# gets 401 Unauthorized, even with clientAuthRequired false. /healthz and /version stay open unless
# clientAuthRequired is true. With clientAuthRequired false the TLS layer verifies a certificate only if one is
# presented (tls.VerifyClientCertIfGiven): a certificate from a CA the node does not trust fails the handshake.
#
# Which CA: a dedicated operations client CA made here with openssl, not an organisation's TLS CA. Fabric's
# operations guide asks for "a separate and dedicated CA" for these endpoints, and for good reason: trusting an
# org's TLS CA would let every TLS certificate that CA ever issued — each peer, orderer, admin, user and client
# application — read the metrics and change the node's log level (PUT /logspec); and each org's nodes would
# trust a different CA, so a scraper would need one identity per org. With a dedicated CA, whoever holds a
# certificate from it is a monitoring client and nothing else, and one identity reads every node.
# The whole test network has one such CA because one operator runs all its nodes; on a real network each
# organisation would keep its own for its own nodes.
#
#   organizations/operations/ca/ca.crt, ca.key          the operations client CA (its key is never mounted)
#   organizations/operations/client/client.crt, .key    the client identity network.sh's waits present (point a
#                                                       Prometheus scraper at the same pair)
#
# In Docker the nodes see the CA certificate (alone, read-only) at /var/hyperledger/operations/ca.crt
# (compose/compose-net.yaml, compose-bft.yaml).
#
# The endpoints' server certificates stay the nodes' own TLS certificates, so a client checks a node with the
# org TLS CA it already knows (peerOrganizations/<org>/peers/<peer>/tls/ca.crt).

ops_dir() { echo "$(orgs_dir)/operations"; }
ops_ca_cert() { echo "$(ops_dir)/ca/ca.crt"; }
ops_client_cert() { echo "$(ops_dir)/client/client.crt"; }
ops_client_key() { echo "$(ops_dir)/client/client.key"; }

# ops_tls — the operations client CA and client certificate, made once and kept (a running node trusts the CA
# it was started with).
ops_tls() {
  local dir cnf
  command -v openssl >/dev/null 2>&1 || fatalln "openssl is needed to make the operations client certificates"
  dir=$(ops_dir)
  if [ -s "$(ops_ca_cert)" ] && [ -s "$(ops_client_cert)" ] && [ -s "$(ops_client_key)" ]; then return 0; fi
  mkdir -p "${dir}/ca" "${dir}/client"
  cnf="${dir}/openssl.cnf"
  openssl_conf "$cnf" "DNS:localhost"
  if [ ! -s "$(ops_ca_cert)" ]; then
    run openssl ecparam -name prime256v1 -genkey -noout -out "${dir}/ca/ca.key"
    chmod 600 "${dir}/ca/ca.key"
    run openssl req -new -x509 -key "${dir}/ca/ca.key" -sha256 -days 3650 -config "$cnf" -extensions v3_ca \
      -subj "/O=KeyLedger/OU=operations/CN=KeyLedger operations client CA" -out "$(ops_ca_cert)"
  fi
  # clientAuth extended key usage: Go's TLS server verifies client certificates for that usage.
  run openssl ecparam -name prime256v1 -genkey -noout -out "$(ops_client_key)"
  chmod 600 "$(ops_client_key)"
  run openssl req -new -key "$(ops_client_key)" -config "$cnf" \
    -subj "/O=KeyLedger/OU=operations/CN=keyledger-network-sh" -out "${dir}/client/client.csr"
  run openssl x509 -req -in "${dir}/client/client.csr" -CA "$(ops_ca_cert)" -CAkey "${dir}/ca/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 825 -sha256 -extfile "$cnf" -extensions client -out "$(ops_client_cert)"
  cp "$(ops_ca_cert)" "${dir}/client/ca.crt"
  rm -f "${dir}/client/client.csr" "$cnf"
}

# ops_have_client — the operations client certificate exists. A network made before it existed has none: the
# waits then ask without one, the node answers 401, and ops_access_problem says what to do.
ops_have_client() { [ -s "$(ops_client_cert)" ] && [ -s "$(ops_client_key)" ]; }

# ops_health PORT CAFILE — GET /healthz on 127.0.0.1:PORT (TLS, the node's certificate checked with CAFILE), with
# no client certificate: Fabric serves /healthz to anyone, as a liveness probe sees it, so "the node is up" is
# told apart from "the node trusts our client CA" (checked next by ops_access_problem).
ops_health() {
  curl -sS --max-time 5 --cacert "$2" "https://127.0.0.1:$1/healthz" 2>/dev/null
}

# ops_curl PORT CAFILE PATH CURL_ARGS... — curl of https://127.0.0.1:PORT/PATH presenting the operations client
# certificate (when there is one).
ops_curl() {
  local port=$1 ca=$2 path=$3
  local -a client=()
  shift 3
  if ops_have_client; then client=(--cert "$(ops_client_cert)" --key "$(ops_client_key)"); fi
  curl -sS --max-time 5 --cacert "$ca" ${client[@]+"${client[@]}"} "$@" "https://127.0.0.1:${port}/${path}" 2>/dev/null
}

# ops_get PORT CAFILE PATH — body of GET PATH with the operations client certificate; fails unless the node
# answers 2xx (a 401's body is empty and would otherwise read as "no such metric yet").
ops_get() { ops_curl "$1" "$2" "$3" -f; }

# ops_access_problem PORT CAFILE — prints why /metrics is not readable with the operations client certificate
# and succeeds; fails, printing nothing, when it is readable.
ops_access_problem() {
  local code
  if ! ops_have_client; then
    echo "no operations client certificate ($(relpath "$NET_DIR" "$(ops_client_cert)")) to read port $1's /metrics with: run ./network.sh stop, then ./network.sh up"
    return 0
  fi
  code=$(ops_curl "$1" "$2" metrics -o /dev/null -w '%{http_code}') || true
  case "$code" in
    200) return 1 ;;
    401) echo "port $1 answers /metrics with 401 Unauthorized: it verified no client certificate" ;;
    404) echo "port $1 has no /metrics: the node's metrics provider is not prometheus" ;;
    000 | '') echo "port $1 refused the operations client certificate in the TLS handshake: the node does not trust $(relpath "$NET_DIR" "$(ops_ca_cert)") (CORE_OPERATIONS_TLS_CLIENTROOTCAS_FILES / ORDERER_OPERATIONS_TLS_CLIENTROOTCAS); nodes started before it existed need ./network.sh stop, then ./network.sh up" ;;
    *) echo "port $1 answers /metrics with HTTP ${code}" ;;
  esac
  return 0
}
