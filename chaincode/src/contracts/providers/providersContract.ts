import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  emitEvent,
  hasRole,
  KeyLedgerContext,
  KeyLedgerContract,
  nextVersion,
  parseId,
  parseIntArg,
  parseJsonArg,
  readJson,
  reasonSchema,
  result,
  requireAnyRole,
  requireRole,
  validate,
  writeJson,
} from '../../lib';
import {
  ConflictError,
  ForbiddenError,
  identityRef,
  NotFoundError,
  sameIdentity,
  ValidationError,
} from '../../protocol';
import { batchKey, providerKey, reputationKey, statsKey } from './keys';
import { authorizeKeyUse, grantKeyUse, revokeKeyGrant } from './keyGrants';
import { createKey, disableKey, enableKey, getKey, listKeys, requireKeysExist } from './keyRegistry';
import { parseProviderKey } from './keyMaterial';
import { listScored } from './listing';
import {
  listFilterSchema,
  MAX_OUTCOME_SKEW_MS,
  outcomeBatchSchema,
  registerProviderSchema,
  type OutcomeInput,
  updateProviderSchema,
} from './schemas';
import { computeScore, WEIGHTS } from './score';
import { applyOutcomes, callsOf, emptyStats } from './stats';
import { readProvider, readStats, recentEntries, syncIndexes } from './store';
import type {
  OutcomeBatch,
  ProviderProfile,
  ProviderStats,
  ReputationRecord,
} from '../../protocol/providers';

export const DEFAULT_RECENT_ENTRIES = 10;
export const MAX_RECENT_ENTRIES = 100;

/**
 * KeyProviders — capability B: the registry of key providers and their reputation.
 *
 * A provider publishes a profile (endpoint, certificate or public key, algorithms, key ids it serves, region,
 * audit links). The key orchestrator reports call outcomes in idempotent batches; each outcome becomes a
 * reputation entry and updates the provider's aggregate counters in the same transaction, so the deterministic
 * score (see `score.ts`) is computed from one small record. Index keys per key id and per algorithm make
 * "providers for this key / algorithm, best first" a range read. Suspended providers are left out of listings
 * unless asked for.
 *
 * The same contract keeps the key registry (`keyRegistry.ts`, `keyGrants.ts`): customer master keys, their
 * status and who may use them for which operation, like AWS KMS key grants. A provider profile names only
 * registered keys, so ListProviders' keyId filter gives the orchestrator the candidates for a key, and
 * AuthorizeKeyUse lets the ledger, not the gateway, decide whether a caller may use it.
 */
@Info({
  title: 'KeyProviders',
  description:
    'Key-provider registry, reputation entries, deterministic scores, and the key registry with grants',
})
export class ProvidersContract extends KeyLedgerContract {
  constructor() {
    super('KeyProviders');
  }

  /**
   * Registers a provider. Admin, or an identity with role 'provider' (it becomes the owner).
   * Arg: JSON {providerId, endpoint, certificatePem? | publicKeyPem?, algorithms[], keyIds[], region, auditLinks[]}.
   * Every key id must name a key made with CreateKey (NOT_FOUND otherwise).
   */
  @Transaction()
  @Returns('string')
  async RegisterProvider(ctx: KeyLedgerContext, profileJson: string): Promise<string> {
    await requireRole(ctx, 'admin', 'provider');
    const input = parseJsonArg(registerProviderSchema, profileJson, 'provider');
    const keyMaterial = parseProviderKey(input, ctx.now);
    const key = providerKey(ctx, input.providerId);
    if (await readJson<ProviderProfile>(ctx, key)) {
      throw new ConflictError(`provider ${input.providerId} already exists`);
    }
    await requireKeysExist(ctx, input.providerId, input.keyIds);
    const profile: ProviderProfile = {
      providerId: input.providerId,
      endpoint: input.endpoint,
      ...keyMaterial,
      algorithms: input.algorithms,
      keyIds: input.keyIds,
      region: input.region,
      auditLinks: input.auditLinks,
      status: 'active',
      owner: identityRef(ctx.caller),
      registeredAt: ctx.now,
      updatedAt: ctx.now,
      version: 1,
    };
    await writeJson(ctx, key, profile);
    await syncIndexes(ctx, undefined, profile);
    emitEvent(ctx, 'ProviderRegistered', {
      providerId: profile.providerId,
      owner: profile.owner,
      endpoint: profile.endpoint,
      region: profile.region,
      publicKeyFingerprint: profile.publicKeyFingerprint,
      status: profile.status,
      version: profile.version,
    });
    return result(profile);
  }

