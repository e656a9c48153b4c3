import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import type * as x509 from '@peculiar/x509';
import { signDigestCompact, type HsmToken, type KeyRef } from '../../hsm';

/** The WebCrypto `Crypto` that @peculiar/x509 signs and hashes with. */
export type X509Crypto = NonNullable<Parameters<typeof x509.X509CertificateGenerator.create>[1]>;
/** The WebCrypto `CryptoKey` type @peculiar/x509 takes as a signing key. */
export type X509SigningKey = x509.X509CrlCreateParams['signingKey'];

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/**
 * A P-256 private key that stays in a PKCS#11 token, shaped as a WebCrypto CryptoKey so that @peculiar/x509 can
 * be handed it as `signingKey`. It carries no key bytes: only the token and the object handle.
 */
export class HsmEcPrivateKey {
  readonly type = 'private';
  readonly extractable = false;
  readonly algorithm = ECDSA_P256;
  readonly usages = ['sign'];
  readonly token: HsmToken;
  readonly key: KeyRef;

  constructor(token: HsmToken, key: KeyRef) {
    this.token = token;
    this.key = key;
  }

  /** As the type @peculiar/x509 declares for a signing key. */
  asCryptoKey(): X509SigningKey {
    return this as unknown as X509SigningKey;
  }
}

function hashName(algorithm: unknown): string | undefined {
  const hash = (algorithm as { hash?: unknown }).hash;
  return typeof hash === 'string' ? hash : (hash as { name?: string } | undefined)?.name;
}

/**
 * Node's WebCrypto with one difference: `subtle.sign` with an {@link HsmEcPrivateKey} hashes the data with
 * SHA-256 in Node and signs the digest in the token with CKM_ECDSA (SoftHSM has no CKM_ECDSA_SHA256). The token
 * answers r‖s, which is exactly WebCrypto's ECDSA signature format (IEEE P1363), so @peculiar/x509 DER-encodes
 * it for the certificate or CRL as it does any WebCrypto signature. Every other call, and `sign` with an
 * ordinary key, goes to Node's WebCrypto unchanged.
 *
 * Why not node-webcrypto-p11: it brings graphene-pk11, its own PKCS#11 module owner and @peculiar/x509 1.x, while
 * the gateway already owns the library's initialise/login state in `hsm` (a second owner breaks both).
 */
export function hsmWebCrypto(): X509Crypto {
  const subtle = webcrypto.subtle;
  const sign = async (
    algorithm: unknown,
    key: unknown,
    data: webcrypto.BufferSource,
  ): Promise<ArrayBuffer> => {
    if (!(key instanceof HsmEcPrivateKey)) {
      return subtle.sign(algorithm as webcrypto.EcdsaParams, key as webcrypto.CryptoKey, data);
    }
    const name = (algorithm as { name?: string }).name;
    if (name !== 'ECDSA' || hashName(algorithm) !== 'SHA-256') {
      throw new Error(
        `an HSM P-256 key signs ECDSA with SHA-256 only, not ${name ?? '?'}/${hashName(algorithm) ?? '?'}`,
      );
    }
    const bytes = ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);
    const digest = createHash('sha256').update(bytes).digest();
    const signature = signDigestCompact(key.token, key.key, digest);
    return new Uint8Array(signature).buffer;
  };
  const routed = new Proxy(subtle, {
    get(target, property) {
      if (property === 'sign') {
        return sign;
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    subtle: routed,
    getRandomValues: <T extends ArrayBufferView | null>(array: T): T =>
      webcrypto.getRandomValues(array as never),
    randomUUID: () => webcrypto.randomUUID(),
  } as unknown as X509Crypto;
}
