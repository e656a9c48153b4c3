import { generateKeyPairSync, sign } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519';
import { p256 } from '@noble/curves/p256';
import { secp256k1 } from '@noble/curves/secp256k1';
import { canonicalJson } from '../../src/protocol/canonical';
import { parseModuleKey, verifyModuleSignature } from '../../src/contracts/threshold/moduleKey';
import { commitmentPointProblem } from '../../src/contracts/threshold/points';
import { curvePoints, moduleKeys, signStatement } from './fixtures';

const P = 2n ** 255n - 19n;

function littleEndianHex(value: bigint): string {
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex').reverse().toString('hex');
}

describe('module public keys (module-key.ts)', () => {
  it('accepts P-256 and Ed25519 SPKI keys and normalises them', () => {
    const p256 = moduleKeys('p256');
    const parsed = parseModuleKey(p256.publicKeyPem.replace(/\n/g, '\r\n'));
    expect(parsed.keyType).toBe('p256');
    expect(parsed.pem).toBe(p256.publicKeyPem);
    expect(parsed.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(parseModuleKey(moduleKeys('ed25519').publicKeyPem).keyType).toBe('ed25519');
  });

  it('refuses private keys, other algorithms and garbage', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pkcs8 = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => parseModuleKey(pkcs8)).toThrow(/private key/);
    const sec1 = pair.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    expect(() => parseModuleKey(sec1)).toThrow(/private key/);
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(() => parseModuleKey(k1.toString())).toThrow(/P-256 or Ed25519/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(() => parseModuleKey(rsa.toString())).toThrow(/P-256 or Ed25519/);
    expect(() => parseModuleKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')).toThrow(
      /not a parsable public key/,
    );
    expect(() => parseModuleKey('hello')).toThrow(/SPKI PEM/);
  });

  it('verifies ECDSA (DER, SHA-256) and Ed25519 signatures and rejects everything else', () => {
    for (const keyType of ['p256', 'ed25519'] as const) {
      const keys = moduleKeys(keyType);
      const statement = { nonce: 'n-00000001', firmwareDigest: 'ab'.repeat(32), issuedAt: 1 };
      const data = Buffer.from(canonicalJson(statement));
      const signature = Buffer.from(signStatement(keys, statement), 'base64');
      expect(verifyModuleSignature(keyType, keys.publicKeyPem, data, signature)).toBe(true);
      expect(verifyModuleSignature(keyType, keys.publicKeyPem, Buffer.from('other'), signature)).toBe(false);
      expect(verifyModuleSignature(keyType, keys.publicKeyPem, data, Buffer.from('garbage'))).toBe(false);
      expect(verifyModuleSignature(keyType, moduleKeys(keyType).publicKeyPem, data, signature)).toBe(false);
    }
    expect(verifyModuleSignature('p256', 'not a key', Buffer.from('x'), Buffer.from('y'))).toBe(false);
  });

  it('also accepts raw r ‖ s (IEEE P1363) P-256 signatures, as PKCS#11 CKM_ECDSA returns them', () => {
    const keys = moduleKeys('p256');
    const data = Buffer.from('statement');
    const raw = sign('sha256', data, { key: keys.privateKey, dsaEncoding: 'ieee-p1363' });
    expect(raw).toHaveLength(64);
    expect(verifyModuleSignature('p256', keys.publicKeyPem, data, raw)).toBe(true);
    expect(verifyModuleSignature('p256', keys.publicKeyPem, Buffer.from('other'), raw)).toBe(false);
    expect(verifyModuleSignature('p256', keys.publicKeyPem, data, Buffer.alloc(64, 1))).toBe(false);
  });

  it('verifies only under the key type recorded with the key', () => {
    const keys = moduleKeys('p256');
    const data = Buffer.from('statement');
    const signature = sign('sha256', data, keys.privateKey);
    expect(verifyModuleSignature('p256', keys.publicKeyPem, data, signature)).toBe(true);
    expect(verifyModuleSignature('ed25519', keys.publicKeyPem, data, signature)).toBe(false);
  });
});

describe('commitment points (points.ts)', () => {
  it('accepts real points of each curve', () => {
    for (const curve of ['ed25519', 'secp256k1', 'p256'] as const) {
      for (const point of curvePoints(curve, 3)) {
        expect(commitmentPointProblem(curve, point)).toBeUndefined();
      }
    }
    // The Ed25519 base point itself.
    expect(commitmentPointProblem('ed25519', '58' + '66'.repeat(31))).toBeUndefined();
  });

  it("accepts multiples of @noble/curves' own base points", () => {
    for (const k of [1n, 2n, 7n, 2n ** 200n + 12345n]) {
      expect(
        commitmentPointProblem('ed25519', ed25519.ExtendedPoint.BASE.multiply(k).toHex()),
      ).toBeUndefined();
      expect(
        commitmentPointProblem('secp256k1', secp256k1.ProjectivePoint.BASE.multiply(k).toHex(true)),
      ).toBeUndefined();
      expect(
        commitmentPointProblem('p256', p256.ProjectivePoint.BASE.multiply(k).toHex(true)),
      ).toBeUndefined();
    }
  });

  it('checks the encoded length per curve', () => {
    const [ed] = curvePoints('ed25519', 1);
    const [p256] = curvePoints('p256', 1);
    expect(commitmentPointProblem('p256', String(ed))).toMatch(
      /must be 33 bytes \(66 hex characters\) for p256, got 32/,
    );
    expect(commitmentPointProblem('ed25519', String(p256))).toMatch(/must be 32 bytes .* got 33/);
  });

  it('refuses SEC1 encodings that are uncompressed or off the curve', () => {
    expect(commitmentPointProblem('p256', '04' + '11'.repeat(32))).toMatch(/compressed point/);
    expect(commitmentPointProblem('secp256k1', '02' + '00'.repeat(31) + '05')).toMatch(
      /not a secp256k1 curve point/,
    );
    expect(commitmentPointProblem('p256', '03' + 'ff'.repeat(32))).toMatch(/not a p256 curve point/);
  });

  it('refuses Ed25519 encodings off the curve, non-canonical, the identity, or with a torsion component', () => {
    expect(commitmentPointProblem('ed25519', '02' + '00'.repeat(31))).toMatch(/not an Ed25519 curve point/);
    expect(commitmentPointProblem('ed25519', littleEndianHex(P + 1n))).toMatch(/not an Ed25519 curve point/);
    expect(commitmentPointProblem('ed25519', '01' + '00'.repeat(31))).toMatch(/identity/);
    // x = 0 with the sign bit set is not a valid encoding of (0, 1).
    expect(commitmentPointProblem('ed25519', '01' + '00'.repeat(30) + '80')).toMatch(
      /not an Ed25519 curve point/,
    );
    // (0, −1) has order 2.
    expect(commitmentPointProblem('ed25519', littleEndianHex(P - 1n))).toMatch(/prime-order subgroup/);
    // A valid point plus the order-2 point: (x, y) + (0, −1) = (−x, −y).
    const [point] = curvePoints('ed25519', 1);
    const bytes = Buffer.from(String(point), 'hex');
    const sign = (bytes[31] ?? 0) >> 7;
    bytes[31] = (bytes[31] ?? 0) & 0x7f;
    const y = BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`);
    const mixed = Buffer.from(littleEndianHex(P - y), 'hex');
    mixed[31] = (mixed[31] ?? 0) | ((sign ^ 1) << 7);
    expect(commitmentPointProblem('ed25519', mixed.toString('hex'))).toMatch(/prime-order subgroup/);
  });
});
