#!/usr/bin/env bash
# Docker mode: the official hyperledger/fabric-peer, fabric-orderer and fabric-ca images at pinned versions,
# through docker compose (project "keyledger", network "keyledger_fabric").

require_docker() {
  command -v docker >/dev/null 2>&1 || fatalln "docker not found; install Docker, or use --mode binaries"
  docker info >/dev/null 2>&1 || fatalln "no Docker engine answers (docker info failed); start it, or use --mode binaries"
  docker compose version >/dev/null 2>&1 || fatalln "the docker compose plugin (v2) is needed"
}

# compose_files — -f arguments for the network (Raft: three orderers; BFT adds the fourth).
compose_files() {
  COMPOSE_ARGS=(-f "${NET_ROOT}/compose/compose-net.yaml")
  if [ "${BFT:-false}" = "true" ]; then
    COMPOSE_ARGS+=(-f "${NET_ROOT}/compose/compose-bft.yaml")
  fi
}

compose_net() {
  compose_files
  run docker compose --env-file "$(gen_dir)/compose.env" -p "$COMPOSE_PROJECT" "${COMPOSE_ARGS[@]}" "$@"
}

compose_ca() {
  run docker compose --env-file "$(gen_dir)/compose.env" -p "${COMPOSE_PROJECT}-ca" -f "${NET_ROOT}/compose/compose-ca.yaml" "$@"
}

# check_images — the pinned images are present (pulled by install-fabric.sh docker, or pulled now by compose).
check_images() {
  local img missing=()
  for img in "hyperledger/fabric-orderer:${FABRIC_IMAGE_TAG}" "hyperledger/fabric-peer:${FABRIC_IMAGE_TAG}"; do
    docker image inspect "$img" >/dev/null 2>&1 || missing+=("$img")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    warnln "images not present locally: ${missing[*]} — docker compose will pull them now"
    println "(install-fabric.sh --fabric-version ${FABRIC_IMAGE_TAG} docker pulls them ahead of time)"
  fi
}

ensure_docker_network() {
  docker network inspect "$DOCKER_NETWORK" >/dev/null 2>&1 || run docker network create "$DOCKER_NETWORK" >/dev/null
}

start_cas_docker() {
  ensure_docker_network
  compose_ca up -d || fatalln "could not start the Fabric CA containers"
}

start_network_docker() {
  local o n
  check_images
  ensure_docker_network
  compose_net up -d || fatalln "docker compose up failed"
  for o in $(active_orderers); do
    wait_node "$(orderer_fqdn "$o")" "$(orderer_ops_port "$o")" "$(orderer_node_dir "$o")/tls/ca.crt" "$(orderer_port "$o")"
  done
  for n in "${ORG_NUMS[@]}"; do
    wait_node "$(peer_name "$n")" "$(peer_ops_port "$n")" "$(peer_node_dir "$n")/tls/ca.crt" "$(peer_port "$n")"
  done
}

stop_network_docker() {
  compose_net stop || true
  ccaas_stop_all_docker stop
  if [ "${USE_CA:-false}" = "true" ]; then compose_ca stop || true; fi
}

# down_network_docker — containers, volumes (ledgers) and chaincode images of this project only.
down_network_docker() {
  local ids
  ccaas_stop_all_docker down --volumes --remove-orphans
  compose_net down --volumes --remove-orphans || true
  compose_ca down --volumes --remove-orphans || true
  # Node chaincode containers/images the peers built (names start with dev-peer0.orgN.example.com).
  ids=$(docker ps -aq --filter "name=dev-peer0.org[123].example.com-" 2>/dev/null || true)
  # shellcheck disable=SC2086 # a list of ids
  if [ -n "$ids" ]; then run docker rm -f $ids >/dev/null || true; fi
  ids=$(docker images -q --filter "reference=dev-peer0.org[123].example.com-*" 2>/dev/null || true)
  # shellcheck disable=SC2086
  if [ -n "$ids" ]; then run docker rmi -f $ids >/dev/null || true; fi
  docker network rm "$DOCKER_NETWORK" >/dev/null 2>&1 || true
}
