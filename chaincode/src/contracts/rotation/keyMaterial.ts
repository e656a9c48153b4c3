/**
 * Heuristics that keep plaintext private keys off the ledger. Wrapped keys and public keys are opaque base64
 * to the chaincode, but some mistakes are recognisable: a PEM private key, a JWK carrying the private
 * member `d`, or a PKCS#8 DER structure.
 */

/**
 * DER of PKCS#8 `PrivateKeyInfo` starts SEQUENCE { INTEGER 0, SEQUENCE { OID … } }; SEC1 `ECPrivateKey` starts
 * SEQUENCE { INTEGER 1, OCTET STRING … }. Public keys (SPKI) start SEQUENCE { SEQUENCE … } and do not match.
 */
function isPrivateKeyDer(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0x30) {
    return false;
  }
  // Skip the outer length (short or long form), then look at the version INTEGER and the next tag.
  const lengthByte = bytes[1] ?? 0;
  const offset = lengthByte < 0x80 ? 2 : 2 + (lengthByte & 0x7f);
  if (bytes[offset] !== 0x02 || bytes[offset + 1] !== 0x01) {
    return false;
  }
  const version = bytes[offset + 2];
  const next = bytes[offset + 3];
  return (version === 0x00 && next === 0x30) || (version === 0x01 && next === 0x04);
}

function isPrivateJwk(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && 'd' in parsed;
  } catch {
    return false;
  }
}

export function looksLikePrivateKey(bytes: Uint8Array): boolean {
  const text = Buffer.from(bytes).toString('utf8');
  return /PRIVATE KEY/.test(text) || isPrivateJwk(text) || isPrivateKeyDer(bytes);
}
