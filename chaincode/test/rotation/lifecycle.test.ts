import { type RotationProposal } from '../../src/protocol/rotation';
import { digestPayload } from '../../src/protocol/rotationDigest';
import { verify, X509Certificate } from 'node:crypto';
import { ChaincodeHarness } from '../support/harness';
import { seedMembers } from '../support/seed';
import { RotationContract } from '../../src/contracts/rotation';
import {
  cast,
  createSigningIdentity,
  policyJson,
  proposalJson,
  QUEUE,
  ref,
  signPayload,
  world,
  type SigningIdentity,
  type World,
} from './fixtures';

const PROPOSE = 'KeyRotation:ProposeRotation';
const APPROVE = 'KeyRotation:ApproveRotation';
const REJECT = 'KeyRotation:RejectRotation';
const EXPIRE = 'KeyRotation:ExpireRotation';

describe('KeyRotation reject and expire', () => {
  let w: World;

  beforeEach(async () => {
    w = await world(4); // quorum 3: one rejection leaves 3 possible approvals, two make it impossible
  });

  it('records a rejection, then closes the proposal when the quorum can no longer be reached', async () => {
    const proposed = await w.harness.submit(w.val1, PROPOSE, proposalJson(w.frontends));
    const first = await w.harness.submit<RotationProposal>(
      w.val2,
      REJECT,
      proposed.txId,
      'KCV does not match',
    );
    expect(first.value.status).toBe('open');
    expect(first.value.rejections).toEqual([
      {
        mspId: w.val2.mspId,
        fingerprint: w.val2.fingerprint,
        rejectedAt: w.harness.now,
        txId: first.txId,
        reason: 'KCV does not match',
      },
    ]);
    expect(first.event).toEqual({
      name: 'RotationRejected',
      payload: {
        proposalId: proposed.txId,
        queueId: QUEUE,
        version: 1,
        rejectedBy: ref(w.val2),
        reason: 'KCV does not match',
        rejections: 1,
        approvals: 1,
        quorum: 3,
        validatorCount: 4,
        final: false,
        status: 'open',
        txId: first.txId,
      },
    });
    // A validator votes once: no approval after its rejection, no second rejection.
    expect(await w.harness.expectRejected(w.val2, APPROVE, [proposed.txId, ''], 'CONFLICT')).toContain(
      'has already rejected',
    );
    expect(await w.harness.expectRejected(w.val2, REJECT, [proposed.txId, 'again'], 'CONFLICT')).toContain(
      'has already rejected',
    );
    // The proposer has approved and cannot reject.
    expect(
      await w.harness.expectRejected(w.val1, REJECT, [proposed.txId, 'changed my mind'], 'CONFLICT'),
    ).toContain('has already approved');

    const second = await w.harness.submit<RotationProposal>(w.val3, REJECT, proposed.txId, 'unknown key id');
    expect(second.value).toMatchObject({ status: 'rejected', closedAt: w.harness.now });
    expect(second.event?.payload).toMatchObject({ final: true, status: 'rejected', rejections: 2 });
    expect((await w.harness.evaluate(w.val4, 'KeyRotation:GetPendingRotation', QUEUE)).value).toBeNull();

    expect(await w.harness.expectRejected(w.val4, APPROVE, [proposed.txId, ''], 'CONFLICT')).toContain(
      'is rejected, not open',
    );
    // The queue is free again; the rejected key id stays reserved.
    expect(
      await w.harness.expectRejected(w.val4, PROPOSE, [proposalJson(w.frontends)], 'CONFLICT'),
    ).toContain('key id orders-k1 was already used');
    const retry = await w.harness.submit<RotationProposal>(
      w.val4,
      PROPOSE,
      proposalJson(w.frontends, { keyId: 'orders-k1-retry', keyCheckValue: '0c0d0e' }),
    );
    expect(retry.value).toMatchObject({ version: 1, status: 'open' });
  });

  it('validates the rejection reason and proposal id', async () => {
    const proposed = await w.harness.submit(w.val1, PROPOSE, proposalJson(w.frontends));
    expect(await w.harness.expectRejected(w.val2, REJECT, [proposed.txId, ''], 'INVALID_ARGUMENT')).toContain(
      'invalid reason',
    );
    expect(await w.harness.expectRejected(w.val2, REJECT, ['-x', 'r'], 'INVALID_ARGUMENT')).toContain(
      'invalid proposal id',
    );
    expect(await w.harness.expectRejected(w.val2, REJECT, ['abc', 'r'], 'NOT_FOUND')).toContain(
      'rotation proposal abc not found',
    );
  });

  it('expires an open proposal only after its TTL, then frees the queue', async () => {
    const proposed = await w.harness.submit<RotationProposal>(w.val1, PROPOSE, proposalJson(w.frontends));
    expect(await w.harness.expectRejected(w.val2, EXPIRE, [proposed.txId], 'CONFLICT')).toContain(
      `does not expire before ${new Date(proposed.value.expiresAt).toISOString()}`,
    );
    // Exactly at expiresAt the proposal is still alive (the harness adds 1 s per transaction).
    w.harness.setTime(proposed.value.expiresAt - 1000);
    const last = await w.harness.submit<RotationProposal>(w.val2, APPROVE, proposed.txId, '');
    expect(last.value.approvals).toHaveLength(2);

    w.harness.advance(1);
    expect(await w.harness.expectRejected(w.val3, APPROVE, [proposed.txId, ''], 'CONFLICT')).toContain(
      `expired at ${new Date(proposed.value.expiresAt).toISOString()}`,
    );
    expect(await w.harness.expectRejected(w.val3, REJECT, [proposed.txId, 'late'], 'CONFLICT')).toContain(
      'expired at',
    );
    const pending = await w.harness.evaluate<Record<string, unknown>[]>(
      w.val3,
      'KeyRotation:ListPendingRotations',
    );
    expect(pending.value).toEqual([expect.objectContaining({ proposalId: proposed.txId, expired: true })]);
    const due = await w.harness.evaluate<Record<string, unknown>>(w.val3, 'KeyRotation:IsRotationDue', QUEUE);
    expect(due.value['openProposal']).toEqual({
      proposalId: proposed.txId,
      version: 1,
      expiresAt: proposed.value.expiresAt,
      expired: true,
    });

    for (const who of [w.fe1, w.auditor, w.outsider]) {
      await w.harness.expectRejected(who, EXPIRE, [proposed.txId], 'FORBIDDEN');
    }
    const expired = await w.harness.submit<RotationProposal>(w.admin, EXPIRE, proposed.txId);
    expect(expired.value).toMatchObject({ status: 'expired', closedAt: w.harness.now });
    expect(expired.event).toEqual({
      name: 'RotationExpired',
      payload: {
        proposalId: proposed.txId,
        queueId: QUEUE,
        version: 1,
        expiresAt: proposed.value.expiresAt,
        expiredBy: ref(w.admin),
        txId: expired.txId,
      },
    });
    expect(await w.harness.expectRejected(w.val2, EXPIRE, [proposed.txId], 'CONFLICT')).toContain(
      'is expired, not open',
    );
    expect(await w.harness.expectRejected(w.val2, EXPIRE, ['nope'], 'NOT_FOUND')).toContain('not found');
    const next = await w.harness.submit(
      w.val2,
      PROPOSE,
      proposalJson(w.frontends, { keyId: 'orders-k1b', keyCheckValue: '111111' }),
    );
    expect(next.event?.name).toBe('RotationProposed');
  });

  it('uses the policy TTL', async () => {
    await w.harness.submit(w.admin, 'KeyRotation:SetKeyPolicy', policyJson({ proposalTtlMs: 10 * 60_000 }));
    const proposed = await w.harness.submit<RotationProposal>(w.val1, PROPOSE, proposalJson(w.frontends));
    expect(proposed.value.expiresAt - proposed.value.proposedAt).toBe(10 * 60_000);
  });

  it('counts only votes of currently active validators', async () => {
    const proposed = await w.harness.submit(w.val1, PROPOSE, proposalJson(w.frontends));
    await w.harness.submit(w.val2, APPROVE, proposed.txId, '');
    // val1 (the proposer) loses the validator role and governance sets a threshold of 3: val1's approval no
    // longer counts, so val3's makes only 2 of 3.
    seedMembers(
      w.harness,
      [
        { identity: w.val1, roles: [] },
        { identity: w.val2, roles: ['validator'] },
        { identity: w.val3, roles: ['validator'] },
        { identity: w.val4, roles: ['validator'] },
      ],
      { kind: 'threshold', threshold: 3 },
    );
    const third = await w.harness.submit<RotationProposal>(w.val3, APPROVE, proposed.txId, '');
    expect(third.value.status).toBe('open');
    expect(third.event?.payload).toMatchObject({ approvals: 2, quorum: 3, validatorCount: 3 });
    const fourth = await w.harness.submit<RotationProposal>(w.val4, APPROVE, proposed.txId, '');
    expect(fourth.event?.payload).toMatchObject({ quorum: 3, validatorCount: 3 });
    expect(fourth.value.status).toBe('committed');
  });
});

