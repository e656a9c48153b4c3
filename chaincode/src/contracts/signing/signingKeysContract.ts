import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  emitEvent,
  KeyLedgerContext,
  KeyLedgerContract,
  nextVersion,
  ObjectType,
  pageByPartialKey,
  parseIntArg,
  parseJsonArg,
  parsePageSize,
  readJson,
  requireAnyRole,
  requireRole,
  result,
  timeSchema,
  validate,
  writeJson,
} from '../../lib';
import { ConflictError, identityRef, ValidationError } from '../../protocol';
import {
  DEFAULT_GRACE_MS,
  DEFAULT_SERVICE_ID,
  inJwksAt,
  jwksUntil,
  tokenValidityAt,
  type Jwks,
  type JwksKey,
  type SigningKeyRecord,
  type SigningKeyStatus,
  type SigningKeyStatusAt,
} from '../../protocol/signing';
import { validatePublicJwk } from './jwk';
import { signingKeyKey, statusIndexKey, thumbprintKey } from './keys';
import {
  keysWithStatus,
  type KidRef,
  readKey,
  retire,
  retireActiveOf,
  saveStatusChange,
  upgradeRecord,
} from './lifecycle';
import {
  graceSchema,
  kidSchema,
  registerSigningKeySchema,
  revocationReasonSchema,
  statusSchema,
} from './schemas';

function reuseMessage(existing: SigningKeyRecord, what: string): string {
  if (existing.status === 'revoked') {
    return `${what} was revoked (${existing.revocationReason ?? 'unspecified'}) and can never be registered again`;
  }
  return `${what} is already registered (status ${existing.status})`;
}

function toJwk(record: SigningKeyRecord): JwksKey {
  return { ...record.publicJwk, kid: record.kid, alg: record.algorithm, use: 'sig' };
}

/** An optional positional argument: '' means "not given". */
function optional<T>(raw: string, parse: (raw: string) => T): T | undefined {
  return raw === '' ? undefined : parse(raw);
}

/**
 * SigningKeys — capability C: the registry of the signing service's public keys.
 *
 * Each key is a public JWK (never a private member) with its RFC 7638 thumbprint, the CA(s) that certify it,
 * a not-before time, an issuer scope (serviceId) and a status:
 *
 *     published ──Activate──▶ active ──Retire / next key's activation──▶ retired
 *         └───────────────────────┴──────────────────Revoke──────────────────┴──▶ revoked (final)
 *
 * A key is registered published (verify-only, in the JWKS, not signing) so that verifiers caching the JWKS know
 * it before its first token, then activated, which retires the scope's active key in the same transaction: at
 * most one key per serviceId is active. Registering with activation (the default, for callers that predate
 * publishing) does both at once. A retired key stays in the JWKS for its grace period; a revoked one never is,
 * and can never come back, neither under its kid nor, because thumbprints are indexed forever, under a new kid.
 * Revocation uses RFC 5280 reason names and may carry a compromise time; whether a token signed with a key is
 * still to be trusted is `tokenValidityAt` in the protocol module, which GetSigningKeyStatusAt applies.
 */
@Info({ title: 'SigningKeys', description: 'Signing-key registry: public JWKs, lifecycle, revocation, JWKS' })
export class SigningKeysContract extends KeyLedgerContract {
  constructor() {
    super('SigningKeys');
  }

