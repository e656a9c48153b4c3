import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import {
  assertStrongKey,
  KeyMaterialError,
  looksLikePrivateKey,
  MIN_RSA_BITS,
  parseCertificatePem,
  parsePublicJwk,
  parsePublicKey,
  parsePublicKeyPem,
  privateJwkMember,
  sha256Hex,
  spkiFingerprint,
  spkiPem,
  ValidationError,
  verifySignature,
  type KeyIssue,
  type KeyWording,
} from '../../src/protocol';
import { IdentityFactory } from '../support/identities';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ecPrivatePem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ecJwk = ec.publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
const ecPrivateJwk = ec.privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
const ecDer = ec.publicKey.export({ type: 'spki', format: 'der' });
const garbagePem = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n';

/** Runs `fn`, which must throw a KeyMaterialError, and returns it. */
function refusal(fn: () => unknown): KeyMaterialError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyMaterialError);
    return error as KeyMaterialError;
  }
  throw new Error('expected a KeyMaterialError');
}

/** The secret parts of the test keys, none of which may appear in any message. */
const secrets = [ecPrivatePem.split('\n')[1] ?? '', String(ecPrivateJwk['d'])];

function expectNoSecret(error: KeyMaterialError): void {
  for (const secret of secrets) {
    expect(error.message).not.toContain(secret);
  }
}

describe('sha256Hex', () => {
  it('hashes text as UTF-8 and bytes as they are', () => {
    const expected = createHash('sha256').update('ä').digest('hex');
    expect(sha256Hex('ä')).toBe(expected);
    expect(sha256Hex(Buffer.from('ä', 'utf8'))).toBe(expected);
  });
});

describe('parsePublicKeyPem', () => {
  it('reads an SPKI PEM, with CRLF line ends and surrounding whitespace', () => {
    const key = parsePublicKeyPem(`\n  ${ecPem.replace(/\n/g, '\r\n')}  \n`);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(spkiPem(key)).toBe(ecPem);
    expect(spkiFingerprint(key)).toBe(sha256Hex(ecDer));
  });

  it('refuses a private key before parsing it, without quoting it', () => {
    const error = refusal(() => parsePublicKeyPem(ecPrivatePem));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.problem).toBe('private-key');
    expect(error.message).toBe('[INVALID_ARGUMENT] must be a public key, not a private key');
    expect(error.reason).toBe('must be a public key, not a private key');
    expectNoSecret(error);
    const sec1 = ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    expect(refusal(() => parsePublicKeyPem(sec1)).problem).toBe('private-key');
  });

  it.each([
    ['text that is not PEM', 'hello'],
    ['a PKCS#1 RSA public key', '-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----'],
    ['two blocks', `${ecPem}${ecPem}`],
    ['a blank line inside', ecPem.replace('\n', '\n\n')],
    ['base64 on the END line', ecPem.replace('\n-----END', '-----END')],
  ])('refuses %s as not one PUBLIC KEY block', (_what, text) => {
    expect(refusal(() => parsePublicKeyPem(text))).toMatchObject({
      problem: 'not-pem',
      reason: 'must be one PEM "PUBLIC KEY" (SPKI) block',
    });
  });

  it('refuses a PUBLIC KEY block node:crypto cannot read', () => {
    expect(refusal(() => parsePublicKeyPem(garbagePem))).toMatchObject({
      problem: 'unparsable',
      reason: 'is not a parsable public key',
    });
  });

  it('words each problem as the caller asks, by text or by function', () => {
    const wording: KeyWording = {
      'private-key': 'no secrets please',
      unparsable: (issue: KeyIssue) => `cannot read (${issue.problem})`,
    };
    expect(refusal(() => parsePublicKeyPem(ecPrivatePem, wording)).reason).toBe('no secrets please');
    expect(refusal(() => parsePublicKeyPem(garbagePem, wording)).reason).toBe('cannot read (unparsable)');
    // Not worded by the caller: the lib's words.
    expect(refusal(() => parsePublicKeyPem('x', wording)).reason).toBe(
      'must be one PEM "PUBLIC KEY" (SPKI) block',
    );
  });
});

