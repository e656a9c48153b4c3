import { bftQuorum, requiredApprovals, type QuorumRule } from '../../src/protocol';
import { tally } from '../../src/contracts/governance';

const id = (n: number): { mspId: string; fingerprint: string } => ({
  mspId: 'Org1MSP',
  fingerprint: n.toString(16).padStart(64, '0'),
});
const vote = (n: number): { mspId: string; fingerprint: string; at: number } => ({ ...id(n), at: 0 });

describe('requiredApprovals (governance view)', () => {
  it('is the BFT quorum of lib/quorum.ts for the bft rule', () => {
    // n:        0  1  2  3  4  5  6  7  8  9 10
    const expected = [0, 1, 2, 2, 3, 4, 4, 5, 6, 6, 7];
    expect(expected.map((_, n) => requiredApprovals({ kind: 'bft' }, n))).toEqual(expected);
    expected.forEach((_, n) => expect(requiredApprovals({ kind: 'bft' }, n)).toBe(bftQuorum(n)));
  });

  it('honours an explicit threshold, capped at n, but never below 2f+1 nor 1 of several', () => {
    const rule = (threshold: number): QuorumRule => ({ kind: 'threshold', threshold });
    expect(requiredApprovals(rule(4), 4)).toBe(4);
    expect(requiredApprovals(rule(10), 4)).toBe(4);
    expect(requiredApprovals(rule(3), 4)).toBe(3);
    expect(requiredApprovals(rule(2), 4)).toBe(3); // 2f+1 with f = 1
    expect(requiredApprovals(rule(1), 3)).toBe(2); // not a single validator
    expect(requiredApprovals(rule(1), 2)).toBe(2);
    expect(requiredApprovals(rule(1), 1)).toBe(1);
    expect(requiredApprovals(rule(5), 7)).toBe(5); // 2f+1 = 5
    expect(requiredApprovals(rule(3), 7)).toBe(5);
    expect(requiredApprovals(rule(3), 0)).toBe(0);
  });
});

describe('tally', () => {
  it('counts only current validators and knows when the quorum is out of reach', () => {
    const validators = [1, 2, 3, 4].map(id);
    const t = tally({ kind: 'bft' }, validators, [vote(1), vote(9)], [vote(2), vote(8)]);
    expect(t).toEqual({
      validators: 4,
      faultTolerance: 1,
      required: 3,
      approvals: 1,
      rejections: 1,
      pending: 2,
      reached: false,
      impossible: false,
    });
    expect(tally({ kind: 'bft' }, validators, [vote(1)], [vote(2), vote(3)]).impossible).toBe(true);
    expect(tally({ kind: 'bft' }, validators, [vote(1), vote(2), vote(3)], []).reached).toBe(true);
    expect(tally({ kind: 'bft' }, [], [vote(1)], [])).toMatchObject({
      reached: false,
      impossible: false,
      required: 0,
    });
  });
});
