import { parseArgs, UsageError, wantsHelp, type CommandSpec, type ParsedArgs } from './args';
import { DEPLOY, deploy } from './commands/deploy';
import { START, start } from './commands/start';
import { STATUS, status } from './commands/status';
import { STOP, stop } from './commands/stop';
import type { CliIo } from './context';
import { COMMAND_USAGE, OVERVIEW } from './usage';

interface Command {
  readonly spec: CommandSpec;
  readonly usage: string;
  /** Resolves with the exit code; -1 keeps the process running (start). */
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  start: {
    spec: START,
    usage: COMMAND_USAGE.start,
    run: async (args, io) => {
      await start(args, io);
      return -1;
    },
  },
  deploy: {
    spec: DEPLOY,
    usage: COMMAND_USAGE.deploy,
    run: async (args, io) => {
      await deploy(args, io);
      return 0;
    },
  },
  status: { spec: STATUS, usage: COMMAND_USAGE.status, run: status },
  stop: {
    spec: STOP,
    usage: COMMAND_USAGE.stop,
    run: async (args, io) => {
      await stop(args, io);
      return 0;
    },
  },
};

const PROCESS_IO: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  get env(): NodeJS.ProcessEnv {
    return process.env;
  },
  get cwd(): string {
    return process.cwd();
  },
};

/**
 * Runs the CLI; resolves with the exit code (-1: `start` keeps running until signalled). Help is exit 0, a command
 * line it does not understand exit 2 with the usage, a failure exit 1 with one line saying what failed.
 */
export async function main(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(`${OVERVIEW}\n`);
    return 2;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(`${OVERVIEW}\n`);
    return 0;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr.write(`devnet: unknown command '${name}'\n\n${OVERVIEW}\n`);
    return 2;
  }
  if (wantsHelp(rest)) {
    io.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(parseArgs(rest, command.spec), io);
  } catch (err) {
    io.stderr.write(`devnet ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    if (err instanceof UsageError) {
      io.stderr.write(`\n${command.usage}\n`);
      return 2;
    }
    return 1;
  }
}