describe('KeyRotation signed approvals', () => {
  let harness: ChaincodeHarness;
  let signers: SigningIdentity[];
  let people: Awaited<ReturnType<typeof cast>>;

  beforeAll(async () => {
    people = await cast();
    signers = await Promise.all([
      createSigningIdentity('sv1', 'Org1MSP'),
      createSigningIdentity('sv2', 'Org2MSP'),
      createSigningIdentity('sv3', 'Org3MSP'),
    ]);
  });

  beforeEach(async () => {
    harness = new ChaincodeHarness([RotationContract]);
    seedMembers(harness, [
      ...signers.map((identity) => ({ identity, roles: ['validator' as const] })),
      ...people.frontends.map((identity) => ({ identity, roles: ['frontend' as const] })),
      { identity: people.admin, roles: ['admin'] },
    ]);
    await harness.submit(people.admin, 'KeyRotation:SetKeyPolicy', policyJson());
  });

  function payloadFor(proposer: SigningIdentity): Buffer {
    const input = JSON.parse(proposalJson(people.frontends)) as Parameters<typeof digestPayload>[0];
    return digestPayload({
      ...input,
      proposer: { mspId: proposer.mspId, fingerprint: proposer.fingerprint },
    });
  }

  it('verifies and stores the proposer and approver signatures with their certificates', async () => {
    const [sv1, sv2] = signers as [SigningIdentity, SigningIdentity];
    const proposerSignature = signPayload(sv1, payloadFor(sv1));
    const proposed = await harness.submit<RotationProposal>(
      sv1,
      PROPOSE,
      proposalJson(people.frontends, { signature: proposerSignature }),
    );
    expect(proposed.value.approvals[0]).toMatchObject({
      signature: proposerSignature,
      certificate: sv1.certPem,
    });

    // Raw r‖s (as a PKCS#11 token signs) is accepted too.
    const approverSignature = signPayload(sv2, digestPayload(proposed.value), true);
    const approved = await harness.submit<RotationProposal>(sv2, APPROVE, proposed.txId, approverSignature);
    expect(approved.value.status).toBe('committed');
    expect(approved.value.approvals[1]).toMatchObject({
      signature: approverSignature,
      certificate: sv2.certPem,
    });

    // What a front-end does: recompute the payload, check each certificate's fingerprint and signature.
    const rotations = await harness.evaluate<{ approvals: { fingerprint: string; certificate: string }[] }[]>(
      people.fe1,
      'KeyRotation:GetRotationsSince',
      QUEUE,
      '0',
    );
    const [committed] = rotations.value;
    const full = await harness.evaluate<RotationProposal>(
      people.fe1,
      'KeyRotation:GetRotation',
      proposed.txId,
    );
    const payload = digestPayload(full.value);
    const verified = (committed?.approvals ?? []).map((approval, index) => {
      const certificate = new X509Certificate(approval.certificate);
      const encoding = index === 0 ? 'der' : 'ieee-p1363';
      const signature = Buffer.from(full.value.approvals[index]?.signature ?? '', 'base64');
      return [
        certificate.fingerprint256.replace(/:/g, '').toLowerCase() === approval.fingerprint,
        verify('sha256', payload, { key: certificate.publicKey, dsaEncoding: encoding }, signature),
      ];
    });
    expect(verified).toEqual([
      [true, true],
      [true, true],
    ]);
  });

  it('rejects a signature that does not verify with the caller certificate', async () => {
    const [sv1, sv2, sv3] = signers as [SigningIdentity, SigningIdentity, SigningIdentity];
    // Signed by sv2, submitted by sv1.
    const foreign = signPayload(sv2, payloadFor(sv1));
    expect(
      await harness.expectRejected(
        sv1,
        PROPOSE,
        [proposalJson(people.frontends, { signature: foreign })],
        'INVALID_ARGUMENT',
      ),
    ).toContain('does not verify over the proposal digest');
    const proposed = await harness.submit<RotationProposal>(sv1, PROPOSE, proposalJson(people.frontends));
    // Signature over a different payload.
    const wrongPayload = signPayload(sv2, payloadFor(sv2));
    expect(
      await harness.expectRejected(sv2, APPROVE, [proposed.txId, wrongPayload], 'INVALID_ARGUMENT'),
    ).toContain('does not verify');
    // Garbage that is valid base64.
    expect(
      await harness.expectRejected(
        sv3,
        APPROVE,
        [proposed.txId, Buffer.alloc(70, 1).toString('base64')],
        'INVALID_ARGUMENT',
      ),
    ).toContain('does not verify');
  });
});
