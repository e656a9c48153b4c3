import { createHash } from 'node:crypto';
import { canonicalJson } from '../../src/protocol/canonical';
import type { ChaincodeHarness } from '../support/harness';
import {
  attest,
  createCast,
  curvePoints,
  fixture,
  newHarness,
  register,
  type Cast,
  type ModuleFixture,
} from './fixtures';

const SET_POLICY = 'TrustDomain:SetThresholdPolicy';
const PUBLISH = 'TrustDomain:PublishCommitments';

function policy(changes: Record<string, unknown> = {}): string {
  return JSON.stringify({ keyId: 'master-1', t: 3, n: 5, minTrust: 500, ...changes });
}

describe('TrustDomain threshold policies and Feldman commitments', () => {
  let cast: Cast;
  let harness: ChaincodeHarness;

  beforeAll(async () => {
    cast = await createCast(3);
  });

  beforeEach(() => {
    harness = newHarness(cast);
  });

  describe('SetThresholdPolicy / GetThresholdPolicy', () => {
    it('creates and then replaces a policy, versioned; ThresholdPolicySet', async () => {
      const created = await harness.submit(cast.admin, SET_POLICY, policy());
      const createdAt = harness.now;
      expect(created.value).toEqual({
        keyId: 'master-1',
        t: 3,
        n: 5,
        minTrust: 500,
        version: 1,
        createdAt,
        updatedAt: createdAt,
        updatedBy: `${cast.admin.mspId}/${cast.admin.fingerprint}`,
      });
      expect(created.event).toEqual({
        name: 'ThresholdPolicySet',
        payload: { keyId: 'master-1', t: 3, n: 5, minTrust: 500, version: 1, txId: created.txId },
      });
      const replaced = await harness.submit(cast.admin, SET_POLICY, policy({ t: 2, n: 2, minTrust: 0 }));
      expect(replaced.value).toMatchObject({
        t: 2,
        n: 2,
        minTrust: 0,
        version: 2,
        createdAt,
        updatedAt: harness.now,
      });
      const read = await harness.evaluate(cast.auditor, 'TrustDomain:GetThresholdPolicy', 'master-1');
      expect(read.value).toEqual(replaced.value);
    });

    it('is admin-only', async () => {
      for (const who of [cast.orchestrator, cast.auditor, cast.owners[0] ?? cast.outsider, cast.validator]) {
        await harness.expectRejected(who, SET_POLICY, [policy()], 'FORBIDDEN');
      }
    });

    it('requires 2 ≤ t ≤ n ≤ 255 and 0 ≤ minTrust ≤ 1000', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ t: 6, n: 5 }, /t: t must not exceed n/],
        [{ t: 1, n: 5 }, /t:/],
        [{ t: 2, n: 256 }, /n:/],
        [{ minTrust: 1001 }, /minTrust/],
        [{ minTrust: -1 }, /minTrust/],
        [{ keyId: '' }, /keyId/],
        [{ t: 2.5 }, /t:/],
      ];
      for (const [change, pattern] of cases) {
        const message = await harness.expectRejected(
          cast.admin,
          SET_POLICY,
          [policy(change)],
          'INVALID_ARGUMENT',
        );
        expect(message).toMatch(pattern);
      }
      await harness.submit(cast.admin, SET_POLICY, policy({ t: 255, n: 255, minTrust: 1000 }));
    });

    it('reports unknown keys and bad ids; reads need a role', async () => {
      await expect(harness.evaluate(cast.admin, 'TrustDomain:GetThresholdPolicy', 'nope')).rejects.toThrow(
        '[NOT_FOUND] threshold policy of key nope not found',
      );
      await expect(harness.evaluate(cast.admin, 'TrustDomain:GetThresholdPolicy', '')).rejects.toThrow(
        /INVALID_ARGUMENT/,
      );
      await expect(
        harness.evaluate(cast.outsider, 'TrustDomain:GetThresholdPolicy', 'master-1'),
      ).rejects.toThrow(/FORBIDDEN/);
    });
  });

  describe('PublishCommitments / GetCommitments', () => {
    let dealer: ModuleFixture;
    let other: ModuleFixture;

    beforeEach(async () => {
      await harness.submit(cast.admin, SET_POLICY, policy());
      dealer = fixture(cast, 1);
      other = fixture(cast, 2);
      await register(harness, cast, dealer);
      await register(harness, cast, other);
    });

    function commitments(changes: Record<string, unknown> = {}): string {
      return JSON.stringify({
        keyId: 'master-1',
        epoch: 1,
        curve: 'ed25519',
        commitments: curvePoints('ed25519', 3),
        ...changes,
      });
    }

    it.each(['ed25519', 'secp256k1', 'p256'] as const)(
      'publishes %s commitments; CommitmentsPublished',
      async (curve) => {
        const points = curvePoints(curve, 3);
        const tx = await harness.submit(
          cast.admin,
          PUBLISH,
          JSON.stringify({
            keyId: 'master-1',
            epoch: 1,
            curve,
            commitments: points,
            shareIndices: [5, 1, 2, 3, 4],
          }),
        );
        const digest = createHash('sha256').update(canonicalJson(points)).digest('hex');
        expect(tx.value).toEqual({
          keyId: 'master-1',
          epoch: 1,
          curve,
          t: 3,
          n: 5,
          commitments: points,
          commitmentsDigest: digest,
          shareIndices: [1, 2, 3, 4, 5],
          publishedAt: harness.now,
          publishedBy: `${cast.admin.mspId}/${cast.admin.fingerprint}`,
          txId: tx.txId,
        });
        expect(tx.event).toEqual({
          name: 'CommitmentsPublished',
          payload: {
            keyId: 'master-1',
            epoch: 1,
            curve,
            t: 3,
            n: 5,
            commitmentsDigest: digest,
            publishedAt: harness.now,
            txId: tx.txId,
          },
        });
      },
    );

    it('reads an epoch, or the latest with an empty epoch', async () => {
      const first = await harness.submit(cast.admin, PUBLISH, commitments());
      const second = await harness.submit(cast.admin, PUBLISH, commitments({ epoch: 2 }));
      const tenth = await harness.submit(cast.admin, PUBLISH, commitments({ epoch: 10 }));
      const get = (epoch: string): Promise<unknown> =>
        harness
          .evaluate(cast.auditor, 'TrustDomain:GetCommitments', 'master-1', epoch)
          .then((tx) => tx.value);
      expect(await get('1')).toEqual(first.value);
      expect(await get('2')).toEqual(second.value);
      // Epoch 10 sorts after 2 (fixed-width keys), so it is the latest.
      expect(await get('')).toEqual(tenth.value);
      await expect(get('3')).rejects.toThrow('[NOT_FOUND] commitments of key master-1 epoch 3 not found');
      await expect(get('x')).rejects.toThrow(/INVALID_ARGUMENT/);
      await expect(get('0')).rejects.toThrow(/INVALID_ARGUMENT/);
      await expect(harness.evaluate(cast.admin, 'TrustDomain:GetCommitments', 'other', '')).rejects.toThrow(
        '[NOT_FOUND] commitments of key other not found',
      );
      await expect(
        harness.evaluate(cast.outsider, 'TrustDomain:GetCommitments', 'master-1', ''),
      ).rejects.toThrow(/FORBIDDEN/);
    });

    it('keeps each epoch immutable and epochs strictly increasing', async () => {
      await harness.submit(cast.admin, PUBLISH, commitments({ epoch: 2 }));
      const same = await harness.expectRejected(cast.admin, PUBLISH, [commitments({ epoch: 2 })], 'CONFLICT');
      expect(same).toMatch(/epoch 2 are already published and immutable/);
      const older = await harness.expectRejected(
        cast.admin,
        PUBLISH,
        [commitments({ epoch: 1 })],
        'CONFLICT',
      );
      expect(older).toMatch(/epochs must increase: key master-1 is at epoch 2, got 1/);
    });

    it('needs exactly t commitments', async () => {
      const fewer = await harness.expectRejected(
        cast.admin,
        PUBLISH,
        [commitments({ commitments: curvePoints('ed25519', 2) })],
        'INVALID_ARGUMENT',
      );
      expect(fewer).toMatch(/exactly 3 commitments are needed, got 2/);
      await harness.expectRejected(
        cast.admin,
        PUBLISH,
        [commitments({ commitments: curvePoints('ed25519', 4) })],
        'INVALID_ARGUMENT',
      );
      await harness.expectRejected(
        cast.admin,
        PUBLISH,
        [commitments({ commitments: [] })],
        'INVALID_ARGUMENT',
      );
    });

    it('needs points of the right length and on the curve', async () => {
      const [a, b] = curvePoints('ed25519', 2);
      const [k1] = curvePoints('secp256k1', 1);
      const cases: [Record<string, unknown>, RegExp][] = [
        [
          { commitments: [a, b, String(k1)] },
          /commitments\.2 must be 32 bytes \(64 hex characters\) for ed25519, got 33/,
        ],
        [{ curve: 'secp256k1', commitments: [k1, k1, a] }, /commitments\.2 must be 33 bytes/],
        [{ commitments: [a, b, '01' + '00'.repeat(31)] }, /commitments\.2 is the identity element/],
        [
          { curve: 'p256', commitments: [k1, k1, k1].map((p) => `04${String(p).slice(2)}`) },
          /compressed point/,
        ],
        [{ commitments: [a, b, 'ABCD'] }, /commitments\.2: must be lower-case hex/],
        [{ curve: 'curve448' }, /curve/],
      ];
      for (const [change, pattern] of cases) {
        const message = await harness.expectRejected(
          cast.admin,
          PUBLISH,
          [commitments(change)],
          'INVALID_ARGUMENT',
        );
        expect(message).toMatch(pattern);
      }
    });

    it('checks share indices and other fields', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ shareIndices: [1, 2, 3] }, /shareIndices must list n = 5 indices, got 3/],
        [{ shareIndices: [1, 1, 2, 3, 4] }, /must not repeat an index/],
        [{ shareIndices: [0, 1, 2, 3, 4] }, /shareIndices/],
        [{ epoch: 0 }, /epoch/],
        [{ dealer: 'bad id' }, /dealer/],
      ];
      for (const [change, pattern] of cases) {
        const message = await harness.expectRejected(
          cast.admin,
          PUBLISH,
          [commitments(change)],
          'INVALID_ARGUMENT',
        );
        expect(message).toMatch(pattern);
      }
    });

    it('needs a policy for the key', async () => {
      await harness.expectRejected(cast.admin, PUBLISH, [commitments({ keyId: 'other' })], 'NOT_FOUND');
    });

    it('lets an admin name any registered dealer', async () => {
      const tx = await harness.submit(cast.admin, PUBLISH, commitments({ dealer: 'hsm-2' }));
      expect(tx.value).toMatchObject({ dealer: 'hsm-2' });
      expect(tx.event?.payload).toMatchObject({ dealer: 'hsm-2' });
      await harness.expectRejected(
        cast.admin,
        PUBLISH,
        [commitments({ epoch: 2, dealer: 'hsm-9' })],
        'NOT_FOUND',
      );
    });

    it('lets a module owner publish as dealer of a trusted module it owns', async () => {
      await attest(harness, dealer);
      const tx = await harness.submit(dealer.owner, PUBLISH, commitments({ dealer: 'hsm-1' }));
      expect(tx.value).toMatchObject({
        dealer: 'hsm-1',
        publishedBy: `${dealer.owner.mspId}/${dealer.owner.fingerprint}`,
      });
    });

    it('refuses module owners without a dealer, for a module they do not own, or an untrusted one', async () => {
      await attest(harness, dealer);
      const noDealer = await harness.expectRejected(dealer.owner, PUBLISH, [commitments()], 'FORBIDDEN');
      expect(noDealer).toMatch(/only as the dealer of a module it owns/);
      await harness.expectRejected(other.owner, PUBLISH, [commitments({ dealer: 'hsm-1' })], 'FORBIDDEN');
      // hsm-2 has not attested: score 200 < minTrust 500.
      const untrusted = await harness.expectRejected(
        other.owner,
        PUBLISH,
        [commitments({ dealer: 'hsm-2' })],
        'FORBIDDEN',
      );
      expect(untrusted).toMatch(/dealer module hsm-2 is not trusted for key master-1 \(score 200\)/);
      for (const who of [cast.orchestrator, cast.auditor, cast.outsider]) {
        await harness.expectRejected(who, PUBLISH, [commitments()], 'FORBIDDEN');
      }
    });
  });
});
