import type { Context } from 'fabric-contract-api';
import {
  compositeKey,
  decodeJson,
  listByPartialKey,
  mustReadJson,
  ObjectType,
  readJson,
  sortableInt,
  writeJson,
} from '../../lib';
import { NotFoundError, sha256Hex } from '../../protocol';
import { trustBreakdown, type TrustBreakdown } from './score';
import type {
  CommitmentSet,
  PendingAttestationNonce,
  SecurityModule,
  ShareAcknowledgement,
  SessionResponse,
  ThresholdPolicy,
  ThresholdSession,
  TrustEvent,
} from '../../protocol/threshold';

/**
 * Key layout of the trust domain. Record kinds named in `ObjectType` use it; the small index / marker kinds that
 * exist only here are local `tr.*` types.
 */
const SHARE_INDEX_TYPE = 'tr.shareidx';
const MODULE_KEY_TYPE = 'tr.modkey';
const NONCE_TYPE = 'tr.nonce';
const EVIDENCE_TYPE = 'tr.evidence';
const PARTICIPATION_TYPE = 'tr.participation';
const SHARE_ACK_TYPE = 'tr.ack';
const PENDING_NONCE_TYPE = 'tr.pendingnonce';

export function moduleKey(ctx: Context, moduleId: string): string {
  return compositeKey(ctx, ObjectType.securityModule, moduleId);
}

export function shareIndexKey(ctx: Context, shareIndex: number): string {
  return ctx.stub.createCompositeKey(SHARE_INDEX_TYPE, [sortableInt(shareIndex, 3)]);
}

export function moduleKeyDigestKey(ctx: Context, digest: string): string {
  return ctx.stub.createCompositeKey(MODULE_KEY_TYPE, [digest]);
}

/** Nonces are hashed so that any nonce alphabet makes a valid key attribute. */
export function nonceKey(ctx: Context, moduleId: string, nonce: string): string {
  return ctx.stub.createCompositeKey(NONCE_TYPE, [moduleId, sha256Hex(nonce)]);
}

export function evidenceKey(ctx: Context, moduleId: string, evidenceDigest: string): string {
  return ctx.stub.createCompositeKey(EVIDENCE_TYPE, [moduleId, evidenceDigest]);
}

export function participationKey(ctx: Context, moduleId: string, sessionId: string): string {
  return ctx.stub.createCompositeKey(PARTICIPATION_TYPE, [moduleId, sessionId]);
}

export function shareAckKey(ctx: Context, keyId: string, epoch: number, moduleId: string): string {
  return ctx.stub.createCompositeKey(SHARE_ACK_TYPE, [keyId, sortableInt(epoch), moduleId]);
}

/** Acknowledgements of one epoch, in moduleId order (the last key attribute). */
export function listShareAcks(ctx: Context, keyId: string, epoch: number): Promise<ShareAcknowledgement[]> {
  return listByPartialKey<ShareAcknowledgement>(ctx, SHARE_ACK_TYPE, [keyId, sortableInt(epoch)]);
}

export function pendingNonceKey(ctx: Context, moduleId: string): string {
  return ctx.stub.createCompositeKey(PENDING_NONCE_TYPE, [moduleId]);
}

export function readPendingNonce(
  ctx: Context,
  moduleId: string,
): Promise<PendingAttestationNonce | undefined> {
  return readJson<PendingAttestationNonce>(ctx, pendingNonceKey(ctx, moduleId));
}

export function trustEventKey(ctx: Context, event: Pick<TrustEvent, 'moduleId' | 'at' | 'txId'>): string {
  return compositeKey(ctx, ObjectType.trustEvent, event.moduleId, sortableInt(event.at), event.txId);
}

export function policyKey(ctx: Context, keyId: string): string {
  return compositeKey(ctx, ObjectType.thresholdPolicy, keyId);
}

export function commitmentsKey(ctx: Context, keyId: string, epoch: number): string {
  return compositeKey(ctx, ObjectType.commitments, keyId, sortableInt(epoch));
}

export function sessionKey(ctx: Context, sessionId: string): string {
  return compositeKey(ctx, ObjectType.session, sessionId);
}

export function responseKey(ctx: Context, sessionId: string, moduleId: string): string {
  return compositeKey(ctx, ObjectType.sessionResponse, sessionId, moduleId);
}

export function readModule(ctx: Context, moduleId: string): Promise<SecurityModule> {
  return mustReadJson<SecurityModule>(ctx, moduleKey(ctx, moduleId), `module ${moduleId}`);
}

export async function readModuleByShareIndex(
  ctx: Context,
  shareIndex: number,
): Promise<SecurityModule | undefined> {
  const index = await readJson<{ moduleId: string }>(ctx, shareIndexKey(ctx, shareIndex));
  return index === undefined ? undefined : readJson<SecurityModule>(ctx, moduleKey(ctx, index.moduleId));
}

export function listModules(ctx: Context): Promise<SecurityModule[]> {
  return listByPartialKey<SecurityModule>(ctx, ObjectType.securityModule, []);
}

export function readPolicy(ctx: Context, keyId: string): Promise<ThresholdPolicy> {
  return mustReadJson<ThresholdPolicy>(ctx, policyKey(ctx, keyId), `threshold policy of key ${keyId}`);
}

/** The newest commitment epoch of a key: the last entry of its key range (epochs sort numerically). */
export async function readLatestCommitments(ctx: Context, keyId: string): Promise<CommitmentSet | undefined> {
  let latest: CommitmentSet | undefined;
  for await (const entry of ctx.stub.getStateByPartialCompositeKey(ObjectType.commitments, [keyId])) {
    latest = decodeJson<CommitmentSet>(entry.value);
  }
  return latest;
}

export async function readCommitments(
  ctx: Context,
  keyId: string,
  epoch: number | undefined,
): Promise<CommitmentSet> {
  const found =
    epoch === undefined
      ? await readLatestCommitments(ctx, keyId)
      : await readJson<CommitmentSet>(ctx, commitmentsKey(ctx, keyId, epoch));
  if (found === undefined) {
    throw new NotFoundError(
      `commitments of key ${keyId}${epoch === undefined ? '' : ` epoch ${epoch}`} not found`,
    );
  }
  return found;
}

export function readSession(ctx: Context, sessionId: string): Promise<ThresholdSession> {
  return mustReadJson<ThresholdSession>(ctx, sessionKey(ctx, sessionId), `session ${sessionId}`);
}

export function listResponses(ctx: Context, sessionId: string): Promise<SessionResponse[]> {
  return listByPartialKey<SessionResponse>(ctx, ObjectType.sessionResponse, [sessionId]);
}

export function writeTrustEvent(ctx: Context, event: TrustEvent): Promise<void> {
  return writeJson(ctx, trustEventKey(ctx, event), event);
}

export function breakdownOf(module: SecurityModule, now: number): TrustBreakdown {
  return trustBreakdown(module.trust, module.status, now);
}

export function scoreOf(module: SecurityModule, now: number): number {
  return breakdownOf(module, now).score;
}

/** A module record with its score at `now`, as read functions return it. */
export function moduleView(module: SecurityModule, now: number): SecurityModule & { score: number } {
  return { ...module, score: scoreOf(module, now) };
}
