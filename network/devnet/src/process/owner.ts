/**
 * The program a devnet runs inside, when it is not `devnet start`: the KeyLedger stack runs its devnet in its own
 * process, so stopping "the devnet" stops all of it. Kept in the pid file so that `devnet stop` and `devnet status`
 * can say what that process is.
 */
export interface DevnetOwner {
  /** What to call it, e.g. 'KeyLedger stack' ("stopped the KeyLedger stack (pid 123)"). */
  readonly name: string;
  /** What else stopping it stops, e.g. 'ledger, agents and API'. */
  readonly includes?: string;
}

/** The devnet's own CLI (`devnet start`) as the owner named when there is no other. */
export const STANDALONE_OWNER: DevnetOwner = { name: 'devnet' };

/** "the KeyLedger stack (pid 123): ledger, agents and API" */
export function describeOwner(owner: DevnetOwner | undefined, pid: number): string {
  const who = owner ?? STANDALONE_OWNER;
  return `the ${who.name} (pid ${pid})${who.includes ? `: ${who.includes}` : ''}`;
}
