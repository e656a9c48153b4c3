import { createHash, type KeyObject } from 'node:crypto';
import {
  assertStrongKey,
  canonicalJson,
  MIN_RSA_BITS,
  parsePublicJwk,
  privateJwkMember,
  ValidationError,
} from '../../protocol';
import type { PublicJwk, SigningAlgorithm } from '../../protocol/signing';

/** The members RFC 7638 §3.2 hashes for each key type, in lexicographic order. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

/** What each JWS algorithm needs of the key (RFC 7518 §3, RFC 8037 §3.1). */
const ALGORITHM_KEYS: Readonly<Record<SigningAlgorithm, { kty: string; crv?: readonly string[] }>> = {
  ES256: { kty: 'EC', crv: ['P-256'] },
  ES384: { kty: 'EC', crv: ['P-384'] },
  ES512: { kty: 'EC', crv: ['P-521'] },
  EdDSA: { kty: 'OKP', crv: ['Ed25519', 'Ed448'] },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
};

const SUBJECT = 'invalid signing key: publicJwk';

function fail(message: string): never {
  throw new ValidationError(`${SUBJECT} ${message}`);
}

/** Checks the optional JWK members against what is being registered. */
function checkOptionalMembers(
  jwk: Readonly<Record<string, unknown>>,
  kid: string,
  algorithm: SigningAlgorithm,
): void {
  if (jwk['kid'] !== undefined && jwk['kid'] !== kid) {
    fail(`kid ${JSON.stringify(jwk['kid'])} differs from kid ${JSON.stringify(kid)}`);
  }
  if (jwk['alg'] !== undefined && jwk['alg'] !== algorithm) {
    fail(`alg ${JSON.stringify(jwk['alg'])} differs from algorithm ${algorithm}`);
  }
  if (jwk['use'] !== undefined && jwk['use'] !== 'sig') {
    fail('use must be "sig" for a signing key');
  }
  const ops = jwk['key_ops'];
  if (ops !== undefined && (!Array.isArray(ops) || ops.some((op) => op !== 'verify'))) {
    fail('key_ops of a public signing key may only contain "verify"');
  }
}

function pickMembers(jwk: Readonly<Record<string, unknown>>, kty: string): PublicJwk {
  const members = THUMBPRINT_MEMBERS[kty];
  if (members === undefined) {
    fail(`kty must be EC, RSA or OKP, got ${JSON.stringify(jwk['kty'])}`);
  }
  const picked: Record<string, string> = {};
  for (const member of members) {
    const value = jwk[member];
    if (typeof value !== 'string' || value === '') {
      fail(`needs member "${member}" (a non-empty string) for kty ${kty}`);
    }
    picked[member] = value;
  }
  return picked;
}

function checkAlgorithm(key: KeyObject, jwk: PublicJwk, algorithm: SigningAlgorithm): void {
  const need = ALGORITHM_KEYS[algorithm];
  if (jwk['kty'] !== need.kty || (need.crv !== undefined && !need.crv.includes(jwk['crv'] ?? ''))) {
    const curve = jwk['crv'] === undefined ? '' : ` ${jwk['crv']}`;
    fail(
      `is a ${jwk['kty']}${curve} key, but ${algorithm} needs ${need.kty}${need.crv ? ` ${need.crv.join(' or ')}` : ''}`,
    );
  }
  assertStrongKey(key, {
    'weak-key': ({ bits }) =>
      `${SUBJECT} is an RSA key of ${bits ?? 0} bits; at least ${MIN_RSA_BITS} needed`,
  });
}

/** RFC 7638 thumbprint: base64url SHA-256 of the required members as compact JSON with sorted keys. */
export function jwkThumbprint(jwk: PublicJwk): string {
  return createHash('sha256').update(canonicalJson(jwk), 'utf8').digest('base64url');
}

export interface ValidatedJwk {
  readonly publicJwk: PublicJwk;
  readonly thumbprint: string;
}

/**
 * Validates a public signing JWK: no private member, a supported key type matching the algorithm, and a key
 * node:crypto accepts (`createPublicKey` checks e.g. that an EC point is on its curve). Returns the key reduced
 * to its RFC 7638 members, as node:crypto re-exports them (canonical encoding), and its thumbprint.
 */
export function validatePublicJwk(
  jwk: Readonly<Record<string, unknown>>,
  kid: string,
  algorithm: SigningAlgorithm,
): ValidatedJwk {
  const secret = privateJwkMember(jwk);
  if (secret !== undefined) {
    fail(`has private member "${secret}"; register the PUBLIC key only`);
  }
  checkOptionalMembers(jwk, kid, algorithm);
  const kty = typeof jwk['kty'] === 'string' ? jwk['kty'] : '';
  const members = pickMembers(jwk, kty);
  const key = parsePublicJwk(members, { unparsable: `${SUBJECT} is not a valid ${kty} public key` });
  const publicJwk = pickMembers(key.export({ format: 'jwk' }) as Record<string, unknown>, kty);
  checkAlgorithm(key, publicJwk, algorithm);
  return { publicJwk, thumbprint: jwkThumbprint(publicJwk) };
}
