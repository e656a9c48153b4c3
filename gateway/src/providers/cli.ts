import { defineGroup, type CliEntry } from '../command';
import { providerStart } from './cli/providerCommands';

/** The providers capability's part of the `keyledger` command. */
export const providerCommands: readonly CliEntry[] = [
  defineGroup('provider', 'key providers: run one (HSM-backed, mutual TLS)', [providerStart]),
];
