import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  emitEvent,
  exists,
  hasAnyRole,
  hasRole,
  isoTime,
  KeyLedgerContext,
  KeyLedgerContract,
  nextVersion,
  pageByPartialKey,
  ObjectType,
  parseId,
  parseIntArg,
  parseJsonArg,
  parsePageSize,
  readJson,
  reasonSchema,
  requireAnyRole,
  requireRole,
  result,
  validate,
  writeJson,
} from '../../lib';
import {
  canonicalBytes,
  canonicalJson,
  ConflictError,
  ForbiddenError,
  identityRef,
  memberRef,
  sameIdentity,
  sha256Hex,
  ValidationError,
  type Role,
} from '../../protocol';
import { sessionResponseMessage } from '../../protocol/threshold';
import { recordAnomaly } from './anomaly';
import { chooseCoordinator, orderEligible } from './coordinator';
import { parseModuleKey, verifyModuleSignature } from './moduleKey';
import { parseTlsCertificate, type ParsedTlsCertificate } from './tlsCertificate';
import { commitmentPointProblem } from './points';
import {
  anomalySchema,
  attestationSchema,
  type AttestationStatement,
  closeSessionSchema,
  commitmentsSchema,
  openSessionSchema,
  participationSchema,
  registerModuleSchema,
  responseSchema,
  shareAckSchema,
  tamperSchema,
  thresholdPolicySchema,
} from './schemas';
import { emptyCounters, trustScore } from './score';
import {
  breakdownOf,
  commitmentsKey,
  evidenceKey,
  listModules,
  listResponses,
  listShareAcks,
  moduleKey,
  moduleKeyDigestKey,
  moduleView,
  nonceKey,
  pendingNonceKey,
  participationKey,
  policyKey,
  readCommitments,
  readLatestCommitments,
  readModule,
  readModuleByShareIndex,
  readPendingNonce,
  readPolicy,
  readSession,
  responseKey,
  scoreOf,
  sessionKey,
  shareAckKey,
  shareIndexKey,
  writeTrustEvent,
} from './store';
import type {
  AttestationFormat,
  AttestedField,
  CommitmentCurve,
  CommitmentSet,
  PendingAttestationNonce,
  SecurityModule,
  SessionResponse,
  ShareAcknowledgement,
  ShareAcknowledgements,
  ThresholdPolicy,
  ThresholdSession,
  TrustCounters,
} from '../../protocol/threshold';

/** An attestation statement must be issued within this distance of the transaction time. */
export const ATTESTATION_SKEW_MS = 10 * 60_000;
/** A session accepts responses for this long after it opens. */
export const SESSION_TTL_MS = 10 * 60_000;
/**
 * How long a module whose coordinated session ran out is passed over as coordinator (it stays eligible to answer):
 * otherwise a crashed coordinator could be drawn again and again while its score recovers.
 */
export const COORDINATOR_BENCH_MS = 10 * 60_000;

/** Roles that may report tamper evidence about any module (a module owner may report its own). */
const TAMPER_REPORTERS: Role[] = ['auditor', 'admin', 'orchestrator'];

/**
 * TrustDomain — the ledger half of threshold key custody (capability E).
 *
 * Master keys are Shamir-shared off-ledger (Feldman VSS; FROST, RFC 9591, for signing) across security-module
 * servers, each holding one share in its own HSM token. The ledger is what those servers and the coordinator
 * agree on without trusting each other:
 * - the module registry (attestation public key, share index, owning ledger identity);
 * - trust inputs — signed attestations, tamper evidence, anomalies, participation, cheater reports — kept as
 *   per-module events plus counters on the module record, and a deterministic integer trust score
 *   (see `score.ts`) so every endorser ranks modules identically;
 * - per-key threshold policy (t, n, minimum trust) and the Feldman commitments of each sharing epoch, against
 *   which every share is verified before use;
 * - reconstruction / signing sessions: the eligible set (trusted modules only), a coordinator drawn
 *   deterministically by trust score and tx id (see `coordinator.ts`), responses, and the outcome with named
 *   cheaters, whose score drops.
 * Only public values and digests are stored: never a share, a key, or a signature share.
 */
@Info({
  title: 'TrustDomain',
  description:
    'Security modules, trust scores, threshold policies, Feldman commitments and threshold sessions',
})
export class TrustDomainContract extends KeyLedgerContract {
  constructor() {
    super('TrustDomain');
  }

  // ---------------------------------------------------------------- modules

  /**
   * Registers a security module: an admin for any owner, or a module-role caller for itself (`owner` omitted or
   * equal to the caller). Input: `{moduleId, publicKeyPem, shareIndex, owner?:{mspId, fingerprint}, endpoint?,
   * tlsCertificatePem?}`. moduleId, shareIndex and the public key are each unique. The owner re-registering its
   * module with the same key and index is idempotent and may change only `endpoint` and `tlsCertificatePem`
   * (event `ModuleUpdated` when they change) — so a module server can register on every start without a
   * special first-run path; a different key or index is a CONFLICT. Event `ModuleRegistered`.
   */
  @Transaction()
  @Returns('string')
  async RegisterModule(ctx: KeyLedgerContext, moduleJson: string): Promise<string> {
    await requireRole(ctx, 'admin', 'module');
    const input = parseJsonArg(registerModuleSchema, moduleJson, 'module');
    const admin = await hasRole(ctx, 'admin');
    if (!admin && input.owner !== undefined && !sameIdentity(input.owner, ctx.caller)) {
      throw new ForbiddenError('a module-role caller may register only a module it owns itself');
    }
    if (admin && input.owner === undefined && !(await hasRole(ctx, 'module'))) {
      throw new ValidationError('invalid module: owner is required when an admin registers a module');
    }
    const owner = identityRef(input.owner ?? ctx.caller);
    const key = parseModuleKey(input.publicKeyPem);
    const tls =
      input.tlsCertificatePem === undefined ? undefined : parseTlsCertificate(input.tlsCertificatePem);
    const now = ctx.now;
    const existing = await readJson<SecurityModule>(ctx, moduleKey(ctx, input.moduleId));
    if (existing !== undefined) {
      if (!sameIdentity(existing.owner, ctx.caller) || !sameIdentity(owner, existing.owner)) {
        throw new ConflictError(`module ${input.moduleId} is already registered`);
      }
      if (existing.publicKeyPem !== key.pem || existing.shareIndex !== input.shareIndex) {
        throw new ConflictError(
          `module ${input.moduleId} is already registered with a different public key or share index`,
        );
      }
      return this._updateModule(ctx, existing, input.endpoint, tls, now);
    }
    const holder = await readJson<{ moduleId: string }>(ctx, shareIndexKey(ctx, input.shareIndex));
    if (holder !== undefined) {
      throw new ConflictError(`share index ${input.shareIndex} is already held by module ${holder.moduleId}`);
    }
    const sameKey = await readJson<{ moduleId: string }>(ctx, moduleKeyDigestKey(ctx, key.digest));
    if (sameKey !== undefined) {
      throw new ConflictError(`this public key is already registered for module ${sameKey.moduleId}`);
    }
    const module: SecurityModule = {
      moduleId: input.moduleId,
      publicKeyPem: key.pem,
      keyType: key.keyType,
      publicKeyDigest: key.digest,
      shareIndex: input.shareIndex,
      owner,
      endpoint: input.endpoint,
      tlsCertificatePem: tls?.pem,
      tlsCertificateDigest: tls?.digest,
      status: 'active',
      trust: emptyCounters(),
      registeredAt: now,
      registeredBy: memberRef(ctx.caller),
      updatedAt: now,
      version: 1,
    };
    await writeJson(ctx, moduleKey(ctx, module.moduleId), module);
    await writeJson(ctx, shareIndexKey(ctx, module.shareIndex), { moduleId: module.moduleId });
    await writeJson(ctx, moduleKeyDigestKey(ctx, key.digest), { moduleId: module.moduleId });
    emitEvent(ctx, 'ModuleRegistered', {
      moduleId: module.moduleId,
      shareIndex: module.shareIndex,
      keyType: module.keyType,
      publicKeyDigest: module.publicKeyDigest,
      owner: module.owner,
      tlsCertificateDigest: module.tlsCertificateDigest,
      registeredAt: now,
    });
    return result(moduleView(module, now));
  }

