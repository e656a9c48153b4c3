import type { ScoredProvider } from '../../../src/providers/ledger';
import { LedgerCandidates } from '../../../src/providers/orchestrator/candidates';
import { ManualClock, profile } from './support';

function ledger(): {
  reads: string[];
  listProviders: (filter: { keyId: string }) => Promise<ScoredProvider[]>;
} {
  const reads: string[] = [];
  return {
    reads,
    listProviders: async ({ keyId }) => {
      reads.push(keyId);
      return [profile(`p-${keyId}-${reads.length}`)];
    },
  };
}

describe('LedgerCandidates', () => {
  it('caches per key for ttlMs', async () => {
    const fake = ledger();
    const clock = new ManualClock();
    const source = new LedgerCandidates({ ledger: fake, ttlMs: 1_000, clock: clock.read });
    const first = await source.candidates('k1');
    expect(await source.candidates('k1')).toBe(first);
    await source.candidates('k2');
    clock.advance(999);
    await source.candidates('k1');
    expect(fake.reads).toEqual(['k1', 'k2']);
    clock.advance(1);
    await source.candidates('k1');
    expect(fake.reads).toEqual(['k1', 'k2', 'k1']);
  });

  it('shares one ledger read between concurrent misses', async () => {
    let release: () => void = () => undefined;
    const reads: string[] = [];
    const source = new LedgerCandidates({
      ledger: {
        listProviders: async ({ keyId }) => {
          reads.push(keyId);
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return [profile('p1')];
        },
      },
    });
    const a = source.candidates('k1');
    const b = source.candidates('k1');
    release();
    expect(await a).toBe(await b);
    expect(reads).toEqual(['k1']);
  });

  it('invalidates one key, all keys, and on the events that change profiles or scores', async () => {
    const fake = ledger();
    const source = new LedgerCandidates({ ledger: fake });
    await source.candidates('k1');
    await source.candidates('k2');
    source.invalidate('k1');
    await source.candidates('k1');
    await source.candidates('k2');
    expect(fake.reads).toEqual(['k1', 'k2', 'k1']);
    source.invalidate();
    await source.candidates('k2');
    expect(fake.reads).toHaveLength(4);
    source.onChaincodeEvent('KeyCreated', {});
    await source.candidates('k2');
    expect(fake.reads).toHaveLength(4);
    for (const event of [
      'ProviderRegistered',
      'ProviderUpdated',
      'ProviderSuspended',
      'ProviderResumed',
      'OutcomesRecorded',
    ]) {
      source.onChaincodeEvent(event, { providerId: 'p1' });
      await source.candidates('k2');
    }
    expect(fake.reads).toHaveLength(9);
  });

  it('does not cache a failed read', async () => {
    let fail = true;
    const source = new LedgerCandidates({
      ledger: {
        listProviders: async () => {
          if (fail) {
            throw new Error('ledger down');
          }
          return [profile('p1')];
        },
      },
    });
    await expect(source.candidates('k1')).rejects.toThrow('ledger down');
    fail = false;
    expect(await source.candidates('k1')).toHaveLength(1);
  });
});
