import { hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import {
  ensureToken,
  generateEcKeyPair,
  hkdfExpand,
  hkdfExtract,
  HsmError,
  hmacKeyCheckValue,
  HsmToken,
  importSecretKey,
  unwrapKeyFromSender,
  withEphemeralSecret,
  wrapKeyForRecipient,
  type KeyRef,
} from '../../src/hsm';
import { TEST_PIN as PIN, TEST_SO_PIN as SO_PIN } from '../support/softhsm';

/** RFC 5869 Appendix A, the SHA-256 cases (A.1–A.3). */
const VECTORS = [
  {
    name: 'A.1 basic',
    ikm: '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b',
    salt: '000102030405060708090a0b0c',
    info: 'f0f1f2f3f4f5f6f7f8f9',
    length: 42,
    prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
    okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  },
  {
    name: 'A.2 longer inputs and outputs',
    ikm: Array.from({ length: 80 }, (_, i) => i.toString(16).padStart(2, '0')).join(''),
    salt: Array.from({ length: 80 }, (_, i) => (0x60 + i).toString(16).padStart(2, '0')).join(''),
    info: Array.from({ length: 80 }, (_, i) => (0xb0 + i).toString(16).padStart(2, '0')).join(''),
    length: 82,
    prk: '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
    okm:
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09' +
      'da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
  },
  {
    name: 'A.3 zero-length salt and info',
    ikm: '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b',
    salt: '',
    info: '',
    length: 42,
    prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
    okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
  },
] as const;

describe('HKDF (RFC 5869) with every HMAC in SoftHSM', () => {
  let token: HsmToken;

  beforeAll(() => {
    ensureToken({ label: 'hkdf-1', pin: PIN, soPin: SO_PIN });
    token = HsmToken.open({ label: 'hkdf-1', pin: PIN });
  });
  afterAll(() => token.close());

  function importedPrk(prk: Buffer): KeyRef {
    return importSecretKey(token, prk, { label: 'test-prk', kind: 'hmac' });
  }

  it.each(VECTORS)('passes RFC 5869 $name through the token', (vector) => {
    const prk = hkdfExtract(token, Buffer.from(vector.salt, 'hex'), Buffer.from(vector.ikm, 'hex'));
    expect(prk.toString('hex')).toBe(vector.prk);
    const key = importedPrk(prk);
    expect(prk.equals(Buffer.alloc(32))).toBe(false);
    const okm = hkdfExpand(token, key, Buffer.from(vector.info, 'hex'), vector.length);
    expect(okm.toString('hex')).toBe(vector.okm);
  });

  it('agrees with node:crypto HKDF for any salt, IKM, info and length', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.integer({ min: 1, max: 300 }),
        (salt, ikm, info, length) => {
          const prk = hkdfExtract(token, salt, ikm);
          const key = importSecretKey(token, prk, { label: 'prop-prk', kind: 'hmac' });
          try {
            const ours = hkdfExpand(token, key, info, length);
            expect(ours.equals(Buffer.from(hkdfSync('sha256', ikm, salt, info, length)))).toBe(true);
          } finally {
            token.use('destroy', (pkcs11, session) => pkcs11.C_DestroyObject(session, key.handle));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses output lengths HKDF cannot give', () => {
    const key = importedPrk(Buffer.alloc(32, 7));
    expect(() => hkdfExpand(token, key, Buffer.alloc(0), 0)).toThrow(HsmError);
    expect(() => hkdfExpand(token, key, Buffer.alloc(0), 255 * 32 + 1)).toThrow(/1\.\.8160/);
  });

  it('keeps an imported key sensitive and not extractable, and wipes the bytes it was given', () => {
    const value = Buffer.alloc(32, 9);
    const key = importSecretKey(token, value, { label: 'sensitive', kind: 'hmac' });
    const [sensitive, extractable] = token.use('attributes', (p, s) =>
      p.C_GetAttributeValue(s, key.handle, [{ type: 0x103 }, { type: 0x162 }]),
    );
    expect(sensitive?.value).toEqual(Buffer.from([1]));
    expect(extractable?.value).toEqual(Buffer.from([0]));
    expect(() =>
      token.use('value', (p, s) => p.C_GetAttributeValue(s, key.handle, [{ type: 0x11 }])),
    ).toThrow(/ATTRIBUTE_SENSITIVE/);
    const secret = Buffer.alloc(32, 5);
    let handle: unknown;
    withEphemeralSecret(token, secret, { label: 'one-call', kind: 'aes' }, (ephemeral) => {
      handle = ephemeral.handle;
    });
    expect(secret.equals(Buffer.alloc(32))).toBe(true);
    expect(() =>
      token.use('gone', (p, s) => p.C_GetAttributeValue(s, handle as Buffer, [{ type: 0x3 }])),
    ).toThrow(/OBJECT_HANDLE_INVALID/);
  });

  it('wraps an HMAC key to a recipient, who unwraps the same key (same HKDF output and check value)', () => {
    ensureToken({ label: 'hkdf-recipient', pin: PIN, soPin: SO_PIN });
    const recipient = HsmToken.open({ label: 'hkdf-recipient', pin: PIN });
    try {
      const pair = generateEcKeyPair(recipient, { label: 'device-wrap', sign: false, derive: true });
      const value = Buffer.alloc(32, 3);
      const sent = importSecretKey(token, Buffer.from(value), {
        label: 'to-wrap',
        kind: 'hmac',
        extractable: true,
      });
      const context = Buffer.from('ctx');
      const wrapped = wrapKeyForRecipient(token, sent, pair.publicPoint, context);
      const received = unwrapKeyFromSender(recipient, pair.privateKey, wrapped, {
        label: 'received',
        recipientPoint: pair.publicPoint,
        context,
        kind: 'hmac',
      });
      expect(hmacKeyCheckValue(recipient, received)).toBe(hmacKeyCheckValue(token, sent));
      expect(hkdfExpand(recipient, received, Buffer.from('x'), 32)).toEqual(
        hkdfExpand(token, sent, Buffer.from('x'), 32),
      );
      expect(() =>
        unwrapKeyFromSender(recipient, pair.privateKey, wrapped, {
          label: 'received',
          recipientPoint: pair.publicPoint,
          context: Buffer.from('other'),
          kind: 'hmac',
        }),
      ).toThrow(HsmError);
    } finally {
      recipient.close();
    }
  });
});
