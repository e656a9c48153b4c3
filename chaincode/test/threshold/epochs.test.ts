import { createHash } from 'node:crypto';
import { canonicalJson } from '../../src/protocol/canonical';
import type { CommitmentSet, ShareAcknowledgements } from '../../src/protocol/threshold';
import type { ChaincodeHarness, TxResult } from '../support/harness';
import {
  createCast,
  curvePoints,
  fixture,
  newHarness,
  register,
  type Cast,
  type ModuleFixture,
} from './fixtures';

const PUBLISH = 'TrustDomain:PublishCommitments';
const ACK = 'TrustDomain:AcknowledgeShare';
const ACKS = 'TrustDomain:GetShareAcknowledgements';

describe('TrustDomain epochs: verifying shares, refreshes and share acknowledgements', () => {
  let cast: Cast;
  let harness: ChaincodeHarness;
  let modules: ModuleFixture[];
  let groupKey: string;

  const mod = (n: number): ModuleFixture => {
    const found = modules[n - 1];
    if (found === undefined) {
      throw new Error(`no module ${n}`);
    }
    return found;
  };
  const shares = (indices: number[], curve: 'ed25519' | 'p256' = 'ed25519'): Record<string, string> =>
    Object.fromEntries(curvePoints(curve, indices.length).map((point, i) => [String(indices[i]), point]));
  const epochInput = (epoch: number, changes: Record<string, unknown> = {}): string =>
    JSON.stringify({
      keyId: 'master-1',
      epoch,
      curve: 'ed25519',
      commitments: [groupKey, ...curvePoints('ed25519', 1)],
      shareIndices: [1, 2, 3],
      ...changes,
    });
  const ack = (n: number, epoch = 1): Promise<TxResult<Record<string, unknown>>> =>
    harness.submit<Record<string, unknown>>(
      mod(n).owner,
      ACK,
      JSON.stringify({ keyId: 'master-1', epoch, moduleId: mod(n).moduleId }),
    );

  beforeAll(async () => {
    cast = await createCast(4);
  });

  /** hsm-1..4 registered; key master-1 with t = 2, n = 3; no epoch yet. */
  beforeEach(async () => {
    harness = newHarness(cast);
    modules = [1, 2, 3, 4].map((n) => fixture(cast, n));
    for (const module of modules) {
      await register(harness, cast, module);
    }
    await harness.submit(
      cast.admin,
      'TrustDomain:SetThresholdPolicy',
      JSON.stringify({ keyId: 'master-1', t: 2, n: 3, minTrust: 0 }),
    );
    [groupKey] = curvePoints('ed25519', 1) as [string];
  });

  describe('verifyingShares', () => {
    it('stores the verification shares keyed by share index, with their digest', async () => {
      const verifyingShares = shares([3, 1, 2]);
      const tx = await harness.submit<CommitmentSet>(cast.admin, PUBLISH, epochInput(1, { verifyingShares }));
      const digest = createHash('sha256').update(canonicalJson(verifyingShares)).digest('hex');
      expect(tx.value.verifyingShares).toEqual(verifyingShares);
      expect(Object.keys(tx.value.verifyingShares ?? {})).toEqual(['1', '2', '3']);
      expect(tx.value.verifyingSharesDigest).toBe(digest);
      expect(tx.event?.payload).toMatchObject({ verifyingSharesDigest: digest });
      const read = await harness.evaluate<CommitmentSet>(
        cast.auditor,
        'TrustDomain:GetCommitments',
        'master-1',
        '1',
      );
      expect(read.value.verifyingShares).toEqual(verifyingShares);
    });

    it('needs shareIndices and exactly their keys, each a valid point of the curve', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ shareIndices: undefined, verifyingShares: shares([1, 2, 3]) }, /needs shareIndices/],
        [{ verifyingShares: shares([1, 2]) }, /exactly the shareIndices/],
        [{ verifyingShares: shares([1, 2, 4]) }, /exactly the shareIndices/],
        [
          { verifyingShares: { ...shares([1, 2]), '3': '01' + '00'.repeat(31) } },
          /verifyingShares\.3 is the identity/,
        ],
        [{ verifyingShares: shares([1, 2, 3], 'p256') }, /verifyingShares\.1 must be 32 bytes/],
        [{ verifyingShares: { ...shares([1, 2]), '03': groupKey } }, /verifyingShares/],
      ];
      for (const [change, pattern] of cases) {
        const message = await harness.expectRejected(
          cast.admin,
          PUBLISH,
          [epochInput(1, change)],
          'INVALID_ARGUMENT',
        );
        expect(message).toMatch(pattern);
      }
    });
  });

  describe('refreshOf', () => {
    beforeEach(async () => {
      await harness.submit(cast.admin, PUBLISH, epochInput(1));
    });

    it('accepts a refresh of the latest epoch that keeps the group key, t and shareIndices', async () => {
      const tx = await harness.submit<CommitmentSet>(cast.admin, PUBLISH, epochInput(2, { refreshOf: 1 }));
      expect(tx.value).toMatchObject({ epoch: 2, refreshOf: 1, commitments: [groupKey, expect.any(String)] });
      expect(tx.event?.payload).toMatchObject({ refreshOf: 1 });
      // Without refreshOf a new epoch may change the group key, as before.
      await harness.submit(cast.admin, PUBLISH, epochInput(3, { commitments: curvePoints('ed25519', 2) }));
    });

    it('refuses a refresh that changes the group key, the curve or the share indices', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ commitments: curvePoints('ed25519', 2) }, /keep its commitments\[0\]/],
        [{ shareIndices: [1, 2, 4] }, /keep its shareIndices/],
        [{ shareIndices: undefined }, /keep its shareIndices/],
        [{ curve: 'p256', commitments: curvePoints('p256', 2) }, /keep its curve/],
      ];
      for (const [change, pattern] of cases) {
        const message = await harness.expectRejected(
          cast.admin,
          PUBLISH,
          [epochInput(2, { refreshOf: 1, ...change })],
          'CONFLICT',
        );
        expect(message).toMatch(pattern);
      }
    });

    it('refuses a refresh whose t changed with the policy', async () => {
      await harness.submit(
        cast.admin,
        'TrustDomain:SetThresholdPolicy',
        JSON.stringify({ keyId: 'master-1', t: 3, n: 3, minTrust: 0 }),
      );
      const message = await harness.expectRejected(
        cast.admin,
        PUBLISH,
        [epochInput(2, { refreshOf: 1, commitments: [groupKey, ...curvePoints('ed25519', 2)] })],
        'CONFLICT',
      );
      expect(message).toMatch(/keep its t/);
    });

    it('refuses refreshOf that is not the latest epoch, or on the first epoch', async () => {
      await harness.submit(cast.admin, PUBLISH, epochInput(2, { refreshOf: 1 }));
      const stale = await harness.expectRejected(
        cast.admin,
        PUBLISH,
        [epochInput(3, { refreshOf: 1 })],
        'CONFLICT',
      );
      expect(stale).toMatch(/refreshOf must be the latest epoch of key master-1 \(2\), got 1/);
      await harness.submit(
        cast.admin,
        'TrustDomain:SetThresholdPolicy',
        JSON.stringify({ keyId: 'master-2', t: 2, n: 3, minTrust: 0 }),
      );
      const first = await harness.expectRejected(
        cast.admin,
        PUBLISH,
        [epochInput(1, { keyId: 'master-2', refreshOf: 1 })],
        'CONFLICT',
      );
      expect(first).toMatch(/no epoch to refresh/);
    });
  });

  describe('AcknowledgeShare / GetShareAcknowledgements', () => {
    beforeEach(async () => {
      await harness.submit(cast.admin, PUBLISH, epochInput(1));
    });

    it('records each holder once; ShareAcknowledged counts until complete', async () => {
      const first = await ack(2);
      expect(first.value).toEqual({
        keyId: 'master-1',
        epoch: 1,
        moduleId: 'hsm-2',
        shareIndex: 2,
        at: harness.now,
        acknowledgedBy: `${mod(2).owner.mspId}/${mod(2).owner.fingerprint}`,
        txId: first.txId,
        acknowledged: 1,
        expected: 3,
        complete: false,
      });
      expect(first.event).toEqual({
        name: 'ShareAcknowledged',
        payload: {
          keyId: 'master-1',
          epoch: 1,
          moduleId: 'hsm-2',
          acknowledged: 1,
          expected: 3,
          complete: false,
          txId: first.txId,
        },
      });
      const again = await ack(2);
      expect(again.event).toBeUndefined();
      expect(again.value).toEqual(first.value);
      await ack(1);
      const last = await ack(3);
      expect(last.event?.payload).toMatchObject({ acknowledged: 3, expected: 3, complete: true });
      const summary = await harness.evaluate<ShareAcknowledgements>(cast.auditor, ACKS, 'master-1', '1');
      expect(summary.value).toEqual({
        keyId: 'master-1',
        epoch: 1,
        expected: ['hsm-1', 'hsm-2', 'hsm-3'],
        acknowledged: ['hsm-1', 'hsm-2', 'hsm-3'],
        complete: true,
      });
    });

    it('lists the expected holders before any acknowledgement', async () => {
      const summary = await harness.evaluate<ShareAcknowledgements>(mod(4).owner, ACKS, 'master-1', '1');
      expect(summary.value).toEqual({
        keyId: 'master-1',
        epoch: 1,
        expected: ['hsm-1', 'hsm-2', 'hsm-3'],
        acknowledged: [],
        complete: false,
      });
      await harness.expectRejected(cast.outsider, ACKS, ['master-1', '1'], 'FORBIDDEN');
    });

    it('refuses modules outside the epoch, other owners, non-module roles and unknown epochs', async () => {
      const outside = await harness.expectRejected(
        mod(4).owner,
        ACK,
        [JSON.stringify({ keyId: 'master-1', epoch: 1, moduleId: 'hsm-4' })],
        'CONFLICT',
      );
      expect(outside).toMatch(/holds no share of key master-1 epoch 1/);
      await harness.expectRejected(
        mod(2).owner,
        ACK,
        [JSON.stringify({ keyId: 'master-1', epoch: 1, moduleId: 'hsm-1' })],
        'FORBIDDEN',
      );
      await harness.expectRejected(
        cast.admin,
        ACK,
        [JSON.stringify({ keyId: 'master-1', epoch: 1, moduleId: 'hsm-1' })],
        'FORBIDDEN',
      );
      await harness.expectRejected(
        mod(1).owner,
        ACK,
        [JSON.stringify({ keyId: 'master-1', epoch: 2, moduleId: 'hsm-1' })],
        'NOT_FOUND',
      );
      await harness.expectRejected(
        mod(1).owner,
        ACK,
        [JSON.stringify({ keyId: 'master-1', epoch: 1, moduleId: 'hsm-1', extra: 1 })],
        'INVALID_ARGUMENT',
      );
    });
  });
});