  /**
   * Registers a public signing key. Role 'signer' or admin.
   * Arg: JSON {kid, publicJwk, issuerCaIds[], notBefore, algorithm, activate?, serviceId?, graceMs?,
   * expectedActiveKid?}. activate (default true) makes the key active at once and retires the active key of its
   * serviceId (default 'default'), which needs notBefore ≤ now; activate false registers it 'published'.
   * graceMs: how long the key stays in the JWKS once retired (default 24 h, 1 min to 30 days).
   * expectedActiveKid (activation only): refuse unless that key is the scope's active one.
   * Emits SigningKeyRegistered (activated) or SigningKeyPublished.
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
    const activate = input.activate !== false;
    const serviceId = input.serviceId ?? DEFAULT_SERVICE_ID;
    const retired = activate
      ? await retireActiveOf(
          ctx,
          { kid: input.kid, serviceId, notBefore: input.notBefore },
          input.expectedActiveKid,
        )
      : [];
    const record: SigningKeyRecord = {
      kid: input.kid,
      algorithm: input.algorithm,
      publicJwk,
      thumbprint,
      issuerCaIds: input.issuerCaIds,
      notBefore: input.notBefore,
      serviceId,
      graceMs: input.graceMs ?? DEFAULT_GRACE_MS,
      status: activate ? 'active' : 'published',
      ...(activate ? { activatedAt: ctx.now } : {}),
      registeredAt: ctx.now,
      registeredBy: identityRef(ctx.caller),
      updatedAt: ctx.now,
      version: 1,
    };
    await writeJson(ctx, signingKeyKey(ctx, record.kid), record);
    await writeJson(ctx, statusIndexKey(ctx, record.status, record.kid), { kid: record.kid });
    await writeJson(ctx, thumbprintKey(ctx, thumbprint), { kid: record.kid });
    const registered = {
      kid: record.kid,
      algorithm: record.algorithm,
      thumbprint,
      issuerCaIds: record.issuerCaIds,
      notBefore: record.notBefore,
      serviceId,
      status: record.status,
      version: record.version,
    };
    if (activate) {
      emitEvent(ctx, 'SigningKeyRegistered', { ...registered, retired });
    } else {
      emitEvent(ctx, 'SigningKeyPublished', registered);
    }
    return result(record);
  }

  /**
   * published → active; retires the active key(s) of the same serviceId in the same transaction. Signer or
   * admin. expectedActiveKid: '' for no check, else the kid that must be the scope's active key now (a
   * ConflictError otherwise, so two rotations planned from the same state cannot both apply). Needs
   * notBefore ≤ now. Emits SigningKeyActivated with the keys it retired.
   */
  @Transaction()
  @Returns('string')
  async ActivateSigningKey(ctx: KeyLedgerContext, kid: string, expectedActiveKid: string): Promise<string> {
    await requireRole(ctx, 'signer', 'admin');
    const id = validate(kidSchema, kid, 'kid');
    const expected = optional(expectedActiveKid, (raw) => validate(kidSchema, raw, 'expectedActiveKid'));
    const previous = await readKey(ctx, id);
    if (previous.status !== 'published') {
      throw new ConflictError(
        `signing key ${id} is ${previous.status}; only a published key can be activated`,
      );
    }
    const retired = await retireActiveOf(ctx, previous, expected);
    const next = nextVersion(previous, { status: 'active', activatedAt: ctx.now }, ctx.now);
    await saveStatusChange(ctx, previous, next);
    emitEvent(ctx, 'SigningKeyActivated', {
      kid: id,
      serviceId: next.serviceId,
      status: next.status,
      activatedAt: ctx.now,
      version: next.version,
      retired,
    });
    return result(next);
  }

  /**
   * active → retired: the key stops signing but stays in the JWKS until retiredAt + graceMs, so that tokens
   * and caches keep working. Signer or admin. graceMs: '' keeps the key's own (set at registration), else
   * 60000..2592000000. Emits SigningKeyRetired.
   */
  @Transaction()
  @Returns('string')
  async RetireSigningKey(ctx: KeyLedgerContext, kid: string, graceMs: string): Promise<string> {
    await requireRole(ctx, 'signer', 'admin');
    const id = validate(kidSchema, kid, 'kid');
    const grace = optional(graceMs, (raw) => validate(graceSchema, parseIntArg(raw, 'graceMs'), 'graceMs'));
    const previous = await readKey(ctx, id);
    if (previous.status !== 'active') {
      const hint =
        previous.status === 'published' ? ' (a published key that will not be used is revoked)' : '';
      throw new ConflictError(
        `signing key ${id} is ${previous.status}; only an active key can be retired${hint}`,
      );
    }
    const next = await retire(ctx, previous, grace);
    emitEvent(ctx, 'SigningKeyRetired', {
      kid: id,
      serviceId: next.serviceId,
      status: next.status,
      retiredAt: ctx.now,
      graceMs: next.graceMs,
      jwksUntil: jwksUntil(next),
      version: next.version,
    });
    return result(next);
  }

