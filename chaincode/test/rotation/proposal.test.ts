import { createHash } from 'node:crypto';
import { type RotationProposal } from '../../src/protocol/rotation';
import { digestPayload } from '../../src/protocol/rotationDigest';
import { seedMembers } from '../support/seed';
import {
  HOUR,
  proposal,
  proposalJson,
  QUEUE,
  ref,
  world,
  wrapped,
  wrappedKeysFor,
  findKey,
  type World,
} from './fixtures';

const PROPOSE = 'KeyRotation:ProposeRotation';
const APPROVE = 'KeyRotation:ApproveRotation';

describe('KeyRotation propose and approve', () => {
  let w: World;

  beforeEach(async () => {
    w = await world(3);
  });

  it('runs the full flow: propose (first approval), approve at quorum 2, commit in the same transaction', async () => {
    const [v1, v2, v3] = w.validators as [
      World['validators'][0],
      World['validators'][0],
      World['validators'][0],
    ];
    const proposed = await w.harness.submit<RotationProposal>(v1, PROPOSE, proposalJson(w.frontends));
    const proposedAt = w.harness.now;
    const proposalId = proposed.txId;
    expect(proposed.value).toMatchObject({
      proposalId,
      queueId: QUEUE,
      version: 1,
      status: 'open',
      proposer: { mspId: v1.mspId, fingerprint: v1.fingerprint },
      approvals: [{ mspId: v1.mspId, fingerprint: v1.fingerprint, approvedAt: proposedAt, txId: proposalId }],
      rejections: [],
      proposedAt,
      expiresAt: proposedAt + HOUR,
      validatorCountAtProposal: 3,
      quorumAtProposal: 2,
    });
    const expectedDigest = createHash('sha256').update(digestPayload(proposed.value)).digest('hex');
    expect(proposed.value.digest).toBe(expectedDigest);
    expect(proposed.event).toEqual({
      name: 'RotationProposed',
      payload: expect.objectContaining({
        proposalId,
        queueId: QUEUE,
        version: 1,
        digest: expectedDigest,
        approvals: 1,
        quorum: 2,
        validatorCount: 3,
        proposer: ref(v1),
        recipients: w.frontends.map(ref).sort(),
      }),
    });

    const pending = await w.harness.evaluate<RotationProposal>(
      w.fe1,
      'KeyRotation:GetPendingRotation',
      QUEUE,
    );
    expect(pending.value.proposalId).toBe(proposalId);
    const list = await w.harness.evaluate<Record<string, unknown>[]>(v3, 'KeyRotation:ListPendingRotations');
    expect(list.value).toEqual([expect.objectContaining({ proposalId, expired: false })]);
    expect(list.value[0]).not.toHaveProperty('wrappedKeys');

    const approved = await w.harness.submit<RotationProposal>(v2, APPROVE, proposalId, '');
    const committedAt = w.harness.now;
    expect(approved.value).toMatchObject({
      status: 'committed',
      closedAt: committedAt,
      quorum: 2,
      validatorCount: 3,
    });
    expect(approved.value.approvals.map(ref)).toEqual([ref(v1), ref(v2)]);
    expect(approved.event).toEqual({
      name: 'RotationCommitted',
      payload: {
        queueId: QUEUE,
        version: 1,
        keyId: 'orders-k1',
        keyCheckValue: 'a1b2c3',
        proposalId,
        digest: expectedDigest,
        approvals: [ref(v1), ref(v2)],
        quorum: 2,
        validatorCount: 3,
        reason: 'schedule',
        notBefore: Date.UTC(2026, 0, 1),
        committedAt,
        txId: approved.txId,
      },
    });

    const active = await w.harness.evaluate(w.fe2, 'KeyRotation:GetActiveKey', QUEUE);
    expect(active.value).toEqual({
      queueId: QUEUE,
      version: 1,
      keyId: 'orders-k1',
      keyCheckValue: 'a1b2c3',
      algorithm: 'AES-256-GCM',
      proposalId,
      committedAt,
      notBefore: Date.UTC(2026, 0, 1),
      compromised: false,
    });
    expect((await w.harness.evaluate(v1, 'KeyRotation:GetPendingRotation', QUEUE)).value).toBeNull();
    expect((await w.harness.evaluate(v1, 'KeyRotation:ListPendingRotations')).value).toEqual([]);
    const stored = await w.harness.evaluate<RotationProposal>(
      w.auditor,
      'KeyRotation:GetRotation',
      proposalId,
    );
    expect(stored.value.status).toBe('committed');

    // The next version is proposed on top of the committed one, once the rotation hold (60 s) is over.
    w.harness.advance(60_000);
    const next = await w.harness.submit<RotationProposal>(
      v3,
      PROPOSE,
      proposalJson(w.frontends, {
        version: 2,
        keyId: 'orders-k2',
        keyCheckValue: 'd4e5f6',
        reason: 'manual',
      }),
    );
    expect(next.value).toMatchObject({ version: 2, status: 'open' });
  });

  it('emits RotationApproved below quorum (4 validators → quorum 3)', async () => {
    const w4 = await world(4);
    const [v1, v2, v3, v4] = w4.validators as [
      World['validators'][0],
      World['validators'][0],
      World['validators'][0],
      World['validators'][0],
    ];
    const proposed = await w4.harness.submit<RotationProposal>(v1, PROPOSE, proposalJson(w4.frontends));
    expect(proposed.value.quorumAtProposal).toBe(3);
    const second = await w4.harness.submit<RotationProposal>(v2, APPROVE, proposed.txId, '');
    expect(second.value.status).toBe('open');
    expect(second.event).toEqual({
      name: 'RotationApproved',
      payload: {
        proposalId: proposed.txId,
        queueId: QUEUE,
        version: 1,
        approver: ref(v2),
        signed: false,
        approvals: 2,
        quorum: 3,
        validatorCount: 4,
        txId: second.txId,
      },
    });
    const third = await w4.harness.submit<RotationProposal>(v3, APPROVE, proposed.txId, '');
    expect(third.event?.name).toBe('RotationCommitted');
    expect(third.value.approvals.map(ref)).toEqual([ref(v1), ref(v2), ref(v3)]);
    // Approval after commit.
    const message = await w4.harness.expectRejected(v4, APPROVE, [proposed.txId, ''], 'CONFLICT');
    expect(message).toContain('is committed, not open');
  });

  it('commits at once when the quorum is 1 (a single validator)', async () => {
    const w1 = await world(1);
    const proposed = await w1.harness.submit<RotationProposal>(w1.val1, PROPOSE, proposalJson(w1.frontends));
    expect(proposed.value).toMatchObject({
      status: 'committed',
      quorum: 1,
      validatorCount: 1,
      closedAt: w1.harness.now,
    });
    expect(proposed.event?.name).toBe('RotationCommitted');
    expect(proposed.event?.payload).toMatchObject({ version: 1, approvals: [ref(w1.val1)] });
    expect((await w1.harness.evaluate(w1.admin, 'KeyRotation:GetPendingRotation', QUEUE)).value).toBeNull();
    expect((await w1.harness.evaluate(w1.admin, 'KeyRotation:GetActiveKey', QUEUE)).value).toMatchObject({
      version: 1,
    });
  });

  it('rejects a duplicate approval (including the proposer approving again) and an approval after commit', async () => {
    const [v1, v2, v3] = w.validators as [
      World['validators'][0],
      World['validators'][0],
      World['validators'][0],
    ];
    const w4 = await world(4);
    const proposed = await w4.harness.submit(w4.val1, PROPOSE, proposalJson(w4.frontends));
    await w4.harness.submit(w4.val2, APPROVE, proposed.txId, '');
    expect(await w4.harness.expectRejected(w4.val2, APPROVE, [proposed.txId, ''], 'CONFLICT')).toContain(
      `${ref(w4.val2)} has already approved`,
    );
    expect(await w4.harness.expectRejected(w4.val1, APPROVE, [proposed.txId, ''], 'CONFLICT')).toContain(
      'has already approved',
    );

    const committed = await w.harness.submit(v1, PROPOSE, proposalJson(w.frontends));
    await w.harness.submit(v2, APPROVE, committed.txId, '');
    expect(await w.harness.expectRejected(v3, APPROVE, [committed.txId, ''], 'CONFLICT')).toContain(
      'is committed, not open',
    );
  });

  it('rejects a second open proposal for the same queue', async () => {
    const first = await w.harness.submit(w.val1, PROPOSE, proposalJson(w.frontends));
    const message = await w.harness.expectRejected(
      w.val2,
      PROPOSE,
      [proposalJson(w.frontends, { keyId: 'orders-k1b', keyCheckValue: '0a0b0c' })],
      'CONFLICT',
    );
    expect(message).toContain(`already has open proposal ${first.txId} for version 1`);
  });

  it('rejects a version that is not active + 1', async () => {
    for (const version of [2, 5]) {
      const message = await w.harness.expectRejected(
        w.val1,
        PROPOSE,
        [proposalJson(w.frontends, { version })],
        'CONFLICT',
      );
      expect(message).toContain(`version must be 1 (active version 0 + 1), got ${version}`);
    }
    const first = await w.harness.submit(w.val1, PROPOSE, proposalJson(w.frontends));
    await w.harness.submit(w.val2, APPROVE, first.txId, '');
    const message = await w.harness.expectRejected(
      w.val1,
      PROPOSE,
      [proposalJson(w.frontends, { version: 1, keyId: 'again', keyCheckValue: 'ffffff' })],
      'CONFLICT',
    );
    expect(message).toContain('version must be 2 (active version 1 + 1), got 1');
  });

  it('rejects proposals from non-validators', async () => {
    for (const who of [w.fe1, w.admin, w.auditor, w.outsider]) {
      await w.harness.expectRejected(who, PROPOSE, [proposalJson(w.frontends)], 'FORBIDDEN');
    }
  });

  it('rejects approvals and rejections from non-validators', async () => {
    const proposed = await w.harness.submit(w.val1, PROPOSE, proposalJson(w.frontends));
    for (const who of [w.fe1, w.admin, w.outsider]) {
      await w.harness.expectRejected(who, APPROVE, [proposed.txId, ''], 'FORBIDDEN');
      await w.harness.expectRejected(who, 'KeyRotation:RejectRotation', [proposed.txId, 'no'], 'FORBIDDEN');
    }
  });

  it('requires wrapped keys for exactly the active front-ends, and says who is missing or extra', async () => {
    const [fe1, fe2] = w.frontends as [World['frontends'][0], World['frontends'][0]];
    const missing = await w.harness.expectRejected(
      w.val1,
      PROPOSE,
      [proposalJson(w.frontends, { wrappedKeys: wrappedKeysFor([fe1]) })],
      'CONFLICT',
    );
    expect(missing).toContain(`missing front-end(s) ${ref(fe2)}`);

    const extra = await w.harness.expectRejected(
      w.val1,
      PROPOSE,
      [proposalJson(w.frontends, { wrappedKeys: wrappedKeysFor([fe1, fe2, w.outsider]) })],
      'CONFLICT',
    );
    expect(extra).toContain(`not an active front-end: ${ref(w.outsider)}`);

    const duplicate = await w.harness.expectRejected(
      w.val1,
      PROPOSE,
      [proposalJson(w.frontends, { wrappedKeys: wrappedKeysFor([fe1, fe2, fe1]) })],
      'INVALID_ARGUMENT',
    );
    expect(duplicate).toContain(`wrappedKeys names ${ref(fe1)} more than once`);
  });

  it('rejects when no front-end is registered', async () => {
    const bare = await world(3);
    // Take the front-end role away from both front-ends (their role-index entries stay; the record decides).
    seedMembers(bare.harness, [
      ...bare.validators.map((identity) => ({ identity, roles: ['validator' as const] })),
      ...bare.frontends.map((identity) => ({ identity, roles: [] })),
    ]);
    const message = await bare.harness.expectRejected(
      bare.val1,
      PROPOSE,
      [proposalJson(bare.frontends)],
      'CONFLICT',
    );
    expect(message).toContain('no active front-end is registered');
  });

  it('rejects a key id already used for the queue, and a KCV equal to the active one', async () => {
    const first = await w.harness.submit(w.val1, PROPOSE, proposalJson(w.frontends));
    await w.harness.submit(w.val2, APPROVE, first.txId, '');
    const reused = await w.harness.expectRejected(
      w.val1,
      PROPOSE,
      [proposalJson(w.frontends, { version: 2, keyCheckValue: '999999' })],
      'CONFLICT',
    );
    expect(reused).toContain(
      `key id orders-k1 was already used for queue ${QUEUE} (version 1, proposal ${first.txId})`,
    );
    const sameKey = await w.harness.expectRejected(
      w.val1,
      PROPOSE,
      [proposalJson(w.frontends, { version: 2, keyId: 'orders-k2' })],
      'CONFLICT',
    );
    expect(sameKey).toContain('key check value equals that of active version 1');
  });

  it('rejects proposals for unknown queues and before governance is bootstrapped', async () => {
    expect(
      await w.harness.expectRejected(
        w.val1,
        PROPOSE,
        [proposalJson(w.frontends, { queueId: 'nope' })],
        'NOT_FOUND',
      ),
    ).toContain('queue nope has no key policy');
    const governanceKey = findKey(w.harness, 'gov.config');
    w.harness.ledger.commit('drop-config', w.harness.now, new Map([[governanceKey, null]]));
    expect(
      await w.harness.expectRejected(w.val1, PROPOSE, [proposalJson(w.frontends)], 'CONFLICT'),
    ).toContain('governance not bootstrapped');
    expect(await w.harness.expectRejected(w.val1, APPROVE, ['abc', ''], 'CONFLICT')).toContain(
      'governance not bootstrapped',
    );
    expect(
      await w.harness.expectRejected(w.val1, 'KeyRotation:RejectRotation', ['abc', 'no'], 'CONFLICT'),
    ).toContain('governance not bootstrapped');
  });

  const fe = (w0: World): World['frontends'] => w0.frontends;
  it.each<[string, (w0: World) => Record<string, unknown>, RegExp]>([
    ['no version', () => ({ version: undefined }), /version/],
    ['version 0', () => ({ version: 0 }), /version/],
    ['bad key id', () => ({ keyId: 'has space' }), /keyId/],
    ['KCV too short', () => ({ keyCheckValue: 'abcd' }), /keyCheckValue: must be 3-32 bytes/],
    ['KCV too long', () => ({ keyCheckValue: 'ab'.repeat(33) }), /keyCheckValue: must be 3-32 bytes/],
    ['KCV not hex', () => ({ keyCheckValue: 'ABCDEF' }), /keyCheckValue: must be lower-case hex/],
    ['no wrapped keys', () => ({ wrappedKeys: [] }), /wrappedKeys/],
    ['negative notBefore', () => ({ notBefore: -1 }), /notBefore/],
    ['unknown reason', () => ({ reason: 'boredom' }), /reason/],
    ['bad signature', () => ({ signature: 'not base64!' }), /signature/],
    ['unknown field', () => ({ plaintextKey: 'x' }), /plaintextKey/],
    [
      'a 32-byte "wrapped" key (a bare AES key)',
      (w0) => ({
        wrappedKeys: fe(w0).map((f) => ({
          mspId: f.mspId,
          fingerprint: f.fingerprint,
          wrappedKey: Buffer.alloc(32, 7).toString('base64'),
        })),
      }),
      /wrappedKeys\.0\.wrappedKey: wrapped key must decode to 40-4096 bytes, got 32/,
    ],
    [
      'a PEM private key as wrapped key',
      (w0) => ({
        wrappedKeys: fe(w0).map((f) => ({
          mspId: f.mspId,
          fingerprint: f.fingerprint,
          wrappedKey: Buffer.from(
            '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n',
          ).toString('base64'),
        })),
      }),
      /looks like a private key/,
    ],
    [
      'a private JWK as ephemeral public key',
      (w0) => ({
        wrappedKeys: fe(w0).map((f, i) => ({
          mspId: f.mspId,
          fingerprint: f.fingerprint,
          wrappedKey: wrapped(i + 1),
          ephemeralPublicKey: Buffer.from(
            JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'secret' }),
          ).toString('base64'),
        })),
      }),
      /ephemeralPublicKey: ephemeral public key looks like a private key/,
    ],
    [
      'a bad fingerprint',
      (w0) => ({
        wrappedKeys: [
          { mspId: 'Org1MSP', fingerprint: 'ABC', wrappedKey: wrapped(1) },
          ...wrappedKeysFor(fe(w0)),
        ],
      }),
      /wrappedKeys\.0\.fingerprint/,
    ],
  ])('rejects a proposal with %s', async (_label, overrides, pattern) => {
    const message = await w.harness.expectRejected(
      w.val1,
      PROPOSE,
      [JSON.stringify(proposal(w.frontends, overrides(w)))],
      'INVALID_ARGUMENT',
    );
    expect(message).toMatch(pattern);
  });

  it('rejects malformed approval arguments and unknown proposals', async () => {
    const proposed = await w.harness.submit(w.val1, PROPOSE, proposalJson(w.frontends));
    expect(await w.harness.expectRejected(w.val2, APPROVE, ['', ''], 'INVALID_ARGUMENT')).toContain(
      'invalid proposal id',
    );
    expect(
      await w.harness.expectRejected(w.val2, APPROVE, [proposed.txId, '%%%'], 'INVALID_ARGUMENT'),
    ).toContain('invalid signature');
    expect(
      await w.harness.expectRejected(
        w.val2,
        APPROVE,
        [proposed.txId, Buffer.alloc(1025).toString('base64')],
        'INVALID_ARGUMENT',
      ),
    ).toContain('at most 1024 bytes');
    expect(await w.harness.expectRejected(w.val2, APPROVE, ['f'.repeat(64), ''], 'NOT_FOUND')).toContain(
      `rotation proposal ${'f'.repeat(64)} not found`,
    );
  });

  it('stores a sorted recipient list with optional ephemeral public keys and keeps them out of summaries', async () => {
    const [fe1, fe2] = w.frontends as [World['frontends'][0], World['frontends'][0]];
    const entries = [fe2, fe1].map((f, i) => ({
      mspId: f.mspId,
      fingerprint: f.fingerprint,
      wrappedKey: wrapped(10 + i),
      ephemeralPublicKey: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, i + 1)]).toString('base64'),
    }));
    const proposed = await w.harness.submit<RotationProposal>(
      w.val1,
      PROPOSE,
      proposalJson(w.frontends, { wrappedKeys: entries }),
    );
    expect(proposed.value.wrappedKeys.map(ref)).toEqual([ref(fe1), ref(fe2)]);
    expect(proposed.value.wrappedKeys[0]?.ephemeralPublicKey).toBe(entries[1]?.ephemeralPublicKey);
  });
});
