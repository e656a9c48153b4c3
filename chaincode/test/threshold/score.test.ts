import {
  anomalyPenalty,
  attestationPoints,
  emptyCounters,
  idiv,
  idivCeil,
  MAX_RECENT_ANOMALIES,
  participationPoints,
  trustBreakdown,
  trustScore,
  withAnomaly,
} from '../../src/contracts/threshold';
import { type TrustCounters } from '../../src/protocol/threshold';
import { DAY, HOUR } from './fixtures';

const NOW = Date.UTC(2026, 2, 1);

function counters(changes: Partial<TrustCounters>): TrustCounters {
  return { ...emptyCounters(), ...changes };
}

describe('trust score (score.ts)', () => {
  it('divides integers exactly', () => {
    expect(idiv(7, 2)).toBe(3);
    expect(idiv(600 * 3, 6)).toBe(300);
    expect(idiv(0, 5)).toBe(0);
    expect(idivCeil(7, 2)).toBe(4);
    expect(idivCeil(6, 2)).toBe(3);
  });

  describe('attestation freshness', () => {
    it('gives 0 without any attestation', () => {
      expect(attestationPoints(undefined, NOW)).toBe(0);
    });

    it('gives full points up to 24 h, then decays linearly to 0 at 7 days', () => {
      expect(attestationPoints(NOW, NOW)).toBe(600);
      expect(attestationPoints(NOW - DAY, NOW)).toBe(600);
      expect(attestationPoints(NOW - DAY - 1, NOW)).toBe(599); // ⌊600·(6d−1)/6d⌋
      expect(attestationPoints(NOW - 4 * DAY, NOW)).toBe(300); // halfway through the decay
      expect(attestationPoints(NOW - 6 * DAY - 12 * HOUR, NOW)).toBe(50);
      expect(attestationPoints(NOW - 7 * DAY, NOW)).toBe(0);
      expect(attestationPoints(NOW - 30 * DAY, NOW)).toBe(0);
    });

    it('treats an attestation from the future as fresh', () => {
      expect(attestationPoints(NOW + HOUR, NOW)).toBe(600);
    });
  });

  describe('participation (Laplace-smoothed)', () => {
    it('starts a new module at half the points', () => {
      expect(participationPoints(0, 0)).toBe(200);
    });

    it('moves toward the observed success ratio', () => {
      expect(participationPoints(1, 0)).toBe(266); // ⌊400·2/3⌋
      expect(participationPoints(0, 1)).toBe(133); // ⌊400·1/3⌋
      expect(participationPoints(98, 0)).toBe(396); // ⌊400·99/100⌋
      expect(participationPoints(8, 8)).toBe(200);
      expect(participationPoints(0, 98)).toBe(4);
    });
  });

  describe('anomaly penalty', () => {
    it('weights by severity and decays linearly over 30 days', () => {
      expect(anomalyPenalty([{ at: NOW, severity: 5 }], NOW)).toBe(200);
      expect(anomalyPenalty([{ at: NOW, severity: 1 }], NOW)).toBe(40);
      expect(anomalyPenalty([{ at: NOW - 15 * DAY, severity: 5 }], NOW)).toBe(100);
      expect(anomalyPenalty([{ at: NOW - 30 * DAY, severity: 5 }], NOW)).toBe(0);
      // Penalties round up: a second-old anomaly still costs its full weight, the last millisecond costs 1.
      expect(anomalyPenalty([{ at: NOW - 1000, severity: 5 }], NOW)).toBe(200);
      expect(anomalyPenalty([{ at: NOW - 30 * DAY + 1, severity: 1 }], NOW)).toBe(1);
      expect(anomalyPenalty([{ at: NOW + DAY, severity: 2 }], NOW)).toBe(80);
    });

    it('sums anomalies', () => {
      const anomalies = [
        { at: NOW, severity: 3 },
        { at: NOW - 15 * DAY, severity: 2 },
        { at: NOW - 40 * DAY, severity: 5 },
      ];
      expect(anomalyPenalty(anomalies, NOW)).toBe(120 + 40);
    });

    it('keeps a bounded list of live anomalies', () => {
      const old = { at: NOW - 31 * DAY, severity: 5 };
      expect(withAnomaly([old], { at: NOW, severity: 1 }, NOW)).toEqual([{ at: NOW, severity: 1 }]);
      let list = withAnomaly([], { at: NOW, severity: 1 }, NOW);
      for (let i = 1; i < MAX_RECENT_ANOMALIES + 5; i += 1) {
        list = withAnomaly(list, { at: NOW + i, severity: 2 }, NOW + i);
      }
      expect(list).toHaveLength(MAX_RECENT_ANOMALIES);
      expect(list[list.length - 1]).toEqual({ at: NOW + MAX_RECENT_ANOMALIES + 4, severity: 2 });
    });
  });

  describe('total', () => {
    it('adds attestation and participation for a healthy module', () => {
      const trust = counters({ lastAttestedAt: NOW - HOUR, participationOk: 1 });
      expect(trustBreakdown(trust, 'active', NOW)).toEqual({
        score: 866,
        attestation: 600,
        participation: 266,
        anomalyPenalty: 0,
        cheaterPenalty: 0,
        quarantined: false,
        attestationAgeMs: HOUR,
        computedAt: NOW,
      });
    });

    it('subtracts anomaly and cheater penalties', () => {
      const trust = counters({
        lastAttestedAt: NOW,
        participationOk: 1,
        participationFailed: 1,
        recentAnomalies: [{ at: NOW, severity: 2 }],
        cheaterReports: 1,
      });
      // 600 + 200 − 80 − 400
      expect(trustScore(trust, 'active', NOW)).toBe(320);
    });

    it('floors at 0', () => {
      const trust = counters({ cheaterReports: 3 });
      const breakdown = trustBreakdown(trust, 'active', NOW);
      expect(breakdown.score).toBe(0);
      expect(breakdown.cheaterPenalty).toBe(1200);
      expect(breakdown.attestationAgeMs).toBeNull();
    });

    it('is 0 while quarantined, whatever the inputs', () => {
      const trust = counters({ lastAttestedAt: NOW, participationOk: 50 });
      expect(trustScore(trust, 'active', NOW)).toBe(992);
      expect(trustBreakdown(trust, 'quarantined', NOW)).toMatchObject({
        score: 0,
        quarantined: true,
        attestation: 600,
      });
    });

    it('never exceeds 1000', () => {
      const trust = counters({ lastAttestedAt: NOW, participationOk: 1_000_000 });
      expect(trustScore(trust, 'active', NOW)).toBeLessThanOrEqual(1000);
      expect(trustScore(trust, 'active', NOW)).toBe(999);
    });
  });
});
