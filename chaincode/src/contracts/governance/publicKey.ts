import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

/** JWK members that only private or secret keys carry (RFC 7517/7518/8037). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const PUBLIC_JWK_TYPES = ['EC', 'RSA', 'OKP'];
const SPKI_PEM = /^-----BEGIN PUBLIC KEY-----\r?\n(?:[A-Za-z0-9+/=]+\r?\n)+-----END PUBLIC KEY-----\r?\n?$/;

export const MAX_PUBLIC_KEY_LENGTH = 16384;

/**
 * Why `text` is not an acceptable public key, or undefined when it is one. Accepted: a PEM SPKI
 * (`-----BEGIN PUBLIC KEY-----`) or a public JWK as JSON. Private keys are refused outright — `createPublicKey`
 * would happily derive a public key from them, and storing the input would put a secret on the ledger.
 * Messages never quote the input.
 */
export function publicKeyProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    return jwkProblem(trimmed);
  }
  if (/PRIVATE KEY/.test(text)) {
    return 'must be a public key, not a private key';
  }
  if (!SPKI_PEM.test(trimmed + '\n')) {
    return 'must be a PEM SPKI public key (-----BEGIN PUBLIC KEY-----) or a public JWK';
  }
  return parse(() => createPublicKey({ key: trimmed, format: 'pem' }));
}

function jwkProblem(text: string): string | undefined {
  let members: Record<string, unknown>;
  try {
    // text starts with '{', so whatever parses is an object
    members = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return 'is neither a PEM public key nor valid JWK JSON';
  }
  const secret = PRIVATE_JWK_MEMBERS.find((name) => name in members);
  if (secret !== undefined) {
    return `must be a public key: the JWK carries the private member "${secret}"`;
  }
  if (typeof members['kty'] !== 'string' || !PUBLIC_JWK_TYPES.includes(members['kty'])) {
    return `must be a JWK with kty ${PUBLIC_JWK_TYPES.join(', ')}`;
  }
  return parse(() => createPublicKey({ key: members as JsonWebKey, format: 'jwk' }));
}

function parse(make: () => KeyObject): string | undefined {
  try {
    make();
    return undefined;
  } catch {
    return 'is not a parseable public key';
  }
}

/** SHA-256 (hex) of the key's SPKI DER: what events carry instead of the key. Call on validated keys only. */
export function publicKeyFingerprint(text: string): string {
  const trimmed = text.trim();
  const key = trimmed.startsWith('{')
    ? createPublicKey({ key: JSON.parse(trimmed) as JsonWebKey, format: 'jwk' })
    : createPublicKey({ key: trimmed, format: 'pem' });
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}
