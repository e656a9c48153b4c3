import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import type { providers } from '@keyledger/chaincode/protocol';
import { writeFileAtomic } from '../../files';
import type { ReportedOutcome } from '../ledger';

/** A batch cut for the ledger: its id never changes, whatever happens to the attempts to send it. */
export interface OutcomeBatch {
  readonly batchId: string;
  readonly outcomes: readonly ReportedOutcome[];
}

/** What survives a restart: batches cut but not confirmed, outcomes not yet batched, and the id sequence. */
export interface OutcomeJournalState {
  readonly epoch: number;
  readonly seq: number;
  readonly pending: readonly OutcomeBatch[];
  readonly unbatched: readonly ReportedOutcome[];
}

const single = z.strictObject({
  providerId: z.string().min(1),
  success: z.boolean(),
  latencyMs: z.number().nonnegative(),
  at: z.number(),
});

const count = z.number().int().nonnegative();
const tally: z.ZodType<providers.OutcomeTally> = z.strictObject({
  providerId: z.string().min(1),
  from: z.number(),
  to: z.number(),
  successes: count,
  failures: count,
  successLatencyMs: count,
  failureLatencyMs: count,
  lastSuccessAt: z.number().optional(),
  lastFailureAt: z.number().optional(),
});

const outcome = z.union([single, tally]);

/** Version 1 held single outcomes only; version 2 also tallies. Both read back the same way. */
const fileSchema = z.strictObject({
  version: z.union([z.literal(1), z.literal(2)]),
  epoch: z.number().int(),
  seq: z.number().int().nonnegative(),
  pending: z.array(z.strictObject({ batchId: z.string().min(1), outcomes: z.array(outcome) })),
  unbatched: z.array(outcome),
});

/** Reads the journal; undefined when there is none yet. */
export function readOutcomeJournal(path: string): OutcomeJournalState | undefined {
  if (!existsSync(path)) {
    return undefined;
  }
  const { epoch, seq, pending, unbatched } = fileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  return { epoch, seq, pending, unbatched };
}

/**
 * Replaces the journal whole (temporary file + rename), so a crash leaves the old state or the new, never a mix.
 * `durable` fsyncs: wanted when batches are cut (losing them would lose outcomes), not when one is confirmed
 * (losing that only resends it, and the ledger answers CONFLICT).
 */
export function writeOutcomeJournal(path: string, state: OutcomeJournalState, durable: boolean): void {
  writeFileAtomic(path, JSON.stringify({ version: 2, ...state }), { durable });
}