  /**
   * Changes profile fields (those given replace the stored ones). Owner or admin.
   * Arg: JSON {providerId, expectedVersion?, endpoint?, certificatePem? | publicKeyPem?, algorithms?, keyIds?,
   * region?, auditLinks?}. Key ids added must name keys made with CreateKey: a provider names a key when it holds
   * a replica of it.
   */
  @Transaction()
  @Returns('string')
  async UpdateProvider(ctx: KeyLedgerContext, profileJson: string): Promise<string> {
    await requireRole(ctx, 'admin', 'provider');
    const input = parseJsonArg(updateProviderSchema, profileJson, 'provider update');
    const keyChanged = input.certificatePem !== undefined || input.publicKeyPem !== undefined;
    const keyMaterial = keyChanged ? parseProviderKey(input, ctx.now) : undefined;
    const previous = await readProvider(ctx, input.providerId);
    if (!sameIdentity(previous.owner, ctx.caller) && !(await hasRole(ctx, 'admin'))) {
      throw new ForbiddenError(`only the owner of provider ${input.providerId} or an admin may update it`);
    }
    if (input.expectedVersion !== undefined && input.expectedVersion !== previous.version) {
      throw new ConflictError(
        `provider ${input.providerId} is at version ${previous.version}, not ${input.expectedVersion}`,
      );
    }
    await requireKeysExist(ctx, input.providerId, input.keyIds ?? [], previous.keyIds);
    const base: ProviderProfile = keyMaterial
      ? { ...previous, certificatePem: undefined, certificateFingerprint: undefined, ...keyMaterial }
      : previous;
    const next = nextVersion(
      base,
      {
        endpoint: input.endpoint ?? previous.endpoint,
        algorithms: input.algorithms ?? previous.algorithms,
        keyIds: input.keyIds ?? previous.keyIds,
        region: input.region ?? previous.region,
        auditLinks: input.auditLinks ?? previous.auditLinks,
      },
      ctx.now,
    );
    const changed = (['endpoint', 'algorithms', 'keyIds', 'region', 'auditLinks'] as const).filter(
      (field) => input[field] !== undefined,
    );
    await writeJson(ctx, providerKey(ctx, next.providerId), next);
    await syncIndexes(ctx, previous, next);
    emitEvent(ctx, 'ProviderUpdated', {
      providerId: next.providerId,
      changed: keyChanged ? [...changed, 'publicKey'] : changed,
      publicKeyFingerprint: next.publicKeyFingerprint,
      version: next.version,
    });
    return result(next);
  }

  /** Takes a provider out of listings (its outcomes are still recorded). Admin. */
  @Transaction()
  @Returns('string')
  async SuspendProvider(ctx: KeyLedgerContext, providerId: string, reason: string): Promise<string> {
    await requireRole(ctx, 'admin');
    const id = parseId(providerId, 'providerId');
    const why = validate(reasonSchema, reason, 'reason');
    const previous = await readProvider(ctx, id);
    if (previous.status === 'suspended') {
      throw new ConflictError(`provider ${id} is already suspended`);
    }
    const next = nextVersion(
      previous,
      { status: 'suspended', suspendedAt: ctx.now, suspendedReason: why },
      ctx.now,
    );
    await writeJson(ctx, providerKey(ctx, id), next);
    emitEvent(ctx, 'ProviderSuspended', {
      providerId: id,
      reason: why,
      suspendedAt: ctx.now,
      version: next.version,
    });
    return result(next);
  }

  /** Puts a suspended provider back into listings. Admin. */
  @Transaction()
  @Returns('string')
  async ResumeProvider(ctx: KeyLedgerContext, providerId: string): Promise<string> {
    await requireRole(ctx, 'admin');
    const id = parseId(providerId, 'providerId');
    const previous = await readProvider(ctx, id);
    if (previous.status !== 'suspended') {
      throw new ConflictError(`provider ${id} is not suspended`);
    }
    const next = nextVersion(
      previous,
      { status: 'active', suspendedAt: undefined, suspendedReason: undefined },
      ctx.now,
    );
    await writeJson(ctx, providerKey(ctx, id), next);
    emitEvent(ctx, 'ProviderResumed', { providerId: id, resumedAt: ctx.now, version: next.version });
    return result(next);
  }

