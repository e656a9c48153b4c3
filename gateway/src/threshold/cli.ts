import { defineGroup, type CliEntry } from '../command';
import { moduleStart } from './cli/moduleCommands';
import { thresholdGroup } from './cli/thresholdCommands';

/** The threshold capability's part of the `keyledger` command. */
export const thresholdCommands: readonly CliEntry[] = [
  defineGroup('module', 'security modules of threshold key custody: run one', [moduleStart]),
  thresholdGroup,
];
