import { ApiProblemError, KeyLedgerClient, resolveCredentials, type Credentials } from '../client';
import {
  parseCommandLine,
  UsageError,
  wantsHelp,
  type AnyCommand,
  type CliEntry,
  type CliIo,
  type CommandContext,
  type CommandGroup,
} from '../command';
import { KEYLEDGER_COMMANDS } from './commandTable';
import { CONNECTION_OPTIONS, VALUE_OPTIONS } from './connectionOptions';
import { EXIT, exitCodeOf, type ExitCode } from './exitCodes';
import { commandHelp, groupHelp, rootHelp, synopsis } from './help';

const CONNECTION_FLAGS: ReadonlySet<string> = new Set(
  Object.keys(CONNECTION_OPTIONS).map((name) => `--${name}`),
);

function isHelpFlag(arg: string | undefined): boolean {
  return arg === '--help' || arg === '-h';
}

/** Where a command line leads: a command and its arguments, or a group (help) — plus connection options seen early. */
interface Resolved {
  readonly path: string;
  readonly entry: AnyCommand | CommandGroup | undefined;
  readonly rest: readonly string[];
  /** Connection options written before the command words (`keyledger --as frontend1 encrypt …`). */
  readonly early: readonly string[];
}

function resolveEntry(argv: readonly string[], commands: readonly CliEntry[]): Resolved {
  const early: string[] = [];
  const words: string[] = [];
  let level: readonly CliEntry[] = commands;
  let group: CommandGroup | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const flag = arg.split('=')[0] as string;
    if (CONNECTION_FLAGS.has(flag)) {
      early.push(arg);
      if (!arg.includes('=') && VALUE_OPTIONS.has(flag) && argv[i + 1] !== undefined) {
        early.push(argv[++i] as string);
      }
      continue;
    }
    if (arg.startsWith('-')) {
      // An option before any command (other than help) means the command is missing.
      return { path: words.join(' '), entry: group, rest: argv.slice(i), early };
    }
    const next = level.find((entry) => entry.name === arg);
    if (next === undefined) {
      const where = words.length === 0 ? '' : ` ${words.join(' ')}`;
      throw new UsageError({
        message: `unknown command 'keyledger${where} ${arg}'`,
        command: words.join(' '),
      });
    }
    words.push(arg);
    if (next.kind === 'command') {
      return { path: words.join(' '), entry: next, rest: argv.slice(i + 1), early };
    }
    group = next;
    level = next.children;
  }
  return { path: words.join(' '), entry: group, rest: [], early };
}

/** Replaces every occurrence of a secret in a message: an error of a library may quote what it was given. */
function scrub(text: string, secret: string | undefined): string {
  return secret === undefined || secret === '' ? text : text.split(secret).join('[token]');
}

function describeFailure(
  error: unknown,
  command: AnyCommand | undefined,
  credentials: Credentials | undefined,
): string[] {
  if (!(error instanceof ApiProblemError)) {
    const message = error instanceof Error ? error.message : String(error);
    return exitCodeOf(error) === EXIT.unexpected ? [`unexpected error: ${message}`] : [message];
  }
  const lines = [error.detail];
  for (const field of error.fieldErrors) {
    const option = command?.fields?.[field.path];
    lines.push(`  ${option === undefined ? field.path : `${option} (${field.path})`}: ${field.message}`);
  }
  if (error.status === 403 && credentials?.identity !== undefined && credentials.profileNames.length > 1) {
    lines.push(
      `  acting as ${credentials.identity}; --as NAME acts as another participant of the profile: ${credentials.profileNames.join(', ')}`,
    );
  }
  if (error.status === 401) {
    lines.push(`  (the token came from ${credentials?.tokenSource ?? 'the command line'})`);
  }
  if (error.status >= 500 && error.requestId !== undefined) {
    lines.push(`  (request id ${error.requestId}: the gateway's log has the details)`);
  }
  return lines;
}