  /**
   * Records a batch of call outcomes reported by the orchestrator (role 'orchestrator'). Idempotent by batchId:
   * a batch id seen before is refused, so a retry can never count twice.
   * Arg: JSON {batchId, outcomes} with 1..500 entries, each a single outcome {providerId, success, latencyMs, at}
   * or a tally of many calls to one provider in one reputation window {providerId, from, to, successes, failures,
   * successLatencyMs, failureLatencyMs, lastSuccessAt?, lastFailureAt?} (what the orchestrator sends).
   */
  @Transaction()
  @Returns('string')
  async RecordOutcomes(ctx: KeyLedgerContext, batchJson: string): Promise<string> {
    await requireRole(ctx, 'orchestrator');
    const batch = parseJsonArg(outcomeBatchSchema, batchJson, 'outcome batch');
    const latest = ctx.now + MAX_OUTCOME_SKEW_MS;
    batch.outcomes.forEach((outcome, index) => {
      const [field, at] = 'success' in outcome ? ['at', outcome.at] : ['to', outcome.to];
      if (at > latest) {
        throw new ValidationError(
          `invalid outcome batch: outcomes.${index}.${field} (${at}) is more than 5 minutes after the transaction time ${ctx.now}`,
        );
      }
    });
    if (await readJson<OutcomeBatch>(ctx, batchKey(ctx, batch.batchId))) {
      throw new ConflictError(`outcome batch ${batch.batchId} was already recorded`);
    }
    const byProvider = new Map<string, OutcomeInput[]>();
    for (const outcome of batch.outcomes) {
      byProvider.set(outcome.providerId, [...(byProvider.get(outcome.providerId) ?? []), outcome]);
    }
    const providerIds = [...byProvider.keys()].sort();
    const updated: ProviderStats[] = [];
    for (const providerId of providerIds) {
      if (!(await readJson<ProviderProfile>(ctx, providerKey(ctx, providerId)))) {
        throw new NotFoundError(`provider ${providerId} (in outcome batch ${batch.batchId}) not found`);
      }
      const previous = (await readStats(ctx, providerId)) ?? emptyStats(providerId, ctx.now);
      updated.push(applyOutcomes(previous, byProvider.get(providerId) ?? [], ctx.now));
    }
    for (const [index, outcome] of batch.outcomes.entries()) {
      const recorded = { batchId: batch.batchId, txId: ctx.txId, index, recordedAt: ctx.now };
      const entry: ReputationRecord =
        'success' in outcome ? { ...outcome, ...recorded } : { ...outcome, at: outcome.to, ...recorded };
      await writeJson(ctx, reputationKey(ctx, outcome.providerId, entry.at, ctx.txId, index), entry);
    }
    for (const stats of updated) {
      await writeJson(ctx, statsKey(ctx, stats.providerId), stats);
    }
    const record: OutcomeBatch = {
      batchId: batch.batchId,
      count: batch.outcomes.length,
      calls: batch.outcomes.reduce((sum, outcome) => sum + callsOf(outcome), 0),
      providers: providerIds,
      recordedAt: ctx.now,
      recordedBy: identityRef(ctx.caller),
      txId: ctx.txId,
    };
    await writeJson(ctx, batchKey(ctx, batch.batchId), record);
    emitEvent(ctx, 'OutcomesRecorded', {
      batchId: batch.batchId,
      providers: providerIds,
      count: record.count,
      calls: record.calls,
    });
    return result({
      ...record,
      scores: updated.map((stats) => ({
        providerId: stats.providerId,
        successCount: stats.successCount,
        failureCount: stats.failureCount,
        ...computeScore(stats, ctx.now),
      })),
    });
  }

  /** A provider's profile, its score now, its counters and its newest `recent` entries (default 10, max 100). */
  @Transaction(false)
  @Returns('string')
  async GetProvider(ctx: KeyLedgerContext, providerId: string, recent: string): Promise<string> {
    await requireAnyRole(ctx);
    const id = parseId(providerId, 'providerId');
    const count =
      recent === '' ? DEFAULT_RECENT_ENTRIES : parseIntArg(recent, 'recent', 0, MAX_RECENT_ENTRIES);
    const profile = await readProvider(ctx, id);
    const stats = (await readStats(ctx, id)) ?? emptyStats(id, profile.registeredAt);
    return result({
      provider: profile,
      ...computeScore(stats, ctx.now),
      stats,
      recent: await recentEntries(ctx, id, count),
      asOf: ctx.now,
    });
  }

