#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { hsmInit } from './hsmCommand';
import { runStart } from './startCommand';

const usage = `usage:
  keyledger start [--data .keyledger] [--network devnet|fabric] [--connection FILE] [--port 7051] [--api-port 8080]
      bring up HSM tokens, the ledger (embedded devnet, or a Fabric network by its connection file), governance,
      validator agents, front-end nodes and the REST API
  keyledger hsm init [--dir .keyledger/hsm] [--token LABEL]...   create a project-owned SoftHSM config and tokens
`;

async function main(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group === 'start') {
    const { values } = parseArgs({
      args: [command, ...rest].filter((arg): arg is string => arg !== undefined),
      options: {
        data: { type: 'string', default: '.keyledger' },
        network: { type: 'string', default: process.env['KEYLEDGER_CONNECTION'] ? 'fabric' : 'devnet' },
        connection: { type: 'string', default: process.env['KEYLEDGER_CONNECTION'] },
        port: { type: 'string', default: '7051' },
        'api-port': { type: 'string', default: '8080' },
      },
    });
    if (values.network !== 'devnet' && values.network !== 'fabric') {
      throw new Error(`--network must be devnet or fabric, got ${values.network}`);
    }
    await runStart({
      dataDir: values.data ?? '.keyledger',
      network: values.network,
      connectionFile: values.connection,
      devnetPort: Number(values.port),
      apiPort: Number(values['api-port']),
    });
    return 0;
  }
  if (group === 'hsm' && command === 'init') {
    const { values } = parseArgs({
      args: rest,
      options: {
        dir: { type: 'string', default: '.keyledger/hsm' },
        token: { type: 'string', multiple: true },
      },
    });
    const labels =
      values.token && values.token.length > 0
        ? values.token
        : ['validator1', 'validator2', 'validator3', 'frontend1', 'frontend2'];
    const result = hsmInit({ dir: values.dir ?? '.keyledger/hsm', labels });
    console.log(`SOFTHSM2_CONF=${result.confPath}`);
    for (const token of result.tokens) {
      console.log(`  token ${token.label}: ${token.created ? 'created' : 'exists'}`);
    }
    return 0;
  }
  process.stderr.write(usage);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`keyledger: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
