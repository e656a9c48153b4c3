// A front-end node in a process of its own, for crash tests: it seals messages, says how many, and waits to be
// killed with SIGKILL. It runs the built gateway (gateway/dist), as a deployed node would.
'use strict';
const { FrontendNode } = require('../../../gateway/dist/rotation');

async function main() {
  const config = JSON.parse(process.argv[2]);
  const node = await FrontendNode.start({
    name: config.name,
    fabric: config.fabric,
    token: config.token,
    startBlock: BigInt(config.startBlock),
    pollIntervalMs: 500,
    // Nothing is reported before the kill: every count must come from the journal.
    volume: { journalPath: config.journalPath, flushIntervalMs: 3_600_000, flushEveryMessages: 1_000_000 },
  });
  await node.waitForVersion(config.queueId, 1, 30_000);
  const plaintext = Buffer.from('a message that must be counted');
  for (let i = 0; i < config.messages; i += 1) {
    node.seal(config.queueId, plaintext);
  }
  process.stdout.write(`sealed ${config.messages}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : String(error)}\n`);
  process.exit(1);
});