  /** The module record with its current score. */
  @Transaction(false)
  @Returns('string')
  async GetModule(ctx: KeyLedgerContext, moduleId: string): Promise<string> {
    await requireAnyRole(ctx);
    const module = await readModule(ctx, parseId(moduleId, 'moduleId'));
    return result(moduleView(module, ctx.now));
  }

  /** Modules whose score is at least `minScore` (0..1000), sorted by score desc, then moduleId asc. */
  @Transaction(false)
  @Returns('string')
  async ListModules(ctx: KeyLedgerContext, minScore: string): Promise<string> {
    await requireAnyRole(ctx);
    const threshold = parseIntArg(minScore, 'minScore', 0, 1000);
    const now = ctx.now;
    const modules = orderEligible((await listModules(ctx)).map((module) => moduleView(module, now))).filter(
      (view) => view.score >= threshold,
    );
    return result({ minScore: threshold, computedAt: now, modules });
  }

  /** The score and its components (see `trustBreakdown` in score.ts) plus the raw counters. */
  @Transaction(false)
  @Returns('string')
  async GetTrustScore(ctx: KeyLedgerContext, moduleId: string): Promise<string> {
    await requireAnyRole(ctx);
    const module = await readModule(ctx, parseId(moduleId, 'moduleId'));
    return result({
      moduleId: module.moduleId,
      status: module.status,
      ...breakdownOf(module, ctx.now),
      inputs: module.trust,
    });
  }

  /** One page of a module's trust events, oldest first. */
  @Transaction(false)
  @Returns('string')
  async ListTrustEvents(
    ctx: KeyLedgerContext,
    moduleId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    await requireAnyRole(ctx);
    const id = parseId(moduleId, 'moduleId');
    const size = parsePageSize(pageSize);
    await readModule(ctx, id);
    return result(await pageByPartialKey(ctx, ObjectType.trustEvent, [id], size, bookmark));
  }

  // ---------------------------------------------------------------- trust inputs

  /**
   * A module's signed attestation, by the module's owner. Input `{moduleId, statement:{nonce, firmwareDigest,
   * issuedAt}, signature}`; the signature covers the canonical JSON of `statement` (ECDSA P-256/SHA-256 DER, or
   * Ed25519). issuedAt must be within ±10 min of the tx time and the nonce new for the module. A software module
   * server adds `format: 'keyledger-software-attestation/v1'` and `codeDigest`, `configDigest` (64 hex),
   * `tokenSerial`, `tokenLabel` (≤ 64): the nonce must then be its pending ledger nonce (`IssueAttestationNonce`,
   * ≤ 10 min old), which is consumed, so freshness no longer rests on the module's clock. The fields are kept as
   * `trust.last*`; a changed codeDigest or tokenSerial is reported (`changed`) but does not quarantine — that stays
   * an explicit `ReportTamper`. Event `AttestationSubmitted`.
   */
  @Transaction()
  @Returns('string')
  async SubmitAttestation(ctx: KeyLedgerContext, attestationJson: string): Promise<string> {
    await requireRole(ctx, 'module');
    const input = parseJsonArg(attestationSchema, attestationJson, 'attestation');
    const module = await readModule(ctx, input.moduleId);
    requireOwner(ctx, module);
    const now = ctx.now;
    const skew = input.statement.issuedAt - now;
    if (Math.abs(skew) > ATTESTATION_SKEW_MS) {
      throw new ValidationError(
        `invalid attestation: statement.issuedAt is ${skew} ms from the transaction time; must be within ±${ATTESTATION_SKEW_MS} ms`,
      );
    }
    const signed = canonicalBytes(input.statement);
    const signature = Buffer.from(input.signature, 'base64');
    if (!verifyModuleSignature(module.keyType, module.publicKeyPem, signed, signature)) {
      throw new ValidationError(
        `invalid attestation: signature does not verify with the public key of module ${module.moduleId}`,
      );
    }
    const nonce = nonceKey(ctx, module.moduleId, input.statement.nonce);
    if (await exists(ctx, nonce)) {
      throw new ConflictError(`attestation nonce already used by module ${module.moduleId}`);
    }
    const software = await this._softwareStatement(ctx, module, input.statement, now);
    const trust: TrustCounters = {
      ...module.trust,
      attestations: module.trust.attestations + 1,
      lastAttestedAt: now,
      lastFirmwareDigest: input.statement.firmwareDigest,
      ...(software === undefined
        ? {}
        : {
            lastCodeDigest: software.codeDigest,
            lastConfigDigest: software.configDigest,
            lastTokenSerial: software.tokenSerial,
            lastTokenLabel: software.tokenLabel,
          }),
    };
    const changed = software === undefined ? undefined : attestedChanges(module.trust, software);
    const next = nextVersion(module, { trust }, now);
    await writeJson(ctx, nonce, { at: now, txId: ctx.txId });
    if (software !== undefined) {
      await ctx.stub.deleteState(pendingNonceKey(ctx, module.moduleId));
    }
    await writeTrustEvent(ctx, {
      moduleId: module.moduleId,
      kind: 'attestation',
      at: now,
      txId: ctx.txId,
      reportedBy: memberRef(ctx.caller),
      firmwareDigest: input.statement.firmwareDigest,
      issuedAt: input.statement.issuedAt,
      nonceDigest: sha256Hex(input.statement.nonce),
      ...software,
      changed,
    });
    await writeJson(ctx, moduleKey(ctx, module.moduleId), next);
    const score = scoreOf(next, now);
    const firmwareChanged =
      module.trust.lastFirmwareDigest !== undefined &&
      module.trust.lastFirmwareDigest !== input.statement.firmwareDigest;
    emitEvent(ctx, 'AttestationSubmitted', {
      moduleId: module.moduleId,
      firmwareDigest: input.statement.firmwareDigest,
      firmwareChanged,
      ...software,
      changed,
      attestedAt: now,
      attestations: trust.attestations,
      score,
    });
    return result({
      moduleId: module.moduleId,
      attestations: trust.attestations,
      lastAttestedAt: now,
      firmwareChanged,
      ...(changed === undefined ? {} : { changed }),
      score,
    });
  }

