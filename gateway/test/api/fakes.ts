/**
 * In-test fakes of the ledger (LedgerPort per caller), validator agents and front-end nodes — only for the
 * REST API unit tests. They follow the chaincode's rules closely enough for every route to be exercised:
 * role checks, NOT_FOUND / CONFLICT / INVALID_ARGUMENT errors with the chaincode's wording, quorum commits.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { LedgerError, type ContractTransport } from '../../src/fabric';
import type { MemberRef } from '../../src/governance';
import type { ApiCaller } from '../../src/http';
import { DecryptionError, EnvelopeError, KeyUnavailableError } from '../../src/rotation';
import type {
  FrontendNodeHandle,
  LocalKeyVersion,
  OpenedMessage,
  RotationProposal,
  SealedMessage,
  ValidatorAgentHandle,
} from '../../src/rotation/types';

type Json = Record<string, unknown>;

export interface FakeMember {
  readonly name: string;
  readonly mspId: string;
  readonly fingerprint: string;
  roles: string[];
}

interface QueueState {
  queueId: string;
  activeVersion: number;
  activeKeyId?: string;
  compromised: { version: number; reason: string; reportedBy: string; reportedAt: number }[];
}

interface Committed {
  queueId: string;
  version: number;
  keyId: string;
  keyCheckValue: string;
  proposalId: string;
  digest: string;
  reason: string;
  proposer: MemberRef;
  notBefore: number;
  committedAt: number;
  approvals: RotationProposal['approvals'];
  quorum: number;
  validatorCount: number;
  recipients: string[];
}

function fingerprintOf(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

export function member(name: string, roles: string[], mspId = 'Org1MSP'): FakeMember {
  return { name, mspId, fingerprint: fingerprintOf(name), roles };
}

const ref = (m: MemberRef): string => `${m.mspId}/${m.fingerprint}`;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;

export class FakeLedger {
  readonly members = new Map<string, FakeMember>();
  readonly policies = new Map<string, Json>();
  readonly queues = new Map<string, QueueState>();
  readonly history = new Map<
    string,
    { txId: string; timestamp: number; isDelete: boolean; value: QueueState }[]
  >();
  readonly proposals = new Map<string, RotationProposal>();
  readonly open = new Map<string, string>();
  readonly committed = new Map<string, Committed[]>();
  /** Key bytes per queue/version, standing in for what front-ends unwrap. */
  readonly keys = new Map<string, Buffer>();
  readonly calls: { caller: string; fn: string; args: string[] }[] = [];
  now = 1_700_000_000_000;
  #tx = 0;
  /** When set, every call fails with this error (to simulate an unreachable peer, say). */
  failWith?: LedgerError;

  add(...members: FakeMember[]): this {
    for (const m of members) {
      this.members.set(ref(m), m);
    }
    return this;
  }

  txId(): string {
    this.#tx += 1;
    return createHash('sha256').update(`tx${this.#tx}`).digest('hex');
  }

  #caller(identity: MemberRef): FakeMember {
    const found = this.members.get(ref(identity));
    return found ?? { name: 'stranger', mspId: identity.mspId, fingerprint: identity.fingerprint, roles: [] };
  }

  #require(identity: MemberRef, ...roles: string[]): FakeMember {
    const caller = this.#caller(identity);
    if (roles.length === 0 ? caller.roles.length === 0 : !caller.roles.some((role) => roles.includes(role))) {
      throw new LedgerError({
        kind: 'FORBIDDEN',
        message: `${ref(caller)} needs role ${roles.length ? roles.join(' or ') : 'any'}; it has ${caller.roles.join(', ') || 'none'}`,
      });
    }
    return caller;
  }

  #id(value: string | undefined, what: string): string {
    if (value === undefined || !ID.test(value)) {
      throw new LedgerError({ kind: 'INVALID_ARGUMENT', message: `invalid ${what}: must be an id` });
    }
    return value;
  }

  #queue(queueId: string): QueueState {
    const state = this.queues.get(queueId);
    if (!state) {
      throw new LedgerError({ kind: 'NOT_FOUND', message: `queue ${queueId} not found` });
    }
    return state;
  }

  #proposal(id: string): RotationProposal {
    const proposal = this.proposals.get(id);
    if (!proposal) {
      throw new LedgerError({ kind: 'NOT_FOUND', message: `rotation proposal ${id} not found` });
    }
    return proposal;
  }

  #writeQueue(state: QueueState, txId: string): void {
    this.queues.set(state.queueId, state);
    const entries = this.history.get(state.queueId) ?? [];
    entries.unshift({ txId, timestamp: this.now, isDelete: false, value: structuredClone(state) });
    this.history.set(state.queueId, entries);
  }

  validators(): FakeMember[] {
    return [...this.members.values()].filter((m) => m.roles.includes('validator'));
  }

  quorum(): number {
    const n = this.validators().length;
    const f = Math.floor((n - 1) / 3);
    return Math.max(2 * f + 1, Math.ceil((n + f + 1) / 2), n >= 2 ? 2 : 1);
  }

  /** One contract as fabric-gateway's Contract offers it: JSON bytes out, the chaincode's errors thrown. */
  port(identity: MemberRef, contract: string): ContractTransport {
    const call = async (fn: string, args: string[]): Promise<Uint8Array> => {
      this.calls.push({ caller: this.#caller(identity).name, fn: `${contract}:${fn}`, args });
      if (this.failWith) {
        throw this.failWith;
      }
      const result = this.#dispatch(identity, contract, fn, args);
      return Buffer.from(JSON.stringify(result ?? null));
    };
    return {
      evaluateTransaction: (fn, ...args) => call(fn, args),
      submitTransaction: (fn, ...args) => call(fn, args),
    };
  }

  /** A caller with ledger clients and, unless `signer` is false, a stand-in signer (the fake does not verify). */
  caller(m: FakeMember, signer = true): ApiCaller {
    return {
      name: m.name,
      mspId: m.mspId,
      fingerprint: m.fingerprint,
      ledger: { contract: (name) => this.port(m, name) },
      ...(signer
        ? {
            signer: async (digest: Uint8Array) => createHash('sha256').update(m.name).update(digest).digest(),
          }
        : {}),
    };
  }

  #dispatch(identity: MemberRef, contract: string, fn: string, args: string[]): unknown {
    if (contract === 'Governance') {
      if (fn === 'WhoAmI') {
        const caller = this.#caller(identity);
        return {
          caller: { mspId: caller.mspId, fingerprint: caller.fingerprint, id: `x509::CN=${caller.name}` },
          roles: [...caller.roles].sort(),
          member: caller.roles.length ? { ...caller, status: 'active' } : null,
        };
      }
      throw new LedgerError({ kind: 'FAILED', message: `no function ${fn}` });
    }
    switch (fn) {
      case 'SetKeyPolicy': {
        const caller = this.#require(identity, 'admin');
        const input = JSON.parse(args[0] ?? '') as Json;
        const queueId = this.#id(input.queueId as string, 'queue id');
        const previous = this.policies.get(queueId);
        const policy = {
          queueId,
          rotationIntervalMs: input.rotationIntervalMs,
          maxMessages: input.maxMessages,
          algorithm: input.algorithm,
          proposalTtlMs: input.proposalTtlMs ?? 3_600_000,
          retentionVersions: input.retentionVersions ?? 2,
          retentionMs: input.retentionMs ?? 0,
          // The fake does not hold rotations back: its tests rotate back to back.
          minRotationIntervalMs: input.minRotationIntervalMs ?? 0,
          createdAt: (previous?.createdAt as number | undefined) ?? this.now,
          updatedAt: this.now,
          updatedBy: ref(caller),
        };
        this.policies.set(queueId, policy);
        if (!previous) {
          this.#writeQueue({ queueId, activeVersion: 0, compromised: [] }, this.txId());
        }
        return { policy, created: previous === undefined, changed: true };
      }
      case 'GetKeyPolicy': {
        this.#require(identity);
        const id = this.#id(args[0], 'queue id');
        const policy = this.policies.get(id);
        if (!policy) {
          throw new LedgerError({ kind: 'NOT_FOUND', message: `queue ${id} not found` });
        }
        return policy;
      }
      case 'ListQueues':
        this.#require(identity);
        return [...this.policies.values()]
          .sort((a, b) => String(a.queueId).localeCompare(String(b.queueId)))
          .map((policy) => ({
            ...policy,
            activeVersion: this.queues.get(policy.queueId as string)?.activeVersion ?? 0,
            activeKeyId: this.queues.get(policy.queueId as string)?.activeKeyId,
          }));
      case 'IsRotationDue': {
        this.#require(identity);
        const id = this.#id(args[0], 'queue id');
        const state = this.#queue(id);
        const policy = this.policies.get(id) as Json;
        const openId = this.open.get(id);
        const open = openId ? this.proposals.get(openId) : undefined;
        const compromised = state.compromised.some((c) => c.version === state.activeVersion);
        const reasons = state.activeVersion === 0 ? ['initial'] : compromised ? ['compromise'] : [];
        return {
          queueId: id,
          due: reasons.length > 0,
          reasons,
          activeVersion: state.activeVersion,
          elapsedMs: 0,
          rotationIntervalMs: policy.rotationIntervalMs,
          messages: 0,
          maxMessages: policy.maxMessages,
          held: false,
          nextAllowedAt:
            (this.committed.get(id)?.find((c) => c.version === state.activeVersion)?.committedAt ?? 0) +
            (policy.minRotationIntervalMs as number),
          minRotationIntervalMs: policy.minRotationIntervalMs,
          openProposal: open
            ? {
                proposalId: open.proposalId,
                version: open.version,
                expiresAt: open.expiresAt,
                expired: this.now > open.expiresAt,
              }
            : null,
        };
      }
      case 'GetPendingRotation': {
        this.#require(identity);
        const id = this.#id(args[0], 'queue id');
        this.#queue(id);
        const openId = this.open.get(id);
        return openId ? this.proposals.get(openId) : null;
      }
      case 'ListPendingRotations':
        this.#require(identity);
        return [...this.open.values()].map((id) => {
          const p = this.proposals.get(id) as RotationProposal;
          return {
            proposalId: p.proposalId,
            queueId: p.queueId,
            version: p.version,
            keyId: p.keyId,
            keyCheckValue: p.keyCheckValue,
            digest: p.digest,
            reason: p.reason,
            proposer: ref(p.proposer),
            recipients: p.wrappedKeys.map(ref),
            notBefore: p.notBefore,
            proposedAt: p.proposedAt,
            expiresAt: p.expiresAt,
            expired: this.now > p.expiresAt,
          };
        });
      case 'GetRotation':
        this.#require(identity);
        return this.#proposal(this.#id(args[0], 'proposal id'));
      case 'GetActiveKey': {
        this.#require(identity);
        const id = this.#id(args[0], 'queue id');
        const state = this.#queue(id);
        if (state.activeVersion === 0) {
          throw new LedgerError({ kind: 'NOT_FOUND', message: `queue ${id} has no active key yet` });
        }
        const c = (this.committed.get(id) ?? []).find(
          (entry) => entry.version === state.activeVersion,
        ) as Committed;
        return {
          queueId: id,
          version: c.version,
          keyId: c.keyId,
          keyCheckValue: c.keyCheckValue,
          algorithm: 'AES-256-GCM',
          proposalId: c.proposalId,
          committedAt: c.committedAt,
          notBefore: c.notBefore,
          compromised: state.compromised.some((entry) => entry.version === c.version),
        };
      }
      case 'GetRotationsSince': {
        this.#require(identity);
        const id = this.#id(args[0], 'queue id');
        const state = this.#queue(id);
        const since = Number(args[1]);
        return (this.committed.get(id) ?? [])
          .filter((c) => c.version > since)
          .map((c) => ({
            ...c,
            compromised: state.compromised.some((entry) => entry.version === c.version),
          }));
      }
      case 'GetKeyHistory': {
        this.#require(identity);
        const id = this.#id(args[0], 'queue id');
        this.#queue(id);
        return { queueId: id, entries: this.history.get(id) ?? [] };
      }
      case 'ApproveRotation': {
        const caller = this.#require(identity, 'validator');
        const proposal = this.#votable(this.#id(args[0], 'proposal id'), caller);
        if (args[1] !== '' && !/^[A-Za-z0-9+/]+={0,2}$/.test(args[1] ?? '')) {
          throw new LedgerError({ kind: 'INVALID_ARGUMENT', message: 'invalid signature: must be base64' });
        }
        const approvals = [
          ...proposal.approvals,
          {
            mspId: caller.mspId,
            fingerprint: caller.fingerprint,
            approvedAt: this.now,
            txId: this.txId(),
            ...(args[1] ? { signature: args[1] } : {}),
          },
        ];
        return this.#maybeCommit({ ...proposal, approvals });
      }
      case 'RejectRotation': {
        const caller = this.#require(identity, 'validator');
        const proposal = this.#votable(this.#id(args[0], 'proposal id'), caller);
        const rejections = [
          ...proposal.rejections,
          {
            mspId: caller.mspId,
            fingerprint: caller.fingerprint,
            rejectedAt: this.now,
            txId: this.txId(),
            reason: args[1] ?? '',
          },
        ];
        const defeated = this.validators().length - rejections.length < this.quorum();
        const next: RotationProposal = defeated
          ? { ...proposal, rejections, status: 'rejected', closedAt: this.now }
          : { ...proposal, rejections };
        this.proposals.set(next.proposalId, next);
        if (defeated) {
          this.open.delete(next.queueId);
        }
        return next;
      }
      default:
        throw new LedgerError({ kind: 'FAILED', message: `no function KeyRotation:${fn}` });
    }
  }

  #votable(id: string, caller: FakeMember): RotationProposal {
    const proposal = this.#proposal(id);
    if (proposal.status !== 'open') {
      throw new LedgerError({
        kind: 'CONFLICT',
        message: `rotation proposal ${id} is ${proposal.status}, not open`,
      });
    }
    if ([...proposal.approvals, ...proposal.rejections].some((vote) => ref(vote) === ref(caller))) {
      throw new LedgerError({
        kind: 'CONFLICT',
        message: `${ref(caller)} has already voted on rotation proposal ${id}`,
      });
    }
    return proposal;
  }

  #maybeCommit(proposal: RotationProposal): RotationProposal {
    if (proposal.approvals.length < this.quorum()) {
      this.proposals.set(proposal.proposalId, proposal);
      return proposal;
    }
    const committed: RotationProposal = {
      ...proposal,
      status: 'committed',
      closedAt: this.now,
      quorum: this.quorum(),
      validatorCount: this.validators().length,
    };
    this.proposals.set(committed.proposalId, committed);
    this.open.delete(committed.queueId);
    const state = this.#queue(committed.queueId);
    this.#writeQueue(
      { ...state, activeVersion: committed.version, activeKeyId: committed.keyId },
      committed.proposalId,
    );
    const list = this.committed.get(committed.queueId) ?? [];
    list.push({
      queueId: committed.queueId,
      version: committed.version,
      keyId: committed.keyId,
      keyCheckValue: committed.keyCheckValue,
      proposalId: committed.proposalId,
      digest: committed.digest,
      reason: committed.reason,
      proposer: committed.proposer,
      notBefore: committed.notBefore,
      committedAt: this.now,
      approvals: committed.approvals,
      quorum: this.quorum(),
      validatorCount: this.validators().length,
      recipients: committed.wrappedKeys.map(ref),
    });
    this.committed.set(committed.queueId, list);
    return committed;
  }

  /** What a validator agent does through its own identity: ProposeRotation (auto-approved by the proposer). */
  propose(identity: MemberRef, queueId: string, reason: 'manual' | 'compromise'): RotationProposal {
    const caller = this.#require(identity, 'validator');
    const state = this.#queue(queueId);
    if (this.open.has(queueId)) {
      throw new LedgerError({
        kind: 'CONFLICT',
        message: `queue ${queueId} already has an open rotation proposal`,
      });
    }
    const version = state.activeVersion + 1;
    const key = randomBytes(32);
    this.keys.set(`${queueId}#${version}`, key);
    const proposalId = this.txId();
    const frontends = [...this.members.values()].filter((m) => m.roles.includes('frontend'));
    const proposal: RotationProposal = {
      proposalId,
      queueId,
      version,
      keyId: `${queueId}-v${version}`,
      keyCheckValue: createHash('sha256').update(key).digest('hex').slice(0, 6),
      wrappedKeys: frontends.map((f) => ({
        mspId: f.mspId,
        fingerprint: f.fingerprint,
        wrappedKey: randomBytes(40).toString('base64'),
      })),
      notBefore: this.now,
      reason,
      proposer: { mspId: caller.mspId, fingerprint: caller.fingerprint },
      digest: createHash('sha256').update(proposalId).digest('hex'),
      status: 'open',
      proposedAt: this.now,
      expiresAt: this.now + 3_600_000,
      approvals: [
        { mspId: caller.mspId, fingerprint: caller.fingerprint, approvedAt: this.now, txId: proposalId },
      ],
      rejections: [],
      validatorCountAtProposal: this.validators().length,
      quorumAtProposal: this.quorum(),
    };
    this.open.set(queueId, proposalId);
    return this.#maybeCommit(proposal);
  }

  reportCompromise(identity: MemberRef, queueId: string, version: number, reason: string): void {
    const caller = this.#require(identity, 'validator', 'frontend', 'admin');
    const state = this.#queue(queueId);
    if (version > state.activeVersion) {
      throw new LedgerError({
        kind: 'NOT_FOUND',
        message: `queue ${queueId} has no committed key version ${version}`,
      });
    }
    if (state.compromised.some((entry) => entry.version === version)) {
      throw new LedgerError({
        kind: 'CONFLICT',
        message: `key version ${version} of queue ${queueId} is already reported compromised`,
      });
    }
    this.#writeQueue(
      {
        ...state,
        compromised: [
          ...state.compromised,
          { version, reason, reportedBy: ref(caller), reportedAt: this.now },
        ],
      },
      this.txId(),
    );
  }
}

