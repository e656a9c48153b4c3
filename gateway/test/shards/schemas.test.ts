import { generateKeyPairSync } from 'node:crypto';
import type { z } from 'zod';
import {
  collectBody,
  devicePublicKeySchema,
  provisionBatchBody,
  provisionBody,
  revokeDeviceBody,
  rotateBody,
  verifyDeviceBody,
  verifyMessageOf,
} from '../../src/shards/schemas';

function point(): string {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  return Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x as string, 'base64url'),
    Buffer.from(jwk.y as string, 'base64url'),
  ]).toString('base64url');
}

/** The issues of a refused input as `path: message`. */
function refusals(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? ` ${issue.keys.join(',')}` : '';
    return `${issue.path.join('.')}: ${issue.message}${keys}`;
  });
}

const key = point();
const signature = {
  deviceId: 'dev-1',
  epoch: 1,
  algorithm: 'Ed25519',
  signedAt: 1,
  messageDigest: 'a'.repeat(64),
  signature: 'AAAA',
};

describe('shards REST schemas', () => {
  it('accepts a device key that is a P-256 point, and refuses anything else saying why', () => {
    expect(refusals(devicePublicKeySchema, key)).toEqual([]);
    expect(refusals(devicePublicKeySchema, `${key}==`)).toEqual([
      ': must be base64url (A-Z a-z 0-9 - _, no padding)',
    ]);
    expect(refusals(devicePublicKeySchema, key.slice(0, 40))).toEqual([
      ': must be an uncompressed P-256 point: 65 bytes starting 0x04 (got 30 bytes)',
    ]);
    const compressedPrefix = Buffer.from(key, 'base64url');
    compressedPrefix[0] = 0x02;
    expect(refusals(devicePublicKeySchema, compressedPrefix.toString('base64url'))[0]).toMatch(
      /65 bytes starting 0x04/,
    );
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64url');
    expect(refusals(devicePublicKeySchema, offCurve)).toEqual([': is not a point on the P-256 curve']);
  });

  it('bounds n, names the algorithms and refuses unknown fields', () => {
    expect(refusals(provisionBody, { deviceId: 'dev-1', devicePublicKey: key })).toEqual([]);
    expect(refusals(provisionBody, { deviceId: 'dev-1', devicePublicKey: key, n: 0 })).toEqual([
      'n: must be at least 1',
    ]);
    expect(refusals(provisionBody, { deviceId: 'dev-1', devicePublicKey: key, n: 33 })).toEqual([
      'n: must be at most 32',
    ]);
    expect(refusals(provisionBody, { deviceId: 'dev-1', devicePublicKey: key, n: 1.5 })).toEqual([
      'n: must be an integer',
    ]);
    expect(refusals(provisionBody, { deviceId: 'dev-1', devicePublicKey: key, algorithm: 'RSA' })).toEqual([
      'algorithm: must be "Ed25519" or "ES256"',
    ]);
    expect(refusals(provisionBody, { deviceId: 'dev-1', devicePublicKey: key, extra: 1 })).toEqual([
      ': Unrecognized key: "extra" extra',
    ]);
    expect(refusals(provisionBody, { deviceId: '.x', devicePublicKey: key })[0]).toMatch(
      /^deviceId: must be 1-128/,
    );
    expect(
      refusals(provisionBody, {
        deviceId: 'dev-1',
        devicePublicKey: key,
        owner: { mspId: 'Org1MSP', fingerprint: 'A'.repeat(64) },
      }),
    ).toEqual(['owner.fingerprint: must be 64 lower-case hex characters']);
    expect(refusals(rotateBody, {})).toEqual([]);
    expect(refusals(rotateBody, { n: 33 })).toEqual(['n: must be at most 32']);
  });

  it('refuses a batch that is empty, too large, has a bad item or repeats an id, naming the item', () => {
    const item = { deviceId: 'dev-1', devicePublicKey: key };
    expect(refusals(provisionBatchBody, { devices: [] })).toEqual(['devices: must hold at least one device']);
    expect(
      refusals(provisionBatchBody, {
        devices: Array.from({ length: 1001 }, (_, i) => ({ ...item, deviceId: `d${i}` })),
      }),
    ).toEqual(['devices: must hold at most 1000 devices']);
    expect(
      refusals(provisionBatchBody, {
        devices: [
          item,
          { ...item, deviceId: 'd2' },
          { ...item, deviceId: 'd3' },
          { deviceId: 'd4', devicePublicKey: 'AAAA' },
        ],
      }),
    ).toEqual([
      'devices.3.devicePublicKey: must be an uncompressed P-256 point: 65 bytes starting 0x04 (got 3 bytes)',
    ]);
    expect(refusals(provisionBatchBody, { devices: [item, { ...item, devicePublicKey: point() }] })).toEqual([
      'devices.1.deviceId: repeats the deviceId of devices[0]',
    ]);
  });

  it('bounds the revocation reason and the retention', () => {
    expect(refusals(revokeDeviceBody, { reason: '' })).toEqual(['reason: must not be empty']);
    expect(refusals(revokeDeviceBody, { reason: 'x'.repeat(257) })).toEqual([
      'reason: must be at most 256 characters',
    ]);
    expect(refusals(collectBody, {})).toEqual([]);
    expect(refusals(collectBody, { retentionMs: -1 })).toEqual(['retentionMs: must be at least 0']);
    expect(refusals(collectBody, { retentionMs: 366 * 86_400_000 })).toEqual([
      `retentionMs: must be at most ${365 * 86_400_000}`,
    ]);
  });

  it('takes exactly one of message and messageBase64, at most 64 KiB, and a well-formed signature', () => {
    expect(refusals(verifyDeviceBody, { message: 'hi', signature })).toEqual([]);
    expect(verifyMessageOf({ messageBase64: Buffer.from('hi').toString('base64') }).toString()).toBe('hi');
    expect(refusals(verifyDeviceBody, { signature })).toEqual([
      ': must have message (UTF-8) or messageBase64',
    ]);
    expect(refusals(verifyDeviceBody, { message: 'hi', messageBase64: 'aGk=', signature })).toEqual([
      'messageBase64: must not be given with message: give one of them',
    ]);
    expect(refusals(verifyDeviceBody, { message: 'x'.repeat(65_537), signature })).toEqual([
      'message: must be at most 65536 bytes',
    ]);
    expect(
      refusals(verifyDeviceBody, {
        messageBase64: Buffer.alloc(65_537).toString('base64'),
        signature,
      }),
    ).toEqual(['messageBase64: must be at most 65536 bytes']);
    expect(
      refusals(verifyDeviceBody, { message: 'hi', signature: { ...signature, messageDigest: 'AB' } }),
    ).toEqual(['signature.messageDigest: must be 64 lower-case hex characters']);
    expect(
      refusals(verifyDeviceBody, {
        message: 'hi',
        signature: { ...signature, deviceId: '../etc', epoch: 0 },
      }),
    ).toEqual([
      'signature.deviceId: must be a ledger id (1-128 characters of A-Z a-z 0-9 . _ : @ / - starting with a letter or digit)',
      'signature.epoch: must be at least 1',
    ]);
    expect(refusals(verifyDeviceBody, { messageBase64: '***', signature })).toEqual([
      'messageBase64: must be standard base64 (RFC 4648 §4) with padding',
    ]);
  });
});
