#!/usr/bin/env python3
"""Stand-ins for Fabric's peer, orderer, osnadmin and configtxgen, for test/run.sh's smoke test of network.sh.

NOT Fabric: no ledger, no consensus, no gossip. They reproduce what network.sh relies on — the command-line
shapes and outputs, the environment variables the nodes are configured with, TLS operations endpoints with
/healthz and the Prometheus metrics network.sh waits on (guarded as Fabric guards them: /metrics and /logspec only
for a client certificate that verifies against the configured client root CAs, else 401), the lifecycle's bookkeeping (install, approvals by a
MAJORITY, commit) — and they check what they are given (files exist, config folder has core.yaml /
orderer.yaml, external builder list parses). Two parts are real: installing a package runs the external
builder in builders/ccaas exactly as a peer does (detect, build, release with the propagated environment),
and `peer chaincode query` opens a mutual-TLS connection to the chaincode server named by the released
connection.json, with the certificates in it. Shared state lives in $FAKE_FABRIC_STATE.
"""
import hashlib
import http.server
import io
import json
import os
import re
import socket
import socketserver
import ssl
import subprocess
import sys
import tarfile
import tempfile
import threading

STATE = os.environ.get("FAKE_FABRIC_STATE", "/tmp/fake-fabric")
VERSION = os.environ.get("FAKE_FABRIC_VERSION", "2.5.15")


def die(msg, code=1):
    print(f"Error: {msg}", file=sys.stderr)
    sys.exit(code)


def load(name, default):
    path = os.path.join(STATE, name)
    if not os.path.exists(path):
        return default
    with open(path) as f:
        return json.load(f)


def save(name, value):
    os.makedirs(STATE, exist_ok=True)
    tmp = os.path.join(STATE, f".{name}.{os.getpid()}")
    with open(tmp, "w") as f:
        json.dump(value, f)
    os.replace(tmp, os.path.join(STATE, name))


def need_file(path, what):
    if not path or not os.path.exists(path):
        die(f"{what}: {path} does not exist")


def env(name):
    v = os.environ.get(name)
    if v is None:
        die(f"{name} is not set")
    return v


def port_of(addr):
    return int(addr.rsplit(":", 1)[1])


# ------------------------------------------------------------------------------------------------ servers

def listen_plain(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)

    def loop():
        while True:
            c, _ = s.accept()
            c.close()
    threading.Thread(target=loop, daemon=True).start()


def env_bool(name):
    """A boolean setting as viper / Fabric read it (unset = false)."""
    return os.environ.get(name, "").strip().lower() in ("1", "t", "true")


def orderer_list(name):
    """A list setting of orderer.yaml from the environment, as common/viperutil reads it: "[a, b]" is split on
    commas and trimmed, any other non-empty string is a one-element list."""
    raw = os.environ.get(name, "")
    if len(raw) > 1 and raw[0] == "[" and raw[-1] == "]":
        return [v.strip() for v in raw[1:-1].split(",")]
    return [raw] if raw else []


def peer_list(name):
    """A list setting of core.yaml from the environment, as viper's GetStringSlice reads it: split on white
    space, brackets kept ("[a]" is a file named "[a]")."""
    return os.environ.get(name, "").split()


