import { createPublicKey, verify, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ValidationError } from './errors';
import { sha256Hex } from './hash';

/**
 * Public keys and certificates that callers submit, for every contract that stores one or verifies with one.
 *
 * Two rules hold throughout. Private key material is refused before anything is parsed: `createPublicKey`
 * happily derives a public key from a private one, so a secret pasted by mistake would otherwise be accepted and
 * land on the ledger, readable by every peer forever. And no error quotes its input: what was rejected may be
 * exactly such a secret, and error messages travel back to clients and into logs.
 *
 * Each contract words its own errors ({@link KeyWording}); the checks, and their order, are the same everywhere.
 */

/** JWK members only private or secret keys carry: RSA (RFC 7518 §6.3.2), EC and OKP `d`, symmetric `k`. */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
export type PrivateJwkMember = (typeof PRIVATE_JWK_MEMBERS)[number];

/** The asymmetric JWK key types (RFC 7518 §6.1, RFC 8037 §2); `oct` is a shared secret, never a public key. */
export const PUBLIC_JWK_TYPES: readonly string[] = ['EC', 'RSA', 'OKP'];

/** Smallest RSA modulus accepted where key strength is checked (NIST SP 800-57: 112-bit security). */
export const MIN_RSA_BITS = 2048;

/** Why key material was refused. */
export type KeyProblem =
  /** Private or secret key material where a public key belongs. */
  | 'private-key'
  /** Not one PEM block of the expected label. */
  | 'not-pem'
  /** Looked like a JWK (starts with `{`) but is not JSON. */
  | 'not-json'
  /** A JWK whose `kty` is not one of {@link PUBLIC_JWK_TYPES}. */
  | 'unsupported-type'
  /** The envelope is right, but node:crypto cannot read a key or certificate from it. */
  | 'unparsable'
  /** An RSA key under {@link MIN_RSA_BITS}. */
  | 'weak-key';

/** A refusal, with what a message may safely name: a JWK member name or a key size, never key material. */
export interface KeyIssue {
  readonly problem: KeyProblem;
  /** For `private-key` found in a JWK: which member gave it away. */
  readonly member?: PrivateJwkMember;
  /** For `weak-key`: the modulus length, when node:crypto reports one. */
  readonly bits?: number;
}

/** A contract's own message per problem; problems left out get the lib's wording. */
export type KeyWording = Readonly<Partial<Record<KeyProblem, string | ((issue: KeyIssue) => string)>>>;

/** Refused key material. A {@link ValidationError}, so it reaches clients as `[INVALID_ARGUMENT] …`. */
export class KeyMaterialError extends ValidationError {
  readonly problem: KeyProblem;
  readonly member?: PrivateJwkMember;
  readonly bits?: number;
  /** The message without its `[INVALID_ARGUMENT]` prefix, for callers that report problems as text. */
  readonly reason: string;

  constructor(issue: KeyIssue, reason: string) {
    super(reason);
    this.problem = issue.problem;
    this.member = issue.member;
    this.bits = issue.bits;
    this.reason = reason;
  }
}

function refuse(issue: KeyIssue, wording: KeyWording | undefined, fallback: string): never {
  const custom = wording?.[issue.problem];
  const reason = custom === undefined ? fallback : typeof custom === 'string' ? custom : custom(issue);
  throw new KeyMaterialError(issue, reason);
}

/** Every PEM private key armour says so: PRIVATE KEY, EC/RSA PRIVATE KEY, ENCRYPTED PRIVATE KEY, OPENSSH … */
const PRIVATE_PEM = /PRIVATE KEY/;

/** Exactly one PEM block with this label: base64 lines between the armour lines, nothing around them. */
function pemBlock(label: string): RegExp {
  return new RegExp(`^-----BEGIN ${label}-----\\r?\\n(?:[A-Za-z0-9+/=]+\\r?\\n)+-----END ${label}-----$`);
}

const PUBLIC_KEY_PEM = pemBlock('PUBLIC KEY');
const CERTIFICATE_PEM = pemBlock('CERTIFICATE');

/** The first private member of a JWK-shaped value, or undefined (also for anything that is not an object). */
export function privateJwkMember(value: unknown): PrivateJwkMember | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  return PRIVATE_JWK_MEMBERS.find((member) => member in value);
}

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

function parsesAsPrivateJwk(text: string): boolean {
  try {
    return privateJwkMember(JSON.parse(text)) !== undefined;
  } catch {
    return false;
  }
}

/**
 * Whether opaque input (text, or raw bytes such as a decoded base64 field) recognisably holds a private key: a
 * PEM private key, a JWK with a private member, or PKCS#8 / SEC1 DER. A heuristic for fields the chaincode does
 * not otherwise parse (wrapped keys, ephemeral public keys): it catches mistakes, it cannot prove absence.
 */
export function looksLikePrivateKey(input: string | Uint8Array): boolean {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  return PRIVATE_PEM.test(text) || parsesAsPrivateJwk(text) || isPrivateKeyDer(bytes);
}