  /**
   * Issues the nonce the module must sign in its next `keyledger-software-attestation/v1` statement (the module's
   * owner). The nonce is `sha256Hex(txId ‖ moduleId)`: unpredictable before the transaction, so a statement cannot
   * be signed ahead of time and replayed, yet every endorser derives the same value. One nonce is pending per
   * module; issuing again replaces it. It is valid for 10 minutes. Event `AttestationNonceIssued`.
   */
  @Transaction()
  @Returns('string')
  async IssueAttestationNonce(ctx: KeyLedgerContext, moduleId: string): Promise<string> {
    await requireRole(ctx, 'module');
    const module = await readModule(ctx, parseId(moduleId, 'moduleId'));
    requireOwner(ctx, module);
    const pending: PendingAttestationNonce = {
      moduleId: module.moduleId,
      nonce: sha256Hex(`${ctx.txId}${module.moduleId}`),
      issuedAt: ctx.now,
      txId: ctx.txId,
    };
    await writeJson(ctx, pendingNonceKey(ctx, module.moduleId), pending);
    emitEvent(ctx, 'AttestationNonceIssued', {
      moduleId: pending.moduleId,
      nonce: pending.nonce,
      issuedAt: pending.issuedAt,
    });
    return result({ moduleId: pending.moduleId, nonce: pending.nonce, issuedAt: pending.issuedAt });
  }

  /**
   * Tamper evidence (auditor, admin, orchestrator, or the module's own owner). Input `{moduleId, evidenceDigest,
   * description}`; the same evidence is accepted once per module. The module is quarantined — score 0 — until an
   * admin clears it. Event `TamperReported`.
   */
  @Transaction()
  @Returns('string')
  async ReportTamper(ctx: KeyLedgerContext, reportJson: string): Promise<string> {
    await requireRole(ctx, ...TAMPER_REPORTERS, 'module');
    const input = parseJsonArg(tamperSchema, reportJson, 'tamper report');
    const module = await readModule(ctx, input.moduleId);
    if (!(await hasAnyRole(ctx, TAMPER_REPORTERS))) {
      requireOwner(ctx, module);
    }
    const marker = evidenceKey(ctx, module.moduleId, input.evidenceDigest);
    if (await exists(ctx, marker)) {
      throw new ConflictError(
        `evidence ${input.evidenceDigest.slice(0, 16)}… was already reported for module ${module.moduleId}`,
      );
    }
    const now = ctx.now;
    const next = nextVersion(
      module,
      {
        status: 'quarantined',
        quarantinedAt: module.quarantinedAt ?? now,
        quarantineEvidence: module.quarantineEvidence ?? input.evidenceDigest,
        trust: { ...module.trust, tamperReports: module.trust.tamperReports + 1 },
      },
      now,
    );
    await writeJson(ctx, marker, { at: now, txId: ctx.txId, kind: 'tamper' });
    await writeTrustEvent(ctx, {
      moduleId: module.moduleId,
      kind: 'tamper',
      at: now,
      txId: ctx.txId,
      reportedBy: memberRef(ctx.caller),
      evidenceDigest: input.evidenceDigest,
      description: input.description,
    });
    await writeJson(ctx, moduleKey(ctx, module.moduleId), next);
    emitEvent(ctx, 'TamperReported', {
      moduleId: module.moduleId,
      evidenceDigest: input.evidenceDigest,
      status: next.status,
      tamperReports: next.trust.tamperReports,
      reportedAt: now,
      reportedBy: memberRef(ctx.caller),
    });
    return result(moduleView(next, now));
  }

  /**
   * Lifts a quarantine (admin). Trust is not restored by itself: the attestation freshness is reset, so the
   * module must attest again before it scores above any useful threshold. Event `QuarantineCleared`.
   */
  @Transaction()
  @Returns('string')
  async ClearQuarantine(ctx: KeyLedgerContext, moduleId: string, reason: string): Promise<string> {
    await requireRole(ctx, 'admin');
    const id = parseId(moduleId, 'moduleId');
    const why = validate(reasonSchema, reason, 'reason');
    const module = await readModule(ctx, id);
    if (module.status !== 'quarantined') {
      throw new ConflictError(`module ${id} is not quarantined`);
    }
    const now = ctx.now;
    const next = nextVersion(
      module,
      {
        status: 'active',
        quarantinedAt: undefined,
        quarantineEvidence: undefined,
        trust: { ...module.trust, lastAttestedAt: undefined },
      },
      now,
    );
    await writeTrustEvent(ctx, {
      moduleId: id,
      kind: 'quarantineCleared',
      at: now,
      txId: ctx.txId,
      reportedBy: memberRef(ctx.caller),
      reason: why,
    });
    await writeJson(ctx, moduleKey(ctx, id), next);
    const score = scoreOf(next, now);
    emitEvent(ctx, 'QuarantineCleared', {
      moduleId: id,
      clearedAt: now,
      clearedBy: memberRef(ctx.caller),
      reason: why,
      score,
    });
    return result(moduleView(next, now));
  }

  /**
   * A behaviour anomaly (auditor, admin, orchestrator). Input `{moduleId, kind, severity 1..5, evidenceDigest?}`;
   * evidence, when given, is accepted once per module. Event `AnomalyReported`.
   */
  @Transaction()
  @Returns('string')
  async ReportAnomaly(ctx: KeyLedgerContext, reportJson: string): Promise<string> {
    await requireRole(ctx, 'auditor', 'admin', 'orchestrator');
    const input = parseJsonArg(anomalySchema, reportJson, 'anomaly report');
    const module = await readModule(ctx, input.moduleId);
    const now = ctx.now;
    const next = await recordAnomaly(ctx, module, input, now);
    const { trust } = next;
    const score = scoreOf(next, now);
    emitEvent(ctx, 'AnomalyReported', {
      moduleId: module.moduleId,
      kind: input.kind,
      severity: input.severity,
      reportedAt: now,
      score,
    });
    return result({ moduleId: module.moduleId, anomalies: trust.anomalies, score });
  }

  /**
   * Participation in an off-ledger operation (orchestrator). Input `{moduleId, sessionId, ok}`; once per
   * (module, sessionId). Ledger sessions record participation themselves on close, so their ids are refused.
   * Event `ParticipationRecorded`.
   */
  @Transaction()
  @Returns('string')
  async RecordParticipation(ctx: KeyLedgerContext, participationJson: string): Promise<string> {
    await requireRole(ctx, 'orchestrator');
    const input = parseJsonArg(participationSchema, participationJson, 'participation');
    const module = await readModule(ctx, input.moduleId);
    if (await exists(ctx, sessionKey(ctx, input.sessionId))) {
      throw new ConflictError(
        `session ${input.sessionId} is a ledger session; its participation is recorded when it closes`,
      );
    }
    const marker = participationKey(ctx, module.moduleId, input.sessionId);
    if (await exists(ctx, marker)) {
      throw new ConflictError(
        `participation of module ${module.moduleId} in ${input.sessionId} is already recorded`,
      );
    }
    const now = ctx.now;
    const next = nextVersion(module, { trust: withParticipation(module.trust, input.ok) }, now);
    await writeJson(ctx, marker, { at: now, ok: input.ok, txId: ctx.txId });
    await writeTrustEvent(ctx, {
      moduleId: module.moduleId,
      kind: 'participation',
      at: now,
      txId: ctx.txId,
      reportedBy: memberRef(ctx.caller),
      sessionId: input.sessionId,
      ok: input.ok,
    });
    await writeJson(ctx, moduleKey(ctx, module.moduleId), next);
    const score = scoreOf(next, now);
    emitEvent(ctx, 'ParticipationRecorded', {
      moduleId: module.moduleId,
      sessionId: input.sessionId,
      ok: input.ok,
      score,
    });
    return result({
      moduleId: module.moduleId,
      sessionId: input.sessionId,
      ok: input.ok,
      participationOk: next.trust.participationOk,
      participationFailed: next.trust.participationFailed,
      score,
    });
  }

