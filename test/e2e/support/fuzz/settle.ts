/**
 * After an accepted mutating request the agents may still be at work (a new queue gets its first key, a rotation
 * collects approvals, front-ends fetch the key). The next rejected request is compared against the state once
 * they are done, so their work is never blamed on it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { differences, readSnapshot, unsettled, type Snapshot, type StateReader } from './state';

/**
 * A policy under which the agents do nothing on their own during a run: an hour between rotations and more
 * messages than a run encrypts. A fuzzed policy that is faster is put back to this one (keeping its TTL and
 * retention, by count and by time), so that a 1-second interval found by the fuzzer does not keep the validators rotating.
 */
export const CALM_POLICY = { rotationIntervalMs: 3_600_000, maxMessages: 100_000, algorithm: 'AES-256-GCM' };

const PATIENCE_MS = 5_000;
const POLL_MS = 300;

async function calm(reader: StateReader, snapshot: Snapshot): Promise<boolean> {
  let changed = false;
  for (const [queueId, state] of Object.entries(snapshot.perQueue)) {
    const policy = state['policy'] as Record<string, unknown>;
    if (
      Number(policy['rotationIntervalMs']) >= CALM_POLICY.rotationIntervalMs &&
      Number(policy['maxMessages']) >= CALM_POLICY.maxMessages
    ) {
      continue;
    }
    const response = await fetch(`${reader.apiUrl}/v1/queues/${encodeURIComponent(queueId)}/policy`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${reader.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        ...CALM_POLICY,
        proposalTtlMs: policy['proposalTtlMs'],
        retentionVersions: policy['retentionVersions'],
        retentionMs: policy['retentionMs'],
      }),
    });
    if (response.status !== 200) {
      throw new Error(`calming the policy of ${queueId}: ${response.status} ${await response.text()}`);
    }
    changed = true;
  }
  return changed;
}

/** Waits until the state stops moving (the agents are done), calming fast policies first; returns it. */
export async function settle(reader: StateReader, timeoutMs = 60_000): Promise<Snapshot> {
  const started = Date.now();
  let previous: Snapshot | undefined;
  for (;;) {
    const snapshot = await readSnapshot(reader);
    if (await calm(reader, snapshot)) {
      previous = undefined;
      continue;
    }
    const patient = Date.now() - started > PATIENCE_MS;
    const busy = unsettled(snapshot, reader.frontends, patient);
    const moved = previous === undefined ? ['(first look)'] : differences(previous, snapshot);
    if (busy === undefined && moved.length === 0) {
      return snapshot;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`the stack did not settle within ${timeoutMs} ms: ${busy ?? moved.join('; ')}`);
    }
    previous = snapshot;
    await sleep(POLL_MS);
  }
}