function contextFor(
  command: AnyCommand,
  parsed: ReturnType<typeof parseCommandLine>,
  io: CliIo,
  onCredentials: (credentials: Credentials) => void,
): CommandContext<AnyCommand['options']> {
  const option = (name: string): string | undefined => {
    const value = parsed.options[name];
    return typeof value === 'string' ? value : undefined;
  };
  const json = command.api && parsed.options['json'] === true;
  let client: KeyLedgerClient | undefined;
  return {
    options: parsed.options as CommandContext<AnyCommand['options']>['options'],
    args: parsed.args,
    io,
    json,
    client(): KeyLedgerClient {
      if (!command.api) {
        throw new Error(`command ${command.name} does not call the API`); // a bug in the command table
      }
      if (client === undefined) {
        const credentials = resolveCredentials(
          { url: option('url'), token: option('token'), as: option('as'), profile: option('profile') },
          io.env,
          io.cwd,
        );
        onCredentials(credentials);
        client = new KeyLedgerClient({ url: credentials.url, token: credentials.token });
      }
      return client;
    },
    emit(data: unknown, human: () => string | Uint8Array): void {
      if (json) {
        io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
        return;
      }
      const shown = human();
      if (typeof shown !== 'string') {
        io.stdout.write(shown);
      } else if (shown !== '') {
        io.stdout.write(`${shown}\n`);
      }
    },
  };
}

/**
 * Runs one `keyledger` command line and resolves with its exit code. Help goes to stdout with 0; a wrong
 * command line gets the usage on stderr with 2; a failed command prints what went wrong on stderr with the
 * code of {@link exitCodeOf}. Nothing here calls process.exit: output is flushed before the process ends.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  commands: readonly CliEntry[] = KEYLEDGER_COMMANDS,
): Promise<ExitCode> {
  let resolved: Resolved;
  try {
    if (argv[0] === 'help') {
      // `keyledger help queue policy set` is `keyledger queue policy set --help`.
      return await runCli([...argv.slice(1), '--help'], io, commands);
    }
    resolved = resolveEntry(argv, commands);
  } catch (error) {
    io.stderr.write(`keyledger: ${(error as Error).message}\n\n${rootHelp(commands)}`);
    return EXIT.usage;
  }
  const { entry, path, rest, early } = resolved;
  if (entry === undefined || entry.kind === 'group') {
    const help = entry === undefined ? rootHelp(commands) : groupHelp(path, entry);
    if (isHelpFlag(rest[0])) {
      io.stdout.write(help);
      return EXIT.ok;
    }
    const problem = rest[0] === undefined ? 'a command is missing' : `unknown option '${rest[0]}'`;
    io.stderr.write(`keyledger${path ? ` ${path}` : ''}: ${problem}\n\n${help}`);
    return EXIT.usage;
  }
  const command = entry;
  const argsOfCommand = [...rest, ...early];
  if (wantsHelp(argsOfCommand)) {
    io.stdout.write(commandHelp(path, command));
    return EXIT.ok;
  }
  let credentials: Credentials | undefined;
  try {
    const parsed = parseCommandLine(command, path, argsOfCommand, command.api ? CONNECTION_OPTIONS : {});
    await command.run(
      contextFor(command, parsed, io, (resolvedCredentials) => (credentials = resolvedCredentials)),
    );
    return EXIT.ok;
  } catch (error) {
    const code = exitCodeOf(error);
    const lines = describeFailure(error, command, credentials).map((line) => scrub(line, credentials?.token));
    io.stderr.write(`keyledger ${path}: ${lines.join('\n')}\n`);
    if (code === EXIT.usage) {
      io.stderr.write(
        `usage: ${synopsis(path, command)}\n(\`keyledger ${path} --help\` shows every option)\n`,
      );
    }
    if (code === EXIT.unexpected && io.env['KEYLEDGER_DEBUG'] && error instanceof Error && error.stack) {
      io.stderr.write(`${scrub(error.stack, credentials?.token)}\n`);
    }
    return code;
  }
}
