import { dataPaths } from '../../network/config';
import { callAdmin, readJsonFile } from '../../gateway/admin';
import { runtimeState } from '../../process';
import type { CommandSpec, ParsedArgs } from '../args';
import { adminIdentity, dataDir, type CliIo } from '../context';

export const STATUS: CommandSpec = { flags: { data: 'value' } };

/** `devnet status`: the running devnet's status as JSON (with the program it runs in); 1 when none runs. */
export async function status(args: ParsedArgs, io: CliIo): Promise<number> {
  const dir = dataDir(args, io);
  const found = await runtimeState(dataPaths(dir).runtime);
  if (found.state !== 'running') {
    const registry = await readJsonFile<{ name: string }[]>(dataPaths(dir).registry);
    const chaincodes = registry ? `, chaincodes: ${registry.map((c) => c.name).join(', ')}` : '';
    const stale = found.state === 'stale' ? `; stale pid file: ${found.reason}` : '';
    io.stdout.write(`devnet is not running (data ${dir}${chaincodes}${stale})\n`);
    return 1;
  }
  const result = await callAdmin(found.runtime.adminPort, '/status', {}, await adminIdentity(dir), 10_000);
  io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}
