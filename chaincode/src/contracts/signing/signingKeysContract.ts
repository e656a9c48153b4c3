import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  emitEvent,
  KeyLedgerContext,
  KeyLedgerContract,
  listByPartialKey,
  mustReadJson,
  nextVersion,
  ObjectType,
  pageByPartialKey,
  parseJsonArg,
  parsePageSize,
  readJson,
  requireAnyRole,
  requireRole,
  result,
  syncIndex,
  validate,
  writeJson,
} from '../../lib';
import { ConflictError, identityRef } from '../../protocol';
import { validatePublicJwk } from './jwk';
import { signingKeyKey, statusIndexKey, thumbprintKey } from './keys';
import { kidSchema, registerSigningKeySchema, revocationReasonSchema, statusSchema } from './schemas';
import type { JwksKey, SigningKeyRecord, SigningKeyStatus } from '../../protocol/signing';

interface KidRef {
  readonly kid: string;
}

async function readKey(ctx: KeyLedgerContext, kid: string): Promise<SigningKeyRecord> {
  return mustReadJson<SigningKeyRecord>(ctx, signingKeyKey(ctx, kid), `signing key ${kid}`);
}

/** Writes a record whose status changed and moves its status index entry. */
async function saveStatusChange(
  ctx: KeyLedgerContext,
  previous: SigningKeyRecord,
  next: SigningKeyRecord,
): Promise<void> {
  await syncIndex(ctx, [previous.status], [next.status], (status) => statusIndexKey(ctx, status, next.kid), {
    kid: next.kid,
  });
  await writeJson(ctx, signingKeyKey(ctx, next.kid), next);
}

function reuseMessage(existing: SigningKeyRecord, what: string): string {
  if (existing.status === 'revoked') {
    return `${what} was revoked (${existing.revocationReason ?? 'unspecified'}) and can never be registered again`;
  }
  return `${what} is already registered (status ${existing.status})`;
}

function toJwk(record: SigningKeyRecord): JwksKey {
  return { ...record.publicJwk, kid: record.kid, alg: record.algorithm, use: 'sig' };
}

/**
 * SigningKeys — capability C: the registry of the signing service's public keys.
 *
 * Each key is a public JWK (never a private member) with its RFC 7638 thumbprint, the CA(s) that certify it,
 * a not-before time and a status: active → retired (still verifies, no longer signs) → revoked, or active →
 * revoked. Revocation is final and uses RFC 5280 reason names. A revoked key can never come back: neither
 * under its kid nor, because thumbprints are indexed forever, under a new kid. The JWKS document lists the
 * active and retired keys, so tokens signed before a retirement still verify.
 */
@Info({ title: 'SigningKeys', description: 'Signing-key registry: public JWKs, status, revocation, JWKS' })
export class SigningKeysContract extends KeyLedgerContract {
  constructor() {
    super('SigningKeys');
  }

  /**
   * Registers a public signing key. Role 'signer' or admin.
   * Arg: JSON {kid, publicJwk, issuerCaIds[], notBefore, algorithm}.
   */
  @Transaction()
  @Returns('string')
  async RegisterSigningKey(ctx: KeyLedgerContext, keyJson: string): Promise<string> {
    await requireRole(ctx, 'signer', 'admin');
    const input = parseJsonArg(registerSigningKeySchema, keyJson, 'signing key');
    const { publicJwk, thumbprint } = validatePublicJwk(input.publicJwk, input.kid, input.algorithm);
    const existing = await readJson<SigningKeyRecord>(ctx, signingKeyKey(ctx, input.kid));
    if (existing) {
      throw new ConflictError(reuseMessage(existing, `kid ${input.kid}`));
    }
    const sameKey = await readJson<KidRef>(ctx, thumbprintKey(ctx, thumbprint));
    if (sameKey) {
      const holder = await readKey(ctx, sameKey.kid);
      throw new ConflictError(
        reuseMessage(holder, `this public key (thumbprint ${thumbprint}, kid ${holder.kid})`),
      );
    }
    const record: SigningKeyRecord = {
      kid: input.kid,
      algorithm: input.algorithm,
      publicJwk,
      thumbprint,
      issuerCaIds: input.issuerCaIds,
      notBefore: input.notBefore,
      status: 'active',
      registeredAt: ctx.now,
      registeredBy: identityRef(ctx.caller),
      updatedAt: ctx.now,
      version: 1,
    };
    await writeJson(ctx, signingKeyKey(ctx, record.kid), record);
    await writeJson(ctx, statusIndexKey(ctx, record.status, record.kid), { kid: record.kid });
    await writeJson(ctx, thumbprintKey(ctx, thumbprint), { kid: record.kid });
    emitEvent(ctx, 'SigningKeyRegistered', {
      kid: record.kid,
      algorithm: record.algorithm,
      thumbprint,
      issuerCaIds: record.issuerCaIds,
      notBefore: record.notBefore,
      status: record.status,
      version: record.version,
    });
    return result(record);
  }

