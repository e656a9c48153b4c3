import type { KeyLedgerClient } from '../client';

/** One `--option` of a command, as node:util parseArgs takes it plus what its usage says. */
export interface CliOption {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** The placeholder in usage: `<dur>`, `N`, `FILE` (string options; default `VALUE`). */
  readonly value?: string;
  readonly description: string;
}

export type CliOptions = Readonly<Record<string, CliOption>>;

type ValueOf<T extends CliOption> = T['type'] extends 'boolean' ? boolean : string;

/** What parseArgs gives for each option: undefined when it was not on the command line. */
export type OptionValues<O extends CliOptions> = {
  readonly [K in keyof O]?: O[K]['multiple'] extends true ? ValueOf<O[K]>[] : ValueOf<O[K]>;
};

/** A positional argument, in order. */
export interface CliArgument {
  readonly name: string;
  /** Default true. Optional arguments come after the required ones. */
  readonly required?: boolean;
  readonly description: string;
}

/** A stream the command writes to; process.stdout in the real command, a buffer in tests. */
export interface CliOutput {
  write(chunk: string | Uint8Array): boolean;
}

/** Where a command reads and writes, so that it runs the same in a test as in a terminal. */
export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export interface CommandContext<O extends CliOptions> {
  readonly options: OptionValues<O>;
  /** The positional arguments, already checked against the command's `args` (count, not content). */
  readonly args: readonly string[];
  readonly io: CliIo;
  /** `--json`: print the API's JSON instead of the human view. */
  readonly json: boolean;
  /** The REST client for the resolved URL and token (commands with `api: true` only). */
  client(): KeyLedgerClient;
  /**
   * Prints `data` as JSON with --json, else the human view: text (a newline is added) or bytes (written as
   * they are, for commands whose output is data).
   */
  emit(data: unknown, human: () => string | Uint8Array): void;
}

export interface CommandSpec<O extends CliOptions> {
  readonly name: string;
  /** One line, for the list of commands. */
  readonly summary: string;
  /** More for `--help`: what it needs (a role), what it prints, what it waits for. */
  readonly description?: string;
  readonly args?: readonly CliArgument[];
  readonly options: O;
  /** API field paths (`body.maxMessages`) → the option that sets them, so an error names what the user typed. */
  readonly fields?: Readonly<Record<string, string>>;
  /** Calls the REST API: takes the connection options (--url, --token, --as, --profile) and --json. */
  readonly api: boolean;
  run(context: CommandContext<O>): Promise<void> | void;
}

/** A command with its option types erased, as the dispatcher and the help see it. */
export interface AnyCommand extends Omit<CommandSpec<CliOptions>, 'run'> {
  readonly kind: 'command';
  run(context: CommandContext<CliOptions>): Promise<void> | void;
}

/** Commands under one word: `queue` → `list`, `policy` → `get`, `set`. */
export interface CommandGroup {
  readonly kind: 'group';
  readonly name: string;
  readonly summary: string;
  readonly children: readonly CliEntry[];
}

export type CliEntry = AnyCommand | CommandGroup;

export function defineCommand<O extends CliOptions>(spec: CommandSpec<O>): AnyCommand {
  return { ...spec, kind: 'command' } as unknown as AnyCommand;
}

export function defineGroup(name: string, summary: string, children: readonly CliEntry[]): CommandGroup {
  return { kind: 'group', name, summary, children };
}
