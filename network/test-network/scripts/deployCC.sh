#!/usr/bin/env bash
# shellcheck disable=SC2034 # globals set here are read by the other sourced scripts
# deployCC: build the Node chaincode, package it (chaincode-as-a-service by default; a `node` package built
# by the peer with -cctype node, Docker mode only), install it on every peer, start the chaincode servers,
# approve the definition for every organisation, commit it, and check that every peer can call it.

# prepare_chaincode — installs npm dependencies if missing and builds (npm run build) the chaincode.
prepare_chaincode() {
  local repo_root
  [ -f "${CC_SRC_PATH}/package.json" ] || fatalln "no package.json in ${CC_SRC_PATH} (-ccp): KeyLedger deploys Node chaincode"
  command -v node >/dev/null 2>&1 || fatalln "node (>= 18) is needed to build and run the chaincode"
  command -v npm >/dev/null 2>&1 || fatalln "npm is needed to build the chaincode"
  if ! CC_NODE_ROOT=$(find_node_root "$CC_SRC_PATH"); then
    repo_root=$(abspath "${NET_ROOT}/../..")
    case "$CC_SRC_PATH" in
      "$repo_root"/*)
        infoln "installing npm packages (npm ci in ${repo_root})"
        (cd "$repo_root" && run npm ci) || fatalln "npm ci failed in ${repo_root}"
        ;;
      *)
        infoln "installing npm packages (npm install in ${CC_SRC_PATH})"
        (cd "$CC_SRC_PATH" && run npm install) || fatalln "npm install failed in ${CC_SRC_PATH}"
        ;;
    esac
    CC_NODE_ROOT=$(find_node_root "$CC_SRC_PATH") || fatalln "fabric-shim not found in node_modules above ${CC_SRC_PATH}"
  fi
  if grep -q '"build"[[:space:]]*:' "${CC_SRC_PATH}/package.json"; then
    infoln "building ${CC_SRC_PATH} (npm run build)"
    (cd "$CC_SRC_PATH" && run npm run build) || fatalln "npm run build failed in ${CC_SRC_PATH}"
  fi
  (cd "$CC_SRC_PATH" && node -e 'require.resolve(require("path").resolve(require("./package.json").main || "index.js"))') ||
    fatalln "the chaincode's main file (package.json \"main\") does not exist in ${CC_SRC_PATH}; build it first"
}

# next_sequence — 1 + the committed sequence of CC_NAME, or 1 when it is not committed yet.
next_sequence() {
  local out seq
  if peer_cli_capture out 1 lifecycle chaincode querycommitted -C "$CHANNEL_NAME" -n "$CC_NAME" 2>/dev/null; then
    seq=$(printf '%s\n' "$out" | sed -n 's/.*Sequence: \([0-9][0-9]*\).*/\1/p' | head -n 1)
    echo $((${seq:-0} + 1))
  else
    echo 1
  fi
}

# package_id FILE — label:hash of a chaincode package (peer >= 2.4 computes it; sha256 otherwise).
package_id() {
  local out
  if peer_cli_capture out 1 lifecycle chaincode calculatepackageid "$1" 2>/dev/null && [ -n "$out" ]; then
    printf '%s\n' "$out" | tail -n 1 | sed 's/^Package ID: //; s/, Label:.*$//'
  else
    echo "${CC_LABEL}:$(sha256_file "$1")"
  fi
}

# install_package N FILE ID — installs on peer0.orgN unless that package id is installed already.
install_package() {
  local n=$1 file=$2 id=$3 out
  if peer_cli_capture out "$n" lifecycle chaincode queryinstalled 2>/dev/null && printf '%s' "$out" | grep -qF "$id"; then
    println "$(peer_name "$n"): ${id} already installed"
    return 0
  fi
  peer_cli "$n" lifecycle chaincode install "$file" || fatalln "install on $(peer_name "$n") failed"
  println "$(peer_name "$n"): installed ${id}"
}

