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
  ConflictError,
  ForbiddenError,
  memberRef,
  sameIdentity,
  sha256Hex,
  ValidationError,
  type Role,
} from '../../protocol';
import { chooseCoordinator, orderEligible } from './coordinator';
import { parseModuleKey, verifyModuleSignature } from './moduleKey';
import { commitmentPointProblem } from './points';
import {
  anomalySchema,
  attestationSchema,
  closeSessionSchema,
  commitmentsSchema,
  openSessionSchema,
  participationSchema,
  registerModuleSchema,
  responseSchema,
  tamperSchema,
  thresholdPolicySchema,
} from './schemas';
import { emptyCounters, trustScore, withAnomaly } from './score';
import {
  breakdownOf,
  commitmentsKey,
  evidenceKey,
  listModules,
  listResponses,
  moduleKey,
  moduleKeyDigestKey,
  moduleView,
  nonceKey,
  participationKey,
  policyKey,
  readCommitments,
  readLatestCommitments,
  readModule,
  readModuleByShareIndex,
  readPolicy,
  readSession,
  responseKey,
  scoreOf,
  sessionKey,
  shareIndexKey,
  writeTrustEvent,
} from './store';
import type {
  CommitmentSet,
  SecurityModule,
  SessionResponse,
  ThresholdPolicy,
  ThresholdSession,
  TrustCounters,
} from '../../protocol/threshold';

