import { randomUUID } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import {
  destroyKey,
  ecPublicPoint,
  findKeys,
  generateEcKeyPair,
  type HsmToken,
  type KeyRef,
} from '../../hsm';
import { generateEd25519KeyPair, readEd25519Point } from './ed25519';
import { InvalidSigningKeyRequestError, SigningKeyExistsError, SigningKeyNotFoundError } from './errors';
import { jwkThumbprint, publicJwk, SIGNING_ALGORITHMS, type PublicJwk, type SigningAlgorithm } from './jwk';
import { destroyRecord, readRecords, writeRecord, type KeyRecord } from './records';

export interface SigningKeyStoreOptions {
  /** The token the keys live in; the store does not close it. */
  readonly token: HsmToken;
  /** Clock for `createdAt` (default: the system clock). */
  readonly now?: () => Date;
}

export interface GenerateSigningKeyOptions {
  /** Key id, also the label of both halves in the token. Default: the RFC 7638 thumbprint of the public key. */
  readonly kid?: string;
  /** Default `ES256`. */
  readonly alg?: SigningAlgorithm;
}

export interface SigningKeyInfo {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly publicJwk: PublicJwk;
  /** ISO 8601, as recorded in the token when the key was made. */
  readonly createdAt: string;
}

/** A key the signer can use: its public description and the handle of its private half (never its bytes). */
export interface SigningKeyHandle {
  readonly info: SigningKeyInfo;
  readonly privateKey: KeyRef;
}

/** A kid goes into JWS headers, JWKS documents, URLs (`/revoke/{keyId}`) and CKA_LABEL: keep it plain. */
const KID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;

/**
 * The signing service's keys in one HSM token (issue 12 §2). Each key is a token object pair — private half
 * CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE, not CKA_EXTRACTABLE, CKA_SIGN — labelled by kid, plus a record
 * (see records.ts) that makes it a signing key. Everything lives in the token, so a restarted process finds
 * its keys by label; this object only caches handles. Every method is synchronous (pkcs11js is): two async
 * callers in one process can never interleave inside one, so a check-then-create such as `generate` with a
 * given kid is atomic within the process. Keys are destroyed through the store that uses them — another
 * store's cached handle of a destroyed key fails its next signature with an HsmError.
 */
export class SigningKeyStore {
  readonly token: HsmToken;
  readonly #now: () => Date;
  readonly #loaded = new Map<string, SigningKeyHandle>();

  constructor(options: Readonly<SigningKeyStoreOptions>) {
    this.token = options.token;
    this.#now = options.now ?? ((): Date => new Date());
  }