def serve_ops(port, tls_on, cert, key, client_roots, client_required, health, metrics):
    """The operations endpoint as Fabric's operations.System serves it (core/operations/system.go,
    core/middleware/require_cert.go, core/operations/tls.go):
    - TLS off: every route open over plain HTTP.
    - TLS on: the client's certificate is verified against the client root CAs when one is presented
      (VerifyClientCertIfGiven; a certificate they do not verify fails the handshake), or always
      (RequireAndVerifyClientCert) with clientAuthRequired; /metrics and /logspec then answer 401 with an
      empty body unless a verified certificate came with the request; /healthz and /version do not ask.
    Client root CA files that cannot be read stop the node, as they stop Fabric's start-up."""
    for f in client_roots:
        need_file(f, "operations TLS client root CA")
    secure_paths = ("/metrics", "/logspec") if tls_on else ()
    logspec = {"spec": os.environ.get("FABRIC_LOGGING_SPEC", "INFO").lower()}

    class H(http.server.BaseHTTPRequestHandler):
        def verified(self):
            return bool(tls_on and self.connection.getpeercert())

        def reply(self, code, body=""):
            data = body.encode()
            self.send_response(code)
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path in secure_paths and not self.verified():
                self.reply(401)
            elif path == "/healthz":
                self.reply(*health())
            elif path == "/version":
                self.reply(200, json.dumps({"CommitSHA": "fake", "Version": VERSION}))
            elif path == "/metrics":
                self.reply(200, metrics())
            elif path == "/logspec":
                self.reply(200, json.dumps(logspec))
            else:
                self.reply(404, "404 page not found\n")

        def do_PUT(self):
            path = self.path.split("?", 1)[0]
            if path in secure_paths and not self.verified():
                self.reply(401)
            elif path == "/logspec":
                n = int(self.headers.get("Content-Length") or 0)
                try:
                    logspec["spec"] = json.loads(self.rfile.read(n))["spec"]
                except (ValueError, KeyError, TypeError):
                    self.reply(400, json.dumps({"error": "invalid log spec"}))
                    return
                self.reply(204)
            else:
                self.reply(405)

        def log_message(self, *a):
            pass

    class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

        def handle_error(self, request, client_address):
            pass  # a refused client certificate ends that connection only, as in Go's TLS server

    srv = S(("127.0.0.1", port), H)
    if tls_on:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        ctx.verify_mode = ssl.CERT_REQUIRED if client_required else ssl.CERT_OPTIONAL
        for f in client_roots:
            try:
                ctx.load_verify_locations(cafile=f)
            except ssl.SSLError:
                pass  # like x509.CertPool.AppendCertsFromPEM: a file without certificates adds nothing
        # The handshake runs in the request's thread (not in accept), so one bad client cannot stall the server.
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    srv.serve_forever()


def orderer_main():
    need_file(os.path.join(env("FABRIC_CFG_PATH"), "orderer.yaml"), "FABRIC_CFG_PATH/orderer.yaml")
    for k in ("ORDERER_GENERAL_TLS_CERTIFICATE", "ORDERER_GENERAL_TLS_PRIVATEKEY", "ORDERER_GENERAL_LOCALMSPDIR",
              "ORDERER_OPERATIONS_TLS_CERTIFICATE", "ORDERER_OPERATIONS_TLS_PRIVATEKEY", "ORDERER_ADMIN_TLS_CERTIFICATE"):
        need_file(env(k), k)
    if env("ORDERER_GENERAL_BOOTSTRAPMETHOD") != "none" or env("ORDERER_CHANNELPARTICIPATION_ENABLED") != "true":
        die("orderer not configured for channel participation")
    port = int(env("ORDERER_GENERAL_LISTENPORT"))
    admin = port_of(env("ORDERER_ADMIN_LISTENADDRESS"))
    ops = port_of(env("ORDERER_OPERATIONS_LISTENADDRESS"))
    listen_plain(port)
    listen_plain(admin)
    if load(f"orderer-{admin}.json", None) is None:
        save(f"orderer-{admin}.json", [])
    leader = port == 7050

    def metrics():
        chans = load(f"orderer-{admin}.json", [])
        return "".join(f'consensus_etcdraft_is_leader{{channel="{c}"}} {1 if leader else 0}\n' for c in chans)

    print(f"fake orderer on {port} (admin {admin}, operations {ops})", flush=True)
    serve_ops(ops, env_bool("ORDERER_OPERATIONS_TLS_ENABLED"),
              env("ORDERER_OPERATIONS_TLS_CERTIFICATE"), env("ORDERER_OPERATIONS_TLS_PRIVATEKEY"),
              orderer_list("ORDERER_OPERATIONS_TLS_CLIENTROOTCAS"), env_bool("ORDERER_OPERATIONS_TLS_CLIENTAUTHREQUIRED"),
              lambda: (200, '{"status":"OK"}'), metrics)


