import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors';
import type { AnyCommand, CliOptions } from './types';

export interface ParsedCommandLine {
  readonly options: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  readonly args: readonly string[];
}

/**
 * parseArgs' own errors carry a documented code; their messages name the option, which is what a user needs.
 * (By code, not `instanceof Error`: node's internal errors come from another realm under a test runner's vm.)
 */
function isParseArgsError(error: unknown): error is { code: string; message: string } {
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
  };
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_') && typeof message === 'string';
}

/**
 * Parses one command's arguments with node:util parseArgs (strict: an unknown option, a missing value or an
 * extra argument is a {@link UsageError} naming it). `extra` are options every command of its kind takes.
 */
export function parseCommandLine(
  command: AnyCommand,
  path: string,
  argv: readonly string[],
  extra: CliOptions = {},
): ParsedCommandLine {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, option] of Object.entries({ ...command.options, ...extra })) {
    options[name] = {
      type: option.type,
      ...(option.short === undefined ? {} : { short: option.short }),
      ...(option.multiple === undefined ? {} : { multiple: option.multiple }),
    };
  }
  let parsed: { values: ParsedCommandLine['options']; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    if (isParseArgsError(error)) {
      throw new UsageError({ message: error.message, command: path, cause: error });
    }
    throw error;
  }
  const specs = command.args ?? [];
  const required = specs.filter((arg) => arg.required !== false);
  const missing = required[parsed.positionals.length];
  if (missing !== undefined) {
    throw new UsageError({ message: `missing ${missing.name}: ${missing.description}`, command: path });
  }
  if (parsed.positionals.length > specs.length) {
    const extraArg = parsed.positionals[specs.length];
    throw new UsageError({ message: `unexpected argument '${extraArg}'`, command: path });
  }
  return { options: parsed.values, args: parsed.positionals };
}

/** True when `--help` or `-h` comes before any `--` (help wins over every other complaint). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** A string option that must be there. */
export function requiredOption(value: string | undefined, option: string): string {
  if (value === undefined || value === '') {
    throw new UsageError({ message: `${option} is required` });
  }
  return value;
}

/** A whole number option within bounds, or undefined when it was not given. */
export function integerOption(
  value: string | undefined,
  option: string,
  bounds: Readonly<{ min?: number; max?: number }> = {},
): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError({
      message: `${option} must be a whole number ${max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`}, got '${value}'`,
    });
  }
  return n;
}