/** An attestation statement must be issued within this distance of the transaction time. */
export const ATTESTATION_SKEW_MS = 10 * 60_000;
/** A session accepts responses for this long after it opens. */
export const SESSION_TTL_MS = 10 * 60_000;

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
   * Registers a security module (admin). Input: `{moduleId, publicKeyPem, shareIndex, owner:{mspId, fingerprint},
   * endpoint?}`. moduleId, shareIndex and the public key are each unique. Event `ModuleRegistered`.
   */
  @Transaction()
  @Returns('string')
  async RegisterModule(ctx: KeyLedgerContext, moduleJson: string): Promise<string> {
    await requireRole(ctx, 'admin');
    const input = parseJsonArg(registerModuleSchema, moduleJson, 'module');
    const key = parseModuleKey(input.publicKeyPem);
    if (await exists(ctx, moduleKey(ctx, input.moduleId))) {
      throw new ConflictError(`module ${input.moduleId} is already registered`);
    }
    const holder = await readJson<{ moduleId: string }>(ctx, shareIndexKey(ctx, input.shareIndex));
    if (holder !== undefined) {
      throw new ConflictError(`share index ${input.shareIndex} is already held by module ${holder.moduleId}`);
    }
    const sameKey = await readJson<{ moduleId: string }>(ctx, moduleKeyDigestKey(ctx, key.digest));
    if (sameKey !== undefined) {
      throw new ConflictError(`this public key is already registered for module ${sameKey.moduleId}`);
    }
    const now = ctx.now;
    const module: SecurityModule = {
      moduleId: input.moduleId,
      publicKeyPem: key.pem,
      keyType: key.keyType,
      publicKeyDigest: key.digest,
      shareIndex: input.shareIndex,
      owner: input.owner,
      endpoint: input.endpoint,
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
   * Ed25519). issuedAt must be within ±10 min of the tx time and the nonce new for the module. Event
   * `AttestationSubmitted`.
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
    const trust: TrustCounters = {
      ...module.trust,
      attestations: module.trust.attestations + 1,
      lastAttestedAt: now,
      lastFirmwareDigest: input.statement.firmwareDigest,
    };
    const next = nextVersion(module, { trust }, now);
    await writeJson(ctx, nonce, { at: now, txId: ctx.txId });
    await writeTrustEvent(ctx, {
      moduleId: module.moduleId,
      kind: 'attestation',
      at: now,
      txId: ctx.txId,
      reportedBy: memberRef(ctx.caller),
      firmwareDigest: input.statement.firmwareDigest,
      issuedAt: input.statement.issuedAt,
      nonceDigest: sha256Hex(input.statement.nonce),
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
      attestedAt: now,
      attestations: trust.attestations,
      score,
    });
    return result({
      moduleId: module.moduleId,
      attestations: trust.attestations,
      lastAttestedAt: now,
      firmwareChanged,
      score,
    });
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
    const marker =
      input.evidenceDigest === undefined
        ? undefined
        : evidenceKey(ctx, module.moduleId, input.evidenceDigest);
    if (marker !== undefined && (await exists(ctx, marker))) {
      throw new ConflictError(`this evidence was already reported for module ${module.moduleId}`);
    }
    const now = ctx.now;
    const trust: TrustCounters = {
      ...module.trust,
      anomalies: module.trust.anomalies + 1,
      recentAnomalies: withAnomaly(module.trust.recentAnomalies, { at: now, severity: input.severity }, now),
    };
    const next = nextVersion(module, { trust }, now);
    if (marker !== undefined) {
      await writeJson(ctx, marker, { at: now, txId: ctx.txId, kind: 'anomaly' });
    }
    await writeTrustEvent(ctx, {
      moduleId: module.moduleId,
      kind: 'anomaly',
      at: now,
      txId: ctx.txId,
      reportedBy: memberRef(ctx.caller),
      anomalyKind: input.kind,
      severity: input.severity,
      evidenceDigest: input.evidenceDigest,
    });
    await writeJson(ctx, moduleKey(ctx, module.moduleId), next);
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

  /** Creates or replaces a key's threshold policy (admin). Input `{keyId, t, n, minTrust}`, 2 ≤ t ≤ n ≤ 255. Event `ThresholdPolicySet`. */
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
   * it owns). Input `{keyId, epoch, curve, commitments, shareIndices?, dealer?}`: exactly t valid points of the
   * curve (ed25519: 32 bytes; secp256k1/p256: 33-byte compressed), `shareIndices` (n distinct indices) when the
   * dealer names who holds shares. Each epoch is immutable and epochs strictly increase. Event `CommitmentsPublished`.
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
    const set: CommitmentSet = {
      keyId: input.keyId,
      epoch: input.epoch,
      curve: input.curve,
      t: policy.t,
      n: policy.n,
      commitments: input.commitments,
      commitmentsDigest: sha256Hex(canonicalBytes(input.commitments)),
      shareIndices:
        input.shareIndices === undefined ? undefined : [...input.shareIndices].sort((a, b) => a - b),
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

  // ---------------------------------------------------------------- sessions

  /**
   * Opens a reconstruction or signing session (orchestrator, admin). Input `{sessionId, keyId, kind,
   * messageDigest? (required for sign), purpose}`. Eligible: registered modules (holding a share of the latest
   * epoch when it names its indices), not quarantined, with score ≥ policy.minTrust; fewer than t → CONFLICT.
   * The coordinator is `chooseCoordinator(eligible, txId, sessionId)`. Responses are accepted for 10 minutes.
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
        .filter((module) => module.status === 'active')
        .map((module) => ({ module, moduleId: module.moduleId, score: scoreOf(module, now) }))
        .filter((entry) => entry.score >= policy.minTrust),
    );
    if (ranked.length < policy.t) {
      throw new ConflictError(
        `only ${ranked.length} module(s) of key ${input.keyId} have a trust score ≥ ${policy.minTrust}; threshold t = ${policy.t} needs ${policy.t}`,
      );
    }
    const coordinator = chooseCoordinator(ranked, ctx.txId, input.sessionId);
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
      expiresAt: now + SESSION_TTL_MS,
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
   * reason}`. Cheaters must be responders; each gets a cheater report (−400 score, never forgiven). Every responder
   * gets participation recorded: failed for cheaters, ok otherwise. `success` needs at least t honest responses.
   * Event `SessionClosed`.
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
    const responders = (await listResponses(ctx, session.sessionId)).map((response) => response.moduleId);
    const outsiders = input.cheaters.filter((moduleId) => !responders.includes(moduleId));
    if (outsiders.length > 0) {
      throw new ConflictError(
        `cheaters must be participants of session ${session.sessionId}; ${outsiders.join(', ')} did not respond`,
      );
    }
    const cheaters = new Set(input.cheaters);
    const honest = responders.filter((moduleId) => !cheaters.has(moduleId)).length;
    if (input.outcome === 'success' && honest < session.threshold) {
      throw new ConflictError(
        `session ${session.sessionId} has ${honest} honest response(s); success needs threshold t = ${session.threshold}`,
      );
    }
    const now = ctx.now;
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
    const closed: ThresholdSession = {
      ...session,
      status: 'closed',
      outcome: input.outcome,
      cheaters: [...cheaters].sort(),
      responders,
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
      closedAt: now,
    });
    return result({ session: closed, participants });
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

function withParticipation(trust: TrustCounters, ok: boolean): TrustCounters {
  return ok
    ? { ...trust, participationOk: trust.participationOk + 1 }
    : { ...trust, participationFailed: trust.participationFailed + 1 };
}
