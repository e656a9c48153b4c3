import type { CliEntry } from '../command';
import { cryptoCommands } from './commands/crypto';
import { proposalCommands } from './commands/proposals';
import { queueCommands } from './commands/queues';

export { acceptsPolicyField } from './commands/queues';

/**
 * The rotation capability's part of the `keyledger` command: queues and policies, encrypt and decrypt, rotate
 * and compromise, history and proposals — each a call of this capability's REST routes.
 */
export const rotationCommands: readonly CliEntry[] = [
  ...queueCommands,
  ...cryptoCommands,
  ...proposalCommands,
];