  // ---------------------------------------------------------------- keys: policy and commitments

  /**
   * Creates or replaces a key's threshold policy (admin). Input `{keyId, t, n, minTrust, attestationMaxAgeSeconds?
   * (60..604800)}`, 2 ≤ t ≤ n ≤ 255. With attestationMaxAgeSeconds, sessions also require a fresh attestation: the
   * score decays over days, which is too slow for a key whose custodians must prove their state hourly.
   * Event `ThresholdPolicySet`.
   */
  @Transaction()
  @Returns('string')
  async SetThresholdPolicy(ctx: KeyLedgerContext, policyJson: string): Promise<string> {
    await requireRole(ctx, 'admin');
    const input = parseJsonArg(thresholdPolicySchema, policyJson, 'threshold policy');
    const previous = await readJson<ThresholdPolicy>(ctx, policyKey(ctx, input.keyId));
    const now = ctx.now;
    const policy: ThresholdPolicy = {
      keyId: input.keyId,
      t: input.t,
      n: input.n,
      minTrust: input.minTrust,
      attestationMaxAgeSeconds: input.attestationMaxAgeSeconds,
      version: (previous?.version ?? 0) + 1,
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
      updatedBy: memberRef(ctx.caller),
    };
    await writeJson(ctx, policyKey(ctx, policy.keyId), policy);
    emitEvent(ctx, 'ThresholdPolicySet', {
      keyId: policy.keyId,
      t: policy.t,
      n: policy.n,
      minTrust: policy.minTrust,
      attestationMaxAgeSeconds: policy.attestationMaxAgeSeconds,
      version: policy.version,
    });
    return result(policy);
  }

  @Transaction(false)
  @Returns('string')
  async GetThresholdPolicy(ctx: KeyLedgerContext, keyId: string): Promise<string> {
    await requireAnyRole(ctx);
    return result(await readPolicy(ctx, parseId(keyId, 'keyId')));
  }

  /**
   * Publishes the Feldman commitments of one sharing epoch (admin, or a module owner as dealer of a trusted module
   * it owns). Input `{keyId, epoch, curve, commitments, shareIndices?, verifyingShares?, refreshOf?, dealer?}`:
   * exactly t valid points of the curve (ed25519: 32 bytes; secp256k1/p256: 33-byte compressed), `shareIndices`
   * (n distinct indices) when the dealer names who holds shares. `verifyingShares` (decimal share index → point
   * g^{s_i}, exactly the shareIndices) lets a coordinator check one signature share without the others; they are
   * stored with their digest. `refreshOf` (the latest epoch) marks a proactive refresh: new shares of the same key,
   * so commitments[0], the curve, t and shareIndices must stay. Each epoch is immutable and epochs strictly
   * increase. Event `CommitmentsPublished`.
   */
  @Transaction()
  @Returns('string')
  async PublishCommitments(ctx: KeyLedgerContext, commitmentsJson: string): Promise<string> {
    await requireRole(ctx, 'admin', 'module');
    const input = parseJsonArg(commitmentsSchema, commitmentsJson, 'commitments');
    const policy = await readPolicy(ctx, input.keyId);
    if (input.commitments.length !== policy.t) {
      throw new ValidationError(
        `invalid commitments: key ${input.keyId} has threshold t = ${policy.t}, so exactly ${policy.t} commitments are needed, got ${input.commitments.length}`,
      );
    }
    input.commitments.forEach((point, index) => {
      const problem = commitmentPointProblem(input.curve, point);
      if (problem !== undefined) {
        throw new ValidationError(`invalid commitments: commitments.${index} ${problem}`);
      }
    });
    if (input.shareIndices !== undefined && input.shareIndices.length !== policy.n) {
      throw new ValidationError(
        `invalid commitments: shareIndices must list n = ${policy.n} indices, got ${input.shareIndices.length}`,
      );
    }
    const now = ctx.now;
    await this._checkDealer(ctx, input.dealer, policy, now);
    const latest = await readLatestCommitments(ctx, input.keyId);
    if (latest !== undefined && latest.epoch === input.epoch) {
      throw new ConflictError(
        `commitments of key ${input.keyId} epoch ${input.epoch} are already published and immutable`,
      );
    }
    if (latest !== undefined && latest.epoch > input.epoch) {
      throw new ConflictError(
        `epochs must increase: key ${input.keyId} is at epoch ${latest.epoch}, got ${input.epoch}`,
      );
    }
    const shareIndices =
      input.shareIndices === undefined ? undefined : [...input.shareIndices].sort((a, b) => a - b);
    const verifyingShares = checkVerifyingShares(input.curve, input.verifyingShares, shareIndices);
    if (input.refreshOf !== undefined) {
      checkRefresh(input.keyId, input.refreshOf, latest, {
        curve: input.curve,
        t: policy.t,
        commitments: input.commitments,
        shareIndices,
      });
    }
    const set: CommitmentSet = {
      keyId: input.keyId,
      epoch: input.epoch,
      curve: input.curve,
      t: policy.t,
      n: policy.n,
      commitments: input.commitments,
      commitmentsDigest: sha256Hex(canonicalBytes(input.commitments)),
      shareIndices,
      verifyingShares,
      verifyingSharesDigest:
        verifyingShares === undefined ? undefined : sha256Hex(canonicalBytes(verifyingShares)),
      refreshOf: input.refreshOf,
      dealer: input.dealer,
      publishedAt: now,
      publishedBy: memberRef(ctx.caller),
      txId: ctx.txId,
    };
    await writeJson(ctx, commitmentsKey(ctx, set.keyId, set.epoch), set);
    emitEvent(ctx, 'CommitmentsPublished', {
      keyId: set.keyId,
      epoch: set.epoch,
      curve: set.curve,
      t: set.t,
      n: set.n,
      commitmentsDigest: set.commitmentsDigest,
      verifyingSharesDigest: set.verifyingSharesDigest,
      refreshOf: set.refreshOf,
      dealer: set.dealer,
      publishedAt: now,
    });
    return result(set);
  }

  /** Commitments of `epoch`, or of the latest epoch when `epoch` is ''. */
  @Transaction(false)
  @Returns('string')
  async GetCommitments(ctx: KeyLedgerContext, keyId: string, epoch: string): Promise<string> {
    await requireAnyRole(ctx);
    const id = parseId(keyId, 'keyId');
    const wanted = epoch === '' ? undefined : parseIntArg(epoch, 'epoch', 1);
    return result(await readCommitments(ctx, id, wanted));
  }