  /** active → retired: the key stops signing but stays in the JWKS so existing tokens verify. Signer or admin. */
  @Transaction()
  @Returns('string')
  async RetireSigningKey(ctx: KeyLedgerContext, kid: string): Promise<string> {
    await requireRole(ctx, 'signer', 'admin');
    const id = validate(kidSchema, kid, 'kid');
    const previous = await readKey(ctx, id);
    if (previous.status !== 'active') {
      throw new ConflictError(`signing key ${id} is ${previous.status}; only an active key can be retired`);
    }
    const next = nextVersion(previous, { status: 'retired', retiredAt: ctx.now }, ctx.now);
    await saveStatusChange(ctx, previous, next);
    emitEvent(ctx, 'SigningKeyRetired', {
      kid: id,
      status: next.status,
      retiredAt: ctx.now,
      version: next.version,
    });
    return result(next);
  }

  /**
   * Revokes an active or retired key, for good. Signer or admin. Reason: an RFC 5280 CRLReason name
   * (unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation,
   * privilegeWithdrawn).
   */
  @Transaction()
  @Returns('string')
  async RevokeSigningKey(ctx: KeyLedgerContext, kid: string, reason: string): Promise<string> {
    await requireRole(ctx, 'signer', 'admin');
    const id = validate(kidSchema, kid, 'kid');
    const why = validate(revocationReasonSchema, reason, 'revocation reason');
    const previous = await readKey(ctx, id);
    if (previous.status === 'revoked') {
      throw new ConflictError(
        `signing key ${id} is already revoked (${previous.revocationReason ?? 'unspecified'}); revocation is final`,
      );
    }
    const next = nextVersion(
      previous,
      { status: 'revoked', revokedAt: ctx.now, revocationReason: why, revokedBy: identityRef(ctx.caller) },
      ctx.now,
    );
    await saveStatusChange(ctx, previous, next);
    emitEvent(ctx, 'SigningKeyRevoked', {
      kid: id,
      reason: why,
      previousStatus: previous.status,
      thumbprint: next.thumbprint,
      revokedAt: ctx.now,
      version: next.version,
    });
    return result(next);
  }

  @Transaction(false)
  @Returns('string')
  async GetSigningKey(ctx: KeyLedgerContext, kid: string): Promise<string> {
    await requireAnyRole(ctx);
    return result(await readKey(ctx, validate(kidSchema, kid, 'kid')));
  }

  /**
   * One page of keys in kid order. status '' lists every key; pageSize '' means 50 (max 500); bookmark '' starts.
   * Returns {items: SigningKeyRecord[], bookmark}.
   */
  @Transaction(false)
  @Returns('string')
  async ListSigningKeys(
    ctx: KeyLedgerContext,
    status: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    await requireAnyRole(ctx);
    const wanted: SigningKeyStatus | undefined =
      status === '' ? undefined : validate(statusSchema, status, 'status');
    const size = parsePageSize(pageSize);
    if (wanted === undefined) {
      return result(await pageByPartialKey<SigningKeyRecord>(ctx, ObjectType.signingKey, [], size, bookmark));
    }
    const page = await pageByPartialKey<KidRef>(ctx, ObjectType.signingKeyStatus, [wanted], size, bookmark);
    const items: SigningKeyRecord[] = [];
    for (const { kid } of page.items) {
      items.push(await readKey(ctx, kid));
    }
    return result({ items, bookmark: page.bookmark });
  }

  /** The JWKS document (RFC 7517 §5): active and retired keys, with kid, alg and use 'sig', in kid order. */
  @Transaction(false)
  @Returns('string')
  async GetJwks(ctx: KeyLedgerContext): Promise<string> {
    await requireAnyRole(ctx);
    const refs = [
      ...(await listByPartialKey<KidRef>(ctx, ObjectType.signingKeyStatus, ['active'])),
      ...(await listByPartialKey<KidRef>(ctx, ObjectType.signingKeyStatus, ['retired'])),
    ];
    const kids = refs.map((ref) => ref.kid).sort();
    const keys: JwksKey[] = [];
    for (const kid of kids) {
      keys.push(toJwk(await readKey(ctx, kid)));
    }
    return result({ keys });
  }
}