  generate(options: Readonly<GenerateSigningKeyOptions> = {}): SigningKeyInfo {
    const alg = options.alg ?? 'ES256';
    if (!SIGNING_ALGORITHMS.includes(alg)) {
      throw new InvalidSigningKeyRequestError(`alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
    }
    if (options.kid !== undefined) {
      checkKid(options.kid);
      this.#refuseExisting(options.kid);
    }
    const pair = this.#generatePair(alg, options.kid ?? `keyledger-pending-${randomUUID()}`);
    try {
      const kid = options.kid ?? jwkThumbprint(pair.publicBytes, alg);
      if (options.kid === undefined) {
        this.#refuseExisting(kid);
      }
      this.#finish(pair, kid);
      const record: KeyRecord = {
        kid,
        alg,
        createdAt: this.#now().toISOString(),
        keyId: pair.privateKey.id.toString('hex'),
      };
      writeRecord(this.token, record);
      const handle: SigningKeyHandle = {
        info: Object.freeze({
          kid,
          alg,
          publicJwk: Object.freeze(publicJwk(pair.publicBytes, alg, kid)),
          createdAt: record.createdAt,
        }),
        privateKey: { ...pair.privateKey, label: kid },
      };
      this.#loaded.set(kid, handle);
      return handle.info;
    } catch (error) {
      // No record was written: the pair is not a signing key. Remove it rather than leave an orphan.
      for (const key of [pair.privateKey, pair.publicKey]) {
        try {
          destroyKey(this.token, key);
        } catch {
          // the original error is the one to report
        }
      }
      throw error;
    }
  }

  /** The key of that kid, from the cache or the token; undefined if there is none (or only part of one). */
  find(kid: string): SigningKeyInfo | undefined {
    return this.#load(kid)?.info;
  }

  /** Every signing key in the token, oldest first. */
  list(): SigningKeyInfo[] {
    const kids = new Set(readRecords(this.token).map((stored) => stored.record.kid));
    return [...kids]
      .map((kid) => this.#load(kid)?.info)
      .filter((info): info is SigningKeyInfo => info !== undefined)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.kid.localeCompare(b.kid));
  }

  /** A JWKS document (RFC 7517 §5) of every key in the token. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.list().map((info) => info.publicJwk) };
  }

  /** The key for signing; throws SigningKeyNotFoundError when the token has none of that kid. */
  signingKey(kid: string): SigningKeyHandle {
    const handle = this.#load(kid);
    if (handle === undefined) {
      throw new SigningKeyNotFoundError(kid);
    }
    return handle;
  }

  /**
   * Destroys the key pair and its record (after revocation and its grace period: a destroyed key signs
   * nothing more and leaves the JWKS). Private half first, record last, so an interrupted destroy never
   * leaves a usable key without a record. Returns false when there was no such key. Idempotent.
   */
  destroy(kid: string): boolean {
    this.#loaded.delete(kid);
    const records = readRecords(this.token, kid);
    for (const { record } of records) {
      const id = Buffer.from(record.keyId, 'hex');
      for (const keyClass of ['private', 'public'] as const) {
        for (const key of findKeys(this.token, { keyClass, label: kid, id })) {
          destroyKey(this.token, key);
        }
      }
    }
    for (const stored of records) {
      destroyRecord(this.token, stored);
    }
    return records.length > 0;
  }

  #load(kid: string): SigningKeyHandle | undefined {
    const cached = this.#loaded.get(kid);
    if (cached !== undefined) {
      return cached;
    }
    const [stored] = readRecords(this.token, kid);
    if (stored === undefined) {
      return undefined;
    }
    const { alg, createdAt, keyId } = stored.record;
    const id = Buffer.from(keyId, 'hex');
    const [privateKey] = findKeys(this.token, { keyClass: 'private', label: kid, id });
    const [publicKey] = findKeys(this.token, { keyClass: 'public', label: kid, id });
    if (privateKey === undefined || publicKey === undefined) {
      return undefined;
    }
    const publicBytes =
      alg === 'ES256'
        ? ecPublicPoint(this.token, publicKey)
        : this.token.use('reading Ed25519 key', (pkcs11, session) =>
            readEd25519Point(pkcs11, session, publicKey.handle),
          );
    const handle: SigningKeyHandle = {
      info: Object.freeze({
        kid,
        alg,
        publicJwk: Object.freeze(publicJwk(publicBytes, alg, kid)),
        createdAt,
      }),
      privateKey,
    };
    this.#loaded.set(kid, handle);
    return handle;
  }

  #generatePair(
    alg: SigningAlgorithm,
    label: string,
  ): { privateKey: KeyRef; publicKey: KeyRef; publicBytes: Buffer } {
    if (alg === 'EdDSA') {
      return generateEd25519KeyPair(this.token, { label, persistent: true });
    }
    const pair = generateEcKeyPair(this.token, { label, persistent: true, sign: true });
    return { privateKey: pair.privateKey, publicKey: pair.publicKey, publicBytes: pair.publicPoint };
  }

  #refuseExisting(kid: string): void {
    if (this.#loaded.has(kid) || readRecords(this.token, kid).length > 0) {
      throw new SigningKeyExistsError(kid);
    }
  }

  /**
   * Labels both halves by kid (a thumbprint kid is known only once the pair exists) and narrows the private
   * half to signing: SoftHSM defaults CKA_DECRYPT and CKA_UNWRAP to true, which the hsm layer's generator
   * leaves as is.
   */
  #finish(pair: { privateKey: KeyRef; publicKey: KeyRef }, kid: string): void {
    this.token.use('signing key labelling', (pkcs11, session) => {
      pkcs11.C_SetAttributeValue(session, pair.privateKey.handle, [
        { type: pkcs11js.CKA_LABEL, value: kid },
        { type: pkcs11js.CKA_DECRYPT, value: false },
        { type: pkcs11js.CKA_UNWRAP, value: false },
      ]);
      pkcs11.C_SetAttributeValue(session, pair.publicKey.handle, [{ type: pkcs11js.CKA_LABEL, value: kid }]);
    });
  }
}

function checkKid(kid: string): void {
  if (!KID_PATTERN.test(kid) || kid.startsWith('keyledger-pending-')) {
    throw new InvalidSigningKeyRequestError(
      'kid must be 1-128 characters of A-Z a-z 0-9 . _ ~ - (and not start with keyledger-pending-)',
    );
  }
}
