import {
  KeyMaterialError,
  parsePublicKey,
  PUBLIC_JWK_TYPES,
  spkiFingerprint,
  type KeyWording,
} from '../../protocol';

export const MAX_PUBLIC_KEY_LENGTH = 16384;

/** Governance's messages: they follow the field name in a schema issue (`publicKey: must be …`). */
const PUBLIC_KEY_WORDING: KeyWording = {
  'private-key': ({ member }) =>
    member === undefined
      ? 'must be a public key, not a private key'
      : `must be a public key: the JWK carries the private member "${member}"`,
  'not-json': 'is neither a PEM public key nor valid JWK JSON',
  'unsupported-type': `must be a JWK with kty ${PUBLIC_JWK_TYPES.join(', ')}`,
  'not-pem': 'must be a PEM SPKI public key (-----BEGIN PUBLIC KEY-----) or a public JWK',
  unparsable: 'is not a parseable public key',
};

/**
 * Why `text` is not an acceptable public key, or undefined when it is one. Accepted: a PEM SPKI
 * (`-----BEGIN PUBLIC KEY-----`) or a public JWK as JSON; private keys are refused outright (see lib/publicKeys).
 * A text answer rather than an error, because the schema reports it as an issue of its field.
 */
export function publicKeyProblem(text: string): string | undefined {
  try {
    parsePublicKey(text, PUBLIC_KEY_WORDING);
    return undefined;
  } catch (error) {
    if (error instanceof KeyMaterialError) {
      return error.reason;
    }
    throw error;
  }
}

/** SHA-256 (hex) of the key's SPKI DER: what events carry instead of the key. Call on validated keys only. */
export function publicKeyFingerprint(text: string): string {
  return spkiFingerprint(parsePublicKey(text));
}
