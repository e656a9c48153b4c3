import { z } from 'zod';
import { parseIntArg, parseJsonArg, parseId, sortableInt, isoTime } from '../../src/lib';
import {
  bftQuorum,
  canonicalJson,
  errorCodeOf,
  faultTolerance,
  ConflictError,
  NotFoundError,
  requiredApprovals,
  ValidationError,
} from '../../src/protocol';

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined members and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' }, u: undefined })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('is independent of insertion order', () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it.each([[1.5], [Number.NaN], [Number.MAX_SAFE_INTEGER + 2]])(
    'refuses the non-integer or unsafe number %p',
    (value) => {
      expect(() => canonicalJson({ value })).toThrow(ValidationError);
      expect(() => canonicalJson({ value })).toThrow('$.value must be a safe integer');
    },
  );

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson({ f: () => 1 })).toThrow('$.f has a type that cannot be stored: function');
    expect(() => canonicalJson([BigInt(1)])).toThrow('$[0] has a type that cannot be stored: bigint');
  });
});

describe('quorum', () => {
  it.each([
    [0, 0, 0],
    [1, 0, 1],
    [2, 0, 2],
    [3, 0, 2],
    [4, 1, 3],
    [5, 1, 4],
    [6, 1, 4],
    [7, 2, 5],
    [10, 3, 7],
  ])('n=%d validators: f=%d, quorum=%d', (n, f, q) => {
    expect(faultTolerance(n)).toBe(f);
    expect(bftQuorum(n)).toBe(q);
  });

  it('equals 2f+1 whenever n = 3f+1', () => {
    for (let f = 0; f < 20; f += 1) {
      expect(bftQuorum(3 * f + 1)).toBe(2 * f + 1);
    }
  });

  it('makes any two quorums overlap in more than f validators', () => {
    for (let n = 1; n < 50; n += 1) {
      expect(2 * bftQuorum(n) - n).toBeGreaterThan(faultTolerance(n));
    }
  });

  it('caps an explicit threshold at the validator count and never lets it fall below 2f+1 or one validator', () => {
    expect(requiredApprovals({ kind: 'threshold', threshold: 5 }, 3)).toBe(3);
    expect(requiredApprovals({ kind: 'threshold', threshold: 1 }, 3)).toBe(2);
    expect(requiredApprovals({ kind: 'threshold', threshold: 2 }, 7)).toBe(5);
    expect(requiredApprovals({ kind: 'threshold', threshold: 1 }, 1)).toBe(1);
    expect(requiredApprovals({ kind: 'bft' }, 7)).toBe(5);
    expect(requiredApprovals({ kind: 'bft' }, 0)).toBe(0);
  });
});

describe('validation', () => {
  const schema = z.object({ id: z.string().min(2), count: z.number().int() });

  it('parses valid JSON arguments', () => {
    expect(parseJsonArg(schema, '{"id":"ab","count":3}', 'thing')).toEqual({ id: 'ab', count: 3 });
  });

  it('says which field is wrong', () => {
    expect(() => parseJsonArg(schema, '{"id":"a","count":1.5}', 'thing')).toThrow(
      /^\[INVALID_ARGUMENT\] invalid thing: id: .*; count: /,
    );
    expect(() => parseJsonArg(schema, '{', 'thing')).toThrow(
      '[INVALID_ARGUMENT] invalid thing: not valid JSON',
    );
  });

  it('restricts identifiers to a safe alphabet', () => {
    expect(parseId('queue-1.a:b@c/d', 'queue id')).toBe('queue-1.a:b@c/d');
    for (const bad of ['', '-x', 'a b', 'a\u0000b', 'x'.repeat(129)]) {
      expect(() => parseId(bad, 'queue id')).toThrow(/^\[INVALID_ARGUMENT\] invalid queue id/);
    }
  });

  it('parses integer arguments within bounds', () => {
    expect(parseIntArg('42', 'version', 1)).toBe(42);
    expect(() => parseIntArg('4.2', 'version')).toThrow('invalid version: must be an integer');
    expect(() => parseIntArg('0', 'version', 1)).toThrow('must be an integer between 1 and');
  });
});

describe('errors and keys', () => {
  it('prefixes messages with a code the gateway can read back', () => {
    const error = new NotFoundError('queue q1 not found');
    expect(error.message).toBe('[NOT_FOUND] queue q1 not found');
    expect(error.name).toBe('NotFoundError');
    expect(errorCodeOf(new ConflictError('x').message)).toBe('CONFLICT');
    expect(errorCodeOf('chaincode response 500, boom')).toBeUndefined();
  });

  it('pads integers so they sort as numbers inside keys', () => {
    expect(sortableInt(9) < sortableInt(10)).toBe(true);
    expect(sortableInt(7, 4)).toBe('0007');
    expect(() => sortableInt(-1)).toThrow(RangeError);
  });

  it('formats tx time as ISO 8601', () => {
    expect(isoTime(0)).toBe('1970-01-01T00:00:00.000Z');
  });
});
