#!/usr/bin/env bash
# createChannel: genesis block with configtxgen, orderers joined through the channel participation API
# (osnadmin, no system channel), every peer joined, anchor peers (already in the genesis block's org
# definitions), then wait until the orderers have a leader and every peer sees the others through gossip.

channel_block() { echo "${NET_DIR}/channel-artifacts/${CHANNEL_NAME}.block"; }

create_genesis_block() {
  local block
  block=$(channel_block)
  mkdir -p "$(dirname "$block")"
  if [ -s "$block" ]; then
    println "genesis block $(relpath "$NET_DIR" "$block") exists"
    return 0
  fi
  gen_configtx
  run "$(fabric_tool configtxgen)" -configPath "$(configtx_dir)" -profile "$(channel_profile)" \
    -outputBlock "$block" -channelID "$CHANNEL_NAME" ||
    fatalln "configtxgen failed (profile $(channel_profile), $(configtx_dir)/configtx.yaml)"
  println "genesis block written: $(relpath "$NET_DIR" "$block") (profile $(channel_profile))"
}

# orderer_has_channel ORDERER — the orderer already serves the channel (osnadmin channel list).
orderer_has_channel() {
  local node
  node=$(orderer_node_dir "$1")
  "$(fabric_tool osnadmin)" channel list --channelID "$CHANNEL_NAME" -o "localhost:$(orderer_admin_port "$1")" \
    --ca-file "$(orderer_tlsca_cert)" --client-cert "${node}/tls/server.crt" --client-key "${node}/tls/server.key" \
    2>/dev/null | grep -q '"name": *"'"$CHANNEL_NAME"'"'
}

join_orderers() {
  local o
  for o in $(active_orderers); do
    if orderer_has_channel "$o"; then
      println "$(orderer_fqdn "$o") already has channel ${CHANNEL_NAME}"
      continue
    fi
    osnadmin_cli "$o" channel join --channelID "$CHANNEL_NAME" --config-block "$(channel_block)" ||
      fatalln "$(orderer_fqdn "$o") could not join ${CHANNEL_NAME}"
    println "$(orderer_fqdn "$o") joined ${CHANNEL_NAME}"
  done
}

# metric_value PORT CAFILE NAME — value of NAME{channel="CHANNEL_NAME"} from a node's /metrics (read with the
# operations client certificate, see operations.sh), or nothing.
metric_value() {
  ops_get "$1" "$2" metrics | grep -E "^$3\{([^}]*,)?channel=\"${CHANNEL_NAME}\"(,[^}]*)?\} " |
    head -n 1 | awk '{print $2}'
}

# raft_leaders — how many active orderers report themselves Raft leader of the channel.
raft_leaders() {
  local o v count=0
  for o in $(active_orderers); do
    v=$(metric_value "$(orderer_ops_port "$o")" "$(orderer_node_dir "$o")/tls/ca.crt" consensus_etcdraft_is_leader)
    if [ "${v%%.*}" = "1" ]; then count=$((count + 1)); fi
  done
  echo "$count"
}

one_raft_leader() { [ "$(raft_leaders)" -eq 1 ]; }

# bft_leader_agreed — every BFT orderer reports the same leader id (> 0) for the channel.
bft_leader_agreed() {
  local o v first=""
  for o in $(active_orderers); do
    v=$(metric_value "$(orderer_ops_port "$o")" "$(orderer_node_dir "$o")/tls/ca.crt" consensus_smartbft_view_leader_id)
    v=${v%%.*}
    [ -n "$v" ] && [ "$v" -gt 0 ] 2>/dev/null || return 1
    if [ -z "$first" ]; then first=$v; elif [ "$v" != "$first" ]; then return 1; fi
  done
  BFT_LEADER=$first
}

# orderers_active — osnadmin reports the channel active on every orderer.
orderers_active() {
  local o node
  for o in $(active_orderers); do
    node=$(orderer_node_dir "$o")
    "$(fabric_tool osnadmin)" channel list --channelID "$CHANNEL_NAME" -o "localhost:$(orderer_admin_port "$o")" \
      --ca-file "$(orderer_tlsca_cert)" --client-cert "${node}/tls/server.crt" --client-key "${node}/tls/server.key" \
      2>/dev/null | grep -Eq '"status": *"active"' || return 1
  done
}

