import { createHash, createVerify, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { p256 } from '@noble/curves/nist.js';
import * as pkcs11js from 'pkcs11js';
import {
  aesGcmDecrypt,
  aesGcmEncrypt,
  destroyKey,
  ecPublicPoint,
  ensureToken,
  findKey,
  findKeys,
  formatPkcs11Uri,
  generateAesKey,
  generateEcKeyPair,
  generateHmacKey,
  hmacSha256,
  hmacSha256Verify,
  HsmError,
  HsmToken,
  keyCheckValue,
  newHsmSigner,
  p256PointFromPublicKey,
  p256PublicKeyFromPoint,
  parsePkcs11Uri,
  signDigest,
  signDigestCompact,
  unwrapKeyFromSender,
  wrapKeyForRecipient,
  type EcKeyPair,
} from '../../src/hsm';
import { softHsmTestDir, TEST_PIN as PIN, TEST_SO_PIN as SO_PIN } from '../support/softhsm';

describe('HSM layer on SoftHSM', () => {
  let validator: HsmToken;
  let frontend: HsmToken;
  let frontendKey: EcKeyPair;

  beforeAll(() => {
    const tokenDir = join(softHsmTestDir(), 'tokens');
    const before = readdirSync(tokenDir).length;
    expect(ensureToken({ label: 'validator-1', pin: PIN, soPin: SO_PIN })).toBe('created');
    expect(ensureToken({ label: 'frontend-1', pin: PIN, soPin: SO_PIN })).toBe('created');
    // The tokens land in the project-owned directory, not the system's.
    expect(readdirSync(tokenDir).length).toBe(before + 2);
    expect(ensureToken({ label: 'frontend-1', pin: PIN, soPin: SO_PIN })).toBe('existing');
    validator = HsmToken.open({ label: 'validator-1', pin: PIN });
    frontend = HsmToken.open({ label: 'frontend-1', pin: PIN });
    frontendKey = generateEcKeyPair(frontend, { label: 'wrapping-key', sign: false, derive: true });
  });

  afterAll(() => {
    validator.close();
    frontend.close();
  });

  it('refuses a wrong PIN and an unknown token', () => {
    expect(() => HsmToken.open({ label: 'validator-1', pin: '00000000' })).toThrow(/CKR_PIN_INCORRECT/);
    expect(() => HsmToken.open({ label: 'nope', pin: PIN })).toThrow('no token labelled nope');
  });

  it('makes AES keys sensitive and, unless asked, non-extractable', () => {
    const key = generateAesKey(validator, { label: 'k-sensitive' });
    expect(() =>
      validator.use('read', (pkcs11, session) =>
        pkcs11.C_GetAttributeValue(session, key.handle, [{ type: pkcs11js.CKA_VALUE }]),
      ),
    ).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
    expect(() => wrapKeyForRecipient(validator, key, frontendKey.publicPoint, Buffer.from('ctx'))).toThrow(
      /CKR_KEY_UNEXTRACTABLE/,
    );
  });

  it('signs digests with ECDSA P-256: low-S DER that node:crypto verifies', () => {
    const pair = generateEcKeyPair(validator, { label: 'signing' });
    const publicKey = p256PublicKeyFromPoint(pair.publicPoint);
    expect(pair.privateKey.id).toEqual(createHash('sha256').update(pair.publicPoint).digest());
    expect(ecPublicPoint(validator, pair.publicKey)).toEqual(pair.publicPoint);
    for (let i = 0; i < 20; i += 1) {
      const message = randomBytes(100);
      const der = signDigest(validator, pair.privateKey, createHash('sha256').update(message).digest());
      expect(createVerify('sha256').update(message).verify(publicKey, Buffer.from(der))).toBe(true);
      expect(p256.Signature.fromBytes(der, 'der').hasHighS()).toBe(false);
    }
    const compact = signDigestCompact(validator, pair.privateKey, Buffer.alloc(32, 1));
    expect(compact).toHaveLength(64);
    expect(() => signDigest(validator, pair.privateKey, Buffer.alloc(31))).toThrow('32-byte');
  });

  it('wraps a key for a recipient, who unwraps the same key (same KCV) into its own token', () => {
    const key = generateAesKey(validator, { label: 'queue-a/v1', extractable: true });
    const context = Buffer.from('queue-a/1');
    const wrapped = wrapKeyForRecipient(validator, key, frontendKey.publicPoint, context);
    expect(wrapped.wrappedKey).toHaveLength(40);
    const unwrapped = unwrapKeyFromSender(frontend, frontendKey.privateKey, wrapped, {
      label: 'queue-a/v1',
      recipientPoint: frontendKey.publicPoint,
      context,
    });
    expect(keyCheckValue(frontend, unwrapped)).toBe(keyCheckValue(validator, key));
    expect(keyCheckValue(validator, key)).toMatch(/^[0-9a-f]{6}$/);

    const aad = Buffer.from('queue-a|1');
    const sealed = aesGcmEncrypt(validator, key, Buffer.from('hello'), aad);
    expect(aesGcmDecrypt(frontend, unwrapped, sealed, aad).toString()).toBe('hello');
    // The unwrapped key is as locked down as one generated in place.
    expect(() => wrapKeyForRecipient(frontend, unwrapped, frontendKey.publicPoint, context)).toThrow(
      /CKR_KEY_UNEXTRACTABLE/,
    );
  });

  it('refuses to unwrap under another context, for another recipient, or after tampering', () => {
    const key = generateAesKey(validator, { label: 'queue-b/v1', extractable: true });
    const wrapped = wrapKeyForRecipient(validator, key, frontendKey.publicPoint, Buffer.from('queue-b/1'));
    const options = {
      label: 'x',
      recipientPoint: frontendKey.publicPoint,
      context: Buffer.from('queue-b/1'),
    };
    expect(() =>
      unwrapKeyFromSender(frontend, frontendKey.privateKey, wrapped, {
        ...options,
        context: Buffer.from('queue-b/2'),
      }),
    ).toThrow(HsmError);
    const other = generateEcKeyPair(frontend, { label: 'other', sign: false, derive: true });
    expect(() =>
      unwrapKeyFromSender(frontend, other.privateKey, wrapped, {
        ...options,
        recipientPoint: other.publicPoint,
      }),
    ).toThrow(HsmError);
    const tampered = { ...wrapped, wrappedKey: Buffer.from(wrapped.wrappedKey) };
    tampered.wrappedKey[5] = (tampered.wrappedKey[5] ?? 0) ^ 1;
    expect(() => unwrapKeyFromSender(frontend, frontendKey.privateKey, tampered, options)).toThrow(HsmError);
    expect(() => wrapKeyForRecipient(validator, key, Buffer.alloc(33), Buffer.alloc(0))).toThrow(
      'uncompressed P-256 point',
    );
  });

  it('authenticates AES-GCM ciphertext and its AAD', () => {
    const key = generateAesKey(validator, { label: 'gcm' });
    const sealed = aesGcmEncrypt(validator, key, Buffer.alloc(1024, 7), Buffer.from('aad'));
    expect(sealed.iv).toHaveLength(12);
    expect(sealed.ciphertext).toHaveLength(1024 + 16);
    expect(aesGcmDecrypt(validator, key, sealed, Buffer.from('aad'))).toEqual(Buffer.alloc(1024, 7));
    expect(() => aesGcmDecrypt(validator, key, sealed, Buffer.from('other'))).toThrow(HsmError);
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() =>
      aesGcmDecrypt(validator, key, { iv: sealed.iv, ciphertext: flipped }, Buffer.from('aad')),
    ).toThrow(HsmError);
  });

  it('computes and verifies HMAC-SHA256 inside the token', () => {
    const key = generateHmacKey(validator, { label: 'mac' });
    const mac = hmacSha256(validator, key, Buffer.from('data'));
    expect(mac).toHaveLength(32);
    expect(hmacSha256(validator, key, Buffer.from('data'))).toEqual(mac);
    expect(hmacSha256Verify(validator, key, Buffer.from('data'), mac)).toBe(true);
    expect(hmacSha256Verify(validator, key, Buffer.from('datA'), mac)).toBe(false);
  });

  it('finds keys by label and id, keeps token objects across a restart, and destroys them', () => {
    const key = generateAesKey(validator, { label: 'persistent-key', persistent: true });
    const kcv = keyCheckValue(validator, key);
    validator.close();
    validator = HsmToken.open({ label: 'validator-1', pin: PIN });
    const found = findKey(validator, { keyClass: 'secret', label: 'persistent-key' });
    expect(found).toBeDefined();
    expect(keyCheckValue(validator, found!)).toBe(kcv);
    expect(findKey(validator, { keyClass: 'secret', id: key.id })?.label).toBe('persistent-key');
    destroyKey(validator, found!);
    expect(findKeys(validator, { keyClass: 'secret', label: 'persistent-key' })).toEqual([]);
  });

  it('serves concurrent signers from its session pool', async () => {
    const pair = generateEcKeyPair(validator, { label: 'fabric-identity' });
    const signer = newHsmSigner(validator, pair.privateKey);
    const digests = Array.from({ length: 50 }, (_, i) => createHash('sha256').update(String(i)).digest());
    const signatures = await Promise.all(digests.map((digest) => signer(digest)));
    signatures.forEach((signature, i) => {
      expect(
        p256.verify(signature, digests[i]!, pair.publicPoint, { prehash: false, lowS: true, format: 'der' }),
      ).toBe(true);
    });
    expect(validator.sessionCount).toBeLessThanOrEqual(4);
  });

  it('round-trips public keys between PKCS#11 points and node:crypto', () => {
    const point = generateEcKeyPair(validator, { label: 'pt' }).publicPoint;
    expect(p256PointFromPublicKey(p256PublicKeyFromPoint(point))).toEqual(point);
    expect(() => p256PublicKeyFromPoint(point.subarray(1))).toThrow(HsmError);
  });
});

describe('PKCS#11 URIs (RFC 7512)', () => {
  it('parses path and query attributes with percent-encoding', () => {
    const uri = parsePkcs11Uri(
      'pkcs11:token=front%20end;object=queue-a;type=secret;id=%01%ff?pin-value=1234&module-path=/usr/lib/softhsm/libsofthsm2.so',
    );
    expect(uri).toEqual({
      token: 'front end',
      object: 'queue-a',
      type: 'secret',
      id: Buffer.from([1, 255]),
      pinValue: '1234',
      pinSource: undefined,
      modulePath: '/usr/lib/softhsm/libsofthsm2.so',
    });
    expect(parsePkcs11Uri(formatPkcs11Uri(uri))).toEqual(uri);
  });

  it.each([
    ['pkcs12:token=a', 'starts with "pkcs11:"'],
    ['pkcs11:color=red', 'unknown PKCS#11 URI attribute color'],
    ['pkcs11:token=a;token=b', 'appears twice'],
    ['pkcs11:type=key', 'type must be one of'],
    ['pkcs11:object=%zz', 'bad percent-encoding'],
  ])('rejects %s', (text, message) => {
    expect(() => parsePkcs11Uri(text)).toThrow(message);
  });
});
