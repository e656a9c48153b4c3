import type { Logger } from 'pino';
import {
  ecPublicPoint,
  findKey,
  generateEcKeyPair,
  p256PublicKeyFromPoint,
  type HsmToken,
  type KeyRef,
} from '../hsm';

/** A participant's P-256 key-wrapping (ECDH) key pair: the private half stays in its token. */
export interface WrappingKey {
  readonly privateKey: KeyRef;
  /** Uncompressed public point (65 bytes). */
  readonly point: Buffer;
  /** PEM SPKI of the public half, as the participant publishes it on the ledger. */
  readonly publicKeyPem: string;
}

/** Finds the participant's key-wrapping key pair in its token, or makes a persistent one on first start. */
export function loadWrappingKey(token: HsmToken, label: string, logger: Logger): WrappingKey {
  const privateKey = findKey(token, { keyClass: 'private', label });
  const publicKey = findKey(token, { keyClass: 'public', label });
  let pair: { privateKey: KeyRef; point: Buffer };
  if (privateKey && publicKey) {
    pair = { privateKey, point: ecPublicPoint(token, publicKey) };
  } else {
    const generated = generateEcKeyPair(token, { label, persistent: true, sign: false, derive: true });
    logger.info({ label }, 'created the key-wrapping key pair in the token');
    pair = { privateKey: generated.privateKey, point: generated.publicPoint };
  }
  const publicKeyPem = p256PublicKeyFromPoint(pair.point).export({ type: 'spki', format: 'pem' }).toString();
  return { ...pair, publicKeyPem };
}
