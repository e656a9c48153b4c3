#!/usr/bin/env python3
"""Consistency checks of what `network.sh generate` wrote, without any Fabric binary.

usage: check_config.py NET_ROOT NET_DIR TOPOLOGY_FILE

TOPOLOGY_FILE holds `all_ports` of scripts/topology.sh ("owner port" lines) for the generated mode.
Checks the rendered configtx.yaml (profile, MSP folders, NodeOUs, policies naming existing organisations,
MAJORITY endorsement, consenters and endpoints, anchor peers), the per-node env files (binaries mode: files
exist, ports match the topology and never collide, the external builder, the operations client root CAs), the
compose files (docker mode: published ports, mounted crypto, env files, the operations client CA), the dedicated
operations client CA and its client certificate, and the connection file (paths, identities' NodeOUs, keys
matching certificates, TLS chains and host names). Prints one line per failed check and exits 1 if any.
"""
import json
import os
import re
import subprocess
import sys

import yaml

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
    return cond


def openssl(*args, data=None):
    r = subprocess.run(("openssl",) + args, input=data, capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def read_state(net_dir):
    state = {}
    with open(os.path.join(net_dir, "network.state")) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                state[k] = v
    return state


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            k, v = line.split("=", 1)
            env[k] = v
    return env


def cert_subject(path):
    return openssl("x509", "-in", path, "-noout", "-subject", "-nameopt", "RFC2253")[1]


def cert_sans(path):
    out = openssl("x509", "-in", path, "-noout", "-ext", "subjectAltName")[1]
    return set(re.findall(r"(?:DNS|IP Address):([^,\s]+)", out))


def pubkey(path, private=False):
    args = ("pkey", "-in", path, "-pubout") if private else ("x509", "-in", path, "-noout", "-pubkey")
    return openssl(*args)[1].strip()


def verify_chain(ca, cert):
    return openssl("verify", "-CAfile", ca, cert)[0] == 0


def check_msp_dir(msp, label):
    if not check(os.path.isdir(msp), f"{label}: MSP folder {msp} does not exist"):
        return
    for sub in ("cacerts", "tlscacerts"):
        d = os.path.join(msp, sub)
        check(os.path.isdir(d) and os.listdir(d), f"{label}: {d} is missing or empty")
    cfg = os.path.join(msp, "config.yaml")
    if check(os.path.isfile(cfg), f"{label}: {cfg} missing (NodeOUs)"):
        with open(cfg) as f:
            ous = (yaml.safe_load(f) or {}).get("NodeOUs", {})
        check(ous.get("Enable") is True, f"{label}: NodeOUs not enabled in {cfg}")
        for key in ("ClientOUIdentifier", "PeerOUIdentifier", "AdminOUIdentifier", "OrdererOUIdentifier"):
            ident = ous.get(key) or {}
            check(os.path.isfile(os.path.join(msp, ident.get("Certificate", "-"))), f"{label}: {key} certificate missing in {msp}")


SIG_PRINCIPAL = re.compile(r"'([A-Za-z0-9.-]+)\.(member|admin|peer|client|orderer)'")


def check_policies(policies, where, msp_ids, own=None, sub_names=None):
    for name, pol in (policies or {}).items():
        rule = pol.get("Rule", "")
        if pol.get("Type") == "Signature":
            principals = SIG_PRINCIPAL.findall(rule)
            check(principals, f"{where}/{name}: no principal in '{rule}'")
            for msp, _role in principals:
                check(msp in msp_ids, f"{where}/{name}: names unknown MSP {msp}")
                if own:
                    check(msp == own, f"{where}/{name}: org policy names another MSP {msp}")
        elif pol.get("Type") == "ImplicitMeta":
            m = re.fullmatch(r"(ANY|ALL|MAJORITY) (\w+)", rule)
            if check(m, f"{where}/{name}: bad ImplicitMeta rule '{rule}'") and sub_names is not None:
                for org, names in sub_names.items():
                    check(m.group(2) in names, f"{where}/{name}: '{rule}' but {org} has no {m.group(2)} policy")
        else:
            check(False, f"{where}/{name}: unknown policy type {pol.get('Type')}")


def check_configtx(net_dir, state, peers, orderers):
    bft = state.get("BFT") == "true"
    mode = state["MODE"]
    path = os.path.join(net_dir, "generated", "bft" if bft else "configtx", "configtx.yaml")
    if not check(os.path.isfile(path), f"{path} not written"):
        return None
    with open(path) as f:
        text = f.read()
    check(not re.search(r"\$\{[A-Za-z0-9_]+\}", text), f"{path} has unrendered placeholders")
    cfg = yaml.safe_load(text)
    profile_name = "KeyLedgerBFT" if bft else ("KeyLedgerRaft" if mode == "docker" else "KeyLedgerRaftSingle")
    profile = cfg.get("Profiles", {}).get(profile_name)
    if not check(profile, f"profile {profile_name} missing in {path}"):
        return None
    orgs = cfg["Organizations"]
    msp_ids = {o["ID"] for o in orgs}
    for o in orgs:
        check(o["Name"] and o["ID"], f"organisation without Name/ID in {path}")
        check_msp_dir(o["MSPDir"], f"configtx org {o['ID']}")
        check_policies(o.get("Policies"), f"Organizations/{o['ID']}", msp_ids, own=o["ID"])
    app = profile["Application"]
    app_orgs = app["Organizations"]
    ord_orgs = profile["Orderer"]["Organizations"]
    check([o["ID"] for o in app_orgs] == ["Org1MSP", "Org2MSP", "Org3MSP"], "application organisations are not Org1MSP, Org2MSP, Org3MSP")
    check([o["ID"] for o in ord_orgs] == ["OrdererMSP"], "orderer organisation is not OrdererMSP")
    app_names = {o["ID"]: set((o.get("Policies") or {}).keys()) for o in app_orgs}
    ord_names = {o["ID"]: set((o.get("Policies") or {}).keys()) for o in ord_orgs}
    for o in app_orgs:
        check({"Readers", "Writers", "Admins", "Endorsement"} <= app_names[o["ID"]], f"{o['ID']} lacks one of Readers/Writers/Admins/Endorsement")
    check_policies(app["Policies"], "Application", msp_ids, sub_names=app_names)
    check_policies(profile["Orderer"]["Policies"], "Orderer", msp_ids, sub_names=ord_names)
    all_names = {**app_names, **ord_names}
    check_policies(profile["Policies"], "Channel", msp_ids,
                   sub_names={k: v | {"Readers", "Writers", "Admins"} for k, v in all_names.items()})
    check(app["Policies"]["Endorsement"]["Rule"] == "MAJORITY Endorsement", "chaincode endorsement is not MAJORITY Endorsement")
    check(app["Policies"]["LifecycleEndorsement"]["Rule"] == "MAJORITY Endorsement", "lifecycle endorsement is not MAJORITY Endorsement")
    check(re.fullmatch(r"\d+(ms|s)", str(profile["Orderer"]["BatchTimeout"])), "BatchTimeout is not a duration")
    # Consenters and endpoints.
    endpoints = ord_orgs[0].get("OrdererEndpoints") or []
    if bft:
        check(profile["Orderer"]["OrdererType"] == "BFT", "BFT profile without OrdererType BFT")
        check(profile["Capabilities"].get("V3_0") is True, "BFT profile without the V3_0 channel capability")
        consenters = profile["Orderer"]["ConsenterMapping"]
        check(sorted(c["ID"] for c in consenters) == list(range(1, len(consenters) + 1)), "BFT consenter IDs are not 1..n")
        for c in consenters:
            check(c["MSPID"] in msp_ids, f"BFT consenter {c['ID']} names unknown MSP {c['MSPID']}")
            check(os.path.isfile(c["Identity"]), f"BFT consenter {c['ID']} identity {c['Identity']} missing")
    else:
        check(profile["Orderer"]["OrdererType"] == "etcdraft", "Raft profile without OrdererType etcdraft")
        consenters = profile["Orderer"]["EtcdRaft"]["Consenters"]
    check(len(consenters) == len(orderers), f"{len(consenters)} consenters for {len(orderers)} running orderers")
    got = sorted(f"{c['Host']}:{c['Port']}" for c in consenters)
    check(got == sorted(endpoints), f"consenters {got} differ from OrdererEndpoints {endpoints}")
    check(sorted(str(c["Port"]) for c in consenters) == sorted(orderers.values()), f"consenter ports {got} differ from the orderers' ports")
    for c in consenters:
        for key in ("ClientTLSCert", "ServerTLSCert"):
            check(os.path.isfile(c[key]), f"consenter {c['Host']}:{c['Port']} {key} {c[key]} missing")
        if mode == "binaries":
            check(c["Host"] == "127.0.0.1", f"binaries mode consenter host {c['Host']}")
            check("127.0.0.1" in cert_sans(c["ServerTLSCert"]), f"{c['ServerTLSCert']} has no 127.0.0.1 SAN")
        else:
            check(c["Host"] in cert_sans(c["ServerTLSCert"]), f"{c['ServerTLSCert']} has no SAN {c['Host']}")
    # Anchor peers.
    for i, o in enumerate(app_orgs, start=1):
        anchors = o.get("AnchorPeers") or []
        want_host = "127.0.0.1" if mode == "binaries" else f"peer0.org{i}.example.com"
        check(len(anchors) == 1 and anchors[0]["Host"] == want_host and str(anchors[0]["Port"]) == peers[str(i)],
              f"{o['ID']} anchor peer {anchors} is not {want_host}:{peers[str(i)]}")
    return {o["ID"] for o in app_orgs}


OPS_CA_IN_CONTAINER = "/var/hyperledger/operations/ca.crt"


def peer_list(raw):
    """A core.yaml list from the environment, as viper's GetStringSlice reads it: split on white space."""
    return raw.split()


def orderer_list(raw):
    """An orderer.yaml list from the environment, as common/viperutil reads it: "[a, b]", or one bare value."""
    if len(raw) > 1 and raw[0] == "[" and raw[-1] == "]":
        return [r.strip() for r in raw[1:-1].split(",")]
    return [raw] if raw else []


def ops_paths(net_dir):
    d = os.path.join(net_dir, "organizations", "operations")
    return os.path.join(d, "ca", "ca.crt"), os.path.join(d, "client", "client.crt"), os.path.join(d, "client", "client.key")


def check_operations_ca(net_dir):
    """The operations client CA (scripts/operations.sh): a CA of its own, none of the organisations' CAs; its
    client certificate verifies for TLS client authentication (Go checks that usage), and no certificate of an
    organisation does (else that org's every TLS identity could read /metrics and change /logspec)."""
    ca, cert, key = ops_paths(net_dir)
    if not check(all(os.path.isfile(f) for f in (ca, cert, key)), f"operations client CA material missing under {os.path.dirname(os.path.dirname(ca))}"):
        return
    check("CA:TRUE" in openssl("x509", "-in", ca, "-noout", "-ext", "basicConstraints")[1], f"{ca} is not a CA certificate")
    check(openssl("verify", "-purpose", "sslclient", "-CAfile", ca, cert)[0] == 0, f"{cert} does not verify against {ca} for TLS client use")
    check(pubkey(cert) == pubkey(key, private=True), f"{key} does not match {cert}")
    orgs = os.path.join(net_dir, "organizations")
    org_cas, org_tls = [], []
    for kind in ("peerOrganizations", "ordererOrganizations"):
        base = os.path.join(orgs, kind)
        for domain in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            for sub in ("cacerts", "tlscacerts"):
                d = os.path.join(base, domain, "msp", sub)
                org_cas += [os.path.join(d, f) for f in sorted(os.listdir(d))] if os.path.isdir(d) else []
            for root, _dirs, files in os.walk(os.path.join(base, domain)):
                if os.path.basename(root) == "tls":
                    org_tls += [os.path.join(root, f) for f in files if f in ("server.crt", "client.crt")]
    ops_key = pubkey(ca)
    for c in org_cas:
        check(pubkey(c) != ops_key, f"the operations client CA is an organisation's CA ({c}); it must be dedicated")
    for c in org_tls:
        check(openssl("verify", "-CAfile", ca, c)[0] != 0, f"{c} (an organisation's TLS certificate) verifies against the operations client CA")


def check_env_files(net_root, net_dir, ports):
    env_dir = os.path.join(net_dir, "generated", "env")
    common = {"peer": read_env(os.path.join(net_root, "config", "peer.env")),
              "orderer": read_env(os.path.join(net_root, "config", "orderer.env"))}
    check(common["peer"].get("CORE_PEER_TLS_ENABLED") == "true", "peer.env does not enable TLS")
    check(common["orderer"].get("ORDERER_GENERAL_TLS_ENABLED") == "true", "orderer.env does not enable TLS")
    check(common["orderer"].get("ORDERER_ADMIN_TLS_ENABLED") == "true", "orderer.env does not enable admin TLS")
    check(common["orderer"].get("ORDERER_CHANNELPARTICIPATION_ENABLED") == "true", "orderer.env does not enable channel participation")
    check(common["orderer"].get("ORDERER_GENERAL_BOOTSTRAPMETHOD") == "none", "orderer.env keeps a bootstrap block (system channel)")
    for kind, prefix in (("peer", "CORE_"), ("orderer", "ORDERER_")):
        c = common[kind]
        check(c.get(f"{prefix}OPERATIONS_TLS_ENABLED") == "true", f"{kind}.env does not enable operations TLS")
        check(c.get(f"{prefix}METRICS_PROVIDER") == "prometheus", f"{kind}.env: metrics provider is not prometheus (no /metrics)")
    bound = []
    data_keys = ("FILESYSTEMPATH", "SNAPSHOTS_ROOTDIR", "FILELEDGER_LOCATION", "WALDIR", "SNAPDIR")
    for name in sorted(os.listdir(env_dir)):
        if name in ("fabric-cfg.env",) or name.startswith("ca-"):
            continue
        env = read_env(os.path.join(env_dir, name))
        node = name[:-4]
        for k, v in env.items():
            if any(k.endswith(d) for d in data_keys):
                check(v.startswith(net_dir), f"{node}: {k}={v} is outside the network folder")
                continue
            for p in re.findall(r"(/[^\[\],]+)", v) if k.endswith(("FILE", "FILES", "CERTIFICATE", "PRIVATEKEY", "ROOTCAS", "MSPDIR", "MSPCONFIGPATH", "CLIENTROOTCAS")) else []:
                check(os.path.exists(p), f"{node}: {k} names {p}, which does not exist")
            if k.endswith(("LISTENADDRESS",)) and ":" in v:
                check(v.startswith("127.0.0.1:"), f"{node}: {k}={v} does not bind 127.0.0.1")
                bound.append((node, k, v.rsplit(":", 1)[1]))
            if k == "ORDERER_GENERAL_LISTENPORT":
                check(env.get("ORDERER_GENERAL_LISTENADDRESS") == "127.0.0.1", f"{node}: orderer does not listen on 127.0.0.1")
                bound.append((node, k, v))
        ops_ca = ops_paths(net_dir)[0]
        if node.startswith("peer"):
            roots = peer_list(env.get("CORE_OPERATIONS_TLS_CLIENTROOTCAS_FILES", ""))
            check(roots == [ops_ca], f"{node}: CORE_OPERATIONS_TLS_CLIENTROOTCAS_FILES is {roots}, not [{ops_ca}] (/metrics would answer 401)")
        else:
            roots = orderer_list(env.get("ORDERER_OPERATIONS_TLS_CLIENTROOTCAS", ""))
            check(roots == [ops_ca], f"{node}: ORDERER_OPERATIONS_TLS_CLIENTROOTCAS is {roots}, not [{ops_ca}] (/metrics would answer 401)")
        if node.startswith("peer"):
            msp_id = env["CORE_PEER_LOCALMSPID"]
            org = msp_id[3]
            check(f"OU=peer" in cert_subject(first(os.path.join(env["CORE_PEER_MSPCONFIGPATH"], "signcerts"))), f"{node}: MSP certificate is not a peer (OU=peer)")
            check(f"org{org}.example.com" in env["CORE_PEER_MSPCONFIGPATH"], f"{node}: MSP of another org for {msp_id}")
            check(env["CORE_PEER_ADDRESS"] == env["CORE_PEER_GOSSIP_EXTERNALENDPOINT"] == env["CORE_PEER_LISTENADDRESS"], f"{node}: peer, gossip and listen addresses differ")
            check("127.0.0.1" in cert_sans(env["CORE_PEER_TLS_CERT_FILE"]), f"{node}: TLS certificate has no 127.0.0.1 SAN (gossip dials 127.0.0.1)")
            check(verify_chain(env["CORE_PEER_TLS_ROOTCERT_FILE"], env["CORE_PEER_TLS_CERT_FILE"]), f"{node}: TLS certificate does not chain to its root")
            builders = json.loads(env["CORE_CHAINCODE_EXTERNALBUILDERS"])
            check(len(builders) == 1 and builders[0]["name"] and "CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG" in builders[0]["propagateEnvironment"],
                  f"{node}: external builders {builders}")
            for script in ("detect", "build", "release"):
                p = os.path.join(builders[0]["path"], "bin", script)
                check(os.path.isfile(p) and os.access(p, os.X_OK), f"{node}: external builder {p} missing or not executable")
            json.loads(env["CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG"])
        else:
            check("OU=orderer" in cert_subject(first(os.path.join(env["ORDERER_GENERAL_LOCALMSPDIR"], "signcerts"))), f"{node}: MSP certificate is not an orderer")
    seen = {}
    for node, key, port in bound:
        check(port not in seen, f"port {port} bound twice: {seen.get(port)} and {node} {key}")
        seen[port] = f"{node} {key}"
    expected = {p for owner, p in ports if not owner.startswith("ccaas-")}
    expected -= {p for owner, p in ports if owner.endswith("/chaincode")} - set(seen)
    check(set(seen) == expected, f"ports in env files {sorted(seen)} differ from the topology {sorted(expected)}")


def first(d):
    names = sorted(os.listdir(d))
    return os.path.join(d, names[0]) if names else d


def interpolate(text, env):
    def repl(m):
        return env.get(m.group(1), m.group(0))
    return re.sub(r"\$\{([A-Za-z0-9_]+)\}", repl, text)


def check_compose(net_root, net_dir, state, ports, peers, orderers):
    env = read_env(os.path.join(net_dir, "generated", "compose.env"))
    files = ["compose-net.yaml"] + (["compose-bft.yaml"] if state.get("BFT") == "true" else [])
    services = {}
    for name in files:
        with open(os.path.join(net_root, "compose", name)) as f:
            doc = yaml.safe_load(interpolate(f.read(), env))
        services.update(doc["services"])
        for svc, spec in doc["services"].items():
            for ef in spec.get("env_file", []):
                check(os.path.isfile(os.path.join(net_root, "compose", ef)), f"compose {svc}: env_file {ef} missing")
            check("${" not in json.dumps(spec), f"compose {svc}: variable left after interpolation with compose.env")
    published = []
    for svc, spec in services.items():
        for p in spec.get("ports", []):
            host, container = str(p).split(":")
            check(host == container, f"compose {svc}: port {p} maps to a different container port")
            published.append((svc, host))
        for v in spec.get("volumes", []):
            src = v.split(":")[0]
            if src.startswith("/") and "organizations" in src:
                check(os.path.exists(src), f"compose {svc}: mounts {src}, which does not exist")
                check(not src.startswith(os.path.join(net_dir, "organizations", "operations")) or src == ops_paths(net_dir)[0],
                      f"compose {svc}: mounts {src}; of the operations material a node gets only the CA certificate")
        envs = dict(e.split("=", 1) for e in spec.get("environment", []))
        if svc.startswith(("peer0.", "orderer")):
            mounts = {v.split(":")[1]: v.split(":")[0] for v in spec.get("volumes", [])}
            check(mounts.get(OPS_CA_IN_CONTAINER) == ops_paths(net_dir)[0], f"compose {svc}: the operations client CA is not mounted at {OPS_CA_IN_CONTAINER}")
            if svc.startswith("peer0."):
                roots = peer_list(envs.get("CORE_OPERATIONS_TLS_CLIENTROOTCAS_FILES", ""))
            else:
                roots = orderer_list(envs.get("ORDERER_OPERATIONS_TLS_CLIENTROOTCAS", ""))
            check(roots == [OPS_CA_IN_CONTAINER], f"compose {svc}: operations client root CAs {roots}, not [{OPS_CA_IN_CONTAINER}]")
        if svc.startswith("peer0."):
            org = svc.split(".")[1][-1]
            check(envs["CORE_PEER_LOCALMSPID"] == f"Org{org}MSP", f"compose {svc}: wrong MSP id")
            check(envs["CORE_PEER_GOSSIP_EXTERNALENDPOINT"] == f"{svc}:{peers[org]}", f"compose {svc}: gossip endpoint")
            json.loads(envs["CORE_CHAINCODE_EXTERNALBUILDERS"])
        if svc.startswith("orderer"):
            check(envs["ORDERER_GENERAL_LISTENPORT"] == orderers.get(svc.split(".")[0]), f"compose {svc}: listen port {envs['ORDERER_GENERAL_LISTENPORT']}")
    ports_seen = [p for _, p in published]
    check(len(ports_seen) == len(set(ports_seen)), f"compose publishes a port twice: {sorted(ports_seen)}")
    expected = {p for owner, p in ports}
    check(set(ports_seen) == expected, f"compose ports {sorted(set(ports_seen))} differ from the topology {sorted(expected)}")
    check(set(services) == {f"peer0.org{i}.example.com" for i in (1, 2, 3)} | {f"{o}.example.com" for o in orderers},
          f"compose services {sorted(services)} do not match the running nodes")


def check_connection(net_dir, app_msps, peers):
    path = os.path.join(net_dir, "connection.json")
    if not check(os.path.isfile(path), "connection.json not written"):
        return
    with open(path) as f:
        conn = json.load(f)
    check(conn.get("channel") == read_state(net_dir).get("CHANNEL_NAME"), "connection channel differs from the network's")
    check(conn.get("chaincode") == "keyledger", "connection chaincode is not keyledger")
    check(conn.get("endpoint") == f"localhost:{peers['1']}", f"default endpoint {conn.get('endpoint')}")
    base = os.path.dirname(path)
    res = lambda p: p if os.path.isabs(p) else os.path.join(base, p)
    check(os.path.isfile(res(conn["tlsCaCertPath"])), "default tlsCaCertPath missing")
    check([o["mspId"] for o in conn["orgs"]] == sorted(app_msps), f"connection orgs {[o['mspId'] for o in conn['orgs']]} differ from the channel's {sorted(app_msps)}")
    for o in conn["orgs"]:
        n = o["mspId"][3]
        check(o["peerEndpoint"] == f"localhost:{peers[n]}", f"{o['mspId']}: endpoint {o['peerEndpoint']}")
        peer_tls = os.path.join(net_dir, "organizations", "peerOrganizations", f"org{n}.example.com", "peers",
                                f"peer0.org{n}.example.com", "tls", "server.crt")
        check(verify_chain(res(o["tlsCaCertPath"]), peer_tls), f"{o['mspId']}: tlsCaCertPath does not verify the peer's TLS certificate")
        sans = cert_sans(peer_tls)
        check(o["hostnameOverride"] in sans and "localhost" in sans, f"{o['mspId']}: peer TLS SANs {sans} lack {o['hostnameOverride']} or localhost")
        for role, ou in (("admin", "admin"), ("user", "client")):
            cert, key = res(o[role]["certPath"]), res(o[role]["keyPath"])
            if check(os.path.isfile(cert) and os.path.isfile(key), f"{o['mspId']} {role}: certificate or key missing"):
                check(f"OU={ou}" in cert_subject(cert), f"{o['mspId']} {role}: certificate lacks OU={ou} (NodeOUs)")
                check(pubkey(cert) == pubkey(key, private=True), f"{o['mspId']} {role}: key does not match certificate")
                ca = first(os.path.join(os.path.dirname(os.path.dirname(cert)), "cacerts"))
                check(verify_chain(ca, cert), f"{o['mspId']} {role}: certificate does not chain to the org CA")


def main():
    net_root, net_dir, topo = sys.argv[1:4]
    state = read_state(net_dir)
    with open(topo) as f:
        ports = [tuple(line.split()) for line in f if line.strip()]
    peers = {owner[len("peer0.org"):][0]: p for owner, p in ports if owner.startswith("peer0.") and "/" not in owner}
    orderers = {owner.split(".")[0]: p for owner, p in ports if owner.startswith("orderer") and "/" not in owner}
    owners = [p for _, p in ports]
    check(len(owners) == len(set(owners)), f"topology has colliding ports: {sorted(owners)}")
    app_msps = check_configtx(net_dir, state, peers, orderers)
    check_operations_ca(net_dir)
    if state["MODE"] == "binaries":
        check_env_files(net_root, net_dir, ports)
    else:
        check_compose(net_root, net_dir, state, ports, peers, orderers)
    if app_msps:
        check_connection(net_dir, app_msps, peers)
    for f in failures:
        print(f"  - {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
