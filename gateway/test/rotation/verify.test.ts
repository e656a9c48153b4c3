import { generateKeyPairSync } from 'node:crypto';
import type { KeyPolicy, RotationProposal } from '../../src/rotation/types';
import { proposalReasonFor, wrappingPointOf } from '../../src/rotation/validatorAgent';
import {
  isConventionalKeyId,
  recipientProblems,
  reviewProposal,
  verifyCommit,
  type ProposalReview,
} from '../../src/rotation/verify';
import { approvalBy, committed, dueOf, openProposal, testMember, type TestMember } from './support';

const policy: KeyPolicy = {
  queueId: 'orders',
  rotationIntervalMs: 5_000,
  maxMessages: 100,
  algorithm: 'AES-256-GCM',
  proposalTtlMs: 3_600_000,
  retentionVersions: 2,
  retentionMs: 0,
  minRotationIntervalMs: 0,
  createdAt: 0,
  updatedAt: 0,
  updatedBy: 'Org1MSP/admin',
};

describe('rotation verification', () => {
  let v1: TestMember;
  let v2: TestMember;
  let v3: TestMember;
  let outsider: TestMember;
  let f1: TestMember;
  let f2: TestMember;
  let proposal: RotationProposal;

  beforeAll(async () => {
    [v1, v2, v3, outsider, f1, f2] = await Promise.all([
      testMember('validator1', 'Org1MSP', ['validator']),
      testMember('validator2', 'Org2MSP', ['validator']),
      testMember('validator3', 'Org3MSP', ['validator']),
      testMember('mallory', 'Org2MSP', ['frontend']),
      testMember('frontend1', 'Org1MSP', ['frontend']),
      testMember('frontend2', 'Org2MSP', ['frontend']),
    ]);
    proposal = await openProposal({ proposer: v1, recipients: [f1, f2] });
  });

  describe('verifyCommit (front-end)', () => {
    it('accepts a commit with a quorum of signed approvals by distinct registered validators', async () => {
      const { proposal: closed, rotation } = committed(proposal, [
        proposal.approvals[0]!,
        await approvalBy(v2, proposal),
      ]);
      const verdict = verifyCommit({
        rotation,
        proposal: closed,
        validators: [v1, v2, v3],
        requiredApprovals: 2,
      });
      expect(verdict).toEqual({ valid: true, approvals: 2, required: 2, problems: [] });
    });

    it('counts one validator approving twice once', async () => {
      const { proposal: closed, rotation } = committed(proposal, [
        proposal.approvals[0]!,
        await approvalBy(v1, proposal),
      ]);
      const verdict = verifyCommit({
        rotation,
        proposal: closed,
        validators: [v1, v2, v3],
        requiredApprovals: 2,
      });
      expect(verdict.valid).toBe(false);
      expect(verdict.approvals).toBe(1);
      expect(verdict.problems.join()).toMatch(/approved more than once/);
    });

    it('does not count approvals by non-validators, forged signatures or borrowed certificates', async () => {
      const forged = {
        ...(await approvalBy(v3, proposal)),
        signature: (await approvalBy(v3, { ...proposal, keyCheckValue: '000000' })).signature,
      };
      const borrowed = { ...(await approvalBy(v2, proposal)), certificate: v3.certificatePem };
      const unsigned = { ...(await approvalBy(v2, proposal)), signature: undefined, certificate: undefined };
      for (const extra of [await approvalBy(outsider, proposal), forged, borrowed, unsigned]) {
        const { proposal: closed, rotation } = committed(proposal, [proposal.approvals[0]!, extra]);
        const verdict = verifyCommit({
          rotation,
          proposal: closed,
          validators: [v1, v2, v3],
          requiredApprovals: 2,
        });
        expect(verdict.valid).toBe(false);
        expect(verdict.approvals).toBe(1);
      }
      // Unsigned approvals count when the node is told not to require signatures.
      const { proposal: closed, rotation } = committed(proposal, [proposal.approvals[0]!, unsigned]);
      expect(
        verifyCommit({
          rotation,
          proposal: closed,
          validators: [v1, v2, v3],
          requiredApprovals: 2,
          requireSignatures: false,
        }).valid,
      ).toBe(true);
    });

    it('refuses a commit whose fields do not hash to its digest or that disagrees with its proposal', async () => {
      const approvals = [proposal.approvals[0]!, await approvalBy(v2, proposal)];
      const { proposal: closed, rotation } = committed(proposal, approvals);
      const swapped = { ...closed, keyCheckValue: 'ffffff' };
      expect(
        verifyCommit({
          rotation: { ...rotation, keyCheckValue: 'ffffff' },
          proposal: swapped,
          validators: [v1, v2, v3],
          requiredApprovals: 2,
        }).problems.join(),
      ).toMatch(/do not hash/);
      expect(
        verifyCommit({
          rotation,
          proposal: { ...closed, status: 'open' },
          validators: [v1, v2, v3],
          requiredApprovals: 2,
        }).valid,
      ).toBe(false);
      expect(
        verifyCommit({
          rotation: { ...rotation, version: 9 },
          proposal: closed,
          validators: [v1, v2, v3],
          requiredApprovals: 2,
        }).problems.join(),
      ).toMatch(/disagree on version/);
      expect(
        verifyCommit({ rotation, proposal: closed, validators: [v1, v2, v3], requiredApprovals: 0 }).valid,
      ).toBe(false);
      expect(
        verifyCommit({ rotation, proposal: closed, validators: [v1, v2, v3], requiredApprovals: 3 }).valid,
      ).toBe(false);
    });
  });

  describe('reviewProposal (validator)', () => {
    function review(overrides: Partial<ProposalReview> = {}): string[] {
      return reviewProposal({
        proposal,
        openProposalId: proposal.proposalId,
        due: dueOf({ activeVersion: 1, reasons: ['interval'] }),
        policy,
        validators: [v1, v2, v3],
        frontends: [f1, f2],
        activeKeyCheckValue: '123456',
        now: proposal.proposedAt + 1_000,
        ...overrides,
      });
    }

    it('approves a well-formed, justified proposal', () => {
      expect(review()).toEqual([]);
    });

    it('rejects a proposal by a non-validator', async () => {
      const foreign = await openProposal({ proposer: outsider, recipients: [f1, f2] });
      expect(review({ proposal: foreign, openProposalId: foreign.proposalId }).join()).toMatch(
        /not a registered validator/,
      );
    });

    it('rejects a wrong version, a missing or extra recipient, and another open proposal', async () => {
      expect(review({ due: dueOf({ activeVersion: 2, reasons: ['interval'] }) }).join()).toMatch(
        /not active version 2 \+ 1/,
      );
      expect(review({ frontends: [f1, f2, outsider] }).join()).toMatch(/has no wrapped key/);
      expect(review({ frontends: [f1] }).join()).toMatch(/not an active front-end/);
      expect(review({ openProposalId: 'other' }).join()).toMatch(/another proposal \(other\) is open/);
      expect(review({ openProposalId: null }).join()).toMatch(/no open proposal/);
      expect(review({ now: proposal.expiresAt + 1 }).join()).toMatch(/expired/);
    });

    it('rejects a reason the ledger does not bear out', async () => {
      const volume = await openProposal({ proposer: v1, recipients: [f1, f2], reason: 'volume' });
      expect(review({ proposal: volume, openProposalId: volume.proposalId }).join()).toMatch(
        /reason 'volume' does not hold/,
      );
      expect(
        review({
          proposal: volume,
          openProposalId: volume.proposalId,
          due: dueOf({ activeVersion: 1, reasons: ['volume'] }),
        }),
      ).toEqual([]);
      const compromise = await openProposal({ proposer: v1, recipients: [f1, f2], reason: 'compromise' });
      expect(
        review({
          proposal: compromise,
          openProposalId: compromise.proposalId,
          due: dueOf({ activeVersion: 1, reasons: [] }),
        }).join(),
      ).toMatch(/no rotation due/);
      const manual = await openProposal({ proposer: v1, recipients: [f1, f2], reason: 'manual' });
      expect(
        review({
          proposal: manual,
          openProposalId: manual.proposalId,
          due: dueOf({ activeVersion: 1, reasons: [] }),
        }),
      ).toEqual([]);
      expect(review({ due: dueOf({ activeVersion: 1, reasons: ['initial'] }) })).toEqual([]);
    });

    it('rejects tampered digests, bad proposer signatures, malformed copies, reused check values and far-future notBefore', async () => {
      expect(review({ proposal: { ...proposal, keyId: `${proposal.keyId}0` } }).join()).toMatch(
        /digest does not match/,
      );
      const badSignature = {
        ...proposal,
        approvals: [
          { ...proposal.approvals[0]!, signature: proposal.approvals[0]!.signature!.replace(/^../, 'AA') },
        ],
      };
      expect(review({ proposal: badSignature }).join()).toMatch(/does not verify/);
      expect(review({ activeKeyCheckValue: proposal.keyCheckValue }).join()).toMatch(
        /equals that of the active key/,
      );
      const later = await openProposal({
        proposer: v1,
        recipients: [f1, f2],
        now: proposal.proposedAt + 3_600_000,
      });
      expect(
        review({
          proposal: { ...later, proposedAt: proposal.proposedAt },
          openProposalId: later.proposalId,
        }).join(),
      ).toMatch(/too far in the future/);
      const short = { ...proposal.wrappedKeys[0]!, wrappedKey: Buffer.alloc(32).toString('base64') };
      const notPoint = {
        ...proposal.wrappedKeys[0]!,
        ephemeralPublicKey: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64'),
      };
      expect(recipientProblems({ wrappedKeys: [short, proposal.wrappedKeys[1]!] }, [f1, f2]).join()).toMatch(
        /not a wrapped AES-256 key/,
      );
      expect(
        recipientProblems({ wrappedKeys: [notPoint, proposal.wrappedKeys[1]!] }, [f1, f2]).join(),
      ).toMatch(/not a P-256 point/);
      expect(
        recipientProblems({ wrappedKeys: [...proposal.wrappedKeys, proposal.wrappedKeys[0]!] }, [
          f1,
          f2,
        ]).join(),
      ).toMatch(/more than once/);
      expect(review({ policy: { ...policy, algorithm: 'AES-128' as never } }).join()).toMatch(
        /not supported/,
      );
    });
  });

  it('checks the key id convention', () => {
    expect(isConventionalKeyId('orders', 3, 'orders.v3.0123456789abcdef')).toBe(true);
    expect(isConventionalKeyId('orders', 3, 'orders.v4.0123456789abcdef')).toBe(false);
    expect(isConventionalKeyId('orders', 3, 'orders.v3.short')).toBe(false);
  });

  it('maps due reasons to a proposal reason, compromise first', () => {
    expect(
      proposalReasonFor(dueOf({ activeVersion: 1, reasons: ['interval', 'volume', 'compromise'] })),
    ).toBe('compromise');
    expect(proposalReasonFor(dueOf({ activeVersion: 1, reasons: ['interval', 'volume'] }))).toBe('volume');
    expect(proposalReasonFor(dueOf({ activeVersion: 0, reasons: ['initial'] }))).toBe('schedule');
    expect(proposalReasonFor(dueOf({ activeVersion: 1, reasons: ['recipients'] }))).toBe('schedule');
  });

  it('reads a front-end wrapping key from PEM or JWK and refuses anything else', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const jwk = JSON.stringify(publicKey.export({ format: 'jwk' }));
    const member = {
      mspId: 'Org1MSP',
      fingerprint: 'ab',
      name: 'f',
      roles: ['frontend'],
      status: 'active' as const,
    };
    expect(wrappingPointOf({ ...member, publicKey: pem })).toEqual(
      wrappingPointOf({ ...member, publicKey: jwk }),
    );
    expect(wrappingPointOf({ ...member, publicKey: pem })).toHaveLength(65);
    expect(() => wrappingPointOf(member)).toThrow(/has not published/);
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => wrappingPointOf({ ...member, publicKey: ed })).toThrow(/not a P-256/);
  });
});