  /**
   * A module confirms it holds and has verified its share of an epoch (the module's owner). Input `{keyId, epoch,
   * moduleId}`; the module must be one the epoch deals to (its shareIndices, or any registered module when the
   * epoch names none). Idempotent: acknowledging again returns the stored record, writes nothing and emits no
   * event, so a module server may retry blindly. Event `ShareAcknowledged {keyId, epoch, moduleId, acknowledged,
   * expected, complete}` (counts), so the dealer learns when every holder has its share and the old epoch's
   * shares may be destroyed.
   */
  @Transaction()
  @Returns('string')
  async AcknowledgeShare(ctx: KeyLedgerContext, ackJson: string): Promise<string> {
    await requireRole(ctx, 'module');
    const input = parseJsonArg(shareAckSchema, ackJson, 'share acknowledgement');
    const module = await readModule(ctx, input.moduleId);
    requireOwner(ctx, module);
    const commitments = await readCommitments(ctx, input.keyId, input.epoch);
    const holders = await this._candidates(ctx, commitments);
    if (!holders.some((holder) => holder.moduleId === module.moduleId)) {
      throw new ConflictError(
        `module ${module.moduleId} (share index ${module.shareIndex}) holds no share of key ${input.keyId} epoch ${input.epoch}`,
      );
    }
    const key = shareAckKey(ctx, input.keyId, input.epoch, module.moduleId);
    const stored = await readJson<ShareAcknowledgement>(ctx, key);
    const previous = await listShareAcks(ctx, input.keyId, input.epoch);
    const ack: ShareAcknowledgement = stored ?? {
      keyId: input.keyId,
      epoch: input.epoch,
      moduleId: module.moduleId,
      shareIndex: module.shareIndex,
      at: ctx.now,
      acknowledgedBy: memberRef(ctx.caller),
      txId: ctx.txId,
    };
    // Fabric reads see committed state only, so this transaction's own write is added by hand.
    const summary = acknowledgementSummary(
      input.keyId,
      input.epoch,
      holders,
      stored === undefined ? [...previous, ack] : previous,
    );
    const counts = {
      acknowledged: summary.acknowledged.length,
      expected: summary.expected.length,
      complete: summary.complete,
    };
    if (stored === undefined) {
      await writeJson(ctx, key, ack);
      emitEvent(ctx, 'ShareAcknowledged', {
        keyId: ack.keyId,
        epoch: ack.epoch,
        moduleId: ack.moduleId,
        ...counts,
      });
    }
    return result({ ...ack, ...counts });
  }

  /** Who holds a share of the epoch and who has acknowledged it: `{keyId, epoch, expected, acknowledged, complete}`. */
  @Transaction(false)
  @Returns('string')
  async GetShareAcknowledgements(ctx: KeyLedgerContext, keyId: string, epoch: string): Promise<string> {
    await requireAnyRole(ctx);
    const id = parseId(keyId, 'keyId');
    const number = parseIntArg(epoch, 'epoch', 1);
    const commitments = await readCommitments(ctx, id, number);
    const holders = await this._candidates(ctx, commitments);
    return result(acknowledgementSummary(id, number, holders, await listShareAcks(ctx, id, number)));
  }

  // ---------------------------------------------------------------- sessions

  /**
   * Opens a reconstruction or signing session (orchestrator, admin). Input `{sessionId, keyId, kind,
   * messageDigest? (required for sign), purpose, ttlSeconds? (1..600)}`. Eligible: registered modules (holding a
   * share of the latest epoch when it names its indices), not quarantined, with score ≥ policy.minTrust and, when
   * the policy sets attestationMaxAgeSeconds, attested at most that long ago (never attested → not eligible: fail
   * closed); fewer than t → CONFLICT. The coordinator is `chooseCoordinator(eligible, txId, sessionId)`. Responses
   * are accepted for ttlSeconds (default 600).
   * Event `SessionOpened`.
   */
  @Transaction()
  @Returns('string')
  async OpenSession(ctx: KeyLedgerContext, sessionJson: string): Promise<string> {
    await requireRole(ctx, 'orchestrator', 'admin');
    const input = parseJsonArg(openSessionSchema, sessionJson, 'session');
    if (await exists(ctx, sessionKey(ctx, input.sessionId))) {
      throw new ConflictError(`session ${input.sessionId} already exists`);
    }
    const policy = await readPolicy(ctx, input.keyId);
    const commitments = await readCommitments(ctx, input.keyId, undefined);
    if (commitments.t !== policy.t) {
      throw new ConflictError(
        `key ${input.keyId} epoch ${commitments.epoch} was shared with t = ${commitments.t} but the policy requires t = ${policy.t}; publish a new epoch first`,
      );
    }
    const now = ctx.now;
    const candidates = await this._candidates(ctx, commitments);
    const ranked = orderEligible(
      candidates
        .filter((module) => module.status === 'active' && attestedWithin(module, policy, now))
        .map((module) => ({ module, moduleId: module.moduleId, score: scoreOf(module, now) }))
        .filter((entry) => entry.score >= policy.minTrust),
    );
    if (ranked.length < policy.t) {
      throw new ConflictError(
        `only ${ranked.length} module(s) of key ${input.keyId} are active with a trust score ≥ ${policy.minTrust}${policy.attestationMaxAgeSeconds === undefined ? '' : ` and an attestation at most ${policy.attestationMaxAgeSeconds} s old`}; threshold t = ${policy.t} needs ${policy.t}`,
      );
    }
    const rested = ranked.filter(
      ({ module }) =>
        module.coordinatorTimeoutAt === undefined ||
        now - module.coordinatorTimeoutAt >= COORDINATOR_BENCH_MS,
    );
    const coordinator = chooseCoordinator(rested.length > 0 ? rested : ranked, ctx.txId, input.sessionId);
    const eligible = ranked.map(({ module, score }) => ({
      moduleId: module.moduleId,
      shareIndex: module.shareIndex,
      score,
    }));
    const session: ThresholdSession = {
      sessionId: input.sessionId,
      keyId: input.keyId,
      kind: input.kind,
      messageDigest: input.messageDigest,
      purpose: input.purpose,
      status: 'open',
      curve: commitments.curve,
      commitmentsEpoch: commitments.epoch,
      threshold: policy.t,
      minTrust: policy.minTrust,
      eligible,
      coordinator: coordinator.moduleId,
      coordinatorOwner: coordinator.module.owner,
      openedAt: now,
      openedBy: memberRef(ctx.caller),
      expiresAt: now + (input.ttlSeconds === undefined ? SESSION_TTL_MS : input.ttlSeconds * 1000),
      openTxId: ctx.txId,
    };
    await writeJson(ctx, sessionKey(ctx, session.sessionId), session);
    emitEvent(ctx, 'SessionOpened', {
      sessionId: session.sessionId,
      keyId: session.keyId,
      kind: session.kind,
      commitmentsEpoch: session.commitmentsEpoch,
      coordinator: session.coordinator,
      eligible: eligible.map((entry) => entry.moduleId),
      threshold: session.threshold,
      expiresAt: session.expiresAt,
    });
    return result(session);
  }

