import { createHash } from 'node:crypto';
import { canonicalJson } from '../../src/protocol';
import { type ShardMapHeader, shardMapDigest, shardMapHeaderDigest } from '../../src/protocol/shards';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const header: ShardMapHeader = { deviceId: 'd1', epoch: 3, n: 2, validFrom: 10, validUntil: 20 };
const shards = [
  { shardId: 'b', index: 1, digest: '1'.repeat(64) },
  { shardId: 'a', index: 0, digest: '0'.repeat(64) },
];

describe('shard map digests', () => {
  it('keeps the map digest maps had before algorithm and publicKey existed', () => {
    const legacy = { ...header, shards: [shards[1], shards[0]] };
    expect(shardMapDigest(header, shards)).toBe(sha256(canonicalJson(legacy)));
  });

  it('covers algorithm and publicKey when present, and only the header fields', () => {
    const keyed: ShardMapHeader = { ...header, algorithm: 'Ed25519', publicKey: 'AAAA' };
    expect(shardMapHeaderDigest(keyed)).toBe(sha256(canonicalJson(keyed)));
    expect(shardMapDigest(keyed, shards)).not.toBe(shardMapDigest(header, shards));
    expect(shardMapHeaderDigest({ ...header, algorithm: undefined })).toBe(sha256(canonicalJson(header)));
    // a whole map record passed as the header digests as its header
    const record = { ...keyed, shards, status: 'active', mapDigest: 'x' } as ShardMapHeader;
    expect(shardMapHeaderDigest(record)).toBe(shardMapHeaderDigest(keyed));
    expect(shardMapDigest(record, shards)).toBe(shardMapDigest(keyed, shards));
  });

  it('orders shards by index and ignores extra shard fields', () => {
    const stored = shards.map((shard) => ({ ...shard, ciphertext: 'AA' }));
    expect(shardMapDigest(header, stored)).toBe(shardMapDigest(header, [...shards].reverse()));
  });
});
