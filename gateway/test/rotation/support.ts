import 'reflect-metadata';
import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { signers, type Signer } from '@hyperledger/fabric-gateway';
import { proposalDigest, type Member, type Role } from '@keyledger/chaincode/protocol';
import { signPayload } from '../../src/fabric';
import type {
  Approval,
  CommittedRotationView,
  RotationDue,
  RotationProposal,
} from '../../src/rotation/types';
import { proposalPayload } from '../../src/rotation/verify';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** A ledger identity with a real self-signed P-256 certificate and a fabric-gateway signer. */
export interface TestMember extends Member {
  readonly certificatePem: string;
  readonly signer: Signer;
  readonly privateKey: KeyObject;
}

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export async function testMember(name: string, mspId: string, roles: Role[]): Promise<TestMember> {
  const keys = (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(4).toString('hex'),
    name: `CN=${name}, OU=client, O=${mspId}`,
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2040-01-01T00:00:00Z'),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return {
    name,
    mspId,
    fingerprint: createHash('sha256').update(Buffer.from(certificate.rawData)).digest('hex'),
    roles,
    status: 'active',
    registeredAt: 0,
    registeredBy: 'test',
    updatedAt: 0,
    certificatePem: certificate.toString('pem'),
    signer: signers.newPrivateKeySigner(privateKey),
    privateKey,
  };
}

export async function approvalBy(
  member: TestMember,
  proposal: RotationProposal,
  at = 1_000,
): Promise<Approval> {
  const signature = Buffer.from(await signPayload(member.signer, proposalPayload(proposal))).toString(
    'base64',
  );
  return {
    mspId: member.mspId,
    fingerprint: member.fingerprint,
    approvedAt: at,
    txId: randomBytes(32).toString('hex'),
    signature,
    certificate: member.certificatePem,
  };
}

export function fakeWrappedKey(member: Member): RotationProposal['wrappedKeys'][number] {
  const point = Buffer.concat([Buffer.from([4]), randomBytes(64)]);
  return {
    mspId: member.mspId,
    fingerprint: member.fingerprint,
    wrappedKey: randomBytes(40).toString('base64'),
    ephemeralPublicKey: point.toString('base64'),
  };
}

/** A real P-256 point, base64. */
export function realPoint(): string {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x as string, 'base64url'),
    Buffer.from(jwk.y as string, 'base64url'),
  ]).toString('base64');
}

export interface ProposalSpec {
  readonly queueId?: string;
  readonly version?: number;
  readonly proposer: TestMember;
  readonly recipients: readonly Member[];
  readonly reason?: RotationProposal['reason'];
  readonly keyCheckValue?: string;
  readonly now?: number;
}

/** An open proposal exactly as the chaincode would store it, signed by its proposer. */
export async function openProposal(spec: ProposalSpec): Promise<RotationProposal> {
  const queueId = spec.queueId ?? 'orders';
  const version = spec.version ?? 2;
  const now = spec.now ?? 1_000_000;
  const wrappedKeys = spec.recipients
    .map((member) => ({ ...fakeWrappedKey(member), ephemeralPublicKey: realPoint() }))
    .sort(
      (a, b) =>
        Buffer.compare(Buffer.from(a.mspId), Buffer.from(b.mspId)) ||
        Buffer.compare(Buffer.from(a.fingerprint), Buffer.from(b.fingerprint)),
    );
  const base = {
    queueId,
    version,
    keyId: `${queueId}.v${version}.${randomBytes(8).toString('hex')}`,
    keyCheckValue: spec.keyCheckValue ?? randomBytes(3).toString('hex'),
    wrappedKeys,
    notBefore: now,
    reason: spec.reason ?? 'schedule',
    proposer: { mspId: spec.proposer.mspId, fingerprint: spec.proposer.fingerprint },
  };
  const unsigned: RotationProposal = {
    ...base,
    proposalId: randomBytes(32).toString('hex'),
    digest: proposalDigest(base),
    status: 'open',
    proposedAt: now,
    expiresAt: now + 3_600_000,
    approvals: [],
    rejections: [],
    validatorCountAtProposal: 3,
    quorumAtProposal: 2,
  };
  return { ...unsigned, approvals: [await approvalBy(spec.proposer, unsigned, now)] };
}

/** The proposal committed with extra approvals, and its GetRotationsSince view. */
export function committed(
  proposal: RotationProposal,
  approvals: Approval[],
): { proposal: RotationProposal; rotation: CommittedRotationView } {
  const closed: RotationProposal = {
    ...proposal,
    approvals,
    status: 'committed',
    quorum: 2,
    validatorCount: 3,
  };
  const rotation: CommittedRotationView = {
    queueId: proposal.queueId,
    version: proposal.version,
    keyId: proposal.keyId,
    keyCheckValue: proposal.keyCheckValue,
    proposalId: proposal.proposalId,
    digest: proposal.digest,
    reason: proposal.reason,
    proposer: proposal.proposer,
    notBefore: proposal.notBefore,
    committedAt: proposal.proposedAt + 10,
    approvals,
    quorum: 2,
    validatorCount: 3,
    recipients: proposal.wrappedKeys.map((entry) => `${entry.mspId}/${entry.fingerprint}`),
    compromised: false,
  };
  return { proposal: closed, rotation };
}

export function dueOf(partial: Partial<RotationDue> & { activeVersion: number }): RotationDue {
  return {
    queueId: 'orders',
    due: (partial.reasons ?? ['interval']).length > 0,
    reasons: ['interval'],
    elapsedMs: 10_000,
    rotationIntervalMs: 5_000,
    messages: 0,
    maxMessages: 100,
    held: false,
    nextAllowedAt: 0,
    minRotationIntervalMs: 0,
    openProposal: null,
    ...partial,
  };
}