  /**
   * A module's response to an open session, by the module's owner. Input `{sessionId, moduleId, responseDigest}`
   * (a digest of the share / signature share sent off-ledger to the coordinator). The module must be in the
   * eligible set and still trusted now; one response per module. Responses live under per-module keys; the count is
   * read from the session's response range, so concurrent responders are serialised by Fabric's phantom-read check
   * (and retried by the gateway) and the count is exact. Event `SessionResponseRecorded`.
   */
  @Transaction()
  @Returns('string')
  async RecordResponse(ctx: KeyLedgerContext, responseJson: string): Promise<string> {
    await requireRole(ctx, 'module');
    const input = parseJsonArg(responseSchema, responseJson, 'response');
    const session = await readSession(ctx, input.sessionId);
    const module = await readModule(ctx, input.moduleId);
    requireOwner(ctx, module);
    const now = ctx.now;
    if (session.status !== 'open') {
      throw new ConflictError(`session ${session.sessionId} is closed`);
    }
    if (now > session.expiresAt) {
      throw new ConflictError(`session ${session.sessionId} expired at ${isoTime(session.expiresAt)}`);
    }
    const score = scoreOf(module, now);
    const inEligibleSet = session.eligible.some((entry) => entry.moduleId === module.moduleId);
    if (!inEligibleSet || module.status !== 'active' || score < session.minTrust) {
      const why = !inEligibleSet
        ? 'not in the eligible set'
        : module.status !== 'active'
          ? `status ${module.status}`
          : `score ${score} < minTrust ${session.minTrust}`;
      throw new ForbiddenError(`module ${module.moduleId} is not trusted for this session (${why})`);
    }
    if (await exists(ctx, responseKey(ctx, session.sessionId, module.moduleId))) {
      throw new ConflictError(`module ${module.moduleId} already responded in session ${session.sessionId}`);
    }
    const previous = await listResponses(ctx, session.sessionId);
    const response: SessionResponse = {
      sessionId: session.sessionId,
      moduleId: module.moduleId,
      responseDigest: input.responseDigest,
      recordedAt: now,
      recordedBy: memberRef(ctx.caller),
      txId: ctx.txId,
    };
    await writeJson(ctx, responseKey(ctx, session.sessionId, module.moduleId), response);
    const count = previous.length + 1;
    emitEvent(ctx, 'SessionResponseRecorded', {
      sessionId: session.sessionId,
      moduleId: module.moduleId,
      responseDigest: input.responseDigest,
      count,
      threshold: session.threshold,
    });
    return result({
      ...response,
      count,
      threshold: session.threshold,
      thresholdReached: count >= session.threshold,
    });
  }

  /**
   * Closes a session (the coordinator module's owner, orchestrator, admin). Input `{sessionId, outcome, cheaters,
   * reason, responses?, late?}`.
   * - `responses: [{moduleId, responseDigest, signature}]`: responses the coordinator collected off-ledger, each
   *   signed by its module's registered key over `sessionResponseMessage(sessionId, moduleId, responseDigest)`;
   *   each must be from the eligible set, and is recorded as if by `RecordResponse` unless the module already
   *   recorded one — so a session opens and closes in two transactions, not t + 2. A bad signature is INVALID
   *   naming the module.
   * - `late`: eligible modules that did not answer in time (not responders); each gets an anomaly (kind `late`,
   *   severity 2) as `ReportAnomaly` records it.
   * Cheaters must be responders; each gets a cheater report (−400 score, never forgiven). Every responder gets
   * participation recorded: failed for cheaters, ok otherwise. `success` needs at least t honest responses;
   * `failure` may have any number. Event `SessionClosed`.
   */
  @Transaction()
  @Returns('string')
  async CloseSession(ctx: KeyLedgerContext, closeJson: string): Promise<string> {
    await requireRole(ctx, 'orchestrator', 'admin', 'module');
    const input = parseJsonArg(closeSessionSchema, closeJson, 'session close');
    const session = await readSession(ctx, input.sessionId);
    if (
      !sameIdentity(session.coordinatorOwner, ctx.caller) &&
      !(await hasAnyRole(ctx, ['orchestrator', 'admin']))
    ) {
      throw new ForbiddenError(
        `only the owner of coordinator ${session.coordinator}, an orchestrator or an admin may close session ${session.sessionId}`,
      );
    }
    if (session.status !== 'open') {
      throw new ConflictError(
        `session ${session.sessionId} is already closed (${session.outcome ?? 'unknown'})`,
      );
    }
    const now = ctx.now;
    const recorded = (await listResponses(ctx, session.sessionId)).map((response) => response.moduleId);
    const relayed = await this._relayedResponses(ctx, session, input.responses ?? [], recorded, now);
    const responders = [...recorded, ...relayed.map((response) => response.moduleId)].sort();
    const outsiders = input.cheaters.filter((moduleId) => !responders.includes(moduleId));
    if (outsiders.length > 0) {
      throw new ConflictError(
        `cheaters must be participants of session ${session.sessionId}; ${outsiders.join(', ')} did not respond`,
      );
    }
    const late = [...(input.late ?? [])].sort();
    const badLate = late.filter(
      (moduleId) => responders.includes(moduleId) || !session.eligible.some((e) => e.moduleId === moduleId),
    );
    if (badLate.length > 0) {
      throw new ConflictError(
        `late modules must be eligible non-responders of session ${session.sessionId}; not so: ${badLate.join(', ')}`,
      );
    }
    const cheaters = new Set(input.cheaters);
    const honest = responders.filter((moduleId) => !cheaters.has(moduleId)).length;
    if (input.outcome === 'success' && honest < session.threshold) {
      throw new ConflictError(
        `session ${session.sessionId} has ${honest} honest response(s); success needs threshold t = ${session.threshold}`,
      );
    }
    for (const response of relayed) {
      await writeJson(ctx, responseKey(ctx, session.sessionId, response.moduleId), response);
    }
    const participants: { moduleId: string; ok: boolean; cheater: boolean; score: number }[] = [];
    for (const moduleId of responders) {
      participants.push(
        await this._settleParticipant(
          ctx,
          session.sessionId,
          moduleId,
          cheaters.has(moduleId),
          input.reason,
          now,
        ),
      );
    }
    const lateModules: { moduleId: string; score: number }[] = [];
    for (const moduleId of late) {
      const next = await recordAnomaly(
        ctx,
        await readModule(ctx, moduleId),
        { kind: 'late', severity: 2, sessionId: session.sessionId },
        now,
      );
      lateModules.push({ moduleId, score: scoreOf(next, now) });
    }
    const closed: ThresholdSession = {
      ...session,
      status: 'closed',
      outcome: input.outcome,
      cheaters: [...cheaters].sort(),
      responders,
      late: input.late === undefined ? undefined : late,
      reason: input.reason,
      closedAt: now,
      closedBy: memberRef(ctx.caller),
    };
    await writeJson(ctx, sessionKey(ctx, session.sessionId), closed);
    emitEvent(ctx, 'SessionClosed', {
      sessionId: session.sessionId,
      keyId: session.keyId,
      outcome: input.outcome,
      cheaters: closed.cheaters,
      responders,
      late: closed.late,
      closedAt: now,
    });
    return result({
      session: closed,
      participants,
      ...(input.late === undefined ? {} : { late: lateModules }),
    });
  }

