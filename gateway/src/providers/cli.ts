import { defineGroup, type CliEntry } from '../command';
import { keyCommands } from './cli/keyCommands';
import { providerList, providerShow, providerStart } from './cli/providerCommands';

/** The providers capability's part of the `keyledger` command. */
export const providerCommands: readonly CliEntry[] = [
  ...keyCommands,
  defineGroup('provider', 'key providers: their scores, load and breaker state; run one', [
    providerList,
    providerShow,
    providerStart,
  ]),
];