def peer_node_start():
    need_file(os.path.join(env("FABRIC_CFG_PATH"), "core.yaml"), "FABRIC_CFG_PATH/core.yaml")
    for k in ("CORE_PEER_TLS_CERT_FILE", "CORE_PEER_TLS_KEY_FILE", "CORE_PEER_TLS_ROOTCERT_FILE", "CORE_PEER_MSPCONFIGPATH",
              "CORE_OPERATIONS_TLS_CERT_FILE"):
        need_file(env(k), k)
    builders = json.loads(env("CORE_CHAINCODE_EXTERNALBUILDERS"))
    for b in builders:
        need_file(os.path.join(b["path"], "bin", "detect"), "external builder")
    port = port_of(env("CORE_PEER_LISTENADDRESS"))
    ops = port_of(env("CORE_OPERATIONS_LISTENADDRESS"))
    listen_plain(port)
    listen_plain(port_of(env("CORE_PEER_CHAINCODELISTENADDRESS")))
    propagated = {k: os.environ[k] for b in builders for k in b.get("propagateEnvironment", []) if k in os.environ}
    save(f"peer-{port}.node.json", {"msp": env("CORE_PEER_LOCALMSPID"), "builders": builders, "env": propagated})

    def metrics():
        peer = load(f"peer-{port}.json", {})
        return "".join(f'gossip_membership_total_peers_known{{channel="{c}"}} 2\n' for c in peer.get("channels", []))

    print(f"fake peer on {port} (operations {ops})", flush=True)
    # As a real peer whose vm.endpoint points at a missing Docker engine.
    serve_ops(ops, env_bool("CORE_OPERATIONS_TLS_ENABLED"), env("CORE_OPERATIONS_TLS_CERT_FILE"), env("CORE_OPERATIONS_TLS_KEY_FILE"),
              peer_list("CORE_OPERATIONS_TLS_CLIENTROOTCAS_FILES"), env_bool("CORE_OPERATIONS_TLS_CLIENTAUTHREQUIRED"),
              lambda: (503, '{"status":"Service Unavailable","failed_checks":[{"component":"docker","reason":"failed to ping docker"}]}'),
              metrics)


# ------------------------------------------------------------------------------------------------ CLIs

def opts(args):
    """--flag value pairs (repeatable) and bare words."""
    o, words, i = {}, [], 0
    while i < len(args):
        a = args[i]
        if a.startswith("-"):
            if "=" in a:
                k, v = a.split("=", 1)
                o.setdefault(k, []).append(v)
            elif i + 1 < len(args) and not args[i + 1].startswith("-") or a in ("-o", "-c", "-C", "-n", "-b"):
                o.setdefault(a, []).append(args[i + 1])
                i += 1
            else:
                o.setdefault(a, []).append("")
        else:
            words.append(a)
        i += 1
    return o, words


def one(o, *names):
    for n in names:
        if n in o:
            return o[n][-1]
    return None


def osnadmin_main(args):
    o, words = opts(args)
    for k in ("--ca-file", "--client-cert", "--client-key"):
        need_file(one(o, k), k)
    admin = port_of(one(o, "-o"))
    chans = load(f"orderer-{admin}.json", None)
    if chans is None:
        die(f"connection refused: localhost:{admin}")
    ch = one(o, "--channelID")
    if words[:2] == ["channel", "join"]:
        need_file(one(o, "--config-block"), "--config-block")
        if ch in chans:
            print("Status: 405\n{\"error\":\"cannot join: channel already exists\"}")
            sys.exit(1)
        save(f"orderer-{admin}.json", chans + [ch])
        print(f"Status: 201\n{{\n\t\"name\": \"{ch}\",\n\t\"status\": \"active\"\n}}")
    elif words[:2] == ["channel", "list"]:
        if ch in chans:
            print(f"Status: 200\n{{\n\t\"name\": \"{ch}\",\n\t\"url\": \"/participation/v1/channels/{ch}\",\n\t\"consensusRelation\": \"consenter\",\n\t\"status\": \"active\",\n\t\"height\": 1\n}}")
        else:
            print("Status: 404\n{\"error\":\"channel not found\"}")
    else:
        die(f"unsupported osnadmin {args}")


def configtxgen_main(args):
    import yaml
    o, _ = opts(args)
    path = os.path.join(one(o, "-configPath"), "configtx.yaml")
    with open(path) as f:
        cfg = yaml.safe_load(f)
    profile = cfg["Profiles"].get(one(o, "-profile"))
    if not profile:
        die(f"profile {one(o, '-profile')} not found in {path}")
    for org in profile["Application"]["Organizations"] + profile["Orderer"]["Organizations"]:
        need_file(org["MSPDir"], "MSPDir")
    with open(one(o, "-outputBlock"), "w") as f:
        json.dump({"channel": one(o, "-channelID"), "profile": one(o, "-profile")}, f)


