import type { z } from 'zod';
import {
  deriveBody,
  escrowBody,
  keygenBody,
  keyParams,
  modulesQuery,
  policyBody,
  signBody,
  unwrapBody,
} from '../../../src/threshold/schemas';

/** The issues of a refused input as `path: message`. */
function refusals(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? ` ${issue.keys.join(',')}` : '';
    return `${issue.path.join('.')}: ${issue.message}${keys}`;
  });
}

const b64 = (bytes: number): string => Buffer.alloc(bytes, 7).toString('base64');
const escrow = { ephemeral: 'ab'.repeat(32), iv: b64(12), tag: b64(16), ciphertext: b64(32) };

describe('threshold REST schemas', () => {
  it('ids: 1-64 characters [A-Za-z0-9._-] starting alphanumeric', () => {
    expect(refusals(keyParams, { keyId: 'payments-2026.v1' })).toEqual([]);
    expect(refusals(keyParams, { keyId: 'k'.repeat(64) })).toEqual([]);
    for (const keyId of ['', '-x', 'a/b', 'k'.repeat(65), 'key id']) {
      expect(refusals(keyParams, { keyId })).toEqual([
        'keyId: must be 1-64 characters [A-Za-z0-9._-], starting alphanumeric',
      ]);
    }
  });

  it('policy: 2 ≤ t ≤ n ≤ 255, minTrust 0-1000, attestation age 60 s to 7 days', () => {
    expect(refusals(policyBody, { t: 2, n: 3, minTrust: 500 })).toEqual([]);
    expect(refusals(policyBody, { t: 3, n: 3, minTrust: 0, attestationMaxAgeSeconds: 3600 })).toEqual([]);
    expect(refusals(policyBody, { t: 1, n: 3, minTrust: 0 })).toEqual(['t: must be at least 2']);
    expect(refusals(policyBody, { t: 4, n: 3, minTrust: 0 })).toEqual([
      't: must not exceed n (3): t of n modules must answer',
    ]);
    expect(refusals(policyBody, { t: 2, n: 256, minTrust: 0 })).toEqual(['n: must be at most 255']);
    expect(refusals(policyBody, { t: 2, n: 3, minTrust: 1001 })).toEqual(['minTrust: must be at most 1000']);
    expect(refusals(policyBody, { t: 2.5, n: 3, minTrust: 0 })).toEqual(['t: must be an integer']);
    expect(refusals(policyBody, { t: 2, n: 3, minTrust: 0, attestationMaxAgeSeconds: 59 })).toEqual([
      'attestationMaxAgeSeconds: must be at least 60',
    ]);
    expect(refusals(policyBody, { t: 2, n: 3 })).toEqual(['minTrust: must be a number']);
    expect(refusals(policyBody, { t: 2, n: 3, minTrust: 0, keyId: 'k' })).toEqual([
      ': Unrecognized key: "keyId" keyId',
    ]);
  });

  it('keygen: mode dkg or dealer, distinct modules, a dealer only in dealer mode and among the modules', () => {
    expect(refusals(keygenBody, { keyId: 'k1' })).toEqual([]);
    expect(
      refusals(keygenBody, { keyId: 'k1', mode: 'dealer', modules: ['m1', 'm2'], dealer: 'm2' }),
    ).toEqual([]);
    expect(refusals(keygenBody, { keyId: 'k1', mode: 'shamir' })).toEqual([
      'mode: must be "dkg" or "dealer"',
    ]);
    expect(refusals(keygenBody, { keyId: 'k1', dealer: 'm1' })).toEqual([
      'dealer: is only for mode "dealer"',
    ]);
    expect(refusals(keygenBody, { keyId: 'k1', modules: ['m1', 'm1'] })).toEqual(['modules.1: repeats m1']);
    expect(refusals(keygenBody, { keyId: 'k1', modules: ['m1'] })).toEqual([
      'modules: must be at least 2 items',
    ]);
    expect(
      refusals(keygenBody, { keyId: 'k1', mode: 'dealer', modules: ['m1', 'm2'], dealer: 'm3' }),
    ).toEqual(['dealer: must be one of modules']);
    expect(refusals(keygenBody, {})).toEqual(['keyId: must be a string']);
  });

  it('sign: exactly one of message (base64, ≤ 64 KiB) or jws (a JSON object ≤ 8 KiB)', () => {
    expect(refusals(signBody, { message: b64(32) })).toEqual([]);
    expect(refusals(signBody, { message: b64(64 * 1024) })).toEqual([]);
    expect(refusals(signBody, { jws: { payload: { sub: 'alice' }, header: { typ: 'JWT' } } })).toEqual([]);
    expect(refusals(signBody, {})).toEqual([': must have message (base64) or jws']);
    expect(refusals(signBody, { message: b64(3), jws: { payload: {} } })).toEqual([
      'jws: must not be given with message: give one of them',
    ]);
    expect(refusals(signBody, { message: b64(64 * 1024 + 1) })).toEqual([
      'message: must be at most 65536 bytes',
    ]);
    expect(refusals(signBody, { message: 'not base64!' })).toEqual([
      'message: must be standard base64 (RFC 4648 §4) with padding',
    ]);
    expect(refusals(signBody, { jws: { payload: { blob: 'x'.repeat(8 * 1024) } } })).toEqual([
      'jws.payload: must be at most 8192 bytes of JSON',
    ]);
    expect(refusals(signBody, { jws: { payload: [1, 2] } })).toEqual(['jws.payload: must be a JSON object']);
    expect(refusals(signBody, { jws: { payload: {}, header: { alg: 'none' } } })).toEqual([
      'jws.header: Unrecognized key: "alg" alg',
    ]);
  });

  it('escrow: a secret of 1-4096 bytes and a context of 1-256 characters', () => {
    expect(refusals(escrowBody, { secret: b64(32), context: 'db-master' })).toEqual([]);
    expect(refusals(escrowBody, { secret: '', context: 'db' })).toEqual([
      'secret: must be 1 to 4096 bytes (got 0)',
    ]);
    expect(refusals(escrowBody, { secret: b64(4097), context: 'db' })).toEqual([
      'secret: must be 1 to 4096 bytes (got 4097)',
    ]);
    expect(refusals(escrowBody, { secret: b64(1), context: '' })).toEqual(['context: must not be empty']);
    expect(refusals(escrowBody, { secret: b64(1), context: 'c'.repeat(257) })).toEqual([
      'context: must be at most 256 characters',
    ]);
  });

  it('unwrap: the escrow blob as escrow answered it, and its context', () => {
    expect(refusals(unwrapBody, { escrow, context: 'db-master' })).toEqual([]);
    expect(refusals(unwrapBody, { escrow: { ...escrow, ephemeral: 'AB'.repeat(32) }, context: 'c' })).toEqual(
      ['escrow.ephemeral: must be 32 bytes of lowercase hex'],
    );
    expect(refusals(unwrapBody, { escrow: { ...escrow, tag: undefined }, context: 'c' })).toEqual([
      'escrow.tag: must be a string',
    ]);
    expect(refusals(unwrapBody, { escrow })).toEqual(['context: must be a string']);
  });

  it('derive: a purpose [a-z0-9._-] and an epoch 0 to 2^32', () => {
    expect(refusals(deriveBody, { purpose: 'db.backup', epoch: 0 })).toEqual([]);
    expect(refusals(deriveBody, { purpose: 'DB', epoch: 1 })).toEqual([
      'purpose: must be 1-64 characters [a-z0-9._-], starting alphanumeric',
    ]);
    expect(refusals(deriveBody, { purpose: 'db', epoch: -1 })).toEqual(['epoch: must be at least 0']);
    expect(refusals(deriveBody, { purpose: 'db', epoch: 2 ** 32 + 1 })).toEqual([
      'epoch: must be at most 4294967296',
    ]);
  });

  it('modules query: minScore a decimal 0-1000', () => {
    expect(modulesQuery.parse({ minScore: '600' })).toEqual({ minScore: 600 });
    expect(modulesQuery.parse({})).toEqual({});
    expect(refusals(modulesQuery, { minScore: 'high' })).toEqual([
      'minScore: must be a decimal integer 0-1000',
    ]);
    expect(refusals(modulesQuery, { minScore: '1001' })).toEqual(['minScore: must be at most 1000']);
  });
});
