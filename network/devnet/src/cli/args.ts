/** How a flag takes its value: `--name value`, alone (`--name`), or alone unless written `--name=value`. */
export type FlagKind = 'value' | 'boolean' | 'optional';

/** What a command accepts. */
export interface CommandSpec {
  readonly flags: Readonly<Record<string, FlagKind>>;
}

export interface ParsedArgs {
  readonly positional: string[];
  readonly flags: Map<string, string | true>;
}

/** A command line the CLI does not understand: exit 2 with the command's usage. */
export class UsageError extends Error {
  constructor(options: Readonly<{ message: string }>) {
    super(options.message);
    this.name = 'UsageError';
  }
}

/** True when the arguments ask for help (`--help`, `-h`), whatever else they hold. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.some((arg) => arg === '--help' || arg === '-h');
}

/** Parses `--name value`, `--name=value` and `--name` flags; a flag the command does not know is a UsageError. */
export function parseArgs(argv: readonly string[], spec: CommandSpec): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq > 0 ? eq : undefined) : '';
    const kind = Object.prototype.hasOwnProperty.call(spec.flags, name) ? spec.flags[name] : undefined;
    if (kind === undefined)
      throw new UsageError({ message: `unknown option ${eq > 0 ? arg.slice(0, eq) : arg}` });
    if (eq > 0) {
      if (kind === 'boolean') throw new UsageError({ message: `--${name} takes no value` });
      flags.set(name, arg.slice(eq + 1));
    } else if (kind === 'value') {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--'))
        throw new UsageError({ message: `--${name} needs a value` });
      flags.set(name, value);
      i++;
    } else {
      flags.set(name, true);
    }
  }
  return { positional, flags };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

export function intFlag(args: ParsedArgs, name: string): number | undefined {
  const value = stringFlag(args, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError({ message: `--${name} must be a non-negative integer` });
  return n;
}
