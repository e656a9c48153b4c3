import type { signing } from '@keyledger/chaincode/protocol';
import { JwksCache } from '../../../src/signing/service/jwksCache';

function jwksOf(kid: string): signing.Jwks {
  return { keys: [{ kid } as signing.JwksKey], asOf: 0 };
}

test('one ledger read per TTL however many ask at once; a new read once it is over', async () => {
  let now = 0;
  let reads = 0;
  const cache = new JwksCache(
    async () => {
      reads += 1;
      return jwksOf(`k${reads}`);
    },
    { ttlMs: 1_000, clock: () => now },
  );
  const answers = await Promise.all(Array.from({ length: 50 }, () => cache.get()));
  expect(reads).toBe(1);
  expect(new Set(answers.map((a) => a.keys[0]?.kid))).toEqual(new Set(['k1']));
  now = 999;
  await expect(cache.get()).resolves.toMatchObject({ keys: [{ kid: 'k1' }] });
  now = 1_000;
  await expect(cache.get()).resolves.toMatchObject({ keys: [{ kid: 'k2' }] });
  expect(reads).toBe(2);
});

test('invalidate drops the set at once, and a read begun before it is not kept for later callers', async () => {
  let release: (() => void) | undefined;
  let reads = 0;
  const cache = new JwksCache(async () => {
    reads += 1;
    const n = reads;
    if (n === 1) await new Promise<void>((resolve) => (release = resolve));
    return jwksOf(`k${n}`);
  });
  const early = cache.get();
  cache.invalidate();
  const later = cache.get();
  release?.();
  await expect(early).resolves.toMatchObject({ keys: [{ kid: 'k1' }] });
  await expect(later).resolves.toMatchObject({ keys: [{ kid: 'k2' }] });
  await expect(cache.get()).resolves.toMatchObject({ keys: [{ kid: 'k2' }] });
  expect(reads).toBe(2);
});

test('a failed read is not cached: the next caller reads again', async () => {
  let reads = 0;
  const cache = new JwksCache(async () => {
    reads += 1;
    if (reads === 1) throw new Error('ledger unavailable');
    return jwksOf('k');
  });
  await expect(cache.get()).rejects.toThrow('ledger unavailable');
  await expect(cache.get()).resolves.toMatchObject({ keys: [{ kid: 'k' }] });
});
