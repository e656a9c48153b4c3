import { createHash } from 'node:crypto';
import { chooseCoordinator, drawValue, drawWeight, orderEligible } from '../../src/contracts/threshold';

const txId = (i: number): string => createHash('sha256').update(`synthetic-${i}`).digest('hex');

const modules = [
  { moduleId: 'hsm-c', shareIndex: 3, score: 100 },
  { moduleId: 'hsm-a', shareIndex: 1, score: 900 },
  { moduleId: 'hsm-b', shareIndex: 2, score: 300 },
  { moduleId: 'hsm-d', shareIndex: 4, score: 300 },
];

describe('coordinator draw (coordinator.ts)', () => {
  it('orders by score descending, then moduleId ascending', () => {
    expect(orderEligible(modules).map((m) => m.moduleId)).toEqual(['hsm-a', 'hsm-b', 'hsm-d', 'hsm-c']);
  });

  it('computes r = SHA-256(txId ‖ sessionId) mod total', () => {
    const digest = createHash('sha256')
      .update(`${txId(1)}s-1`)
      .digest('hex');
    expect(drawValue(txId(1), 's-1', 1600)).toBe(Number(BigInt(`0x${digest}`) % 1600n));
  });

  it('walks cumulative weights in stored order', () => {
    const id = txId(7);
    const r = drawValue(id, 'session', 1600);
    // ordered weights: a 900 | b 300 | d 300 | c 100
    const expected = r < 900 ? 'hsm-a' : r < 1200 ? 'hsm-b' : r < 1500 ? 'hsm-d' : 'hsm-c';
    expect(chooseCoordinator(modules, id, 'session').moduleId).toBe(expected);
  });

  it('is deterministic for a given tx id and session id, and independent of input order', () => {
    for (let i = 0; i < 50; i += 1) {
      const first = chooseCoordinator(modules, txId(i), 'sess-42');
      expect(chooseCoordinator([...modules].reverse(), txId(i), 'sess-42')).toEqual(first);
      expect(chooseCoordinator(modules, txId(i), 'sess-42')).toEqual(first);
    }
  });

  it('depends on the session id too', () => {
    const picks = new Set(
      Array.from({ length: 40 }, (_, i) => chooseCoordinator(modules, txId(1), `s-${i}`).moduleId),
    );
    expect(picks.size).toBeGreaterThan(1);
  });

  it('is weighted toward higher scores (statistical check over 20 000 synthetic tx ids)', () => {
    const draws = 20_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < draws; i += 1) {
      const chosen = chooseCoordinator(modules, txId(i), 'sign-1').moduleId;
      counts.set(chosen, (counts.get(chosen) ?? 0) + 1);
    }
    const share = (id: string): number => (counts.get(id) ?? 0) / draws;
    // Expected: 900/1600 = 0.5625, 300/1600 = 0.1875 each, 100/1600 = 0.0625; σ ≤ 0.0036, so ±0.02 is > 5σ.
    expect(share('hsm-a')).toBeCloseTo(0.5625, 1);
    expect(Math.abs(share('hsm-a') - 0.5625)).toBeLessThan(0.02);
    expect(Math.abs(share('hsm-b') - 0.1875)).toBeLessThan(0.02);
    expect(Math.abs(share('hsm-d') - 0.1875)).toBeLessThan(0.02);
    expect(Math.abs(share('hsm-c') - 0.0625)).toBeLessThan(0.02);
    expect(share('hsm-a')).toBeGreaterThan(share('hsm-b'));
    expect(share('hsm-b')).toBeGreaterThan(share('hsm-c'));
  });

  it('gives a score-0 module weight 1 so it can still be drawn', () => {
    expect(drawWeight(0)).toBe(1);
    expect(drawWeight(250)).toBe(250);
    const zeros = [
      { moduleId: 'z1', shareIndex: 1, score: 0 },
      { moduleId: 'z2', shareIndex: 2, score: 0 },
    ];
    const picks = new Set(
      Array.from({ length: 64 }, (_, i) => chooseCoordinator(zeros, txId(i), 's').moduleId),
    );
    expect([...picks].sort()).toEqual(['z1', 'z2']);
  });

  it('refuses an empty candidate list', () => {
    expect(() => chooseCoordinator([], txId(1), 's')).toThrow(RangeError);
  });
});