# node_package FILE — a `node` package built by the peers (fabric-nodeenv): package.json + dist only.
node_package() {
  local out=$1 stage
  stage=$(mktemp -d)
  cp -R "${CC_SRC_PATH}/." "$stage/"
  rm -rf "${stage}/node_modules" "${stage}/test" "${stage}/src" "${stage}"/*.tsbuildinfo "${stage}"/tsconfig*.json
  # Runtime dependencies only: the peer's builder runs `npm install --production`; no build step there.
  node -e '
    const fs = require("fs");
    const file = process.argv[1];
    const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
    delete pkg.devDependencies;
    pkg.scripts = { start: (pkg.scripts && pkg.scripts.start) || "fabric-chaincode-node start" };
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
  ' "${stage}/package.json"
  peer_cli 1 lifecycle chaincode package "$out" --path "$stage" --lang node --label "$CC_LABEL" ||
    fatalln "peer lifecycle chaincode package failed"
  rm -rf "$stage"
}

approve_for_org() {
  local n=$1 id=$2
  local -a extra=()
  [ -n "$CC_END_POLICY" ] && extra+=(--signature-policy "$CC_END_POLICY")
  [ -n "$CC_COLL_CONFIG" ] && extra+=(--collections-config "$CC_COLL_CONFIG")
  peer_cli "$n" lifecycle chaincode approveformyorg "${ORDERER_ARGS[@]}" --channelID "$CHANNEL_NAME" \
    --name "$CC_NAME" --version "$CC_VERSION" --package-id "$id" --sequence "$CC_SEQUENCE" ${extra[@]+"${extra[@]}"} ||
    fatalln "approveformyorg for $(org_msp "$n") failed"
  println "$(org_msp "$n") approved ${CC_NAME} ${CC_VERSION} (sequence ${CC_SEQUENCE})"
}

commit_definition() {
  local -a extra=()
  local n
  [ -n "$CC_END_POLICY" ] && extra+=(--signature-policy "$CC_END_POLICY")
  [ -n "$CC_COLL_CONFIG" ] && extra+=(--collections-config "$CC_COLL_CONFIG")
  peer_cli 1 lifecycle chaincode checkcommitreadiness --channelID "$CHANNEL_NAME" --name "$CC_NAME" \
    --version "$CC_VERSION" --sequence "$CC_SEQUENCE" ${extra[@]+"${extra[@]}"} --output json || true
  set_peer_target_args "${ORG_NUMS[@]}"
  peer_cli 1 lifecycle chaincode commit "${ORDERER_ARGS[@]}" --channelID "$CHANNEL_NAME" --name "$CC_NAME" \
    --version "$CC_VERSION" --sequence "$CC_SEQUENCE" ${extra[@]+"${extra[@]}"} "${PEER_TARGET_ARGS[@]}" ||
    fatalln "commit of ${CC_NAME} failed"
  for n in "${ORG_NUMS[@]}"; do
    wait_until 60 "$(peer_name "$n") to see ${CC_NAME} sequence ${CC_SEQUENCE} committed" committed_on "$n" ||
      fatalln "${CC_NAME} is not committed on $(peer_name "$n")"
  done
}

committed_on() {
  local out
  peer_cli_capture out "$1" lifecycle chaincode querycommitted -C "$CHANNEL_NAME" -n "$CC_NAME" || return 1
  printf '%s' "$out" | grep -q "Sequence: ${CC_SEQUENCE},"
}

# chaincode_answers N — peer0.orgN can run the chaincode (contract metadata, read-only, not ordered).
chaincode_answers() {
  peer_cli "$1" chaincode query -C "$CHANNEL_NAME" -n "$CC_NAME" -c '{"Args":["org.hyperledger.fabric:GetMetadata"]}' >/dev/null
}

deploy_cc() {
  local n pkg id timeout
  local -a ids=()
  [ "$(state_get CHANNEL_CREATED)" = "true" ] || fatalln "channel ${CHANNEL_NAME} is not created yet: run ./network.sh createChannel first"
  if [ "$CC_TYPE" = "node" ] && [ "$MODE" != "docker" ]; then
    fatalln "-cctype node needs --mode docker (the peer builds Node chaincode in a fabric-nodeenv container); binaries mode uses chaincode-as-a-service"
  fi
  set_orderer_args
  CC_LABEL="${CC_NAME}_${CC_VERSION}"
  local pkg_dir="${NET_DIR}/channel-artifacts/packages"

  step "1/6" "building the chaincode (${CC_SRC_PATH})"
  prepare_chaincode

  if [ "$CC_SEQUENCE" = "auto" ]; then CC_SEQUENCE=$(next_sequence); fi
  step "2/6" "packaging ${CC_LABEL} (${CC_TYPE}), sequence ${CC_SEQUENCE}"
  if [ "$CC_TYPE" = "ccaas" ]; then
    ccaas_tls "$CC_NAME"
    for n in "${ORG_NUMS[@]}"; do
      pkg="${pkg_dir}/${CC_NAME}-ccaas-org${n}.tar.gz"
      ccaas_package "$CC_NAME" "$n" "$CC_LABEL" "$pkg"
      ids[n]=$(package_id "$pkg")
      println "$(org_msp "$n"): ${ids[n]} -> $(ccaas_host "$n" "$CC_NAME"):$(ccaas_port "$n")"
    done
  else
    pkg="${pkg_dir}/${CC_NAME}-node.tar.gz"
    mkdir -p "$pkg_dir"
    node_package "$pkg"
    id=$(package_id "$pkg")
    for n in "${ORG_NUMS[@]}"; do ids[n]=$id; done
    println "package ${id}"
  fi

  step "3/6" "installing on every peer"
  for n in "${ORG_NUMS[@]}"; do
    if [ "$CC_TYPE" = "ccaas" ]; then pkg="${pkg_dir}/${CC_NAME}-ccaas-org${n}.tar.gz"; fi
    install_package "$n" "$pkg" "${ids[n]}"
  done

  step "4/6" "chaincode servers"
  if [ "$CC_TYPE" = "ccaas" ]; then
    for n in "${ORG_NUMS[@]}"; do ccaas_write_conf "$CC_NAME" "$n" "${ids[n]}"; done
    ccaas_start "$CC_NAME"
  else
    println "node package: each peer builds and launches the chaincode container itself"
  fi

  step "5/6" "approving for every organisation and committing"
  for n in "${ORG_NUMS[@]}"; do approve_for_org "$n" "${ids[n]}"; done
  commit_definition

  step "6/6" "checking that every peer runs ${CC_NAME}"
  timeout=60
  [ "$CC_TYPE" = "node" ] && timeout=300
  for n in "${ORG_NUMS[@]}"; do
    wait_until "$timeout" "${CC_NAME} to answer on $(peer_name "$n")" chaincode_answers "$n" || {
      [ "$CC_TYPE" = "ccaas" ] && [ "$MODE" = "binaries" ] && show_log_tail "$(ccaas_proc "$CC_NAME" "$n")"
      [ "$MODE" = "binaries" ] && show_log_tail "$(peer_name "$n")"
      fatalln "${CC_NAME} does not answer on $(peer_name "$n")"
    }
    println "$(peer_name "$n"): ${CC_NAME} answers"
  done
  write_connection_file "${NET_DIR}/connection.json"
  state_set "CC_DEPLOYED_${CC_NAME//[^A-Za-z0-9_]/_}" "${CC_VERSION}:${CC_SEQUENCE}:${CC_TYPE}"
  successln "Chaincode '${CC_NAME}' ${CC_VERSION} (sequence ${CC_SEQUENCE}, ${CC_TYPE}) committed on '${CHANNEL_NAME}'"
}
