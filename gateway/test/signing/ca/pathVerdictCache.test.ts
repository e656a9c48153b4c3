import { PathVerdictCache } from '../../../src/signing/ca/pathVerdictCache';
import type { PathVerdict } from '../../../src/signing/ca/pathValidation';

const leaf = Buffer.from('leaf');
const anchor = Buffer.from('anchor');
const far = new Date(10_000_000);

function counting(): { compute: () => Promise<PathVerdict>; calls: () => number } {
  let calls = 0;
  return {
    compute: () => {
      calls += 1;
      return Promise.resolve({ valid: true, path: [] });
    },
    calls: () => calls,
  };
}

test('the same leaf, anchor and CRL at about the same time: pkijs runs once', async () => {
  let now = 1_000;
  const cache = new PathVerdictCache<PathVerdict>({ ttlMs: 100, clock: () => now });
  const { compute, calls } = counting();
  const input = { leaf, anchor, crl: Buffer.from('crl-1'), at: new Date(1_000) };
  await cache.get(input, far, compute);
  await cache.get({ ...input, at: new Date(1_050) }, far, compute);
  expect(calls()).toBe(1);
  // A new CRL (a revocation), no CRL, or a validation time far from the first: computed again.
  await cache.get({ ...input, crl: Buffer.from('crl-2') }, far, compute);
  await cache.get({ ...input, crl: undefined }, far, compute);
  await cache.get({ ...input, at: new Date(5_000) }, far, compute);
  expect(calls()).toBe(4);
  // Past the TTL: computed again.
  now = 1_101;
  await cache.get(input, far, compute);
  expect(calls()).toBe(5);
});

test('a verdict is never reused past the leaf certificate’s notAfter', async () => {
  let now = 1_000;
  const cache = new PathVerdictCache<PathVerdict>({ ttlMs: 10_000, clock: () => now });
  const { compute, calls } = counting();
  const input = { leaf, anchor, crl: undefined, at: new Date(1_000) };
  await cache.get(input, new Date(1_010), compute);
  now = 1_009;
  await cache.get({ ...input, at: new Date(1_009) }, new Date(1_010), compute);
  now = 1_010;
  await cache.get({ ...input, at: new Date(1_010) }, new Date(1_010), compute);
  expect(calls()).toBe(2);
});

test('at most maxEntries verdicts are kept, the oldest dropped first', async () => {
  const cache = new PathVerdictCache<PathVerdict>({ maxEntries: 2, clock: () => 0 });
  const { compute, calls } = counting();
  const at = new Date(0);
  for (const name of ['a', 'b', 'c'])
    await cache.get({ leaf: Buffer.from(name), anchor, crl: undefined, at }, far, compute);
  await cache.get({ leaf: Buffer.from('c'), anchor, crl: undefined, at }, far, compute);
  expect(calls()).toBe(3);
  await cache.get({ leaf: Buffer.from('a'), anchor, crl: undefined, at }, far, compute);
  expect(calls()).toBe(4);
});
