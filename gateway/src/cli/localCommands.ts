import { defineCommand, defineGroup, type CliEntry } from '../command';
import { DEFAULT_CONNECTION_FILE, DEFAULT_DATA_DIR, startOptionsFrom } from './startOptions';

const DEFAULT_HSM_TOKENS = ['validator1', 'validator2', 'validator3', 'frontend1', 'frontend2'];

const start = defineCommand({
  name: 'start',
  summary: 'bring up KeyLedger on this machine: HSM tokens, ledger, governance, agents and the REST API',
  description:
    'The ledger is the embedded devnet, or a Hyperledger Fabric network by its connection file (--network ' +
    'fabric, or KEYLEDGER_CONNECTION). Every option is checked before anything starts. Writes the CLI profile ' +
    '<data>/profile.json (mode 0600). Runs until Ctrl-C; a second start reuses the data folder.',
  options: {
    data: { type: 'string', value: 'DIR', description: `data folder (default ${DEFAULT_DATA_DIR})` },
    network: {
      type: 'string',
      value: 'devnet|fabric',
      description: 'the ledger (default devnet; fabric when KEYLEDGER_CONNECTION is set)',
    },
    connection: {
      type: 'string',
      value: 'FILE',
      description: `Fabric connection file (fabric only; default KEYLEDGER_CONNECTION, else ${DEFAULT_CONNECTION_FILE})`,
    },
    port: {
      type: 'string',
      value: 'PORT',
      description: "the devnet's port (devnet only; default 7051, 0: any)",
    },
    'api-port': { type: 'string', value: 'PORT', description: "the REST API's port (default 8080, 0: any)" },
  },
  api: false,
  async run(context) {
    const options = startOptionsFrom(context.options, context.io.env, context.io.cwd);
    // Loaded only now: the stack brings the whole gateway (HSM, Fabric client), which no other command needs.
    const { runStart } = await import('./startCommand.js');
    await runStart(options);
  },
});

const hsmInit = defineCommand({
  name: 'init',
  summary: 'create a project-owned SoftHSM configuration and one token per node',
  options: {
    dir: { type: 'string', value: 'DIR', description: 'where (default .keyledger/hsm)' },
    token: {
      type: 'string',
      multiple: true,
      value: 'LABEL',
      description: `a token to create; repeatable (default ${DEFAULT_HSM_TOKENS.join(', ')})`,
    },
  },
  api: false,
  async run(context) {
    const { dir, token } = context.options;
    const { hsmInit: init } = await import('./hsmCommand.js');
    const result = init({
      dir: dir ?? '.keyledger/hsm',
      labels: token && token.length > 0 ? token : DEFAULT_HSM_TOKENS,
    });
    const lines = [
      `SOFTHSM2_CONF=${result.confPath}`,
      ...result.tokens.map(
        (created) => `  token ${created.label}: ${created.created ? 'created' : 'exists'}`,
      ),
    ];
    context.io.stdout.write(`${lines.join('\n')}\n`);
  },
});

/** The commands that run KeyLedger rather than call it. */
export const localCommands: readonly CliEntry[] = [
  start,
  defineGroup('hsm', 'SoftHSM tokens for the nodes', [hsmInit]),
];
