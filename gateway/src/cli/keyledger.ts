#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { hsmInit } from './hsmCommand';

const usage = `usage:
  keyledger hsm init [--dir .keyledger/hsm] [--token LABEL]...   create a project-owned SoftHSM config and tokens
`;

function main(argv: string[]): number {
  const [group, command, ...rest] = argv;
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

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`keyledger: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