describe('parseCertificatePem', () => {
  it('reads a certificate and its public key', async () => {
    const identity = await new IdentityFactory().create('alice');
    const certificate = parseCertificatePem(`${identity.certPem}\n\n`);
    expect(sha256Hex(certificate.raw)).toBe(identity.fingerprint);
    expect(certificate.publicKey.asymmetricKeyType).toBe('ec');
  });

  it('refuses private keys, other PEM and unreadable certificates', () => {
    const privateKey = refusal(() => parseCertificatePem(ecPrivatePem));
    expect(privateKey).toMatchObject({
      problem: 'private-key',
      reason: 'must be a certificate, not a private key',
    });
    expectNoSecret(privateKey);
    expect(refusal(() => parseCertificatePem(ecPem))).toMatchObject({
      problem: 'not-pem',
      reason: 'must be one PEM "CERTIFICATE" block',
    });
    expect(
      refusal(() => parseCertificatePem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')),
    ).toMatchObject({ problem: 'unparsable', reason: 'is not a parsable X.509 certificate' });
  });
});

describe('parsePublicJwk and parsePublicKey', () => {
  it('reads EC, RSA and OKP public JWKs to the same key as their PEM', () => {
    expect(spkiFingerprint(parsePublicJwk(ecJwk))).toBe(sha256Hex(ecDer));
    expect(spkiFingerprint(parsePublicKey(JSON.stringify(ecJwk)))).toBe(sha256Hex(ecDer));
    expect(spkiFingerprint(parsePublicKey(` ${ecPem}`))).toBe(sha256Hex(ecDer));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(parsePublicJwk(rsa.export({ format: 'jwk' }) as Record<string, unknown>).asymmetricKeyType).toBe(
      'rsa',
    );
    const ed = generateKeyPairSync('ed25519').publicKey;
    expect(parsePublicKey(JSON.stringify(ed.export({ format: 'jwk' }))).asymmetricKeyType).toBe('ed25519');
  });

  it.each(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'])(
    'refuses a JWK with private member %s, naming the member only',
    (member) => {
      const error = refusal(() => parsePublicJwk({ ...ecJwk, [member]: ecPrivateJwk['d'] }));
      expect(error).toMatchObject({
        problem: 'private-key',
        member,
        reason: `must be a public key: the JWK has private member "${member}"`,
      });
      expectNoSecret(error);
    },
  );

  it('refuses symmetric and unknown key types, off-curve points and text that is not JSON', () => {
    expect(refusal(() => parsePublicJwk({ kty: 'oct' }))).toMatchObject({
      problem: 'unsupported-type',
      reason: 'must be a JWK with kty EC, RSA, OKP',
    });
    expect(refusal(() => parsePublicJwk({ x: 'AAAA' })).problem).toBe('unsupported-type');
    expect(refusal(() => parsePublicJwk({ ...ecJwk, x: 'AAAA' }))).toMatchObject({
      problem: 'unparsable',
      reason: 'is not a parsable public key',
    });
    expect(refusal(() => parsePublicKey('{"kty":'))).toMatchObject({
      problem: 'not-json',
      reason: 'is neither a PEM public key nor valid JWK JSON',
    });
    const privateJwk = refusal(() => parsePublicKey(JSON.stringify(ecPrivateJwk)));
    expect(privateJwk).toMatchObject({ problem: 'private-key', member: 'd' });
    expectNoSecret(privateJwk);
    expect(refusal(() => parsePublicKey(ecPrivatePem)).problem).toBe('private-key');
    expect(refusal(() => parsePublicKey('[1]')).problem).toBe('not-pem');
  });
});

describe('assertStrongKey', () => {
  const rsaKey = (bits: number, type: 'rsa' | 'rsa-pss' = 'rsa'): KeyObject =>
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: bits }).publicKey
      : generateKeyPairSync('rsa-pss', { modulusLength: bits }).publicKey;

  it('refuses RSA and RSA-PSS keys under the minimum and accepts the rest', () => {
    expect(refusal(() => assertStrongKey(rsaKey(1024)))).toMatchObject({
      problem: 'weak-key',
      bits: 1024,
      reason: `is an RSA key of 1024 bits; at least ${MIN_RSA_BITS} needed`,
    });
    expect(refusal(() => assertStrongKey(rsaKey(1024, 'rsa-pss'))).bits).toBe(1024);
    expect(() => assertStrongKey(rsaKey(MIN_RSA_BITS))).not.toThrow();
    expect(() => assertStrongKey(ec.publicKey)).not.toThrow();
    expect(() => assertStrongKey(generateKeyPairSync('ed25519').publicKey)).not.toThrow();
  });

  it('refuses an RSA key whose size node:crypto does not report', () => {
    const unknownSize = { asymmetricKeyType: 'rsa', asymmetricKeyDetails: {} } as KeyObject;
    expect(refusal(() => assertStrongKey(unknownSize))).toMatchObject({
      problem: 'weak-key',
      reason: `is an RSA key of ? bits; at least ${MIN_RSA_BITS} needed`,
    });
  });
});