export class FakeValidatorAgent implements ValidatorAgentHandle {
  readonly name: string;
  readonly identity: MemberRef;
  readonly #ledger: FakeLedger;
  failWith?: Error;

  constructor(ledger: FakeLedger, m: FakeMember) {
    this.#ledger = ledger;
    this.name = m.name;
    this.identity = { mspId: m.mspId, fingerprint: m.fingerprint };
  }

  async rotateNow(queueId: string, reason: 'manual' | 'compromise'): Promise<RotationProposal> {
    if (this.failWith) {
      throw this.failWith;
    }
    return this.#ledger.propose(this.identity, queueId, reason);
  }

  async reportCompromise(queueId: string, version: number, reason: string): Promise<RotationProposal> {
    this.#ledger.reportCompromise(this.identity, queueId, version, reason);
    return this.#ledger.propose(this.identity, queueId, 'compromise');
  }
}

/** Envelope: 'KL1' ‖ version (4 bytes BE) ‖ IV (12) ‖ ciphertext ‖ tag (16); AAD = queue id and version. */
export class FakeFrontendNode implements FrontendNodeHandle {
  readonly name: string;
  readonly identity: MemberRef;
  readonly #ledger: FakeLedger;
  failEncryptWith?: Error;

  constructor(ledger: FakeLedger, m: FakeMember) {
    this.#ledger = ledger;
    this.name = m.name;
    this.identity = { mspId: m.mspId, fingerprint: m.fingerprint };
  }

