/** `devnet --help`. */
export const OVERVIEW = `Usage: devnet <command> [options]

Commands:
  start    run the devnet in the foreground
  deploy   start (or connect to) a chaincode and make it callable
  status   show whether it runs, who runs it, its endpoint, height and chaincodes
  stop     stop the process that runs the devnet

Every command works on a data folder, by default .keyledger/devnet (where \`npm start\` keeps the KeyLedger
stack's ledger), or --data DIR, or $DEVNET_DATA. The connection file for clients is <data>/connection.json.
\`devnet <command> --help\` describes a command.`;

const DATA = '  --data DIR            data folder (default .keyledger/devnet, or $DEVNET_DATA)';

/** `devnet <command> --help`, by command. */
export const COMMAND_USAGE: Readonly<Record<'start' | 'deploy' | 'status' | 'stop', string>> = {
  start: `Usage: devnet start [options]

Runs the devnet in the foreground until Ctrl-C or \`devnet stop\`.

Options:
${DATA}
  --orgs N              organisations (default 3)
  --port N              gRPC port on 127.0.0.1 (default 7051; 0 picks a free one)
  --batch-size N        transactions per block (default 500)
  --batch-timeout MS    batch timeout (default 2000)
  --fabric-batching     cut blocks by size and timeout only, as Fabric's orderer
  --plaintext           serve gRPC without TLS
  -h, --help            this help`,
  deploy: `Usage: devnet deploy <name> <path | host:port> [options]

Starts the chaincode folder (or connects to a chaincode-as-a-service server at host:port) and makes it callable.
The same package, policy and collections as deployed keep the definition and its sequence; a change is the next
sequence. Talks to the running devnet's admin endpoint, signed with Org1's admin identity from the data folder.

Options:
${DATA}
  --policy SPEC         endorsement policy: MAJORITY (default), ANY, ALL or the policy DSL
  --collections FILE    private data collections config (JSON)
  --inspect[=PORT]      start the chaincode under the Node inspector (default port 9229)
  -h, --help            this help`,
  status: `Usage: devnet status [options]

Prints the running devnet's status as JSON (pid, the program it runs in, endpoint, height, chaincodes); exits 1
when none runs.

Options:
${DATA}
  -h, --help            this help`,
  stop: `Usage: devnet stop [options]

Stops the process that runs the devnet — \`devnet start\`, or the program it runs inside (the KeyLedger stack) —
and says which. A pid file whose process has gone, or whose pid now belongs to another process, is removed
without signalling anything.

Options:
${DATA}
  -h, --help            this help`,
};