describe('privateJwkMember and looksLikePrivateKey', () => {
  it('names the first private member of an object and ignores everything else', () => {
    expect(privateJwkMember(ecPrivateJwk)).toBe('d');
    expect(privateJwkMember({ kty: 'oct', k: 'AAAA' })).toBe('k');
    expect(privateJwkMember(ecJwk)).toBeUndefined();
    expect(privateJwkMember(null)).toBeUndefined();
    expect(privateJwkMember('d')).toBeUndefined();
    expect(privateJwkMember(['d'])).toBeUndefined();
  });

  it('recognises PEM, JWK and DER private keys, as text or bytes', () => {
    expect(looksLikePrivateKey(ecPrivatePem)).toBe(true);
    expect(looksLikePrivateKey(Buffer.from(ecPrivatePem))).toBe(true);
    expect(looksLikePrivateKey(JSON.stringify(ecPrivateJwk))).toBe(true);
    expect(looksLikePrivateKey(JSON.stringify({ kty: 'oct', k: 'AAAA' }))).toBe(true);
    expect(looksLikePrivateKey(ec.privateKey.export({ type: 'pkcs8', format: 'der' }))).toBe(true);
    expect(looksLikePrivateKey(ec.privateKey.export({ type: 'sec1', format: 'der' }))).toBe(true);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    // Long-form DER length (RSA keys are > 127 bytes).
    expect(looksLikePrivateKey(rsa.privateKey.export({ type: 'pkcs8', format: 'der' }))).toBe(true);
  });

  it('does not flag public keys, ciphertext or truncated DER', () => {
    expect(looksLikePrivateKey(ecPem)).toBe(false);
    expect(looksLikePrivateKey(ecDer)).toBe(false);
    expect(looksLikePrivateKey(JSON.stringify(ecJwk))).toBe(false);
    expect(looksLikePrivateKey('null')).toBe(false);
    expect(looksLikePrivateKey(Buffer.alloc(40, 0xa5))).toBe(false);
    expect(looksLikePrivateKey(Buffer.from([0x30]))).toBe(false);
    expect(looksLikePrivateKey(Buffer.from([0x30, 0x05, 0x02, 0x01, 0x05, 0x30]))).toBe(false);
  });
});

describe('verifySignature', () => {
  const data = Buffer.from('{"statement":1}');

  it('verifies EC signatures in DER and raw r‖s encoding', () => {
    const der = sign('sha256', data, ec.privateKey);
    const raw = sign('sha256', data, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
    expect(raw).toHaveLength(64);
    expect(verifySignature(ec.publicKey, data, der)).toBe(true);
    expect(verifySignature(ec.publicKey, data, raw)).toBe(true);
    expect(verifySignature(ec.publicKey, Buffer.from('other'), der)).toBe(false);
    expect(verifySignature(ec.publicKey, Buffer.from('other'), raw)).toBe(false);
    expect(verifySignature(ec.publicKey, data, Buffer.alloc(64, 1))).toBe(false);
    expect(verifySignature(ec.publicKey, data, Buffer.from('garbage'))).toBe(false);
  });

  it('verifies Ed25519, Ed448 and RSA signatures', () => {
    for (const type of ['ed25519', 'ed448'] as const) {
      const pair = type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ed448');
      const signature = sign(null, data, pair.privateKey);
      expect(verifySignature(pair.publicKey, data, signature)).toBe(true);
      expect(verifySignature(pair.publicKey, Buffer.from('other'), signature)).toBe(false);
      expect(verifySignature(pair.publicKey, data, Buffer.from('garbage'))).toBe(false);
    }
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(verifySignature(rsa.publicKey, data, sign('sha256', data, rsa.privateKey))).toBe(true);
    expect(verifySignature(rsa.publicKey, data, Buffer.alloc(3))).toBe(false);
  });

  it('answers false for a key that cannot verify at all', () => {
    expect(verifySignature(generateKeyPairSync('x25519').publicKey, data, Buffer.alloc(64))).toBe(false);
  });
});