def peer_target():
    port = port_of(env("CORE_PEER_ADDRESS"))
    node = load(f"peer-{port}.node.json", None)
    if node is None:
        die(f"connection refused: {env('CORE_PEER_ADDRESS')}")
    need_file(env("CORE_PEER_TLS_ROOTCERT_FILE"), "CORE_PEER_TLS_ROOTCERT_FILE")
    need_file(os.path.join(env("CORE_PEER_MSPCONFIGPATH"), "signcerts"), "CORE_PEER_MSPCONFIGPATH")
    if env("CORE_PEER_LOCALMSPID") != node["msp"]:
        die(f"{env('CORE_PEER_LOCALMSPID')} admin against a {node['msp']} peer")
    return port, node


def read_package(path):
    with tarfile.open(path) as t:
        meta = json.load(t.extractfile("metadata.json"))
        code = t.extractfile("code.tar.gz").read()
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return meta, code, f"{meta['label']}:{digest}"


def run_builders(node, meta, code):
    """The peer's external builder sequence (fabric core/container/externalbuilder)."""
    work = tempfile.mkdtemp(prefix="fake-peer-build-")
    src, mdir, out, rel = (os.path.join(work, d) for d in ("src", "meta", "bld", "rel"))
    for d in (src, mdir, out, rel):
        os.makedirs(d)
    with open(os.path.join(mdir, "metadata.json"), "w") as f:
        json.dump({"type": meta["type"], "label": meta["label"], "path": ""}, f)
    with tarfile.open(fileobj=io.BytesIO(code)) as t:
        t.extractall(src)
    base_env = {k: os.environ[k] for k in ("PATH", "TMPDIR", "LD_LIBRARY_PATH") if k in os.environ}
    for b in node["builders"]:
        e = dict(base_env, **node["env"])
        bin_dir = os.path.join(b["path"], "bin")
        if subprocess.run([os.path.join(bin_dir, "detect"), src, mdir], env=e, capture_output=True).returncode != 0:
            continue
        for step, argv in (("build", [src, mdir, out]), ("release", [out, rel])):
            r = subprocess.run([os.path.join(bin_dir, step)] + argv, env=e, capture_output=True, text=True)
            if r.returncode != 0:
                die(f"external builder {b['name']} {step} failed: {r.stderr}")
        with open(os.path.join(rel, "chaincode", "server", "connection.json")) as f:
            return json.load(f)
    die("no external builder detected the package (and Docker is not available)")


def chaincode_dial(conn):
    """Mutual-TLS handshake with the chaincode server, as the peer would dial it."""
    host, port = conn["address"].rsplit(":", 1)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.set_alpn_protocols(["h2"])
    ctx.load_verify_locations(cadata=conn["root_cert"])
    with tempfile.TemporaryDirectory() as d:
        cf, kf = os.path.join(d, "c.pem"), os.path.join(d, "k.pem")
        with open(cf, "w") as f:
            f.write(conn["client_cert"])
        with open(kf, "w") as f:
            f.write(conn["client_key"])
        ctx.load_cert_chain(cf, kf)
    with socket.create_connection((host, int(port)), timeout=5) as s:
        with ctx.wrap_socket(s, server_hostname=host) as tls:
            tls.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
            tls.settimeout(5)
            if not tls.recv(9):
                die(f"chaincode server {conn['address']} closed the connection")


