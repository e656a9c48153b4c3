import type { ScoredProvider } from '../../../src/providers/ledger';
import type { BreakerSnapshot } from '../../../src/providers/orchestrator/breaker';

/** A clock tests move by hand. */
export class ManualClock {
  now: number;

  constructor(start = 1_000_000) {
    this.now = start;
  }

  advance(ms: number): void {
    this.now += ms;
  }

  readonly read = (): number => this.now;
}

/** mulberry32: a small seeded generator, so p2c runs are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function profile(
  providerId: string,
  overrides: Partial<Omit<ScoredProvider, 'providerId'>> = {},
): ScoredProvider {
  return {
    providerId,
    endpoint: `https://${providerId}.example:8443`,
    publicKeyPem: '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n',
    publicKeyFingerprint: '00'.repeat(32),
    publicKeyType: 'ec',
    algorithms: ['AES_256_GCM'],
    keyIds: ['cmk-a'],
    region: 'eu-west',
    auditLinks: [],
    status: 'active',
    owner: { mspId: 'Org1MSP', fingerprint: '11'.repeat(32) },
    registeredAt: 1,
    updatedAt: 1,
    version: 1,
    score: 10_000,
    components: {},
    ...overrides,
  };
}

export const CLOSED: BreakerSnapshot = {
  state: 'closed',
  consecutiveFailures: 0,
  openMs: 1_000,
  probeInFlight: false,
};
