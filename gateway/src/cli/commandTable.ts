import { apiTokenCommands } from '../api/tokens/cli';
import { defineGroup, type CliEntry } from '../command';
import { governanceCommands } from '../governance/cli';
import { rotationCommands } from '../rotation/cli';
import { providerCommands } from '../providers/cli';
import { shardsCommands } from '../shards/cli';
import { caCommands } from '../signing/ca/cli';
import { signingCommands, tokenVerifyCommand } from '../signing/cli';
import { thresholdGroup } from '../threshold/cli/thresholdCommands';
import { localCommands } from './localCommands';

/**
 * Every `keyledger` command, in the order help lists them. Each capability owns its subcommands (as it owns
 * its routes); this table only puts them side by side.
 */
export const KEYLEDGER_COMMANDS: readonly CliEntry[] = [
  ...localCommands,
  ...governanceCommands,
  ...rotationCommands,
  ...providerCommands,
  ...signingCommands,
  ...caCommands,
  ...shardsCommands,
  thresholdGroup,
  defineGroup('token', 'API bearer tokens (create, list, revoke) and signed JWTs (verify)', [
    ...apiTokenCommands,
    tokenVerifyCommand,
  ]),
];
