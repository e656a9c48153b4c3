import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { RotationLedger } from '../ledger';
import type { FrontendNodeHandle, RotationProposal } from '../types';

/** Response header saying how a `?wait=committed` request ended. */
export const WAIT_HEADER = 'KeyLedger-Wait';

export const DEFAULT_WAIT_MS = 30_000;
export const MAX_WAIT_MS = 120_000;
/** How often the ledger is asked while a proposal is open (the front-ends' own wait is event-driven). */
const POLL_MS = 200;

/** `?wait=committed[&waitTimeoutMs=…]`, for routes whose effect completes after they answer. */
export const waitQueryShape = {
  wait: z
    .literal('committed')
    .optional()
    .describe(
      'answer only once the key version is committed on the ledger and every front-end node of this gateway has ' +
        `verified and loaded it (or the wait timed out: header ${WAIT_HEADER}: timeout)`,
    ),
  waitTimeoutMs: z
    .string()
    .regex(/^\d{1,6}$/, 'must be a whole number of milliseconds')
    .transform(Number)
    .refine((ms) => ms >= 1 && ms <= MAX_WAIT_MS, `must be 1-${MAX_WAIT_MS}`)
    .optional()
    .describe(`longest wait with wait=committed (default ${DEFAULT_WAIT_MS} ms)`),
};

export interface WaitRequest {
  readonly wait?: 'committed';
  readonly waitTimeoutMs?: number;
}

/**
 * How a wait ended: `committed` (on the ledger and at every front-end of this gateway), the proposal closed
 * without committing (`rejected`, `expired`), or `timeout`.
 */
export type WaitOutcome = 'committed' | 'rejected' | 'expired' | 'timeout';

function remaining(deadline: number): number {
  return Math.max(0, deadline - Date.now());
}

/** Every front-end node of this gateway seals with `version` (or later) before the deadline. */
async function frontendsHold(
  frontends: Iterable<FrontendNodeHandle>,
  queueId: string,
  version: number,
  deadline: number,
): Promise<boolean> {
  try {
    await Promise.all(
      [...frontends].map((node) => node.waitForVersion(queueId, version, remaining(deadline))),
    );
    return true;
  } catch {
    return false;
  }
}

/** Waits for an open proposal to close; then, if it committed, for this gateway's front-ends to hold it. */
export async function waitForProposal(
  ledger: RotationLedger,
  frontends: Iterable<FrontendNodeHandle>,
  proposal: RotationProposal,
  timeoutMs: number,
): Promise<{ proposal: RotationProposal; outcome: WaitOutcome }> {
  const deadline = Date.now() + timeoutMs;
  let current = proposal;
  while (current.status === 'open' && remaining(deadline) > 0) {
    await sleep(Math.min(POLL_MS, remaining(deadline)));
    current = await ledger.getRotation(current.proposalId);
  }
  if (current.status !== 'committed') {
    return { proposal: current, outcome: current.status === 'open' ? 'timeout' : current.status };
  }
  const held = await frontendsHold(frontends, current.queueId, current.version, deadline);
  return { proposal: current, outcome: held ? 'committed' : 'timeout' };
}

/** Waits for a queue to have at least `version` committed, then for this gateway's front-ends to hold it. */
export async function waitForQueueVersion(
  ledger: RotationLedger,
  frontends: Iterable<FrontendNodeHandle>,
  queueId: string,
  version: number,
  timeoutMs: number,
): Promise<WaitOutcome> {
  const deadline = Date.now() + timeoutMs;
  let active = (await ledger.isRotationDue(queueId)).activeVersion;
  while (active < version && remaining(deadline) > 0) {
    await sleep(Math.min(POLL_MS, remaining(deadline)));
    active = (await ledger.isRotationDue(queueId)).activeVersion;
  }
  if (active < version) {
    return 'timeout';
  }
  return (await frontendsHold(frontends, queueId, version, deadline)) ? 'committed' : 'timeout';
}