  keyVersions(queueId: string): LocalKeyVersion[] {
    const list = this.#ledger.committed.get(queueId) ?? [];
    const state = this.#ledger.queues.get(queueId);
    const compromised = (version: number): boolean =>
      state?.compromised.some((entry) => entry.version === version) ?? false;
    const usable = list.filter((c) => !compromised(c.version)).map((c) => c.version);
    const current = usable.length ? Math.max(...usable) : -1;
    return list.map((c) => ({
      version: c.version,
      keyId: c.keyId,
      keyCheckValue: c.keyCheckValue,
      committedAt: c.committedAt,
      compromised: compromised(c.version),
      current: c.version === current,
    }));
  }

  /** The fake holds every committed version at once, so it waits only for the commit itself. */
  async waitForVersion(queueId: string, version: number, timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = this.keyVersions(queueId).find((v) => v.current)?.version ?? 0;
      if (current >= version) {
        return current;
      }
      if (Date.now() >= deadline) {
        throw new Error(`queue ${queueId} did not reach version ${version}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async encrypt(queueId: string, plaintext: Uint8Array): Promise<SealedMessage> {
    if (this.failEncryptWith) {
      throw this.failEncryptWith;
    }
    const current = this.keyVersions(queueId).find((v) => v.current);
    if (!current) {
      throw new KeyUnavailableError({
        code: 'NO_USABLE_KEY',
        queueId,
        message: `front-end ${this.name} holds no usable key version for queue ${queueId}`,
      });
    }
    const key = this.#ledger.keys.get(`${queueId}#${current.version}`) as Buffer;
    const iv = randomBytes(12);
    const header = Buffer.alloc(7);
    header.write('KL1', 0, 'latin1');
    header.writeUInt32BE(current.version, 3);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(`${queueId}#${current.version}`));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      queueId,
      version: current.version,
      envelope: Buffer.concat([header, iv, body, cipher.getAuthTag()]),
    };
  }

  async decrypt(queueId: string, envelope: Uint8Array): Promise<OpenedMessage> {
    const bytes = Buffer.from(envelope);
    if (bytes.length < 7 + 12 + 16 || bytes.subarray(0, 3).toString('latin1') !== 'KL1') {
      throw new EnvelopeError({ message: 'not a KeyLedger envelope (bad magic)' });
    }
    const version = bytes.readUInt32BE(3);
    const key = this.#ledger.keys.get(`${queueId}#${version}`);
    if (!key) {
      throw new KeyUnavailableError({
        code: 'UNKNOWN_VERSION',
        queueId,
        message: `key version ${version} of queue ${queueId} is unknown to this node`,
        version,
      });
    }
    const compromised = this.keyVersions(queueId).find((v) => v.version === version)?.compromised ?? false;
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(7, 19));
    decipher.setAAD(Buffer.from(`${queueId}#${version}`));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    try {
      const plaintext = Buffer.concat([
        decipher.update(bytes.subarray(19, bytes.length - 16)),
        decipher.final(),
      ]);
      return { plaintext, version, compromised };
    } catch {
      throw new DecryptionError({ message: 'message does not authenticate under its key version and queue' });
    }
  }
}
