import { promises as fs } from 'node:fs';
import { dataPaths } from '../../network/config';
import { describeOwner, isSameProcess, runtimeState } from '../../process';
import type { CommandSpec, ParsedArgs } from '../args';
import { dataDir, type CliIo } from '../context';

export const STOP: CommandSpec = { flags: { data: 'value' } };

const STOP_WAIT_MS = 30_000;

/**
 * `devnet stop`: SIGTERM to the process the pid file names — only if it is that process (same pid and start
 * time), never to a stranger that inherited the pid — then says what stopped: the devnet, or the program it ran in.
 */
export async function stop(args: ParsedArgs, io: CliIo): Promise<void> {
  const dir = dataDir(args, io);
  const file = dataPaths(dir).runtime;
  const found = await runtimeState(file);
  switch (found.state) {
    case 'absent':
      io.stdout.write(`no devnet is running with data ${dir}\n`);
      return;
    case 'exited':
      await fs.rm(file, { force: true });
      io.stdout.write(
        `no devnet is running with data ${dir}: pid ${found.runtime.pid} of its pid file has exited; removed the stale pid file\n`,
      );
      return;
    case 'stale':
      await fs.rm(file, { force: true });
      io.stdout.write(
        `no devnet is running with data ${dir}: ${found.reason}; not signalled, removed the stale pid file\n`,
      );
      return;
    case 'running': {
      const { runtime } = found;
      process.kill(runtime.pid, 'SIGTERM');
      const deadline = Date.now() + STOP_WAIT_MS;
      while (isSameProcess(runtime) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const what = describeOwner(runtime.owner, runtime.pid);
      if (isSameProcess(runtime)) throw new Error(`${what} did not stop within ${STOP_WAIT_MS / 1000} s`);
      io.stdout.write(`stopped ${what}\n`);
    }
  }
}
