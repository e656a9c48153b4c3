import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { dataPaths } from '../../network/config';
import { callAdmin } from '../../gateway/admin';
import type { DeployResult } from '../../lifecycle/deploy';
import { runtimeState } from '../../process';
import { stringFlag, UsageError, type CommandSpec, type ParsedArgs } from '../args';
import { adminIdentity, dataDir, type CliIo } from '../context';

export const DEPLOY: CommandSpec = {
  flags: { data: 'value', policy: 'value', collections: 'value', inspect: 'optional' },
};

/** `devnet deploy <name> <path|host:port>`: through the running devnet's admin endpoint. */
export async function deploy(args: ParsedArgs, io: CliIo): Promise<void> {
  const [name, source, ...extra] = args.positional;
  if (!name || !source) throw new UsageError({ message: 'deploy needs <name> and <path|host:port>' });
  if (extra.length > 0) throw new UsageError({ message: `unexpected argument ${extra[0] as string}` });
  const dir = dataDir(args, io);
  const found = await runtimeState(dataPaths(dir).runtime);
  if (found.state !== 'running') {
    throw new Error(`no devnet is running with data ${dir}: start one with \`devnet start --data ${dir}\``);
  }
  const collectionsFile = stringFlag(args, 'collections');
  const inspect = args.flags.get('inspect');
  const isAddress = /^[A-Za-z0-9.-]+:\d+$/.test(source);
  const began = Date.now();
  const result = (await callAdmin(
    found.runtime.adminPort,
    '/deploy',
    {
      name,
      source: isAddress ? source : path.resolve(io.cwd, source),
      ...(stringFlag(args, 'policy') ? { policy: stringFlag(args, 'policy') } : {}),
      ...(collectionsFile
        ? { collections: await fs.readFile(path.resolve(io.cwd, collectionsFile), 'utf8') }
        : {}),
      ...(inspect === true
        ? { inspect: true }
        : typeof inspect === 'string'
          ? { inspect: Number(inspect) }
          : {}),
    },
    await adminIdentity(dir),
  )) as DeployResult;
  const what = result.changed
    ? `deployed ${result.name} (sequence ${result.sequence}, policy ${result.policy})`
    : `${result.name} unchanged (sequence ${result.sequence}, policy ${result.policy}): same package, kept its definition`;
  io.stdout.write(
    `✔ ${what} in ${Date.now() - began} ms; logs: ${path.join(dataPaths(dir).chaincodeLogs, `${name}.log`)}\n`,
  );
  if (inspect !== undefined) {
    const port = typeof inspect === 'string' ? inspect : '9229';
    io.stdout.write(
      `  Node inspector on 127.0.0.1:${port}: attach a debugger (chrome://inspect, VS Code "Attach")\n`,
    );
  }
}
