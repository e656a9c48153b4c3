import { createHash, X509Certificate } from 'node:crypto';
// The digest input is the chaincode's canonical JSON; using the protocol module's function (rather than a copy)
// means the gateway can never disagree with the chaincode about what was signed.
import { digestPayload, memberRef, verifySignature, type Member } from '@keyledger/chaincode/protocol';
import { certificateFingerprint } from '../fabric';
import type { MemberRef } from '../governance';
import { p256PublicKeyFromPoint } from '../hsm';
import type { Approval, CommittedRotationView, KeyPolicy, RotationDue, RotationProposal } from './types';

/** AES-256 key wrapped with RFC 5649 key wrap with padding: 32 + 8 bytes. */
export const WRAPPED_AES_256_BYTES = 40;
/** Our key check values are 3 bytes. */
export const KCV_HEX_LENGTH = 6;

/** The exact bytes validators sign for a proposal, rebuilt from the proposal's fields. */
export function proposalPayload(proposal: RotationProposal): Buffer {
  return digestPayload({
    queueId: proposal.queueId,
    version: proposal.version,
    keyId: proposal.keyId,
    keyCheckValue: proposal.keyCheckValue,
    wrappedKeys: proposal.wrappedKeys,
    notBefore: proposal.notBefore,
    reason: proposal.reason,
    proposer: proposal.proposer,
  });
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The key id convention: `${queueId}.v${version}.${random hex}`. */
export function isConventionalKeyId(queueId: string, version: number, keyId: string): boolean {
  const prefix = `${queueId}.v${version}.`;
  return keyId.startsWith(prefix) && /^[0-9a-f]{16,64}$/.test(keyId.slice(prefix.length));
}

/**
 * Checks one approval's signature: the certificate stored with it hashes to the approver's fingerprint and its
 * key verifies the signature over the payload. Returns a problem, or undefined when it holds.
 */
export function approvalSignatureProblem(approval: Approval, payload: Uint8Array): string | undefined {
  const who = memberRef(approval);
  if (approval.signature === undefined) {
    return `approval by ${who} carries no signature`;
  }
  if (approval.certificate === undefined) {
    return `approval by ${who} carries a signature but no certificate`;
  }
  let fingerprint: string;
  try {
    fingerprint = certificateFingerprint(approval.certificate);
  } catch {
    return `approval by ${who} carries an unreadable certificate`;
  }
  if (fingerprint !== approval.fingerprint) {
    return `approval by ${who} carries the certificate of someone else`;
  }
  let valid = false;
  try {
    // The chaincode's own check (ECDSA-SHA256, DER or r‖s), so both sides agree on what verifies.
    const key = new X509Certificate(approval.certificate).publicKey;
    valid = verifySignature(key, payload, Buffer.from(approval.signature, 'base64'));
  } catch {
    valid = false;
  }
  return valid ? undefined : `approval signature by ${who} does not verify over the proposal digest`;
}

export interface CommitEvidence {
  /** From `GetRotationsSince`. */
  readonly rotation: CommittedRotationView;
  /** From `GetRotation(rotation.proposalId)`: the full proposal, to rebuild the signed payload. */
  readonly proposal: RotationProposal;
  /** Active validators now (`ListValidators`). */
  readonly validators: readonly MemberRef[];
  /** `GetQuorum().required`. */
  readonly requiredApprovals: number;
  /** Count only approvals whose signature verifies (default true). */
  readonly requireSignatures?: boolean;
}

export interface CommitVerdict {
  readonly valid: boolean;
  /** Distinct, currently active validators whose approval counts. */
  readonly approvals: number;
  readonly required: number;
  readonly problems: string[];
}

/**
 * A front-end's own check of a committed rotation, from ledger data only: the commit names the proposal it
 * came from; the proposal's digest is what its fields hash to; and at least `requiredApprovals` distinct,
 * currently registered validators approved it — each with a signature over that digest made by the key of
 * the certificate that hashes to the approver's fingerprint. Approvals that fail are reported and not
 * counted; the verdict is valid when enough remain and nothing contradicts the commit.
 */
export function verifyCommit(evidence: CommitEvidence): CommitVerdict {
  const { rotation, proposal } = evidence;
  const requireSignatures = evidence.requireSignatures ?? true;
  const problems: string[] = [];
  const fatal: string[] = [];
  const same = (field: string, a: unknown, b: unknown): void => {
    if (a !== b) {
      fatal.push(`commit and proposal disagree on ${field}`);
    }
  };
  same('proposal id', rotation.proposalId, proposal.proposalId);
  same('queue', rotation.queueId, proposal.queueId);
  same('version', rotation.version, proposal.version);
  same('key id', rotation.keyId, proposal.keyId);
  same('key check value', rotation.keyCheckValue, proposal.keyCheckValue);
  same('digest', rotation.digest, proposal.digest);
  if (proposal.status !== 'committed') {
    fatal.push(`proposal ${proposal.proposalId} is ${proposal.status}, not committed`);
  }
  const payload = proposalPayload(proposal);
  if (sha256Hex(payload) !== rotation.digest) {
    fatal.push('the proposal fields do not hash to the committed digest');
  }
  const validators = new Set(evidence.validators.map(memberRef));
  const counted = new Set<string>();
  for (const approval of rotation.approvals) {
    const ref = memberRef(approval);
    if (counted.has(ref)) {
      problems.push(`${ref} approved more than once; counted once`);
      continue;
    }
    if (!validators.has(ref)) {
      problems.push(`approval by ${ref}, who is not a registered validator, is not counted`);
      continue;
    }
    if (approval.signature !== undefined || requireSignatures) {
      const problem = approvalSignatureProblem(approval, payload);
      if (problem !== undefined) {
        problems.push(problem);
        continue;
      }
    }
    counted.add(ref);
  }
  const required = evidence.requiredApprovals;
  if (!(required >= 1)) {
    fatal.push('the ledger reports no validator quorum');
  } else if (counted.size < required) {
    fatal.push(`only ${counted.size} valid approval(s) from registered validators; ${required} required`);
  }
  return {
    valid: fatal.length === 0,
    approvals: counted.size,
    required,
    problems: [...fatal, ...problems],
  };
}

export interface ProposalReview {
  readonly proposal: RotationProposal;
  /** Id of the queue's open proposal (`GetPendingRotation`), or null. */
  readonly openProposalId: string | null;
  /** `IsRotationDue` of the queue, read now. */
  readonly due: RotationDue;
  readonly policy: KeyPolicy;
  /** Active validators. */
  readonly validators: readonly MemberRef[];
  /** Active front-ends. */
  readonly frontends: readonly Member[];
  /** Key check value of the active version, when there is one. */
  readonly activeKeyCheckValue?: string;
  readonly now: number;
  /** How far notBefore may lie ahead of this validator's clock (default 5 min). */
  readonly maxClockSkewMs?: number;
}

const REASON_JUSTIFIED_BY: Readonly<Record<RotationProposal['reason'], readonly string[] | 'always'>> = {
  schedule: ['initial', 'interval', 'recipients'],
  volume: ['volume'],
  compromise: ['compromise'],
  manual: 'always',
};

/**
 * What a validator checks before approving another validator's proposal. Returns the reasons to reject it
 * (empty: approve). Checked: the proposal is the queue's one open proposal and unexpired; the proposer is a
 * registered validator; the version is active + 1; every active front-end — and nobody else — gets exactly
 * one well-formed wrapped copy; the digest is what the fields hash to (and the proposer's signature, if
 * any, verifies); the key id and check value are well-formed and new; the algorithm is the policy's; the
 * stated reason holds on the ledger now; notBefore is plausible.
 */
export function reviewProposal(review: ProposalReview): string[] {
  const { proposal, due, policy } = review;
  const problems: string[] = [];
  const skew = review.maxClockSkewMs ?? 300_000;
  if (proposal.status !== 'open') {
    problems.push(`proposal is ${proposal.status}, not open`);
  }
  if (review.now > proposal.expiresAt) {
    problems.push('proposal has expired');
  }
  if (review.openProposalId !== proposal.proposalId) {
    problems.push(
      review.openProposalId === null
        ? 'the queue has no open proposal'
        : `another proposal (${review.openProposalId}) is open for the queue`,
    );
  }
  const validators = new Set(review.validators.map(memberRef));
  if (!validators.has(memberRef(proposal.proposer))) {
    problems.push(`proposer ${memberRef(proposal.proposer)} is not a registered validator`);
  }
  if (proposal.version !== due.activeVersion + 1) {
    problems.push(`version ${proposal.version} is not active version ${due.activeVersion} + 1`);
  }
  problems.push(...recipientProblems(proposal, review.frontends));
  const payload = proposalPayload(proposal);
  if (sha256Hex(payload) !== proposal.digest) {
    problems.push('proposal digest does not match its fields');
  }
  const proposerApproval = proposal.approvals.find(
    (approval) => memberRef(approval) === memberRef(proposal.proposer),
  );
  if (proposerApproval?.signature !== undefined) {
    const problem = approvalSignatureProblem(proposerApproval, payload);
    if (problem !== undefined) {
      problems.push(problem);
    }
  }
  if (!isConventionalKeyId(proposal.queueId, proposal.version, proposal.keyId)) {
    problems.push(`key id does not follow ${proposal.queueId}.v${proposal.version}.<random hex>`);
  }
  if (!new RegExp(`^[0-9a-f]{${KCV_HEX_LENGTH}}$`).test(proposal.keyCheckValue)) {
    problems.push('key check value is not 3 bytes of lower-case hex');
  }
  if (
    review.activeKeyCheckValue !== undefined &&
    review.activeKeyCheckValue.toLowerCase() === proposal.keyCheckValue.toLowerCase()
  ) {
    problems.push('key check value equals that of the active key');
  }
  if (policy.algorithm !== 'AES-256-GCM') {
    problems.push(`policy algorithm ${String(policy.algorithm)} is not supported by this validator`);
  }
  const justifiedBy = REASON_JUSTIFIED_BY[proposal.reason];
  if (justifiedBy === undefined) {
    problems.push(`unknown rotation reason ${String(proposal.reason)}`);
  } else if (
    justifiedBy !== 'always' &&
    !justifiedBy.some((reason) => due.reasons.includes(reason as never))
  ) {
    problems.push(
      `reason '${proposal.reason}' does not hold: the ledger reports ${
        due.reasons.length > 0 ? `due for ${due.reasons.join(', ')}` : 'no rotation due'
      }`,
    );
  }
  if (proposal.notBefore > review.now + skew) {
    problems.push('notBefore lies too far in the future');
  }
  if (proposal.notBefore < proposal.proposedAt - skew) {
    problems.push('notBefore lies too far before the proposal was made');
  }
  return problems;
}

/** Every active front-end exactly once, nobody else, each copy well-formed. */
export function recipientProblems(
  proposal: Pick<RotationProposal, 'wrappedKeys'>,
  frontends: readonly Member[],
): string[] {
  const problems: string[] = [];
  const expected = new Set(frontends.map(memberRef));
  const seen = new Set<string>();
  for (const entry of proposal.wrappedKeys) {
    const ref = memberRef(entry);
    if (seen.has(ref)) {
      problems.push(`front-end ${ref} is named more than once`);
      continue;
    }
    seen.add(ref);
    if (!expected.has(ref)) {
      problems.push(`${ref} is not an active front-end`);
      continue;
    }
    if (Buffer.from(entry.wrappedKey, 'base64').length !== WRAPPED_AES_256_BYTES) {
      problems.push(`wrapped key for ${ref} is not a wrapped AES-256 key (${WRAPPED_AES_256_BYTES} bytes)`);
    }
    if (entry.ephemeralPublicKey === undefined) {
      problems.push(`wrapped key for ${ref} has no ephemeral public key`);
    } else {
      try {
        p256PublicKeyFromPoint(Buffer.from(entry.ephemeralPublicKey, 'base64'));
      } catch {
        problems.push(`ephemeral public key for ${ref} is not a P-256 point`);
      }
    }
  }
  for (const ref of expected) {
    if (!seen.has(ref)) {
      problems.push(`front-end ${ref} has no wrapped key`);
    }
  }
  return problems;
}