  /**
   * Revokes a published, active or retired key, for good; it leaves the JWKS at once. Signer or admin.
   * reason: an RFC 5280 CRLReason name (unspecified, keyCompromise, cACompromise, affiliationChanged,
   * superseded, cessationOfOperation, privilegeWithdrawn). compromisedAt: '' or epoch ms from
   * min(registeredAt, notBefore) to now — tokens issued before it stay valid (see tokenValidityAt).
   * Revoking the active key leaves its service without one: the caller rotates (registers or activates the
   * next key). Emits SigningKeyRevoked.
   */
  @Transaction()
  @Returns('string')
  async RevokeSigningKey(
    ctx: KeyLedgerContext,
    kid: string,
    reason: string,
    compromisedAt: string,
  ): Promise<string> {
    await requireRole(ctx, 'signer', 'admin');
    const id = validate(kidSchema, kid, 'kid');
    const why = validate(revocationReasonSchema, reason, 'revocation reason');
    const since = optional(compromisedAt, (raw) =>
      validate(timeSchema, parseIntArg(raw, 'compromisedAt'), 'compromisedAt'),
    );
    const previous = await readKey(ctx, id);
    if (previous.status === 'revoked') {
      throw new ConflictError(
        `signing key ${id} is already revoked (${previous.revocationReason ?? 'unspecified'}); revocation is final`,
      );
    }
    if (since !== undefined) {
      const earliest = Math.min(previous.registeredAt, previous.notBefore);
      if (since > ctx.now || since < earliest) {
        throw new ValidationError(
          `invalid compromisedAt: ${since} must lie between ${earliest} (the key's registration or notBefore, ` +
            `whichever is earlier) and the transaction time ${ctx.now}`,
        );
      }
    }
    const next = nextVersion(
      previous,
      {
        status: 'revoked',
        revokedAt: ctx.now,
        revocationReason: why,
        revokedBy: identityRef(ctx.caller),
        ...(since !== undefined ? { compromisedAt: since } : {}),
      },
      ctx.now,
    );
    await saveStatusChange(ctx, previous, next);
    emitEvent(ctx, 'SigningKeyRevoked', {
      kid: id,
      serviceId: next.serviceId,
      status: next.status,
      reason: why,
      previousStatus: previous.status,
      thumbprint: next.thumbprint,
      revokedAt: ctx.now,
      ...(since !== undefined ? { compromisedAt: since } : {}),
      version: next.version,
    });
    return result(next);
  }

  /** The full record, whatever its status. Any member. */
  @Transaction(false)
  @Returns('string')
  async GetSigningKey(ctx: KeyLedgerContext, kid: string): Promise<string> {
    await requireAnyRole(ctx);
    return result(await readKey(ctx, validate(kidSchema, kid, 'kid')));
  }

  /**
   * Whether a token signed with `kid` at issuedAt (epoch ms, its iat) is to be trusted now (the proposal's
   * timestamp): `tokenValidityAt` applied to the ledger record. Any member.
   * Returns {kid, status, version, issuedAt, asOf, compromisedAt?, valid, reason?}.
   */
  @Transaction(false)
  @Returns('string')
  async GetSigningKeyStatusAt(ctx: KeyLedgerContext, kid: string, issuedAt: string): Promise<string> {
    await requireAnyRole(ctx);
    const id = validate(kidSchema, kid, 'kid');
    const iat = validate(timeSchema, parseIntArg(issuedAt, 'issuedAt'), 'issuedAt');
    const record = await readKey(ctx, id);
    const answer: SigningKeyStatusAt = {
      kid: id,
      status: record.status,
      version: record.version,
      issuedAt: iat,
      asOf: ctx.now,
      ...(record.compromisedAt !== undefined ? { compromisedAt: record.compromisedAt } : {}),
      ...tokenValidityAt(record, iat, ctx.now),
    };
    return result(answer);
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
      const page = await pageByPartialKey<SigningKeyRecord>(ctx, ObjectType.signingKey, [], size, bookmark);
      return result({ items: page.items.map(upgradeRecord), bookmark: page.bookmark });
    }
    const page = await pageByPartialKey<KidRef>(ctx, ObjectType.signingKeyStatus, [wanted], size, bookmark);
    const items: SigningKeyRecord[] = [];
    for (const { kid } of page.items) {
      items.push(await readKey(ctx, kid));
    }
    return result({ items, bookmark: page.bookmark });
  }

  /**
   * The JWKS document (RFC 7517 §5) as of the proposal's timestamp: published, active, and retired keys whose
   * grace has not ended (`inJwksAt`); revoked keys never. Members kid, alg, use 'sig' and the key's own, in kid
   * order. Returns {keys, asOf, nextExpiryAt?}: asOf is the time the grace filter used (the caller's proposal
   * timestamp), nextExpiryAt the earliest end of a listed key's grace — a cache must not outlive it.
   */
  @Transaction(false)
  @Returns('string')
  async GetJwks(ctx: KeyLedgerContext): Promise<string> {
    await requireAnyRole(ctx);
    const candidates = [
      ...(await keysWithStatus(ctx, 'published')),
      ...(await keysWithStatus(ctx, 'active')),
      ...(await keysWithStatus(ctx, 'retired')),
    ];
    const listed = candidates
      .filter((key) => inJwksAt(key, ctx.now))
      .sort((a, b) => (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0));
    const expiries = listed.flatMap((key) => jwksUntil(key) ?? []);
    const jwks: Jwks = {
      keys: listed.map(toJwk),
      asOf: ctx.now,
      ...(expiries.length > 0 ? { nextExpiryAt: Math.min(...expiries) } : {}),
    };
    return result(jwks);
  }
}