/** A PEM SPKI public key (`-----BEGIN PUBLIC KEY-----`); surrounding whitespace is ignored. */
export function parsePublicKeyPem(text: string, wording?: KeyWording): KeyObject {
  if (PRIVATE_PEM.test(text)) {
    refuse({ problem: 'private-key' }, wording, 'must be a public key, not a private key');
  }
  const pem = text.trim();
  if (!PUBLIC_KEY_PEM.test(pem)) {
    refuse({ problem: 'not-pem' }, wording, 'must be one PEM "PUBLIC KEY" (SPKI) block');
  }
  try {
    return createPublicKey({ key: pem, format: 'pem' });
  } catch {
    return refuse({ problem: 'unparsable' }, wording, 'is not a parsable public key');
  }
}

/** A PEM X.509 certificate (`-----BEGIN CERTIFICATE-----`); its key is `.publicKey`. */
export function parseCertificatePem(text: string, wording?: KeyWording): X509Certificate {
  if (PRIVATE_PEM.test(text)) {
    refuse({ problem: 'private-key' }, wording, 'must be a certificate, not a private key');
  }
  const pem = text.trim();
  if (!CERTIFICATE_PEM.test(pem)) {
    refuse({ problem: 'not-pem' }, wording, 'must be one PEM "CERTIFICATE" block');
  }
  try {
    return new X509Certificate(pem);
  } catch {
    return refuse({ problem: 'unparsable' }, wording, 'is not a parsable X.509 certificate');
  }
}

/**
 * A public JWK (kty EC, RSA or OKP). node:crypto checks the rest, e.g. that an EC point lies on its curve.
 * Members other than the key's own (kid, alg, use, …) are the caller's to check.
 */
export function parsePublicJwk(jwk: Readonly<Record<string, unknown>>, wording?: KeyWording): KeyObject {
  const member = privateJwkMember(jwk);
  if (member !== undefined) {
    refuse(
      { problem: 'private-key', member },
      wording,
      `must be a public key: the JWK has private member "${member}"`,
    );
  }
  if (typeof jwk['kty'] !== 'string' || !PUBLIC_JWK_TYPES.includes(jwk['kty'])) {
    refuse({ problem: 'unsupported-type' }, wording, `must be a JWK with kty ${PUBLIC_JWK_TYPES.join(', ')}`);
  }
  try {
    return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    return refuse({ problem: 'unparsable' }, wording, 'is not a parsable public key');
  }
}

/** A public key as text: a JWK as JSON when it starts with `{`, otherwise a PEM SPKI. */
export function parsePublicKey(text: string, wording?: KeyWording): KeyObject {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) {
    return parsePublicKeyPem(text, wording);
  }
  let jwk: Record<string, unknown>;
  try {
    // text starts with '{', so whatever parses is an object
    jwk = JSON.parse(trimmed) as Record<string, unknown>;
  } catch {
    return refuse({ problem: 'not-json' }, wording, 'is neither a PEM public key nor valid JWK JSON');
  }
  return parsePublicJwk(jwk, wording);
}

/** Refuses RSA keys (PKCS#1 or PSS) under {@link MIN_RSA_BITS}; other key types have fixed strength. */
export function assertStrongKey(key: KeyObject, wording?: KeyWording): void {
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') {
    return;
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits === undefined || bits < MIN_RSA_BITS) {
    refuse(
      { problem: 'weak-key', bits },
      wording,
      `is an RSA key of ${bits ?? '?'} bits; at least ${MIN_RSA_BITS} needed`,
    );
  }
}

/** The key as SPKI PEM, as node:crypto re-exports it: equal keys are stored byte-identically. */
export function spkiPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/** SHA-256 (hex) of the key's SPKI DER: one fingerprint per key, whether it came as PEM, JWK or certificate. */
export function spkiFingerprint(key: KeyObject): string {
  return sha256Hex(key.export({ type: 'spki', format: 'der' }));
}

/**
 * Verifies a signature over `data`, by the key's type. Deterministic, so every endorser reaches the same answer.
 *
 * - EC: ECDSA with SHA-256; the signature DER-encoded or raw r‖s (IEEE P1363, what PKCS#11 `CKM_ECDSA` returns).
 *   Both encodings carry the same (r, s), so accepting either changes nothing about what is proven.
 * - Ed25519 / Ed448: pure EdDSA over `data` (no pre-hash).
 * - RSA: SHA-256, PKCS#1 v1.5 (or PSS for an RSA-PSS key).
 *
 * A malformed signature, or a key that cannot sign at all (X25519), makes OpenSSL throw: that is "not valid".
 */
export function verifySignature(key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519' || type === 'ed448') {
    return safeVerify(() => verify(null, data, key, signature));
  }
  if (type === 'ec') {
    return (
      safeVerify(() => verify('sha256', data, { key, dsaEncoding: 'der' }, signature)) ||
      safeVerify(() => verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature))
    );
  }
  return safeVerify(() => verify('sha256', data, key, signature));
}

function safeVerify(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

/** An uncompressed P-256 point 04‖X‖Y on the curve (node:crypto refuses a point off the curve). */
export function isP256Point(bytes: Buffer): boolean {
  if (bytes.length !== 65 || bytes[0] !== 0x04) {
    return false;
  }
  try {
    createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: bytes.subarray(1, 33).toString('base64url'),
        y: bytes.subarray(33).toString('base64url'),
      },
      format: 'jwk',
    });
    return true;
  } catch {
    return false;
  }
}
