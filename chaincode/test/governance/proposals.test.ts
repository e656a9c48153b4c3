import 'reflect-metadata';
import type { Member, QuorumRule } from '../../src/protocol';
import type { ProposalView } from '../../src/protocol/governance';
import type { ChaincodeHarness } from '../support/harness';
import type { TestIdentity } from '../support/identities';
import { seedMembers } from '../support/seed';
import {
  addValidator,
  DAY,
  ecPublicPem,
  identities,
  idOf,
  newHarness,
  registration,
  removeValidator,
  setRule,
  subjects,
} from './fixtures';

describe('Governance proposals', () => {
  let harness: ChaincodeHarness;
  let admin: TestIdentity;
  let v: TestIdentity[];
  let outsider: TestIdentity;
  let newcomer: TestIdentity;

  beforeAll(async () => {
    admin = await identities.create('admin', 'Org1MSP');
    v = [];
    for (let i = 0; i < 6; i += 1) {
      v.push(await identities.create(`v${i}`, `Org${(i % 3) + 1}MSP`));
    }
    outsider = await identities.create('outsider', 'Org2MSP', { 'keyledger.roles': 'frontend' });
    newcomer = await identities.create('newcomer', 'Org3MSP');
  });

  /** An admin plus the first `n` validators, in state exactly as governance writes them. */
  function seat(n: number, rule: QuorumRule = { kind: 'bft' }): TestIdentity[] {
    harness = newHarness();
    const validators = v.slice(0, n);
    seedMembers(
      harness,
      [
        { identity: admin, roles: ['admin'] },
        ...validators.map((identity) => ({ identity, roles: ['validator' as const] })),
      ],
      rule,
    );
    return validators;
  }

  async function validatorNames(): Promise<string[]> {
    const res = await harness.evaluate<{ validators: Member[] }>(admin, 'Governance:ListValidators');
    return res.value.validators.map((m) => m.name).sort();
  }

  describe('quorum reached exactly at the required approvals', () => {
    it('n = 1: the proposer alone applies it in the proposing transaction', async () => {
      const [a] = seat(1) as [TestIdentity];
      const res = await harness.submit<ProposalView>(
        a,
        'Governance:ProposeGovernanceChange',
        addValidator('p1', newcomer),
      );
      expect(res.value).toMatchObject({
        status: 'applied',
        closedAt: harness.now,
        closedTxId: res.txId,
        outcome: { validators: 1, approvals: 1, required: 1 },
      });
      expect(res.value.tally).toBeUndefined();
      expect(res.event).toEqual({
        name: 'GovernanceChangeApplied',
        payload: {
          proposalId: 'p1',
          changeType: 'addValidator',
          ...idOf(newcomer),
          status: 'applied',
          approvals: 1,
          rejections: 0,
          required: 1,
          validators: 1,
          by: idOf(a),
          txId: res.txId,
        },
      });
      expect(await validatorNames()).toEqual(['newcomer', 'v0']);
      const member = await harness.evaluate<Member>(
        admin,
        'Governance:GetMember',
        newcomer.mspId,
        newcomer.fingerprint,
      );
      expect(member.value).toMatchObject({
        roles: ['validator'],
        status: 'active',
        registeredBy: 'proposal:p1',
        name: 'newcomer',
      });
    });

    it('n = 3 (BFT needs 2): proposed, then applied by the second approval', async () => {
      const [a, b, c] = seat(3) as [TestIdentity, TestIdentity, TestIdentity];
      const proposed = await harness.submit<ProposalView>(
        a,
        'Governance:ProposeGovernanceChange',
        removeValidator('p1', c),
      );
      expect(proposed.value).toMatchObject({
        proposalId: 'p1',
        status: 'open',
        reason: 'unseat v2',
        proposer: idOf(a),
        proposedAt: harness.now,
        expiresAt: harness.now + 7 * DAY,
        approvals: [{ ...idOf(a), at: harness.now }],
        rejections: [],
        tally: {
          validators: 3,
          faultTolerance: 0,
          required: 2,
          approvals: 1,
          rejections: 0,
          pending: 2,
          reached: false,
          impossible: false,
        },
      });
      expect(proposed.event?.name).toBe('GovernanceChangeProposed');
      expect(proposed.event?.payload).toMatchObject({
        proposalId: 'p1',
        changeType: 'removeValidator',
        status: 'open',
        approvals: 1,
        required: 2,
      });
      expect(await validatorNames()).toEqual(['v0', 'v1', 'v2']);

      const applied = await harness.submit<ProposalView>(b, 'Governance:ApproveGovernanceChange', 'p1');
      expect(applied.value).toMatchObject({
        status: 'applied',
        outcome: { validators: 3, approvals: 2, required: 2 },
      });
      expect(applied.event?.name).toBe('GovernanceChangeApplied');
      expect(await validatorNames()).toEqual(['v0', 'v1']);
      // a validator-only member leaves revoked; its history keeps the validator years
      const gone = await harness.evaluate<Member>(admin, 'Governance:GetMember', c.mspId, c.fingerprint);
      expect(gone.value).toMatchObject({
        status: 'revoked',
        revokedReason: 'removed from the validator set by proposal:p1',
      });
      await harness.expectRejected(c, 'Governance:ApproveGovernanceChange', ['p1'], 'FORBIDDEN');
      const quorum = await harness.evaluate(admin, 'Governance:GetQuorum');
      expect(quorum.value).toEqual({ validators: 2, faultTolerance: 0, required: 2, rule: { kind: 'bft' } });
    });

    it('n = 4 (BFT needs 3 = 2f+1): still open after 2 approvals, applied by the third', async () => {
      const [a, b, c, d] = seat(4) as [TestIdentity, TestIdentity, TestIdentity, TestIdentity];
      const quorum = await harness.evaluate(admin, 'Governance:GetQuorum');
      expect(quorum.value).toEqual({ validators: 4, faultTolerance: 1, required: 3, rule: { kind: 'bft' } });
      await harness.submit(
        a,
        'Governance:ProposeGovernanceChange',
        setRule('rule', { kind: 'threshold', threshold: 4 }),
      );
      const second = await harness.submit<ProposalView>(b, 'Governance:ApproveGovernanceChange', 'rule');
      expect(second.value.status).toBe('open');
      expect(second.value.tally).toMatchObject({ approvals: 2, required: 3, pending: 2 });
      expect(second.event).toEqual({
        name: 'GovernanceChangeApproved',
        payload: {
          proposalId: 'rule',
          changeType: 'setQuorumRule',
          rule: { kind: 'threshold', threshold: 4 },
          status: 'open',
          approvals: 2,
          rejections: 0,
          required: 3,
          validators: 4,
          by: idOf(b),
          txId: second.txId,
        },
      });
      const config = await harness.evaluate<Record<string, unknown>>(admin, 'Governance:GetConfig');
      expect(config.value['quorumRule']).toEqual({ kind: 'bft' });

      const third = await harness.submit<ProposalView>(c, 'Governance:ApproveGovernanceChange', 'rule');
      expect(third.value.status).toBe('applied');
      const appliedAt = harness.now;
      const after = await harness.evaluate<Record<string, unknown>>(admin, 'Governance:GetConfig');
      expect(after.value).toMatchObject({
        quorumRule: { kind: 'threshold', threshold: 4 },
        ruleUpdatedBy: 'proposal:rule',
        ruleUpdatedAt: appliedAt,
      });
      const late = await harness.expectRejected(
        d,
        'Governance:ApproveGovernanceChange',
        ['rule'],
        'CONFLICT',
      );
      expect(late).toContain('applied, not open');

      // the new explicit threshold (unanimity) now governs
      await harness.submit(a, 'Governance:ProposeGovernanceChange', addValidator('add', newcomer));
      for (const voter of [b, c]) {
        const res = await harness.submit<ProposalView>(voter, 'Governance:ApproveGovernanceChange', 'add');
        expect(res.value.status).toBe('open');
      }
      const last = await harness.submit<ProposalView>(d, 'Governance:ApproveGovernanceChange', 'add');
      expect(last.value).toMatchObject({
        status: 'applied',
        outcome: { validators: 4, approvals: 4, required: 4 },
      });
      expect(await validatorNames()).toHaveLength(5);
    });

    it('an explicit threshold: n = 5 with threshold 2 is raised to the 2f+1 = 3 floor; threshold 5 needs all', async () => {
      const [a, b, c] = seat(5, { kind: 'threshold', threshold: 2 }) as TestIdentity[] as [
        TestIdentity,
        TestIdentity,
        TestIdentity,
      ];
      const quorum = await harness.evaluate(admin, 'Governance:GetQuorum');
      expect(quorum.value).toEqual({
        validators: 5,
        faultTolerance: 1,
        required: 3,
        rule: { kind: 'threshold', threshold: 2 },
      });
      await harness.submit(
        a,
        'Governance:ProposeGovernanceChange',
        setRule('t5', { kind: 'threshold', threshold: 5 }),
      );
      const two = await harness.submit<ProposalView>(b, 'Governance:ApproveGovernanceChange', 't5');
      expect(two.value.status).toBe('open');
      const three = await harness.submit<ProposalView>(c, 'Governance:ApproveGovernanceChange', 't5');
      expect(three.value).toMatchObject({ status: 'applied', outcome: { approvals: 3, required: 3 } });
      const now = await harness.evaluate(admin, 'Governance:GetQuorum');
      expect(now.value).toMatchObject({ required: 5 });
    });

    it('a threshold of 1 never lets a single validator decide when there are two or more', async () => {
      const [a, b] = seat(3, { kind: 'threshold', threshold: 1 }) as [TestIdentity, TestIdentity];
      const res = await harness.submit<ProposalView>(
        a,
        'Governance:ProposeGovernanceChange',
        addValidator('p', newcomer),
      );
      expect(res.value.status).toBe('open');
      expect(res.value.tally?.required).toBe(2);
      const done = await harness.submit<ProposalView>(b, 'Governance:ApproveGovernanceChange', 'p');
      expect(done.value.status).toBe('applied');
    });
  });

  it('seats validators from genesis through proposals only', async () => {
    harness = newHarness();
    const deployer = await subjects.orgAdmin('deployer', 'Org1MSP');
    await harness.submit(deployer, 'Governance:Bootstrap', '');
    const [a, b, c, d] = v as [TestIdentity, TestIdentity, TestIdentity, TestIdentity];
    await harness.submit(deployer, 'Governance:RegisterMember', registration(a, ['validator']));
    const { publicPem } = ecPublicPem();
    const first = await harness.submit<ProposalView>(
      a,
      'Governance:ProposeGovernanceChange',
      addValidator('add-b', b, publicPem),
    );
    expect(first.value.status).toBe('applied');
    expect(JSON.stringify(first.event)).not.toContain('BEGIN PUBLIC KEY');
    expect(first.event?.payload['publicKeyFingerprint']).toMatch(/^[0-9a-f]{64}$/);
    const seatedB = await harness.evaluate<Member>(a, 'Governance:GetMember', b.mspId, b.fingerprint);
    expect(seatedB.value.publicKey).toBe(publicPem);

    const second = await harness.submit<ProposalView>(
      b,
      'Governance:ProposeGovernanceChange',
      addValidator('add-c', c),
    );
    expect(second.value.tally).toMatchObject({ validators: 2, required: 2 });
    await harness.submit(a, 'Governance:ApproveGovernanceChange', 'add-c');
    await harness.submit(c, 'Governance:ProposeGovernanceChange', addValidator('add-d', d));
    const third = await harness.submit<ProposalView>(b, 'Governance:ApproveGovernanceChange', 'add-d');
    expect(third.value).toMatchObject({ status: 'applied', outcome: { validators: 3, required: 2 } });
    const quorum = await harness.evaluate(deployer, 'Governance:GetQuorum');
    expect(quorum.value).toEqual({ validators: 4, faultTolerance: 1, required: 3, rule: { kind: 'bft' } });
    await harness.expectRejected(deployer, 'Governance:SetQuorumRule', ['{"kind":"bft"}'], 'CONFLICT');
  });

  describe('adding and removing validators', () => {
    it('adds the validator role to an existing active member, keeping its record', async () => {
      const [a] = seat(1) as [TestIdentity];
      await harness.submit(
        admin,
        'Governance:RegisterMember',
        registration(newcomer, ['frontend', 'auditor'], { name: 'Newcomer' }),
      );
      await harness.submit(a, 'Governance:ProposeGovernanceChange', addValidator('p', newcomer));
      const member = await harness.evaluate<Member>(
        admin,
        'Governance:GetMember',
        newcomer.mspId,
        newcomer.fingerprint,
      );
      expect(member.value).toMatchObject({
        name: 'Newcomer',
        roles: ['validator', 'frontend', 'auditor'],
        registeredBy: `Org1MSP/${admin.fingerprint}`,
      });
    });

    it('removing an admin-validator leaves an active admin', async () => {
      harness = newHarness();
      const [a, b] = v as [TestIdentity, TestIdentity];
      seedMembers(harness, [
        { identity: admin, roles: ['admin'] },
        { identity: a, roles: ['admin', 'validator'] },
        { identity: b, roles: ['validator'] },
      ]);
      await harness.submit(b, 'Governance:ProposeGovernanceChange', removeValidator('p', a));
      await harness.submit(a, 'Governance:ApproveGovernanceChange', 'p');
      const member = await harness.evaluate<Member>(admin, 'Governance:GetMember', a.mspId, a.fingerprint);
      expect(member.value).toMatchObject({ status: 'active', roles: ['admin'] });
      expect(await validatorNames()).toEqual(['v1']);
    });

    it('refuses changes that do not apply when proposed', async () => {
      const [a, b] = seat(2) as [TestIdentity, TestIdentity];
      const already = await harness.expectRejected(
        a,
        'Governance:ProposeGovernanceChange',
        [addValidator('x', b)],
        'CONFLICT',
      );
      expect(already).toContain('already a validator');
      const notOne = await harness.expectRejected(
        a,
        'Governance:ProposeGovernanceChange',
        [removeValidator('x', newcomer)],
        'CONFLICT',
      );
      expect(notOne).toContain('not an active validator');
      seat(1);
      const last = await harness.expectRejected(
        a,
        'Governance:ProposeGovernanceChange',
        [removeValidator('x', a)],
        'CONFLICT',
      );
      expect(last).toContain('must not become empty');
    });

    it('re-checks at quorum: a removal that would empty the set cannot apply', async () => {
      const [a, b] = seat(2) as [TestIdentity, TestIdentity];
      await harness.submit(a, 'Governance:ProposeGovernanceChange', removeValidator('drop-b', b));
      await harness.submit(b, 'Governance:ProposeGovernanceChange', removeValidator('drop-a', a));
      await harness.submit(a, 'Governance:ApproveGovernanceChange', 'drop-a');
      expect(await validatorNames()).toEqual(['v1']);
      // b is now the only validator; a's approval of drop-b no longer counts and b cannot remove itself
      const message = await harness.expectRejected(
        b,
        'Governance:ApproveGovernanceChange',
        ['drop-b'],
        'CONFLICT',
      );
      expect(message).toContain('must not become empty');
      const stillOpen = await harness.evaluate<ProposalView>(b, 'Governance:GetGovernanceProposal', 'drop-b');
      expect(stillOpen.value.tally).toMatchObject({ validators: 1, approvals: 0, required: 1, pending: 1 });
    });
  });

  describe('votes', () => {
    it('counts each validator once and refuses votes on closed proposals', async () => {
      const [a, b, c, d] = seat(4) as [TestIdentity, TestIdentity, TestIdentity, TestIdentity];
      await harness.submit(a, 'Governance:ProposeGovernanceChange', addValidator('p', newcomer));
      const dupProposer = await harness.expectRejected(
        a,
        'Governance:ApproveGovernanceChange',
        ['p'],
        'CONFLICT',
      );
      expect(dupProposer).toContain('already approved');
      await harness.submit(b, 'Governance:ApproveGovernanceChange', 'p');
      await harness.expectRejected(b, 'Governance:ApproveGovernanceChange', ['p'], 'CONFLICT');
      await harness.expectRejected(
        b,
        'Governance:RejectGovernanceChange',
        ['p', 'changed my mind'],
        'CONFLICT',
      );
      await harness.submit(c, 'Governance:RejectGovernanceChange', 'p', 'no');
      const flip = await harness.expectRejected(c, 'Governance:ApproveGovernanceChange', ['p'], 'CONFLICT');
      expect(flip).toContain('already rejected');
      await harness.expectRejected(c, 'Governance:RejectGovernanceChange', ['p', 'again'], 'CONFLICT');
      const applied = await harness.submit<ProposalView>(d, 'Governance:ApproveGovernanceChange', 'p');
      expect(applied.value).toMatchObject({ status: 'applied', outcome: { approvals: 3, required: 3 } });
      await harness.expectRejected(newcomer, 'Governance:ApproveGovernanceChange', ['p'], 'CONFLICT');
      await harness.expectRejected(newcomer, 'Governance:RejectGovernanceChange', ['p', 'late'], 'CONFLICT');
      await harness.expectRejected(a, 'Governance:ExpireGovernanceChange', ['p'], 'CONFLICT');
    });

    it('rejects the proposal once the remaining validators can no longer reach the quorum', async () => {
      const [a, b, c, d] = seat(4) as [TestIdentity, TestIdentity, TestIdentity, TestIdentity];
      await harness.submit(a, 'Governance:ProposeGovernanceChange', addValidator('p', newcomer));
      const first = await harness.submit<ProposalView>(
        b,
        'Governance:RejectGovernanceChange',
        'p',
        'unknown operator',
      );
      expect(first.value).toMatchObject({
        status: 'open',
        rejections: [{ ...idOf(b), at: harness.now, reason: 'unknown operator' }],
        tally: { approvals: 1, rejections: 1, pending: 2, required: 3, impossible: false },
      });
      expect(first.event).toEqual({
        name: 'GovernanceChangeRejected',
        payload: {
          proposalId: 'p',
          changeType: 'addValidator',
          ...idOf(newcomer),
          status: 'open',
          approvals: 1,
          rejections: 1,
          required: 3,
          validators: 4,
          by: idOf(b),
          txId: first.txId,
        },
      });
      const second = await harness.submit<ProposalView>(c, 'Governance:RejectGovernanceChange', 'p', 'same');
      expect(second.value).toMatchObject({
        status: 'rejected',
        closedAt: harness.now,
        outcome: { validators: 4, approvals: 1, required: 3 },
      });
      expect(second.value.tally).toBeUndefined();
      expect(second.event?.payload).toMatchObject({ status: 'rejected', rejections: 2 });
      const closed = await harness.expectRejected(d, 'Governance:ApproveGovernanceChange', ['p'], 'CONFLICT');
      expect(closed).toContain('rejected, not open');
      expect(await validatorNames()).toHaveLength(4);
    });

    it('counts approvals only from validators active at the time of counting', async () => {
      const [a, b, c, d] = seat(4) as [TestIdentity, TestIdentity, TestIdentity, TestIdentity];
      await harness.submit(a, 'Governance:ProposeGovernanceChange', addValidator('add', newcomer));
      await harness.submit(b, 'Governance:ApproveGovernanceChange', 'add');
      // a and b approved 'add' (2 of the 3 needed); now a is voted out
      await harness.submit(b, 'Governance:ProposeGovernanceChange', removeValidator('drop-a', a));
      await harness.submit(c, 'Governance:ApproveGovernanceChange', 'drop-a');
      await harness.submit(d, 'Governance:ApproveGovernanceChange', 'drop-a');
      expect(await validatorNames()).toEqual(['v1', 'v2', 'v3']);
      const view = await harness.evaluate<ProposalView>(b, 'Governance:GetGovernanceProposal', 'add');
      expect(view.value.approvals).toHaveLength(2);
      expect(view.value.tally).toMatchObject({
        validators: 3,
        required: 2,
        approvals: 1,
        pending: 2,
        reached: false,
      });
      // with a's vote it would already have 3; without it c's approval makes exactly 2
      const res = await harness.submit<ProposalView>(c, 'Governance:ApproveGovernanceChange', 'add');
      expect(res.value).toMatchObject({
        status: 'applied',
        outcome: { validators: 3, approvals: 2, required: 2 },
      });
      await harness.expectRejected(
        a,
        'Governance:RejectGovernanceChange',
        ['add', 'sour grapes'],
        'FORBIDDEN',
      );
    });
  });

  describe('expiry', () => {
    it('closes a proposal after seven days of transaction time', async () => {
      const [a, b] = seat(4) as [TestIdentity, TestIdentity];
      const proposed = await harness.submit<ProposalView>(
        a,
        'Governance:ProposeGovernanceChange',
        addValidator('p', newcomer),
      );
      const early = await harness.expectRejected(b, 'Governance:ExpireGovernanceChange', ['p'], 'CONFLICT');
      expect(early).toContain(`open until ${proposed.value.expiresAt}`);
      harness.setTime(proposed.value.expiresAt - 2000); // the next transaction runs 1 s before expiry
      await harness.submit(b, 'Governance:ApproveGovernanceChange', 'p');
      harness.setTime(proposed.value.expiresAt - 1000); // exactly at expiry
      const late = await harness.expectRejected(
        v[2] as TestIdentity,
        'Governance:ApproveGovernanceChange',
        ['p'],
        'CONFLICT',
      );
      expect(late).toContain('expired');
      await harness.expectRejected(
        v[2] as TestIdentity,
        'Governance:RejectGovernanceChange',
        ['p', 'late'],
        'CONFLICT',
      );
      await harness.expectRejected(outsider, 'Governance:ExpireGovernanceChange', ['p'], 'FORBIDDEN');
      const res = await harness.submit<ProposalView>(admin, 'Governance:ExpireGovernanceChange', 'p');
      expect(res.value).toMatchObject({ status: 'expired', closedAt: harness.now, closedTxId: res.txId });
      expect(res.event).toEqual({
        name: 'GovernanceChangeExpired',
        payload: {
          proposalId: 'p',
          changeType: 'addValidator',
          ...idOf(newcomer),
          status: 'expired',
          expiresAt: proposed.value.expiresAt,
          txId: res.txId,
        },
      });
      await harness.expectRejected(a, 'Governance:ExpireGovernanceChange', ['p'], 'CONFLICT');
      const again = await harness.expectRejected(
        v[2] as TestIdentity,
        'Governance:ApproveGovernanceChange',
        ['p'],
        'CONFLICT',
      );
      expect(again).toContain('expired, not open');
      await harness.expectRejected(a, 'Governance:ExpireGovernanceChange', ['nope'], 'NOT_FOUND');
      await harness.expectRejected(a, 'Governance:ExpireGovernanceChange', [' bad'], 'INVALID_ARGUMENT');
    });
  });

  describe('input and access', () => {
    beforeEach(() => {
      seat(2);
    });

    it('needs a validator to propose, approve and reject', async () => {
      await harness.expectRejected(
        admin,
        'Governance:ProposeGovernanceChange',
        [addValidator('p', newcomer)],
        'FORBIDDEN',
      );
      await harness.expectRejected(
        outsider,
        'Governance:ProposeGovernanceChange',
        [addValidator('p', newcomer)],
        'FORBIDDEN',
      );
      await harness.submit(
        v[0] as TestIdentity,
        'Governance:ProposeGovernanceChange',
        addValidator('p', newcomer),
      );
      await harness.expectRejected(admin, 'Governance:ApproveGovernanceChange', ['p'], 'FORBIDDEN');
      await harness.expectRejected(admin, 'Governance:RejectGovernanceChange', ['p', 'no'], 'FORBIDDEN');
    });

    it('refuses a duplicate proposal id and unknown proposals', async () => {
      const a = v[0] as TestIdentity;
      await harness.submit(a, 'Governance:ProposeGovernanceChange', addValidator('p', newcomer));
      const dup = await harness.expectRejected(
        v[1] as TestIdentity,
        'Governance:ProposeGovernanceChange',
        [setRule('p', { kind: 'bft' })],
        'CONFLICT',
      );
      expect(dup).toContain('already exists');
      await harness.expectRejected(a, 'Governance:ApproveGovernanceChange', ['missing'], 'NOT_FOUND');
      await harness.expectRejected(a, 'Governance:RejectGovernanceChange', ['missing', 'r'], 'NOT_FOUND');
      await harness.expectRejected(a, 'Governance:GetGovernanceProposal', ['missing'], 'NOT_FOUND');
    });

    const fp = 'b'.repeat(64);
    const member = { mspId: 'Org1MSP', fingerprint: fp, name: 'n' };
    it.each([
      ['not JSON', '{', 'not valid JSON'],
      [
        'a bad proposal id',
        JSON.stringify({
          proposalId: '-x',
          change: { type: 'removeValidator', mspId: 'Org1MSP', fingerprint: fp },
          reason: 'r',
        }),
        'proposalId',
      ],
      [
        'a missing reason',
        JSON.stringify({
          proposalId: 'p',
          change: { type: 'removeValidator', mspId: 'Org1MSP', fingerprint: fp },
        }),
        'reason',
      ],
      [
        'an empty reason',
        JSON.stringify({
          proposalId: 'p',
          change: { type: 'removeValidator', mspId: 'Org1MSP', fingerprint: fp },
          reason: '',
        }),
        'reason',
      ],
      [
        'an unknown change type',
        JSON.stringify({ proposalId: 'p', change: { type: 'addAdmin', member }, reason: 'r' }),
        'change.type',
      ],
      ['a missing change', JSON.stringify({ proposalId: 'p', reason: 'r' }), 'change'],
      [
        'addValidator without member',
        JSON.stringify({ proposalId: 'p', change: { type: 'addValidator' }, reason: 'r' }),
        'change.member',
      ],
      [
        'addValidator with a bad fingerprint',
        JSON.stringify({
          proposalId: 'p',
          change: { type: 'addValidator', member: { ...member, fingerprint: 'zz' } },
          reason: 'r',
        }),
        'change.member.fingerprint',
      ],
      [
        'addValidator without a name',
        JSON.stringify({
          proposalId: 'p',
          change: { type: 'addValidator', member: { mspId: 'Org1MSP', fingerprint: fp } },
          reason: 'r',
        }),
        'change.member.name',
      ],
      [
        'addValidator with a private key',
        JSON.stringify({
          proposalId: 'p',
          change: { type: 'addValidator', member: { ...member, publicKey: ecPublicPem().privatePem } },
          reason: 'r',
        }),
        'change.member.publicKey',
      ],
      [
        'addValidator with roles',
        JSON.stringify({
          proposalId: 'p',
          change: { type: 'addValidator', member: { ...member, roles: ['admin'] } },
          reason: 'r',
        }),
        'roles',
      ],
      [
        'removeValidator with a bad MSP id',
        JSON.stringify({
          proposalId: 'p',
          change: { type: 'removeValidator', mspId: 'a b', fingerprint: fp },
          reason: 'r',
        }),
        'change.mspId',
      ],
      [
        'setQuorumRule with a bad rule',
        JSON.stringify({
          proposalId: 'p',
          change: { type: 'setQuorumRule', rule: { kind: 'threshold', threshold: 0 } },
          reason: 'r',
        }),
        'change.rule.threshold',
      ],
      [
        'setQuorumRule without a rule',
        JSON.stringify({ proposalId: 'p', change: { type: 'setQuorumRule' }, reason: 'r' }),
        'change.rule',
      ],
      [
        'an extra field',
        JSON.stringify({
          proposalId: 'p',
          change: { type: 'setQuorumRule', rule: { kind: 'bft' } },
          reason: 'r',
          approvals: [],
        }),
        'approvals',
      ],
    ])('ProposeGovernanceChange rejects %s', async (_what, json, field) => {
      const message = await harness.expectRejected(
        v[0] as TestIdentity,
        'Governance:ProposeGovernanceChange',
        [json],
        'INVALID_ARGUMENT',
      );
      expect(message).toContain(field);
    });

    it('validates vote arguments', async () => {
      const a = v[0] as TestIdentity;
      const b = v[1] as TestIdentity;
      await harness.submit(a, 'Governance:ProposeGovernanceChange', addValidator('p', newcomer));
      await harness.expectRejected(b, 'Governance:ApproveGovernanceChange', [''], 'INVALID_ARGUMENT');
      await harness.expectRejected(b, 'Governance:ApproveGovernanceChange', ['p q'], 'INVALID_ARGUMENT');
      const reason = await harness.expectRejected(
        b,
        'Governance:RejectGovernanceChange',
        ['p', ''],
        'INVALID_ARGUMENT',
      );
      expect(reason).toContain('reason');
      await harness.expectRejected(
        b,
        'Governance:RejectGovernanceChange',
        ['\u0000p', 'r'],
        'INVALID_ARGUMENT',
      );
    });
  });

  describe('proposal queries', () => {
    it('lists proposals by status with pages, and shows live tallies for open ones', async () => {
      const [a, b, c, d] = seat(4) as [TestIdentity, TestIdentity, TestIdentity, TestIdentity];
      await harness.submit(a, 'Governance:ProposeGovernanceChange', addValidator('p1', newcomer));
      await harness.submit(
        a,
        'Governance:ProposeGovernanceChange',
        setRule('p2', { kind: 'threshold', threshold: 4 }),
      );
      await harness.submit(a, 'Governance:ProposeGovernanceChange', setRule('p3', { kind: 'bft' }));
      await harness.submit(b, 'Governance:ApproveGovernanceChange', 'p2');
      await harness.submit(c, 'Governance:ApproveGovernanceChange', 'p2');
      // p2 made the rule unanimity (4 of 4), so a single rejection already makes p3 impossible
      const p3 = await harness.submit<ProposalView>(b, 'Governance:RejectGovernanceChange', 'p3', 'no');
      expect(p3.value).toMatchObject({
        status: 'rejected',
        outcome: { validators: 4, approvals: 1, required: 4 },
      });

      const open = await harness.evaluate<{ items: ProposalView[]; bookmark: string }>(
        outsider,
        'Governance:ListGovernanceProposals',
        'open',
        '',
        '',
      );
      expect(open.value.items.map((p) => p.proposalId)).toEqual(['p1']);
      expect(open.value.items[0]?.tally).toMatchObject({ approvals: 1, required: 4 });
      const applied = await harness.evaluate<{ items: ProposalView[] }>(
        d,
        'Governance:ListGovernanceProposals',
        'applied',
        '10',
        '',
      );
      expect(applied.value.items.map((p) => [p.proposalId, p.tally])).toEqual([['p2', undefined]]);
      const rejected = await harness.evaluate<{ items: ProposalView[] }>(
        d,
        'Governance:ListGovernanceProposals',
        'rejected',
        '10',
        '',
      );
      expect(rejected.value.items.map((p) => p.proposalId)).toEqual(['p3']);
      const expired = await harness.evaluate<{ items: ProposalView[] }>(
        d,
        'Governance:ListGovernanceProposals',
        'expired',
        '10',
        '',
      );
      expect(expired.value).toEqual({ items: [], bookmark: '' });

      const page1 = await harness.evaluate<{ items: ProposalView[]; bookmark: string }>(
        d,
        'Governance:ListGovernanceProposals',
        '',
        '2',
        '',
      );
      expect(page1.value.items.map((p) => p.proposalId)).toEqual(['p1', 'p2']);
      expect(page1.value.items[0]?.tally).toBeDefined();
      const page2 = await harness.evaluate<{ items: ProposalView[]; bookmark: string }>(
        d,
        'Governance:ListGovernanceProposals',
        '',
        '2',
        page1.value.bookmark,
      );
      expect(page2.value).toEqual({
        items: [expect.objectContaining({ proposalId: 'p3', status: 'rejected' })],
        bookmark: '',
      });
      const closedOnly = await harness.evaluate<{ items: ProposalView[] }>(
        d,
        'Governance:ListGovernanceProposals',
        '',
        '2',
        page1.value.bookmark,
      );
      expect(closedOnly.value.items[0]?.tally).toBeUndefined();

      const one = await harness.evaluate<ProposalView>(outsider, 'Governance:GetGovernanceProposal', 'p2');
      expect(one.value).toMatchObject({ status: 'applied', outcome: { approvals: 3, required: 3 } });
    });

    it('validates listing arguments and needs a role', async () => {
      seat(1);
      await harness.expectRejected(newcomer, 'Governance:ListGovernanceProposals', ['', '', ''], 'FORBIDDEN');
      await harness.expectRejected(newcomer, 'Governance:GetGovernanceProposal', ['p'], 'FORBIDDEN');
      for (const args of [
        ['closed', '', ''],
        ['', '-1', ''],
        ['open', '5', 'bogus'],
        ['', '5', '\u0000gov.pstatus\u0000open\u0000'],
      ]) {
        await harness.expectRejected(admin, 'Governance:ListGovernanceProposals', args, 'INVALID_ARGUMENT');
      }
      await harness.expectRejected(admin, 'Governance:GetGovernanceProposal', ['a b'], 'INVALID_ARGUMENT');
    });
  });
});
