export { integerOption, parseCommandLine, requiredOption, wantsHelp, type ParsedCommandLine } from './args';
export { formatDuration, parseDuration } from './duration';
export { CheckFailedError, UsageError, WaitIncompleteError, type IncompleteWait } from './errors';
export { readAll, readFileOption, readInput } from './input';
export { formatFields, formatTable, formatTime } from './output';
export {
  defineCommand,
  defineGroup,
  type AnyCommand,
  type CliArgument,
  type CliEntry,
  type CliIo,
  type CliOption,
  type CliOptions,
  type CliOutput,
  type CommandContext,
  type CommandGroup,
  type CommandSpec,
  type OptionValues,
} from './types';
