import * as path from 'node:path';
import { DEFAULT_DATA_DIR, dataPaths } from '../network/config';
import { readConnectionProfile } from '../network/connection';
import { stringFlag, type ParsedArgs } from './args';

/** Where a command writes: stdout and stderr, or test buffers. */
export interface CliOutput {
  write(text: string): void;
}

export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** --data, else $DEVNET_DATA, else .keyledger/devnet — resolved against the working directory. */
export function dataDir(args: ParsedArgs, io: Pick<CliIo, 'env' | 'cwd'>): string {
  return path.resolve(io.cwd, stringFlag(args, 'data') ?? io.env.DEVNET_DATA ?? DEFAULT_DATA_DIR);
}

/** Org1's admin identity from the data folder's connection file: it signs admin requests. */
export async function adminIdentity(
  dir: string,
): Promise<{ mspId: string; certPath: string; keyPath: string }> {
  const profile = await readConnectionProfile(dataPaths(dir).connection);
  const org = profile.orgs[0];
  if (!org) throw new Error('the connection file lists no organisation');
  return { mspId: org.mspId, certPath: org.admin.certPath, keyPath: org.admin.keyPath };
}