  /**
   * Closes a session nobody closed in time (orchestrator, admin, or any module: whoever notices first). Only an
   * open session past `expiresAt`; before that → CONFLICT. Outcome `expired`; the coordinator, whose job closing
   * was, gets an anomaly (kind `coordinator-timeout`, severity 3). Responders get no participation: nothing was
   * completed. Event `SessionClosed` with outcome `expired`.
   */
  @Transaction()
  @Returns('string')
  async ExpireSession(ctx: KeyLedgerContext, sessionId: string): Promise<string> {
    await requireRole(ctx, 'orchestrator', 'admin', 'module');
    const session = await readSession(ctx, parseId(sessionId, 'sessionId'));
    if (session.status !== 'open') {
      throw new ConflictError(
        `session ${session.sessionId} is already closed (${session.outcome ?? 'unknown'})`,
      );
    }
    const now = ctx.now;
    if (now <= session.expiresAt) {
      throw new ConflictError(
        `session ${session.sessionId} is open until ${isoTime(session.expiresAt)}; it cannot expire before`,
      );
    }
    const responders = (await listResponses(ctx, session.sessionId)).map((response) => response.moduleId);
    const penalised = await recordAnomaly(
      ctx,
      await readModule(ctx, session.coordinator),
      { kind: 'coordinator-timeout', severity: 3, sessionId: session.sessionId },
      now,
    );
    const coordinator: SecurityModule = { ...penalised, coordinatorTimeoutAt: now };
    await writeJson(ctx, moduleKey(ctx, coordinator.moduleId), coordinator);
    const closed: ThresholdSession = {
      ...session,
      status: 'closed',
      outcome: 'expired',
      cheaters: [],
      responders,
      reason: `expired at ${isoTime(session.expiresAt)} without a close by coordinator ${session.coordinator}`,
      closedAt: now,
      closedBy: memberRef(ctx.caller),
    };
    await writeJson(ctx, sessionKey(ctx, session.sessionId), closed);
    emitEvent(ctx, 'SessionClosed', {
      sessionId: session.sessionId,
      keyId: session.keyId,
      outcome: 'expired',
      cheaters: [],
      responders,
      coordinator: session.coordinator,
      closedAt: now,
    });
    return result({
      session: closed,
      coordinator: { moduleId: coordinator.moduleId, score: scoreOf(coordinator, now) },
    });
  }

  /** The session, whether it has expired, and its responses. */
  @Transaction(false)
  @Returns('string')
  async GetSession(ctx: KeyLedgerContext, sessionId: string): Promise<string> {
    await requireAnyRole(ctx);
    const session = await readSession(ctx, parseId(sessionId, 'sessionId'));
    const responses = await listResponses(ctx, session.sessionId);
    const expired = session.status === 'open' && ctx.now > session.expiresAt;
    return result({ ...session, expired, responses });
  }

  // ---------------------------------------------------------------- helpers

  /** The idempotent re-registration: only what is given of endpoint / TLS certificate changes; nothing new, no write. */
  async _updateModule(
    ctx: KeyLedgerContext,
    module: SecurityModule,
    endpoint: string | undefined,
    tls: ParsedTlsCertificate | undefined,
    now: number,
  ): Promise<string> {
    const changes: Partial<SecurityModule> = {
      ...(endpoint !== undefined && endpoint !== module.endpoint ? { endpoint } : {}),
      ...(tls !== undefined && tls.digest !== module.tlsCertificateDigest
        ? { tlsCertificatePem: tls.pem, tlsCertificateDigest: tls.digest }
        : {}),
    };
    if (Object.keys(changes).length === 0) {
      return result(moduleView(module, now));
    }
    const next = nextVersion(module, changes, now);
    await writeJson(ctx, moduleKey(ctx, module.moduleId), next);
    emitEvent(ctx, 'ModuleUpdated', {
      moduleId: next.moduleId,
      endpoint: next.endpoint,
      tlsCertificateDigest: next.tlsCertificateDigest,
      version: next.version,
      updatedAt: now,
    });
    return result(moduleView(next, now));
  }

  /**
   * The software fields of a `keyledger-software-attestation/v1` statement, or undefined for the original form.
   * With `format` the four fields are required and the nonce must be the module's pending ledger nonce, issued at
   * most 10 minutes before this transaction; it is consumed by the caller.
   */
  async _softwareStatement(
    ctx: KeyLedgerContext,
    module: SecurityModule,
    statement: AttestationStatement,
    now: number,
  ): Promise<SoftwareAttestation | undefined> {
    if (statement.format === undefined) {
      return undefined;
    }
    const { format, codeDigest, configDigest, tokenSerial, tokenLabel } = statement;
    const missing = (['codeDigest', 'configDigest', 'tokenSerial', 'tokenLabel'] as const).filter(
      (field) => statement[field] === undefined,
    );
    if (
      missing.length > 0 ||
      codeDigest === undefined ||
      configDigest === undefined ||
      tokenSerial === undefined ||
      tokenLabel === undefined
    ) {
      throw new ValidationError(
        `invalid attestation: statement.${missing.join(', statement.')} required with format ${format}`,
      );
    }
    const pending = await readPendingNonce(ctx, module.moduleId);
    if (pending === undefined || pending.nonce !== statement.nonce) {
      throw new ConflictError(
        `attestation nonce is not the pending ledger nonce of module ${module.moduleId}; call IssueAttestationNonce first`,
      );
    }
    if (now - pending.issuedAt > ATTESTATION_SKEW_MS) {
      throw new ConflictError(
        `the ledger nonce of module ${module.moduleId} was issued at ${isoTime(pending.issuedAt)} and expired after ${ATTESTATION_SKEW_MS} ms; issue a new one`,
      );
    }
    return { format, codeDigest, configDigest, tokenSerial, tokenLabel };
  }

  /**
   * The relayed responses of a close, as records to write: each from the eligible set, signed by the module over
   * `sessionResponseMessage`. Those already recorded by `RecordResponse` are skipped (the module's own record
   * stands).
   */
  async _relayedResponses(
    ctx: KeyLedgerContext,
    session: ThresholdSession,
    responses: readonly { moduleId: string; responseDigest: string; signature: string }[],
    recorded: readonly string[],
    now: number,
  ): Promise<SessionResponse[]> {
    const out: SessionResponse[] = [];
    for (const relayed of responses) {
      if (!session.eligible.some((entry) => entry.moduleId === relayed.moduleId)) {
        throw new ConflictError(
          `module ${relayed.moduleId} is not in the eligible set of session ${session.sessionId}`,
        );
      }
      const module = await readModule(ctx, relayed.moduleId);
      const message = Buffer.from(
        sessionResponseMessage(session.sessionId, relayed.moduleId, relayed.responseDigest),
        'utf8',
      );
      const signature = Buffer.from(relayed.signature, 'base64');
      if (!verifyModuleSignature(module.keyType, module.publicKeyPem, message, signature)) {
        throw new ValidationError(
          `invalid session close: the response signature of module ${module.moduleId} does not verify with its registered key`,
        );
      }
      if (recorded.includes(relayed.moduleId)) {
        continue;
      }
      out.push({
        sessionId: session.sessionId,
        moduleId: relayed.moduleId,
        responseDigest: relayed.responseDigest,
        signature: relayed.signature,
        recordedAt: now,
        recordedBy: memberRef(ctx.caller),
        txId: ctx.txId,
      });
    }
    return out;
  }

  /** Modules that may hold a share of this epoch: those at its named indices, or every registered module. */
  async _candidates(ctx: KeyLedgerContext, commitments: CommitmentSet): Promise<SecurityModule[]> {
    if (commitments.shareIndices === undefined) {
      return listModules(ctx);
    }
    const found: SecurityModule[] = [];
    for (const index of commitments.shareIndices) {
      const module = await readModuleByShareIndex(ctx, index);
      if (module !== undefined) {
        found.push(module);
      }
    }
    return found;
  }