def peer_cli(args):
    if args[:1] == ["version"]:
        print(f"peer:\n Version: v{VERSION}\n Commit SHA: fake\n Go version: go1.23\n OS/Arch: linux/amd64")
        return
    if args[:2] == ["node", "start"]:
        return peer_node_start()
    need_file(os.path.join(env("FABRIC_CFG_PATH"), "core.yaml"), "FABRIC_CFG_PATH/core.yaml")
    o, words = opts(args)
    if words[:3] == ["lifecycle", "chaincode", "calculatepackageid"]:
        print(read_package(words[3])[2])
        return
    if words[:3] == ["lifecycle", "chaincode", "package"]:
        die("node packaging is not simulated")
    port, node = peer_target()
    peer = load(f"peer-{port}.json", {"channels": [], "installed": {}})
    lc = load("lifecycle.json", {})
    ch = one(o, "-C", "-c", "--channelID")
    cc = one(o, "-n", "--name")
    if words[:2] == ["channel", "join"]:
        need_file(one(o, "-b"), "-b")
        peer["channels"].append(json.load(open(one(o, "-b")))["channel"])
    elif words[:2] == ["channel", "list"]:
        print("Channels peers has joined: ")
        print("\n".join(peer["channels"]))
    elif words[:2] == ["channel", "getinfo"]:
        print('Blockchain info: {"height":5,"currentBlockHash":"fake"}')
    elif words[:3] == ["lifecycle", "chaincode", "install"]:
        meta, code, pid = read_package(words[3])
        peer["installed"][pid] = {"label": meta["label"], "conn": run_builders(node, meta, code)}
        print(f"Chaincode code package identifier: {pid}", file=sys.stderr)
    elif words[:3] == ["lifecycle", "chaincode", "queryinstalled"]:
        print("Installed chaincodes on peer:")
        for pid, i in peer["installed"].items():
            print(f"Package ID: {pid}, Label: {i['label']}")
    elif words[:3] == ["lifecycle", "chaincode", "approveformyorg"]:
        need_file(one(o, "--cafile"), "--cafile")
        if "--tls" not in o:
            die("approve without --tls")
        pid = one(o, "--package-id")
        if pid not in peer["installed"]:
            die(f"package {pid} is not installed on this peer")
        key = f"{ch}/{cc}/{one(o, '--sequence')}"
        lc.setdefault(key, {"approvals": {}, "version": one(o, "--version")})["approvals"][node["msp"]] = pid
        save("lifecycle.json", lc)
    elif words[:3] == ["lifecycle", "chaincode", "checkcommitreadiness"]:
        key = f"{ch}/{cc}/{one(o, '--sequence')}"
        a = lc.get(key, {}).get("approvals", {})
        print(json.dumps({"approvals": {m: m in a for m in ("Org1MSP", "Org2MSP", "Org3MSP")}}))
    elif words[:3] == ["lifecycle", "chaincode", "commit"]:
        seq = one(o, "--sequence")
        key = f"{ch}/{cc}/{seq}"
        a = lc.get(key, {}).get("approvals", {})
        if len(a) < 2:
            die(f"chaincode definition not agreed to by a MAJORITY: {sorted(a)}")
        if len(o.get("--peerAddresses", [])) != 3 or len(o.get("--tlsRootCertFiles", [])) != 3:
            die("commit must be endorsed by the three organisations' peers")
        for f in o["--tlsRootCertFiles"]:
            need_file(f, "--tlsRootCertFiles")
        lc[f"{ch}/{cc}"] = {"sequence": int(seq), "version": lc[key]["version"], "key": key}
        save("lifecycle.json", lc)
    elif words[:3] == ["lifecycle", "chaincode", "querycommitted"]:
        c = lc.get(f"{ch}/{cc}")
        if not c:
            die(f"query failed with status: 404 - namespace {cc} is not defined")
        print(f"Committed chaincode definition for chaincode '{cc}' on channel '{ch}':")
        print(f"Version: {c['version']}, Sequence: {c['sequence']}, Endorsement Plugin: escc, Validation Plugin: vscc, Approvals: []")
    elif words[:2] == ["chaincode", "query"]:
        c = lc.get(f"{ch}/{cc}")
        if not c or ch not in peer["channels"]:
            die(f"chaincode {cc} not committed on {ch}")
        pid = lc[c["key"]]["approvals"].get(node["msp"])
        if pid not in peer["installed"]:
            die(f"chaincode package for {node['msp']} not installed")
        chaincode_dial(peer["installed"][pid]["conn"])
        print('{"info":{"title":"fake"}}')
    else:
        die(f"unsupported peer {args}")
    save(f"peer-{port}.json", peer)


def main():
    # Called as `fabric.py TOOL ARGS...` by the wrappers test/run.sh puts on PATH (the tool name stays in the
    # process's command line, which network.sh checks before stopping a recorded pid).
    name, args = sys.argv[1], sys.argv[2:]
    if name in ("orderer", "osnadmin", "configtxgen") and args[:1] == ["version"]:
        print(f"{name}:\n Version: v{VERSION}")
        return
    if name == "orderer":
        orderer_main()
    elif name == "osnadmin":
        osnadmin_main(args)
    elif name == "configtxgen":
        configtxgen_main(args)
    elif name == "peer":
        peer_cli(args)
    else:
        die(f"unknown fake {name}")


if __name__ == "__main__":
    main()
