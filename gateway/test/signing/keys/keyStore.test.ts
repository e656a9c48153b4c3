import { createPublicKey } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { findKeys, generateEcKeyPair, HsmToken, type KeyRef } from '../../../src/hsm';
import {
  HsmJwsSigner,
  InvalidSigningKeyRequestError,
  jwkThumbprint,
  SigningKeyExistsError,
  SigningKeyNotFoundError,
  SigningKeyStore,
  type SigningAlgorithm,
} from '../../../src/signing/keys';
import { newTestToken, TEST_PIN } from '../../support/softhsm';
import { runChild, verifiesWithNodeCrypto, verifyWithJose } from './support';

function attributes(token: HsmToken, key: KeyRef, types: readonly number[]): Map<number, unknown> {
  return token.use('read', (pkcs11, session) => {
    const found = pkcs11.C_GetAttributeValue(
      session,
      key.handle,
      types.map((type) => ({ type })),
    );
    return new Map(found.map((attribute) => [attribute.type, attribute.value]));
  });
}

const flag = (value: unknown): boolean => Buffer.isBuffer(value) && value[0] === 1;

describe('SigningKeyStore on SoftHSM', () => {
  let token: HsmToken;
  let keys: SigningKeyStore;

  beforeAll(() => {
    token = newTestToken('signing-keys');
    keys = new SigningKeyStore({ token, now: () => new Date('2026-01-02T03:04:05.000Z') });
  });

  afterAll(() => token.close());

  it.each<SigningAlgorithm>(['ES256', 'EdDSA'])(
    '%s: private key is a token object, sensitive, non-extractable, for signing only; CKA_VALUE is refused',
    (alg) => {
      const info = keys.generate({ alg });
      const [privateKey] = findKeys(token, { keyClass: 'private', label: info.kid });
      const [publicKey] = findKeys(token, { keyClass: 'public', label: info.kid });
      expect(privateKey).toBeDefined();
      expect(publicKey).toBeDefined();
      const found = attributes(token, privateKey!, [
        pkcs11js.CKA_TOKEN,
        pkcs11js.CKA_PRIVATE,
        pkcs11js.CKA_SENSITIVE,
        pkcs11js.CKA_ALWAYS_SENSITIVE,
        pkcs11js.CKA_EXTRACTABLE,
        pkcs11js.CKA_NEVER_EXTRACTABLE,
        pkcs11js.CKA_SIGN,
        pkcs11js.CKA_DECRYPT,
        pkcs11js.CKA_UNWRAP,
        pkcs11js.CKA_DERIVE,
      ]);
      expect(flag(found.get(pkcs11js.CKA_TOKEN))).toBe(true);
      expect(flag(found.get(pkcs11js.CKA_PRIVATE))).toBe(true);
      expect(flag(found.get(pkcs11js.CKA_SENSITIVE))).toBe(true);
      expect(flag(found.get(pkcs11js.CKA_ALWAYS_SENSITIVE))).toBe(true);
      expect(flag(found.get(pkcs11js.CKA_EXTRACTABLE))).toBe(false);
      expect(flag(found.get(pkcs11js.CKA_NEVER_EXTRACTABLE))).toBe(true);
      expect(flag(found.get(pkcs11js.CKA_SIGN))).toBe(true);
      expect(flag(found.get(pkcs11js.CKA_DECRYPT))).toBe(false);
      expect(flag(found.get(pkcs11js.CKA_UNWRAP))).toBe(false);
      expect(flag(found.get(pkcs11js.CKA_DERIVE))).toBe(false);
      expect(flag(attributes(token, publicKey!, [pkcs11js.CKA_TOKEN]).get(pkcs11js.CKA_TOKEN))).toBe(true);
      expect(() => attributes(token, privateKey!, [pkcs11js.CKA_VALUE])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
      // Both halves carry the same CKA_ID (SHA-256 of the public key), and the kid as label.
      expect(privateKey!.id).toEqual(publicKey!.id);
      expect(privateKey!.label).toBe(info.kid);
    },
  );

  it('kid is the RFC 7638 thumbprint of the public JWK, which has no private member', async () => {
    const es = keys.generate();
    const ed = keys.generate({ alg: 'EdDSA' });
    expect(es.publicJwk).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      y: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      kid: es.kid,
      alg: 'ES256',
      use: 'sig',
    });
    expect(ed.publicJwk).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      kid: ed.kid,
      alg: 'EdDSA',
      use: 'sig',
    });
    expect(JSON.stringify([es, ed, keys.jwks()])).not.toMatch(/"d"/);
    expect(es.createdAt).toBe('2026-01-02T03:04:05.000Z');
    // The public key round-trips through node:crypto, and the kid matches our thumbprint of it…
    const point = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(es.publicJwk.x, 'base64url'),
      Buffer.from(es.publicJwk.kty === 'EC' ? es.publicJwk.y : '', 'base64url'),
    ]);
    expect(createPublicKey({ key: { ...es.publicJwk }, format: 'jwk' }).asymmetricKeyType).toBe('ec');
    expect(jwkThumbprint(point, 'ES256')).toBe(es.kid);
    // …and jose's own calculateJwkThumbprint.
    const { thumbprints } = await verifyWithJose({ keys: [es.publicJwk, ed.publicJwk] }, []);
    expect(thumbprints).toEqual([es.kid, ed.kid]);
  });

  it('takes a kid of the caller, refuses a taken or unusable one, and leaves nothing behind', () => {
    const before = findKeys(token, { keyClass: 'private' }).length;
    const info = keys.generate({ kid: 'issuer-2026-01' });
    expect(info.kid).toBe('issuer-2026-01');
    expect(() => keys.generate({ kid: 'issuer-2026-01' })).toThrow(SigningKeyExistsError);
    for (const kid of ['', 'has space', 'slash/kid', 'x'.repeat(129), 'keyledger-pending-1']) {
      expect(() => keys.generate({ kid })).toThrow(InvalidSigningKeyRequestError);
    }
    expect(() => keys.generate({ alg: 'RS256' as SigningAlgorithm })).toThrow(InvalidSigningKeyRequestError);
    expect(findKeys(token, { keyClass: 'private' }).length).toBe(before + 1);
  });

  it('finds and lists only signing keys, and destroys one for good', () => {
    const other = newTestToken('signing-keys-list');
    try {
      const store = new SigningKeyStore({ token: other });
      // An EC key that is not a signing key (a wrapping key, a Fabric identity) is not listed.
      generateEcKeyPair(other, { label: 'not-a-signing-key', persistent: true });
      const a = store.generate();
      const b = store.generate({ alg: 'EdDSA' });
      expect(store.list().map((info) => info.kid)).toEqual([a.kid, b.kid]);
      expect(store.jwks().keys).toEqual([a.publicJwk, b.publicJwk]);
      expect(store.find(a.kid)).toEqual(a);
      expect(store.find('absent')).toBeUndefined();
      expect(() => store.signingKey('absent')).toThrow(SigningKeyNotFoundError);

      expect(store.destroy(a.kid)).toBe(true);
      expect(store.destroy(a.kid)).toBe(false);
      expect(store.find(a.kid)).toBeUndefined();
      expect(store.list()).toEqual([b]);
      expect(findKeys(other, { keyClass: 'private', label: a.kid })).toEqual([]);
      expect(findKeys(other, { keyClass: 'public', label: a.kid })).toEqual([]);
      expect(() => new HsmJwsSigner({ keys: store }).sign({ kid: a.kid, claims: {} })).toThrow(
        SigningKeyNotFoundError,
      );
      // A fresh store (no cache) agrees.
      expect(new SigningKeyStore({ token: other }).find(a.kid)).toBeUndefined();
      expect(findKeys(other, { keyClass: 'private', label: 'not-a-signing-key' })).toHaveLength(1);
    } finally {
      other.close();
    }
  });

  it('a reopened token and a new store find the keys by label and sign with them', () => {
    const store = new SigningKeyStore({ token });
    const es = store.generate();
    const ed = store.generate({ alg: 'EdDSA' });
    const label = token.label;
    const reopened = HsmToken.open({ label, pin: TEST_PIN });
    try {
      const fresh = new SigningKeyStore({ token: reopened });
      expect(fresh.find(es.kid)).toEqual(es);
      expect(fresh.find(ed.kid)).toEqual(ed);
      const signer = new HsmJwsSigner({ keys: fresh });
      for (const info of [es, ed]) {
        expect(verifiesWithNodeCrypto(signer.sign({ kid: info.kid, claims: { n: 1 } }), info.publicJwk)).toBe(
          true,
        );
      }
    } finally {
      reopened.close();
    }
  });

  it('after a process restart, a new process finds the key by label; its token verifies here', async () => {
    const info = keys.generate();
    const out = await runChild<{ list: { kid: string }[]; found: unknown; jws: string }>('restartSign', {
      label: token.label,
      pin: TEST_PIN,
      kid: info.kid,
    });
    expect(out.found).toEqual(info);
    expect(out.list.map((one) => one.kid)).toContain(info.kid);
    expect(verifiesWithNodeCrypto(out.jws, info.publicJwk)).toBe(true);
  });
});
