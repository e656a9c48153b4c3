import { createHash } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { HsmError } from '../../hsm';
import { CKM_EDDSA } from './ed25519';
import { InvalidJwsRequestError } from './errors';
import { signingInput, type JwsSignRequest } from './jws';
import type { SigningKeyHandle, SigningKeyStore } from './keyStore';

/**
 * Most requests one `signMany` takes. pkcs11js is synchronous, so a batch holds the event loop for its whole
 * length (SoftHSM: ~0.1 ms per ES256 signature, so 1,000 is ~0.1 s): larger batches are split by the caller.
 */
export const MAX_SIGN_BATCH = 1000;

export interface HsmJwsSignerOptions {
  readonly keys: SigningKeyStore;
  /** The typ header member (default `JWT`). */
  readonly typ?: string;
}

interface Prepared {
  readonly key: SigningKeyHandle;
  readonly input: string;
}

/**
 * Compact JWS (RFC 7515) signed in the HSM. ES256: SHA-256 of the signing input in Node (SoftHSM has no
 * CKM_ECDSA_SHA256), CKM_ECDSA in the token over the digest; the token's 64-byte r‖s is exactly the JWS
 * signature (RFC 7518 §3.4), so it is appended as is — JWS does not ask for low-S and verifiers accept both.
 * EdDSA: CKM_EDDSA over the signing input itself (Ed25519 hashes internally).
 *
 * Safe to call from many async workers in one process: each call runs its PKCS#11 Init and Sign synchronously
 * on a session leased from the token's pool (HsmToken.use), so no other caller can touch that session between
 * the two; nothing here awaits. Only key handles are held in memory, never key bytes.
 */
export class HsmJwsSigner {
  readonly #keys: SigningKeyStore;
  readonly #typ: string;

  constructor(options: Readonly<HsmJwsSignerOptions>) {
    this.#keys = options.keys;
    this.#typ = options.typ ?? 'JWT';
  }

  sign(request: JwsSignRequest): string {
    const prepared = this.#prepare(request);
    return this.#keys.token.use('JWS signing', (pkcs11, session) => signOn(pkcs11, session, prepared));
  }

  /**
   * Signs every request on one leased session (one pool lease instead of N). All requests are checked
   * before the first is signed; a failure fails the whole batch, which signs nothing worth keeping.
   */
  signMany(requests: readonly JwsSignRequest[]): string[] {
    if (requests.length > MAX_SIGN_BATCH) {
      throw new InvalidJwsRequestError(`at most ${MAX_SIGN_BATCH} requests per batch`);
    }
    return this.#signPrepared(requests.map((request, index) => this.#prepare(request, index)));
  }

  #prepare(request: JwsSignRequest, index?: number): Prepared {
    if (typeof request.kid !== 'string') {
      throw new InvalidJwsRequestError('kid must be a string', index);
    }
    const key = this.#keys.signingKey(request.kid);
    return { key, input: signingInput(request, key.info.alg, this.#typ, index) };
  }

  #signPrepared(prepared: readonly Prepared[]): string[] {
    if (prepared.length === 0) {
      return [];
    }
    return this.#keys.token.use('JWS batch signing', (pkcs11, session) =>
      prepared.map((one) => signOn(pkcs11, session, one)),
    );
  }
}

function signOn(pkcs11: pkcs11js.PKCS11, session: pkcs11js.Handle, { key, input }: Prepared): string {
  const es256 = key.info.alg === 'ES256';
  const data = es256 ? createHash('sha256').update(input).digest() : Buffer.from(input, 'utf8');
  pkcs11.C_SignInit(session, { mechanism: es256 ? pkcs11js.CKM_ECDSA : CKM_EDDSA }, key.privateKey.handle);
  // Both signatures are exactly 64 bytes: a buffer sized right never leaves CKR_BUFFER_TOO_SMALL active.
  const signature = pkcs11.C_Sign(session, data, Buffer.alloc(64));
  if (signature.length !== 64) {
    throw new HsmError({ message: `token returned a ${signature.length}-byte ${key.info.alg} signature` });
  }
  return `${input}.${signature.toString('base64url')}`;
}