  /**
   * Providers matching a filter, best score first (then by id). Suspended ones only with includeSuspended.
   * Arg: JSON {keyId?, algorithm?, region?, includeSuspended?} ('' means no filter).
   */
  @Transaction(false)
  @Returns('string')
  async ListProviders(ctx: KeyLedgerContext, filterJson: string): Promise<string> {
    await requireAnyRole(ctx);
    const filter =
      filterJson.trim() === '' ? {} : parseJsonArg(listFilterSchema, filterJson, 'provider filter');
    return result({ providers: await listScored(ctx, filter), asOf: ctx.now });
  }

  /** The score of one provider now, with its components and the weights used. */
  @Transaction(false)
  @Returns('string')
  async GetScore(ctx: KeyLedgerContext, providerId: string): Promise<string> {
    await requireAnyRole(ctx);
    const id = parseId(providerId, 'providerId');
    const profile = await readProvider(ctx, id);
    const stats = await readStats(ctx, id);
    return result({
      providerId: id,
      status: profile.status,
      ...computeScore(stats, ctx.now),
      weights: WEIGHTS,
      successCount: stats?.successCount ?? 0,
      failureCount: stats?.failureCount ?? 0,
      asOf: ctx.now,
    });
  }

  /** Admin: registers a customer master key, enabled, with no grant. Arg: JSON {keyId, description?, algorithm?}. */
  @Transaction()
  @Returns('string')
  async CreateKey(ctx: KeyLedgerContext, keyJson: string): Promise<string> {
    await requireRole(ctx, 'admin');
    return result(await createKey(ctx, keyJson));
  }

  /** Admin: refuses every use of a key until EnableKey. Arg: JSON {keyId, reason}. No-op if already disabled. */
  @Transaction()
  @Returns('string')
  async DisableKey(ctx: KeyLedgerContext, disableJson: string): Promise<string> {
    await requireRole(ctx, 'admin');
    return result(await disableKey(ctx, disableJson));
  }

  /** Admin: lets a disabled key be used again by its grantees. No-op if already enabled. */
  @Transaction()
  @Returns('string')
  async EnableKey(ctx: KeyLedgerContext, keyId: string): Promise<string> {
    await requireRole(ctx, 'admin');
    return result(await enableKey(ctx, keyId));
  }

  /**
   * Admin: lets one identity use a key for some operations, replacing its grant if it has one.
   * Arg: JSON {keyId, mspId, fingerprint, operations: KeyOperation[], name?}. The same grant again is a no-op.
   */
  @Transaction()
  @Returns('string')
  async GrantKeyUse(ctx: KeyLedgerContext, grantJson: string): Promise<string> {
    await requireRole(ctx, 'admin');
    return result(await grantKeyUse(ctx, grantJson));
  }

  /** Admin: removes an identity's grant on a key. Arg: JSON {keyId, mspId, fingerprint}. */
  @Transaction()
  @Returns('string')
  async RevokeKeyGrant(ctx: KeyLedgerContext, revokeJson: string): Promise<string> {
    await requireRole(ctx, 'admin');
    return result(await revokeKeyGrant(ctx, revokeJson));
  }

  /** A key's record with its status and grants. */
  @Transaction(false)
  @Returns('string')
  async GetKey(ctx: KeyLedgerContext, keyId: string): Promise<string> {
    await requireAnyRole(ctx);
    return result(await getKey(ctx, keyId));
  }

  /** Every key in keyId order. */
  @Transaction(false)
  @Returns('string')
  async ListKeys(ctx: KeyLedgerContext): Promise<string> {
    await requireAnyRole(ctx);
    return result(await listKeys(ctx));
  }

  /**
   * Whether THE CALLER may use a key for an operation (one of KEY_OPERATIONS): answers `allowed: true` only when
   * the key exists (else NOT_FOUND), is enabled and the caller's grant includes the operation (else FORBIDDEN
   * saying which failed). The gateway evaluates it as the requester's own identity before serving a request.
   */
  @Transaction(false)
  @Returns('string')
  async AuthorizeKeyUse(ctx: KeyLedgerContext, keyId: string, operation: string): Promise<string> {
    await requireAnyRole(ctx);
    return result(await authorizeKeyUse(ctx, keyId, operation));
  }
}