# metrics_problems orderers|peers — "; <node>: <why>" for each active node whose /metrics the operations client
# cannot read (nothing when all can): appended to a time-out so that it names the cause.
metrics_problems() {
  local o n p out=""
  if [ "$1" = orderers ]; then
    for o in $(active_orderers); do
      if p=$(ops_access_problem "$(orderer_ops_port "$o")" "$(orderer_node_dir "$o")/tls/ca.crt"); then out="${out}; $(orderer_fqdn "$o"): ${p}"; fi
    done
  else
    for n in "${ORG_NUMS[@]}"; do
      if p=$(ops_access_problem "$(peer_ops_port "$n")" "$(peer_node_dir "$n")/tls/ca.crt"); then out="${out}; $(peer_name "$n"): ${p}"; fi
    done
  fi
  printf '%s' "$out"
}

wait_orderer_leader() {
  local timeout=${LEADER_TIMEOUT:-90}
  wait_until "$timeout" "channel ${CHANNEL_NAME} to be active on every orderer" orderers_active ||
    fatalln "the orderers did not activate ${CHANNEL_NAME}; see $(relpath "$NET_DIR" "$(log_dir)")/ or docker logs"
  if ! have_curl; then
    warnln "curl not found: cannot read the orderers' metrics to confirm the leader; waiting 10s instead"
    sleep 10
    return 0
  fi
  if [ "${BFT:-false}" = "true" ]; then
    wait_until "$timeout" "the BFT orderers to agree on a leader" bft_leader_agreed ||
      fatalln "the BFT orderers did not agree on a leader of ${CHANNEL_NAME} (metric consensus_smartbft_view_leader_id)$(metrics_problems orderers)"
    successln "BFT leader of ${CHANNEL_NAME}: consenter ${BFT_LEADER}"
  else
    wait_until "$timeout" "a Raft leader of ${CHANNEL_NAME}" one_raft_leader ||
      fatalln "no single Raft leader for ${CHANNEL_NAME} (consensus_etcdraft_is_leader); $(raft_leaders) orderers claim it$(metrics_problems orderers)"
    successln "Raft leader elected for ${CHANNEL_NAME}"
  fi
}

peer_has_channel() {
  local out
  peer_cli_capture out "$1" channel list 2>/dev/null || return 1
  printf '%s\n' "$out" | grep -qx "$CHANNEL_NAME"
}

join_peers() {
  local n
  for n in "${ORG_NUMS[@]}"; do
    if peer_has_channel "$n"; then
      println "$(peer_name "$n") already joined ${CHANNEL_NAME}"
      continue
    fi
    peer_cli "$n" channel join -b "$(channel_block)" || fatalln "$(peer_name "$n") could not join ${CHANNEL_NAME}"
    println "$(peer_name "$n") joined ${CHANNEL_NAME}"
  done
}

# peers_see_each_other — every peer's gossip membership for the channel counts all the other peers.
peers_see_each_other() {
  local n v want=$((${#ORG_NUMS[@]} - 1))
  for n in "${ORG_NUMS[@]}"; do
    v=$(metric_value "$(peer_ops_port "$n")" "$(peer_node_dir "$n")/tls/ca.crt" gossip_membership_total_peers_known)
    v=${v%%.*}
    [ -n "$v" ] && [ "$v" -ge "$want" ] 2>/dev/null || return 1
  done
}

peers_joined() {
  local n
  for n in "${ORG_NUMS[@]}"; do peer_has_channel "$n" || return 1; done
}

wait_gossip() {
  wait_until 60 "every peer to list ${CHANNEL_NAME}" peers_joined || fatalln "a peer did not join ${CHANNEL_NAME}"
  if ! have_curl; then
    warnln "curl not found: cannot read the peers' gossip metrics; waiting 15s instead"
    sleep 15
    return 0
  fi
  wait_until "${GOSSIP_TIMEOUT:-120}" "every peer to see the other $((${#ORG_NUMS[@]} - 1)) through gossip" peers_see_each_other ||
    fatalln "gossip membership incomplete (gossip_membership_total_peers_known); check anchor peers and the peers' logs$(metrics_problems peers)"
  successln "every peer sees the other $((${#ORG_NUMS[@]} - 1)) through gossip on ${CHANNEL_NAME}"
}

create_channel() {
  set_orderer_args
  step "1/4" "genesis block for ${CHANNEL_NAME}"
  create_genesis_block
  step "2/4" "orderers join ${CHANNEL_NAME} (osnadmin)"
  join_orderers
  wait_orderer_leader
  step "3/4" "peers join ${CHANNEL_NAME} (anchor peers are in the genesis block)"
  join_peers
  step "4/4" "gossip"
  wait_gossip
  state_set CHANNEL_CREATED true
  state_set CHANNEL_NAME "$CHANNEL_NAME"
  write_connection_file "${NET_DIR}/connection.json"
  successln "Channel '${CHANNEL_NAME}' created; connection file: $(relpath "$NET_ROOT" "${NET_DIR}/connection.json")"
}