  /** Admins may name any registered dealer; a module owner must name a trusted module it owns. */
  async _checkDealer(
    ctx: KeyLedgerContext,
    dealer: string | undefined,
    policy: ThresholdPolicy,
    now: number,
  ): Promise<void> {
    const admin = await hasRole(ctx, 'admin');
    if (dealer === undefined) {
      if (!admin) {
        throw new ForbiddenError(
          'a module owner may publish commitments only as the dealer of a module it owns',
        );
      }
      return;
    }
    const module = await readModule(ctx, dealer);
    if (admin) {
      return;
    }
    requireOwner(ctx, module);
    const score = scoreOf(module, now);
    if (module.status !== 'active' || score < policy.minTrust) {
      throw new ForbiddenError(
        `dealer module ${dealer} is not trusted for key ${policy.keyId} (score ${score})`,
      );
    }
  }

  /** Participation (and a cheater report) for one responder of a closing session. */
  async _settleParticipant(
    ctx: KeyLedgerContext,
    sessionId: string,
    moduleId: string,
    cheater: boolean,
    reason: string,
    now: number,
  ): Promise<{ moduleId: string; ok: boolean; cheater: boolean; score: number }> {
    const module = await readModule(ctx, moduleId);
    const marker = participationKey(ctx, moduleId, sessionId);
    const alreadyCounted = await exists(ctx, marker);
    const ok = !cheater;
    let trust = alreadyCounted ? module.trust : withParticipation(module.trust, ok);
    if (cheater) {
      trust = { ...trust, cheaterReports: trust.cheaterReports + 1 };
    }
    const next = nextVersion(module, { trust }, now);
    if (!alreadyCounted) {
      await writeJson(ctx, marker, { at: now, ok, txId: ctx.txId });
    }
    await writeTrustEvent(ctx, {
      moduleId,
      kind: cheater ? 'cheater' : 'participation',
      at: now,
      txId: ctx.txId,
      reportedBy: memberRef(ctx.caller),
      sessionId,
      ok,
      reason: cheater ? reason : undefined,
    });
    await writeJson(ctx, moduleKey(ctx, moduleId), next);
    return { moduleId, ok, cheater, score: trustScore(next.trust, next.status, now) };
  }
}

function requireOwner(ctx: KeyLedgerContext, module: SecurityModule): void {
  if (!sameIdentity(module.owner, ctx.caller)) {
    throw new ForbiddenError(`caller is not the owner of module ${module.moduleId}`);
  }
}

/** Whether the module meets the policy's attestation freshness, if the policy sets one. */
function attestedWithin(module: SecurityModule, policy: ThresholdPolicy, now: number): boolean {
  if (policy.attestationMaxAgeSeconds === undefined) {
    return true;
  }
  const at = module.trust.lastAttestedAt;
  return at !== undefined && now - at <= policy.attestationMaxAgeSeconds * 1000;
}

/** Expected holders and their acknowledgements, both sorted; acks of modules no longer expected are ignored. */
function acknowledgementSummary(
  keyId: string,
  epoch: number,
  holders: readonly SecurityModule[],
  acks: readonly ShareAcknowledgement[],
): ShareAcknowledgements {
  const expected = holders.map((holder) => holder.moduleId).sort();
  const acked = new Set(acks.map((ack) => ack.moduleId));
  const acknowledged = expected.filter((moduleId) => acked.has(moduleId));
  return { keyId, epoch, expected, acknowledged, complete: acknowledged.length === expected.length };
}

/**
 * Checks the optional verification shares Y_i = g^{s_i}: only with named shareIndices, keyed by exactly those
 * indices (decimal), each a valid point of the commitment curve. Returned with keys in share-index order.
 */
function checkVerifyingShares(
  curve: CommitmentCurve,
  shares: Record<string, string> | undefined,
  shareIndices: number[] | undefined,
): Record<string, string> | undefined {
  if (shares === undefined) {
    return undefined;
  }
  if (shareIndices === undefined) {
    throw new ValidationError('invalid commitments: verifyingShares needs shareIndices');
  }
  const expected = shareIndices.map(String);
  const keys = Object.keys(shares);
  if (keys.length !== expected.length || !expected.every((index) => Object.hasOwn(shares, index))) {
    throw new ValidationError(
      `invalid commitments: verifyingShares must have exactly the shareIndices as keys (${expected.join(', ')}), got ${keys.join(', ')}`,
    );
  }
  const ordered: Record<string, string> = {};
  for (const index of expected) {
    const point = shares[index] ?? '';
    const problem = commitmentPointProblem(curve, point);
    if (problem !== undefined) {
      throw new ValidationError(`invalid commitments: verifyingShares.${index} ${problem}`);
    }
    ordered[index] = point;
  }
  return ordered;
}

/**
 * A refresh deals new shares of the same secret: it must follow the latest epoch directly and keep the group
 * public key (commitments[0] = g^{secret}), the curve, t and the share indices — otherwise it is a new key.
 */
function checkRefresh(
  keyId: string,
  refreshOf: number,
  latest: CommitmentSet | undefined,
  next: Pick<CommitmentSet, 'curve' | 't' | 'commitments' | 'shareIndices'>,
): void {
  if (latest === undefined) {
    throw new ConflictError(`key ${keyId} has no epoch to refresh; its first epoch cannot name refreshOf`);
  }
  if (refreshOf !== latest.epoch) {
    throw new ConflictError(
      `refreshOf must be the latest epoch of key ${keyId} (${latest.epoch}), got ${refreshOf}`,
    );
  }
  const sameIndices = canonicalJson(latest.shareIndices ?? null) === canonicalJson(next.shareIndices ?? null);
  const differs = [
    latest.curve !== next.curve ? 'curve' : undefined,
    latest.commitments[0] !== next.commitments[0] ? 'commitments[0] (the group public key)' : undefined,
    latest.t !== next.t ? 't' : undefined,
    sameIndices ? undefined : 'shareIndices',
  ].filter((field): field is string => field !== undefined);
  if (differs.length > 0) {
    throw new ConflictError(
      `a refresh of key ${keyId} epoch ${latest.epoch} must keep its ${differs.join(', ')}`,
    );
  }
}

/** The attested software fields, as stored in the trust event and emitted. */
interface SoftwareAttestation {
  readonly format: AttestationFormat;
  readonly codeDigest: string;
  readonly configDigest: string;
  readonly tokenSerial: string;
  readonly tokenLabel: string;
}

/**
 * Which watched fields differ from the previous attestation (none on the first one). A new code build or a
 * different token is reported, not punished: quarantine stays the module's or an auditor's explicit act.
 */
function attestedChanges(previous: TrustCounters, next: SoftwareAttestation): AttestedField[] {
  const changed: AttestedField[] = [];
  if (previous.lastCodeDigest !== undefined && previous.lastCodeDigest !== next.codeDigest) {
    changed.push('codeDigest');
  }
  if (previous.lastTokenSerial !== undefined && previous.lastTokenSerial !== next.tokenSerial) {
    changed.push('tokenSerial');
  }
  return changed;
}

function withParticipation(trust: TrustCounters, ok: boolean): TrustCounters {
  return ok
    ? { ...trust, participationOk: trust.participationOk + 1 }
    : { ...trust, participationFailed: trust.participationFailed + 1 };
}
