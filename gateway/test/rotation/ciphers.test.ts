import { createCipheriv, createSecretKey, randomBytes } from 'node:crypto';
import {
  destroyKey,
  findKeys,
  generateAesKey,
  generateEcKeyPair,
  keyCheckValue,
  unwrapKeyFromSender,
  wrapKeyForRecipient,
  type EcKeyPair,
  type HsmToken,
  type KeyRef,
} from '../../src/hsm';
import { DecryptionError } from '../../src/rotation/errors';
import {
  keyCheckValueOf,
  MemoryCipher,
  readSessionKey,
  sameKeyCheckValue,
  TokenCipher,
} from '../../src/rotation/ciphers';
import { envelopeAad, envelopeVersion } from '../../src/rotation/envelope';
import { wrapContext } from '../../src/rotation/validatorAgent';
import { newTestToken } from '../support/softhsm';

describe('message ciphers', () => {
  let validator: HsmToken;
  let frontend: HsmToken;
  let wrapping: EcKeyPair;
  let tokenKey: KeyRef;
  let memory: MemoryCipher;
  let inToken: TokenCipher;
  let kcv: string;
  const aad = envelopeAad('orders', 4);

  beforeAll(() => {
    validator = newTestToken('cipher-validator');
    frontend = newTestToken('cipher-frontend');
    wrapping = generateEcKeyPair(frontend, { label: 'wrap', sign: false, derive: true });
    // The rotation path end to end: generated and wrapped by a validator, unwrapped twice by a front-end.
    const key = generateAesKey(validator, { label: 'orders.v4', extractable: true });
    kcv = keyCheckValue(validator, key);
    const context = wrapContext('orders', 4, 'orders.v4.00');
    const wrapped = wrapKeyForRecipient(validator, key, wrapping.publicPoint, context);
    destroyKey(validator, key);
    const options = { recipientPoint: wrapping.publicPoint, context };
    tokenKey = unwrapKeyFromSender(frontend, wrapping.privateKey, wrapped, {
      ...options,
      label: 'orders/v4',
    });
    const session = unwrapKeyFromSender(frontend, wrapping.privateKey, wrapped, {
      ...options,
      label: 'orders/v4#memory',
      readable: true,
    });
    const keyObject = readSessionKey(frontend, session);
    destroyKey(frontend, session);
    memory = new MemoryCipher(keyObject);
    inToken = new TokenCipher(frontend, tokenKey);
  });

  afterAll(() => {
    validator.close();
    frontend.close();
  });

  it('gives the same key check value in the validator token, the front-end token and memory', () => {
    expect(kcv).toMatch(/^[0-9a-f]{6}$/);
    expect(keyCheckValue(frontend, tokenKey)).toBe(kcv);
    const session = findKeys(frontend, { keyClass: 'secret', label: 'orders/v4#memory' });
    expect(session).toHaveLength(0);
    expect(sameKeyCheckValue(kcv, kcv.toUpperCase())).toBe(true);
    expect(sameKeyCheckValue(kcv, '000000')).toBe(kcv === '000000');
  });

  it('refuses to read a sensitive key and to persist a readable one', () => {
    expect(() => readSessionKey(frontend, tokenKey)).toThrow(/CKR_ATTRIBUTE_SENSITIVE|no AES-256 key value/);
    expect(() =>
      unwrapKeyFromSender(
        frontend,
        wrapping.privateKey,
        { ephemeralPublicKey: wrapping.publicPoint, wrappedKey: randomBytes(40) },
        {
          label: 'x',
          recipientPoint: wrapping.publicPoint,
          context: Buffer.from('x'),
          persistent: true,
          readable: true,
        },
      ),
    ).toThrow(/must not be a token object/);
  });

  it('seals in memory and opens in the token, and the other way round', () => {
    const plaintext = randomBytes(1024);
    const fromMemory = memory.seal(4, aad, plaintext);
    expect(envelopeVersion(fromMemory)).toBe(4);
    expect(fromMemory.length).toBe(1024 + 35);
    expect(inToken.open(fromMemory, aad)).toEqual(plaintext);
    const fromToken = inToken.seal(4, aad, plaintext);
    expect(memory.open(fromToken, aad)).toEqual(plaintext);
    expect(memory.open(new Uint8Array(fromToken), aad)).toEqual(plaintext);
  });

  it('uses a fresh IV per message', () => {
    const a = memory.seal(4, aad, Buffer.from('same'));
    const b = memory.seal(4, aad, Buffer.from('same'));
    expect(a.subarray(7, 19)).not.toEqual(b.subarray(7, 19));
    expect(a).not.toEqual(b);
  });

  it('refuses tampered ciphertext, tag, IV and a different queue or version in the AAD', () => {
    const sealed = memory.seal(4, aad, Buffer.from('pay 10 to alice'));
    const flip = (index: number): Buffer => {
      const copy = Buffer.from(sealed);
      copy[index] = (copy[index] as number) ^ 1;
      return copy;
    };
    for (const cipher of [memory, inToken]) {
      expect(() => cipher.open(flip(8), aad)).toThrow(DecryptionError);
      expect(() => cipher.open(flip(20), aad)).toThrow(DecryptionError);
      expect(() => cipher.open(flip(sealed.length - 1), aad)).toThrow(DecryptionError);
      expect(() => cipher.open(sealed, envelopeAad('payments', 4))).toThrow(DecryptionError);
      expect(() => cipher.open(sealed, envelopeAad('orders', 5))).toThrow(DecryptionError);
    }
  });

  it('matches raw node:crypto AES-256-GCM with the same key, IV and AAD', () => {
    const raw = randomBytes(32);
    const cipher = new MemoryCipher(createSecretKey(raw));
    const sealed = cipher.seal(9, aad, Buffer.from('hello'));
    const reference = createCipheriv('aes-256-gcm', raw, sealed.subarray(7, 19));
    reference.setAAD(aad);
    const body = Buffer.concat([reference.update('hello'), reference.final(), reference.getAuthTag()]);
    expect(sealed.subarray(19)).toEqual(body);
    expect(keyCheckValueOf(createSecretKey(raw))).toBe(
      createCipheriv('aes-256-ecb', raw, null)
        .setAutoPadding(false)
        .update(Buffer.alloc(16))
        .subarray(0, 3)
        .toString('hex'),
    );
  });

  it('keeps its own copy of the key bytes (wiping the source buffer changes nothing)', () => {
    const raw = randomBytes(32);
    const cipher = new MemoryCipher(createSecretKey(raw));
    const sealed = cipher.seal(1, aad, Buffer.from('x'));
    raw.fill(0);
    expect(cipher.open(sealed, aad).toString()).toBe('x');
  });

  it('stops working once disposed', () => {
    const cipher = new MemoryCipher(createSecretKey(randomBytes(32)));
    cipher.dispose();
    expect(() => cipher.seal(1, aad, Buffer.from('x'))).toThrow(/disposed/);
    expect(() => new MemoryCipher(createSecretKey(randomBytes(16)))).toThrow(/AES-256/);
  });
});
