#!/usr/bin/env bash
# shellcheck disable=SC2030,SC2031 # tests set variables inside subshells on purpose
# Tests of network/test-network that run without Fabric or Docker:
#   - every shell script passes shellcheck (bash scripts, and the POSIX sh external builder as sh);
#   - no port collides in any mode/consensus/CA combination;
#   - `network.sh generate` for binaries/docker x Raft/BFT writes a configtx.yaml, env files or compose
#     variables and a connection file that are valid and consistent (test/check_config.py), with the real
#     cryptogen when it is on PATH, else a stand-in that makes the same layout with openssl (test/fakes);
#   - the checks catch broken material (mutations);
#   - the connection file passes the gateway's own schema (gateway/src/fabric/config.ts);
#   - the ccaas external builder's detect/build/release on a package made by the deploy code;
#   - the chaincode servers' TLS material (and, when the chaincode is built, a real chaincode server's
#     mutual-TLS handshake);
#   - the operations endpoints' client authentication (stand-ins that guard /metrics as Fabric does) and the
#     readiness waits with and without the operations client certificate;
#   - command-line handling.
# Prints PASS/FAIL/SKIP per test and a final "N passed, M failed[, K skipped]"; exits 1 if any failed.
set -euo pipefail

TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
NET_ROOT=$(cd "${TEST_DIR}/.." && pwd -P)
REPO_ROOT=$(cd "${NET_ROOT}/../.." && pwd -P)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/keyledger-test-network.XXXXXX")
CHILD_PIDS=()
cleanup() {
  local p f
  # Nodes and chaincode servers the stand-in tests started, if they stopped half-way.
  for f in "${WORK}"/*/run/*.pid; do
    [ -f "$f" ] || continue
    p=$(cut -d' ' -f1 "$f")
    case "$(tr '\0' ' ' <"/proc/${p}/cmdline" 2>/dev/null)" in
      *fabric.py* | *fabric-shim*) kill "$p" 2>/dev/null || true ;;
    esac
  done
  for p in "${CHILD_PIDS[@]+"${CHILD_PIDS[@]}"}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

PASSED=0 FAILED=0 SKIPPED=0
FAILED_NAMES=()

# t NAME FUNCTION — runs one test; its output is shown only when it fails.
t() {
  local name=$1 fn=$2 out status
  # A subshell outside any && / || list, so that set -e stops the test at its first failing command.
  set +e
  (
    set -e
    "$fn"
  ) >"${WORK}/test.out" 2>&1
  status=$?
  set -e
  out=$(cat "${WORK}/test.out")
  if [ "$status" -eq 0 ]; then
    PASSED=$((PASSED + 1))
    printf 'PASS %s\n' "$name"
  elif [ "$status" -eq 77 ]; then
    SKIPPED=$((SKIPPED + 1))
    printf 'SKIP %s: %s\n' "$name" "$(printf '%s' "$out" | tail -n 1)"
  else
    FAILED=$((FAILED + 1))
    FAILED_NAMES+=("$name")
    printf 'FAIL %s\n%s\n' "$name" "$(printf '%s\n' "$out" | sed 's/^/    /')"
  fi
}

skip() {
  echo "$*"
  exit 77
}

# A Python 3 with PyYAML (python3-yaml).
PYTHON=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import yaml' 2>/dev/null; then
    PYTHON=$p
    break
  fi
done

# cryptogen: the real one if installed, else the openssl stand-in.
FAKE_BIN="${WORK}/fakebin"
mkdir -p "$FAKE_BIN"
if command -v cryptogen >/dev/null 2>&1; then
  CRYPTOGEN_KIND="real cryptogen ($(command -v cryptogen))"
else
  CRYPTOGEN_KIND="openssl stand-in (test/fakes/cryptogen; Fabric's cryptogen is not installed)"
  if [ -n "$PYTHON" ]; then
    printf '#!/bin/sh\nexec %s %s "$@"\n' "$PYTHON" "${TEST_DIR}/fakes/cryptogen" >"${FAKE_BIN}/cryptogen"
    chmod +x "${FAKE_BIN}/cryptogen"
  fi
fi

topology() { # MODE BFT USE_CA
  (
    MODE=$1 BFT=$2 USE_CA=$3
    # shellcheck source=scripts/topology.sh
    . "${NET_ROOT}/scripts/topology.sh"
    all_ports
  )
}

# ------------------------------------------------------------------------------------------------ tests

test_shellcheck() {
  command -v shellcheck >/dev/null 2>&1 || skip "shellcheck not installed (Debian/Ubuntu: apt-get install shellcheck)"
  local -a bash_scripts=() sh_scripts=()
  local f
  while IFS= read -r f; do bash_scripts+=("$f"); done < <(find "$NET_ROOT" -name '*.sh' -not -path '*/fabric/*' -not -path '*/organizations/fabric-ca/org*' | sort)
  bash_scripts+=("${NET_ROOT}/network.sh")
  for f in "${NET_ROOT}"/builders/ccaas/bin/*; do sh_scripts+=("$f"); done
  (cd "$NET_ROOT" && shellcheck -x "${bash_scripts[@]}")
  shellcheck -s sh "${sh_scripts[@]}"
  head -n 1 "${sh_scripts[@]}" | grep -q '^#!/bin/sh' || { echo "external builder scripts must be #!/bin/sh (the peer image has no bash)"; return 1; }
  echo "checked ${#bash_scripts[@]} bash scripts and ${#sh_scripts[@]} sh scripts"
}

test_ports_unique() {
  local mode bft ca dup
  for mode in binaries docker; do
    for bft in false true; do
      for ca in false true; do
        dup=$(topology "$mode" "$bft" "$ca" | awk '{print $2}' | sort | uniq -d)
        if [ -n "$dup" ]; then
          echo "mode=$mode bft=$bft ca=$ca: colliding ports: $dup"
          return 1
        fi
      done
    done
  done
  # Binaries mode shares 127.0.0.1 with everything, including the BFT orderers and the chaincode servers.
  topology binaries true true >"${WORK}/topology-all"
  grep -q '^ccaas-org1 9991$' "${WORK}/topology-all" || { echo "ccaas ports missing from the binaries topology"; return 1; }
}

# generate_and_check MODE BFT — network.sh generate into a fresh folder, then check_config.py.
generate_and_check() {
  local mode=$1 bft=$2 dir flag=()
  [ -n "$PYTHON" ] || skip "python3 with PyYAML not found (Debian/Ubuntu: apt-get install python3-yaml)"
  command -v openssl >/dev/null 2>&1 || skip "openssl not found"
  dir="${WORK}/gen-${mode}-${bft}"
  [ "$bft" = true ] && flag=(-bft)
  PATH="${FAKE_BIN}:${PATH}" bash "${NET_ROOT}/network.sh" generate --mode "$mode" ${flag[@]+"${flag[@]}"} --dir "$dir"
  topology "$mode" "$bft" false >"${dir}.topology"
  "$PYTHON" "${TEST_DIR}/check_config.py" "$NET_ROOT" "$dir" "${dir}.topology"
  echo "crypto: ${CRYPTOGEN_KIND}"
}

test_generate_binaries_raft() { generate_and_check binaries false; }
test_generate_docker_raft() { generate_and_check docker false; }
test_generate_binaries_bft() { generate_and_check binaries true; }
test_generate_docker_bft() { generate_and_check docker true; }

# expect_check_fails DIR TOPOLOGY WHAT — check_config.py must reject the mutated DIR.
expect_check_fails() {
  if "$PYTHON" "${TEST_DIR}/check_config.py" "$NET_ROOT" "$1" "$2" >"${WORK}/mutation.out" 2>&1; then
    echo "check_config.py accepted: $3"
    return 1
  fi
  grep -q . "${WORK}/mutation.out" || { echo "no failure message for: $3"; return 1; }
}

test_checks_catch_mutations() {
  local src="${WORK}/gen-binaries-false" dir="${WORK}/mutant" topo="${WORK}/gen-binaries-false.topology"
  [ -d "$src" ] || skip "needs test_generate_binaries_raft"
  mutate() { rm -rf "$dir" && cp -R "$src" "$dir" && sed -i.bak "s|${src}|${dir}|g" "$dir"/generated/configtx/configtx.yaml "$dir"/generated/env/*.env; }
  mutate && rm "$dir/organizations/peerOrganizations/org2.example.com/msp/config.yaml"
  expect_check_fails "$dir" "$topo" "an MSP without NodeOUs config.yaml"
  mutate && sed -i.bak 's/^CORE_OPERATIONS_LISTENADDRESS=127.0.0.1:9446$/CORE_OPERATIONS_LISTENADDRESS=127.0.0.1:9445/' "$dir/generated/env/peer0.org3.example.com.env"
  expect_check_fails "$dir" "$topo" "two peers on one operations port"
  mutate && sed -i.bak "s/'Org3MSP.peer')/'Org4MSP.peer')/" "$dir/generated/configtx/configtx.yaml"
  expect_check_fails "$dir" "$topo" "a policy naming an unknown organisation"
  mutate && sed -i.bak 's|users/User1@org2.example.com/msp/keystore/priv_sk|users/Admin@org2.example.com/msp/keystore/priv_sk|' "$dir/connection.json"
  expect_check_fails "$dir" "$topo" "a connection-file key that does not match its certificate"
  mutate && sed -i.bak 's/Rule: .MAJORITY Endorsement./Rule: "ANY Endorsement"/' "$dir/generated/configtx/configtx.yaml"
  expect_check_fails "$dir" "$topo" "an endorsement policy other than MAJORITY"
  mutate && sed -i.bak '/^ORDERER_OPERATIONS_TLS_CLIENTROOTCAS=/d' "$dir/generated/env/orderer.example.com.env"
  expect_check_fails "$dir" "$topo" "an orderer without operations client root CAs (/metrics answers 401)"
  mutate && sed -i.bak 's|^\(CORE_OPERATIONS_TLS_CLIENTROOTCAS_FILES=\)\(.*\)$|\1[\2]|' "$dir/generated/env/peer0.org2.example.com.env"
  expect_check_fails "$dir" "$topo" "a peer's client root CA list in brackets (viper reads a file named '[...')"
  mutate && sed -i.bak "s|^CORE_OPERATIONS_TLS_CLIENTROOTCAS_FILES=.*$|CORE_OPERATIONS_TLS_CLIENTROOTCAS_FILES=${dir}/organizations/peerOrganizations/org1.example.com/tlsca/tlsca.org1.example.com-cert.pem|" "$dir/generated/env/peer0.org1.example.com.env"
  expect_check_fails "$dir" "$topo" "a peer trusting its org's TLS CA for operations clients"
  mutate && cp "$dir/organizations/peerOrganizations/org3.example.com/tlsca/tlsca.org3.example.com-cert.pem" "$dir/organizations/operations/ca/ca.crt"
  expect_check_fails "$dir" "$topo" "an operations client CA that is an organisation's TLS CA"
}

# The gateway's own zod schema and path resolution (TypeScript source transpiled on the fly).
test_connection_file_gateway_schema() {
  local conn="${WORK}/gen-binaries-false/connection.json"
  [ -f "$conn" ] || skip "needs test_generate_binaries_raft"
  command -v node >/dev/null 2>&1 || skip "node not found"
  if [ ! -d "${REPO_ROOT}/node_modules/typescript" ] || [ ! -d "${REPO_ROOT}/node_modules/zod" ]; then
    skip "npm packages not installed (npm ci)"
  fi
  node - "$REPO_ROOT" "$conn" <<'EOF'
const [root, conn] = process.argv.slice(2);
const fs = require('fs');
const path = require('path');
const Module = require('module');
const ts = require(path.join(root, 'node_modules/typescript'));
const file = path.join(root, 'gateway/src/fabric/config.ts');
const js = ts.transpileModule(fs.readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
const m = new Module(file, module);
m.filename = file;
m.paths = Module._nodeModulePaths(path.dirname(file));
m._compile(js, file);
const config = m.exports;
const parsed = config.readConnectionFile(conn);
const msps = parsed.orgs.map((o) => o.mspId);
if (msps.join() !== 'Org1MSP,Org2MSP,Org3MSP') throw new Error(`orgs ${msps}`);
for (const mspId of msps) {
  for (const role of ['admin', 'user']) {
    const c = config.configFromConnectionFile(parsed, { mspId, role });
    for (const p of [c.certPath, c.keyPath, c.tlsRootCertPath]) {
      if (!path.isAbsolute(p) || !fs.existsSync(p)) throw new Error(`${mspId} ${role}: ${p} does not exist`);
    }
    if (c.channel !== 'keyledger' || c.chaincode !== 'keyledger') throw new Error('channel/chaincode');
  }
}
console.log('gateway accepts connection.json:', msps.join(', '));
EOF
}

# A ccaas package made by the deploy code (scripts/ccaas.sh), installed the way a peer does it: metadata.json
# to the metadata folder, code.tar.gz unpacked to the source folder; then detect, build, release.
test_ccaas_builder() {
  command -v openssl >/dev/null 2>&1 || skip "openssl not found"
  local d="${WORK}/builder" bin="${NET_ROOT}/builders/ccaas/bin" shell=${BUILDER_SHELL:-}
  rm -rf "$d"
  mkdir -p "$d"
  (
    MODE=binaries BFT=false NET_DIR="${d}/net" VERBOSE=false
    # shellcheck source=scripts/utils.sh
    . "${NET_ROOT}/scripts/utils.sh"
    # shellcheck source=scripts/topology.sh
    . "${NET_ROOT}/scripts/topology.sh"
    # shellcheck source=scripts/generate.sh
    . "${NET_ROOT}/scripts/generate.sh"
    # shellcheck source=scripts/ccaas.sh
    . "${NET_ROOT}/scripts/ccaas.sh"
    ccaas_tls keyledger
    ccaas_package keyledger 2 keyledger_1.0 "${d}/pkg.tar.gz"
  )
  mkdir -p "${d}/meta" "${d}/src" "${d}/out" "${d}/release"
  tar -xzf "${d}/pkg.tar.gz" -C "${d}/meta" metadata.json
  tar -xzf "${d}/pkg.tar.gz" -O code.tar.gz | tar -xzf - -C "${d}/src"
  mkdir -p "${d}/src/META-INF/statedb/couchdb/indexes"
  echo '{"index":{"fields":["docType"]},"name":"byType","type":"json"}' >"${d}/src/META-INF/statedb/couchdb/indexes/byType.json"
  # shellcheck disable=SC2086 # BUILDER_SHELL may be "busybox sh"
  run_builder() { if [ -n "$shell" ]; then $shell "$@"; else "$@"; fi; }
  run_builder "${bin}/detect" "${d}/src" "${d}/meta"
  CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG='{"peername":"peer0org2"}' run_builder "${bin}/build" "${d}/src" "${d}/meta" "${d}/out"
  run_builder "${bin}/release" "${d}/out" "${d}/release"
  node -e '
    const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (c.address !== "127.0.0.1:9992") throw new Error("address " + c.address);
    if (!c.tls_required || !c.client_auth_required) throw new Error("TLS not required");
    for (const k of ["root_cert", "client_cert", "client_key"]) if (!/^-----BEGIN/.test(c[k])) throw new Error(k);
  ' "${d}/release/chaincode/server/connection.json"
  [ -f "${d}/release/statedb/couchdb/indexes/byType.json" ] || { echo "statedb indexes not released"; return 1; }
  [ -f "${d}/out/metadata.json" ] || { echo "metadata not copied to the build output"; return 1; }
  # Templates: {{.key}} from CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG; a missing key is an error.
  mkdir -p "${d}/tsrc" "${d}/tout"
  printf '{"address":"{{.peername}}_keyledger_ccaas:{{ .port }}","dial_timeout":"10s","tls_required":false}\n' >"${d}/tsrc/connection.json"
  CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG='{"peername":"peer0org1","port":"9999"}' run_builder "${bin}/build" "${d}/tsrc" "${d}/meta" "${d}/tout"
  grep -q '"address":"peer0org1_keyledger_ccaas:9999"' "${d}/tout/connection.json" || { cat "${d}/tout/connection.json"; return 1; }
  if CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG='{"peername":"peer0org1"}' run_builder "${bin}/build" "${d}/tsrc" "${d}/meta" "${d}/tout2" 2>/dev/null; then
    echo "build accepted a template key missing from the builder config"
    return 1
  fi
  # Not ours: other package types are left to the next builder; a ccaas package without connection.json fails.
  echo '{"type":"node","label":"x"}' >"${d}/meta/metadata.json"
  if run_builder "${bin}/detect" "${d}/src" "${d}/meta" 2>/dev/null; then echo "detect accepted a node package"; return 1; fi
  echo '{ "label": "x",
    "type" : "CCAAS" }' >"${d}/meta/metadata.json"
  run_builder "${bin}/detect" "${d}/src" "${d}/meta" 2>/dev/null || { echo "detect rejected a multi-line CCAAS metadata.json"; return 1; }
  rm "${d}/src/connection.json"
  if run_builder "${bin}/build" "${d}/src" "${d}/meta" "${d}/out3" 2>/dev/null; then echo "build accepted a package without connection.json"; return 1; fi
  if run_builder "${bin}/release" "${d}/nothing" "${d}/release2" 2>/dev/null; then echo "release accepted an empty build output"; return 1; fi
}

test_ccaas_builder_busybox() {
  command -v busybox >/dev/null 2>&1 || skip "busybox not installed (the peer image runs the builder with busybox sh)"
  BUILDER_SHELL="busybox sh" test_ccaas_builder
}

test_ccaas_builder_dash() {
  command -v dash >/dev/null 2>&1 || skip "dash not installed"
  BUILDER_SHELL=dash test_ccaas_builder
}

# The chaincode servers' TLS material: chains, SANs for both modes, key usages; then, when the chaincode is
# built, the real `fabric-chaincode-node server` with that material and a client presenting the peer's
# certificate (mutual TLS), and one presenting none (refused).
test_ccaas_tls() {
  command -v openssl >/dev/null 2>&1 || skip "openssl not found"
  local d="${WORK}/builder/net/organizations/ccaas/keyledger" o port pid sans
  [ -d "$d" ] || skip "needs test_ccaas_builder"
  for o in 1 2 3; do
    openssl verify -CAfile "${d}/ca.crt" "${d}/org${o}/server.crt" "${d}/org${o}/client.crt" >/dev/null
    sans=$(openssl x509 -in "${d}/org${o}/server.crt" -noout -ext subjectAltName)
    for want in "IP Address:127.0.0.1" "DNS:localhost" "DNS:keyledger-ccaas.org${o}.example.com"; do
      case "$sans" in *"$want"*) ;; *) echo "org${o} server SANs lack ${want}: ${sans}"; return 1 ;; esac
    done
    openssl x509 -in "${d}/org${o}/server.crt" -noout -ext extendedKeyUsage | grep -q 'TLS Web Server Authentication'
    openssl x509 -in "${d}/org${o}/client.crt" -noout -ext extendedKeyUsage | grep -q 'TLS Web Client Authentication'
  done
  if [ ! -f "${REPO_ROOT}/chaincode/dist/index.js" ] || [ ! -f "${REPO_ROOT}/node_modules/fabric-shim/cli.js" ]; then
    skip "certificates checked; chaincode not built (npm run build -w chaincode), so no live server handshake"
  fi
  port=$((20000 + RANDOM % 20000))
  (cd "${REPO_ROOT}/chaincode" && exec node ../node_modules/fabric-shim/cli.js server --chaincode-address "127.0.0.1:${port}" \
    --chaincode-id "keyledger_1.0:0000" --chaincode-tls-cert-file "${d}/org1/server.crt" --chaincode-tls-key-file "${d}/org1/server.key" \
    --chaincode-tls-client-cacert-file "${d}/org1/ca.crt" --module-path .) >"${WORK}/ccaas-server.log" 2>&1 &
  pid=$!
  CHILD_PIDS+=("$pid")
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { cat "${WORK}/ccaas-server.log"; return 1; }
    sleep 0.2
  done
  # TLS 1.2 so that a refused client certificate fails the handshake itself (TLS 1.3 reports it later).
  handshake() { openssl s_client -connect "127.0.0.1:${port}" -CAfile "${d}/org1/ca.crt" -verify_return_error -verify_ip 127.0.0.1 -tls1_2 -alpn h2 "$@" </dev/null 2>&1; }
  handshake -cert "${d}/org1/client.crt" -key "${d}/org1/client.key" >"${WORK}/handshake.out" || true
  if grep -q 'error:' "${WORK}/handshake.out" || ! grep -q 'Verify return code: 0 (ok)' "${WORK}/handshake.out"; then
    cat "${WORK}/handshake.out" "${WORK}/ccaas-server.log"
    return 1
  fi
  handshake >"${WORK}/handshake-nocert.out" || true
  grep -q 'error:' "${WORK}/handshake-nocert.out" || { echo "the chaincode server accepted a client without a certificate"; return 1; }
  handshake -cert "${d}/org2/server.crt" -key "${d}/org2/server.key" >"${WORK}/handshake-server-cert.out" || true
  grep -q 'error:' "${WORK}/handshake-server-cert.out" || { echo "the chaincode server accepted a server-only certificate as a client"; return 1; }
  kill "$pid" 2>/dev/null || true
  echo "fabric-chaincode-node server: mutual TLS handshake with the peer's client certificate OK"
}

# make_stand_ins BIN_DIR CFG_DIR — wrappers for the Fabric stand-ins (and cryptogen) in BIN_DIR, and a config
# folder with the core.yaml / orderer.yaml the nodes check for.
make_stand_ins() {
  local fb=$1 cfg=$2 tool
  mkdir -p "$fb" "$cfg"
  touch "${cfg}/core.yaml" "${cfg}/orderer.yaml"
  for tool in peer orderer osnadmin configtxgen; do
    printf '#!/bin/sh\nexec %s %s %s "$@"\n' "$PYTHON" "${TEST_DIR}/fakes/fabric.py" "$tool" >"${fb}/${tool}"
    chmod +x "${fb}/${tool}"
  done
  if [ -x "${FAKE_BIN}/cryptogen" ]; then cp "${FAKE_BIN}/cryptogen" "${fb}/cryptogen"; fi
}

# ops_code PORT CAFILE PATH CURL_ARGS... — the HTTP status of GET PATH on an operations endpoint (000: no answer,
# e.g. a refused client certificate).
ops_code() {
  local port=$1 ca=$2 path=$3
  shift 3
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$ca" "$@" "https://127.0.0.1:${port}/${path}" || true
}

# The operations endpoints' authentication, against the stand-ins (which guard /metrics and /logspec as
# Fabric does: a client certificate verified against the configured client root CAs, else 401):
#   - what the endpoints answer with no certificate, the operations client certificate, and an org's TLS one;
#   - the readiness waits (Raft leader, gossip) fail without the client certificate and pass with it;
#   - an orderer started without client root CAs (the defect this guards against) is reported by `up`'s
#     node wait, by name, instead of a leader time-out;
#   - a peer given the orderer's "[...]" list syntax fails to start, as a real peer does.
test_operations_auth_with_stand_ins() {
  [ -n "$PYTHON" ] || skip "python3 with PyYAML not found"
  command -v curl >/dev/null 2>&1 || skip "curl not found"
  command -v openssl >/dev/null 2>&1 || skip "openssl not found"
  local owner port dir="${WORK}/opsauth" fb="${WORK}/opsauth-bin" cfg="${WORK}/opsauth-cfg" n out status
  while read -r owner port; do
    if (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then skip "port ${port} (${owner}) is busy on this machine"; fi
  done < <(topology binaries false false)
  make_stand_ins "$fb" "$cfg"
  export PATH="${fb}:${PATH}" FAKE_FABRIC_STATE="${WORK}/opsauth-state" FABRIC_BIN=""
  bash "${NET_ROOT}/network.sh" generate --mode binaries --dir "$dir" >/dev/null
  (
    MODE=binaries BFT=false USE_CA=false CHANNEL_NAME=keyledger NET_DIR=$dir VERBOSE=false
    # Waits expected to pass return as soon as they do; those expected to fail use NO_CERT_TIMEOUT.
    NODE_START_TIMEOUT=30 LEADER_TIMEOUT=30 GOSSIP_TIMEOUT=30 NO_CERT_TIMEOUT=6
    for f in utils topology generate operations binaries envVar createChannel; do
      # shellcheck disable=SC1090 # the network's own scripts
      . "${NET_ROOT}/scripts/${f}.sh"
    done
    find_fabric_bin || true
    # shellcheck disable=SC2034 # read by gen_fabric_cfg_env and set_peer_env
    FABRIC_CFG_DIR=$cfg
    gen_fabric_cfg_env
    # The channel exists on the orderer and on every peer, as after createChannel.
    mkdir -p "$FAKE_FABRIC_STATE"
    echo '["keyledger"]' >"${FAKE_FABRIC_STATE}/orderer-$(orderer_admin_port orderer).json"
    for n in "${ORG_NUMS[@]}"; do
      echo '{"channels": ["keyledger"], "installed": {}}' >"${FAKE_FABRIC_STATE}/peer-$(peer_port "$n").json"
    done
    # The nodes end with this test, passed or failed, so that the next test finds the ports free.
    trap 'stop_all_processes >/dev/null 2>&1' EXIT
    start_orderers_binaries >/dev/null
    start_peers_binaries >/dev/null

    local ops ca org1_tls
    ops=$(orderer_ops_port orderer)
    ca="$(orderer_node_dir orderer)/tls/ca.crt"
    org1_tls="$(peer_org_dir 1)/users/Admin@org1.example.com/tls"
    expect_code() { # WANT PATH CURL_ARGS... — what the orderer's operations endpoint answers
      local want=$1 path=$2 got
      shift 2
      got=$(ops_code "$ops" "$ca" "$path" "$@")
      [ "$got" = "$want" ] || { echo "/${path} ${*:-without a client certificate}: HTTP ${got}, expected ${want}"; exit 1; }
    }
    expect_code 200 healthz
    expect_code 200 version
    expect_code 401 metrics
    expect_code 401 logspec
    expect_code 200 metrics --cert "$(ops_client_cert)" --key "$(ops_client_key)"
    expect_code 200 logspec --cert "$(ops_client_cert)" --key "$(ops_client_key)"
    # An org's TLS client certificate is not from the operations client CA: the handshake refuses it.
    expect_code 000 metrics --cert "${org1_tls}/client.crt" --key "${org1_tls}/client.key"
    expect_code 000 healthz --cert "${org1_tls}/client.crt" --key "${org1_tls}/client.key"

    # With the client certificate the waits pass at once ...
    wait_orderer_leader >"${WORK}/opsauth-wait.out" 2>&1 || { cat "${WORK}/opsauth-wait.out"; exit 1; }
    wait_gossip >"${WORK}/opsauth-wait.out" 2>&1 || { cat "${WORK}/opsauth-wait.out"; exit 1; }
    # ... without it (as the scripts were before) every /metrics read is a 401, and they time out saying why.
    mv "$(ops_dir)/client" "$(ops_dir)/client.away"
    status=0
    out=$( (LEADER_TIMEOUT=$NO_CERT_TIMEOUT wait_orderer_leader) 2>&1) || status=$?
    [ "$status" -ne 0 ] || { echo "the leader wait passed without a client certificate: ${out}"; exit 1; }
    printf '%s' "$out" | grep -q 'no single Raft leader for keyledger .*0 orderers claim it.*no operations client certificate' || { echo "$out"; exit 1; }
    status=0
    out=$( (GOSSIP_TIMEOUT=$NO_CERT_TIMEOUT wait_gossip) 2>&1) || status=$?
    [ "$status" -ne 0 ] || { echo "the gossip wait passed without a client certificate: ${out}"; exit 1; }
    printf '%s' "$out" | grep -q 'gossip membership incomplete' || { echo "$out"; exit 1; }
    mv "$(ops_dir)/client.away" "$(ops_dir)/client"
    wait_orderer_leader >"${WORK}/opsauth-wait.out" 2>&1 || { cat "${WORK}/opsauth-wait.out"; exit 1; }

    # An orderer without client root CAs (the original defect): `up` names it as soon as it is healthy.
    stop_process orderer.example.com >/dev/null
    sed -i.bak '/^ORDERER_OPERATIONS_TLS_CLIENTROOTCAS=/d' "$(gen_dir)/env/orderer.example.com.env"
    status=0
    out=$( (start_orderers_binaries) 2>&1) || status=$?
    [ "$status" -ne 0 ] || { echo "an orderer that trusts no operations client passed the node wait: ${out}"; exit 1; }
    printf '%s' "$out" | grep -q 'orderer.example.com: port 9443 refused the operations client certificate' || { echo "$out"; exit 1; }
    expect_code 401 metrics
    stop_process orderer.example.com >/dev/null

    # The peer's list is split on white space: "[file]" names a file that does not exist, so the peer stops.
    stop_process peer0.org1.example.com >/dev/null
    sed -i.bak 's|^\(CORE_OPERATIONS_TLS_CLIENTROOTCAS_FILES=\)\(.*\)$|\1[\2]|' "$(gen_dir)/env/peer0.org1.example.com.env"
    status=0
    out=$( (start_peers_binaries) 2>&1) || status=$?
    [ "$status" -ne 0 ] || { echo "a peer with a bracketed client root CA list started: ${out}"; exit 1; }
    printf '%s' "$out" | grep -q 'exited during start-up' || { echo "$out"; exit 1; }
  )
}

# The whole binaries-mode flow of network.sh — up, createChannel, deployCC, stop, up (restart), upgrade, down —
# against stand-ins for peer/orderer/osnadmin/configtxgen (test/fakes/fabric.py: not Fabric, but they check
# their configuration, serve TLS operations endpoints with the metrics network.sh waits on, run the real
# external builder on install and dial the real chaincode servers with mutual TLS on `chaincode query`).
test_network_sh_flow_with_stand_ins() {
  [ -n "$PYTHON" ] || skip "python3 with PyYAML not found"
  command -v curl >/dev/null 2>&1 || skip "curl not found"
  [ -f "${REPO_ROOT}/node_modules/fabric-shim/cli.js" ] || skip "npm packages not installed (npm ci)"
  local owner port dir="${WORK}/smoke" fb="${WORK}/smoke-bin" cfg="${WORK}/smoke-cfg" out pids=() p bystander
  while read -r owner port; do
    if (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then skip "port ${port} (${owner}) is busy on this machine"; fi
  done < <(topology binaries false false)
  make_stand_ins "$fb" "$cfg"
  export PATH="${fb}:${PATH}" FABRIC_CFG_PATH="$cfg" FAKE_FABRIC_STATE="${WORK}/smoke-state" FABRIC_BIN=""
  export NODE_START_TIMEOUT=30 LEADER_TIMEOUT=30 GOSSIP_TIMEOUT=30
  nsh() { bash "${NET_ROOT}/network.sh" "$@" --dir "$dir" -ccp "${TEST_DIR}/fixtures/chaincode"; }

  nsh up createChannel deployCC --mode binaries
  [ -f "${dir}/connection.json" ] || { echo "no connection.json"; return 1; }
  for p in orderer.example.com peer0.org1.example.com peer0.org2.example.com peer0.org3.example.com \
    ccaas-keyledger-org1 ccaas-keyledger-org2 ccaas-keyledger-org3; do
    [ -f "${dir}/run/${p}.pid" ] || { echo "no pid file for ${p}"; return 1; }
    pids+=("$(cut -d' ' -f1 "${dir}/run/${p}.pid")")
  done
  grep -q '^CC_DEPLOYED_keyledger=1.0:1:ccaas$' "${dir}/network.state" || { cat "${dir}/network.state"; return 1; }

  # A pid file whose pid runs something else must not be killed.
  sleep 300 &
  bystander=$!
  CHILD_PIDS+=("$bystander")
  echo "${bystander} node" >"${dir}/run/ccaas-other-org1.pid"

  nsh stop
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then echo "pid ${p} still running after stop"; return 1; fi
  done
  kill -0 "$bystander" || { echo "stop killed a process it did not start"; return 1; }

  nsh up # restarts nodes and chaincode servers, waits for leader and gossip
  [ -f "${dir}/run/ccaas-keyledger-org2.pid" ] || { echo "chaincode servers not restarted"; return 1; }
  out=$(bash "${NET_ROOT}/network.sh" status --dir "$dir")
  printf '%s\n' "$out" | grep -q 'running: ccaas-keyledger-org3' || { echo "$out"; return 1; }

  nsh deployCC -ccv 1.1 # upgrade: sequence 2, new packages, new servers
  grep -q '^CC_DEPLOYED_keyledger=1.1:2:ccaas$' "${dir}/network.state" || { cat "${dir}/network.state"; return 1; }

  pids=()
  for p in "${dir}"/run/*.pid; do pids+=("$(cut -d' ' -f1 "$p")"); done
  echo "${bystander} node" >"${dir}/run/ccaas-other-org1.pid"
  nsh down
  for p in "${pids[@]}"; do
    [ "$p" = "$bystander" ] && continue
    if kill -0 "$p" 2>/dev/null; then echo "pid ${p} still running after down"; return 1; fi
  done
  kill -0 "$bystander" || { echo "down killed a process it did not start"; return 1; }
  for p in generated data run organizations/peerOrganizations channel-artifacts connection.json network.state; do
    [ ! -e "${dir}/${p}" ] || { echo "down left ${p}"; return 1; }
  done
}

test_cli() {
  local out
  bash "${NET_ROOT}/network.sh" -h | grep -q 'createChannel' || { echo "help text"; return 1; }
  if out=$(bash "${NET_ROOT}/network.sh" up --bogus --dir "${WORK}/cli" 2>&1); then echo "unknown flag accepted"; return 1; fi
  printf '%s' "$out" | grep -q 'unknown argument: --bogus' || { echo "$out"; return 1; }
  if out=$(bash "${NET_ROOT}/network.sh" deployCC -cctype docker --dir "${WORK}/cli" 2>&1); then echo "bad -cctype accepted"; return 1; fi
  if out=$(bash "${NET_ROOT}/network.sh" up -c 'Bad_Channel' --dir "${WORK}/cli" 2>&1); then echo "bad channel name accepted"; return 1; fi
  # A network made with one mode refuses the other until `down`.
  mkdir -p "${WORK}/cli"
  printf 'MODE=binaries\nBFT=false\nUSE_CA=false\nCHANNEL_NAME=keyledger\n' >"${WORK}/cli/network.state"
  if out=$(bash "${NET_ROOT}/network.sh" up --mode docker --dir "${WORK}/cli" 2>&1); then echo "mode switch accepted"; return 1; fi
  printf '%s' "$out" | grep -q 'created with --mode binaries' || { echo "$out"; return 1; }
  if out=$(bash "${NET_ROOT}/network.sh" up -bft --dir "${WORK}/cli" 2>&1); then echo "Raft -> BFT switch accepted"; return 1; fi
  # deployCC before createChannel is refused with the next step named.
  if out=$(PATH="${FAKE_BIN}:${PATH}" FABRIC_BIN="" bash "${NET_ROOT}/network.sh" deployCC --dir "${WORK}/cli" 2>&1); then echo "deployCC without a channel accepted"; return 1; fi
  printf '%s' "$out" | grep -Eq 'createChannel|missing Fabric binaries' || { echo "$out"; return 1; }
}

test_render_template() {
  (
    # shellcheck source=scripts/utils.sh
    . "${NET_ROOT}/scripts/utils.sh"
    # shellcheck disable=SC2016 # the template's placeholders
    printf 'a: ${A}\nb: "${B}" ${A}\n' >"${WORK}/tpl"
    # shellcheck disable=SC2034 # read by render_template through indirection
    A='x & y' B='p/q'
    render_template "${WORK}/tpl" "${WORK}/tpl.out" A B
    [ "$(cat "${WORK}/tpl.out")" = $'a: x & y\nb: "p/q" x & y' ] || { cat "${WORK}/tpl.out"; exit 1; }
    unset B
    if render_template "${WORK}/tpl" "${WORK}/tpl.out" A B 2>/dev/null; then echo "unset variable accepted"; exit 1; fi
    if render_template "${WORK}/tpl" "${WORK}/tpl.out" A 2>/dev/null; then echo "left-over placeholder accepted"; exit 1; fi
  )
}

echo "network/test-network tests (crypto: ${CRYPTOGEN_KIND})"
t "shellcheck over every script" test_shellcheck
t "no port collisions in any mode, consensus or CA combination" test_ports_unique
t "generate binaries/Raft: configtx, env files, connection file consistent" test_generate_binaries_raft
t "generate docker/Raft: configtx, compose, connection file consistent" test_generate_docker_raft
t "generate binaries/BFT: configtx (SmartBFT), env files consistent" test_generate_binaries_bft
t "generate docker/BFT: configtx (SmartBFT), compose consistent" test_generate_docker_bft
t "consistency checks reject broken material" test_checks_catch_mutations
t "connection file accepted by the gateway's schema" test_connection_file_gateway_schema
t "ccaas external builder: detect, build, release on a deploy package" test_ccaas_builder
t "ccaas external builder under dash" test_ccaas_builder_dash
t "ccaas external builder under busybox sh" test_ccaas_builder_busybox
t "chaincode server TLS material and mutual-TLS handshake" test_ccaas_tls
t "operations endpoints: /metrics and /logspec need the operations client certificate; waits fail without it" test_operations_auth_with_stand_ins
t "network.sh up/createChannel/deployCC/stop/up/upgrade/down (binaries mode, Fabric stand-ins)" test_network_sh_flow_with_stand_ins
t "command line: help, bad flags, mode/consensus switches, order of commands" test_cli
t "template rendering" test_render_template

if [ "$FAILED" -gt 0 ]; then
  echo "failed: ${FAILED_NAMES[*]}"
fi
if [ "$SKIPPED" -gt 0 ]; then
  echo "${PASSED} passed, ${FAILED} failed, ${SKIPPED} skipped"
else
  echo "${PASSED} passed, ${FAILED} failed"
fi
[ "$FAILED" -eq 0 ]
