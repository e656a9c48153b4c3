import type { OutcomeInput, ScoredProvider } from '../../../src/providers/ledger';
import { OrchestrationError } from '../../../src/providers/orchestrator/errors';
import {
  KeyOrchestrator,
  type KeyOrchestratorOptions,
} from '../../../src/providers/orchestrator/orchestrator';
import { ProviderCallError } from '../../../src/providers/transport';
import { FakeKeys, FakeProvider } from './fakeProvider';
import { ManualClock, profile, seededRandom } from './support';

const KEY = 'cmk-a';

interface Setup {
  orchestrator: KeyOrchestrator;
  providers: Map<string, FakeProvider>;
  outcomes: OutcomeInput[];
  keys: FakeKeys;
  clock: ManualClock;
}

/** Providers given as id → region; all hold KEY unless `keyIds` says otherwise. */
function setup(
  regions: Record<string, string>,
  extra: Partial<KeyOrchestratorOptions> = {},
  keyIds: Record<string, string[]> = {},
): Setup {
  const clock = new ManualClock();
  const keys = new FakeKeys();
  const providers = new Map<string, FakeProvider>();
  const profiles: ScoredProvider[] = [];
  for (const [id, region] of Object.entries(regions)) {
    providers.set(id, new FakeProvider(id, keys, clock));
    profiles.push(profile(id, { region, keyIds: keyIds[id] ?? [KEY] }));
  }
  const outcomes: OutcomeInput[] = [];
  const orchestrator = new KeyOrchestrator({
    orchestratorId: 'orch-1',
    region: 'eu-west',
    candidates: { candidates: async (keyId) => profiles.filter((p) => p.keyIds.includes(keyId)) },
    transportOf: (p) => providers.get(p.providerId) as FakeProvider,
    reporter: { record: (outcome) => outcomes.push(outcome) },
    random: seededRandom(1234),
    clock: clock.read,
    ...extra,
  });
  return { orchestrator, providers, outcomes, keys, clock };
}

const plaintext = Buffer.from('hello').toString('base64');

describe('KeyOrchestrator', () => {
  it('spreads load evenly, avoids a slow provider, and gives it traffic back once it is fast again', async () => {
    const { orchestrator, providers } = setup(
      { p1: 'eu-west', p2: 'eu-west', p3: 'eu-west' },
      { verifyDataKeys: 'never' },
    );
    for (const provider of providers.values()) {
      provider.latencyMs = 10;
    }
    const run = async (n: number): Promise<Map<string, number>> => {
      const counts = new Map<string, number>();
      for (let i = 0; i < n; i += 1) {
        const { providerId } = await orchestrator.encrypt({ keyId: KEY, plaintext, encryptionContext: {} });
        counts.set(providerId, (counts.get(providerId) ?? 0) + 1);
      }
      return counts;
    };
    await run(300); // past slow start for everyone
    const even = await run(900);
    for (const id of ['p1', 'p2', 'p3']) {
      expect(even.get(id) ?? 0).toBeGreaterThan(240);
      expect(even.get(id) ?? 0).toBeLessThan(360);
    }
    (providers.get('p3') as FakeProvider).latencyMs = 500;
    const slow = await run(1_000);
    expect((slow.get('p3') ?? 0) / 1_000).toBeLessThan(0.1);
    (providers.get('p3') as FakeProvider).latencyMs = 10;
    await run(1_500);
    const recovered = await run(900);
    expect(recovered.get('p3') ?? 0).toBeGreaterThan(200);
  });

  it('fails over on a connection error: the second provider answers, 1 failure + 1 success recorded', async () => {
    const { orchestrator, providers, outcomes } = setup(
      { p1: 'eu-west', p2: 'us-east' },
      { verifyDataKeys: 'never' },
    );
    (providers.get('p1') as FakeProvider).fail = 'connection';
    const answer = await orchestrator.encrypt({ keyId: KEY, plaintext, encryptionContext: {} });
    expect(answer.providerId).toBe('p2');
    expect(answer.attempts.map((a) => [a.providerId, a.ok, a.error?.kind])).toEqual([
      ['p1', false, 'connection'],
      ['p2', true, undefined],
    ]);
    expect(outcomes.map((o) => [o.providerId, o.success])).toEqual([
      ['p1', false],
      ['p2', true],
    ]);
    expect(answer.selection.candidates.find((c) => c.providerId === 'p1')?.excludedBecause).toBe(
      'failed earlier in this request',
    );
  });

  it('opens the breaker of a provider that keeps failing, and stops sending it requests', async () => {
    const { orchestrator, providers } = setup({ p1: 'eu-west', p2: 'us-east' }, { verifyDataKeys: 'never' });
    const p1 = providers.get('p1') as FakeProvider;
    p1.fail = 'server';
    for (let i = 0; i < 5; i += 1) {
      await orchestrator.encrypt({ keyId: KEY, plaintext, encryptionContext: {} });
    }
    expect(p1.calls).toHaveLength(3);
    expect(orchestrator.providers().find((p) => p.providerId === 'p1')?.breaker.state).toBe('open');
  });

  it('returns a refusal (invalid-ciphertext) as is: not retried, not counted against the provider', async () => {
    const { orchestrator, providers, outcomes, keys } = setup({ p1: 'eu-west', p2: 'us-east' });
    const blob = keys.seal(KEY, Buffer.from('secret'), { tenant: 'a' });
    const error = await orchestrator
      .decrypt({ ciphertextBlob: blob.toString('base64'), encryptionContext: { tenant: 'b' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderCallError);
    expect((error as ProviderCallError).providerProblem).toBe('invalid-ciphertext');
    expect((providers.get('p2') as FakeProvider).calls).toHaveLength(0);
    expect(outcomes).toEqual([expect.objectContaining({ providerId: 'p1', success: true })]);
    expect(orchestrator.providers()[0]?.breaker).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });

  it('respects the deadline: a provider slower than it is a timeout, and no time is left to retry', async () => {
    const { orchestrator, providers, outcomes } = setup(
      { p1: 'eu-west', p2: 'us-east' },
      { verifyDataKeys: 'never' },
    );
    (providers.get('p1') as FakeProvider).delayMs = 60_000; // far beyond jest's timeout: only the deadline ends it
    const error = await orchestrator
      .encrypt({ keyId: KEY, plaintext, encryptionContext: {} }, { deadlineMs: 50 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OrchestrationError);
    expect((error as OrchestrationError).problemType).toBe('unavailable');
    expect((error as OrchestrationError).attempts).toEqual([
      expect.objectContaining({
        providerId: 'p1',
        ok: false,
        error: expect.objectContaining({ kind: 'timeout' }),
      }),
    ]);
    expect(outcomes).toEqual([expect.objectContaining({ providerId: 'p1', success: false })]);
  });

  it('detects a byzantine producer: never returns its key, zeroes it, counts its failure, succeeds on an honest one', async () => {
    const { orchestrator, providers, outcomes, keys } = setup({
      bad: 'eu-west',
      h1: 'us-east',
      h2: 'us-east',
    });
    const bad = providers.get('bad') as FakeProvider;
    bad.byzantine = true;
    const decoded: Buffer[] = [];
    const from = Buffer.from.bind(Buffer) as (...args: unknown[]) => Buffer;
    const spy = jest.spyOn(Buffer, 'from').mockImplementation(((value: unknown, ...rest: unknown[]) => {
      const buffer = from(value, ...rest);
      if (typeof value === 'string' && bad.handedOut.includes(value)) {
        decoded.push(buffer);
      }
      return buffer;
    }) as unknown as typeof Buffer.from);
    let answer;
    try {
      answer = await orchestrator.generateDataKey({ keyId: KEY, encryptionContext: { tenant: 't' } });
    } finally {
      spy.mockRestore();
    }
    expect(answer.providerId).not.toBe('bad');
    expect(answer.verified).toBe(true);
    expect(answer.result.plaintext).not.toBe(bad.handedOut[0]);
    const opened = keys.open(Buffer.from(answer.result.ciphertextBlob, 'base64'), { tenant: 't' });
    expect(opened?.toString('base64')).toBe(answer.result.plaintext);
    expect(decoded.length).toBeGreaterThan(0);
    for (const buffer of decoded) {
      expect(buffer.every((byte) => byte === 0)).toBe(true);
    }
    expect(answer.attempts[0]).toMatchObject({ providerId: 'bad', ok: false, error: { kind: 'byzantine' } });
    expect(outcomes.filter((o) => o.providerId === 'bad')).toEqual([
      expect.objectContaining({ success: false }),
    ]);
    expect(outcomes.filter((o) => o.providerId !== 'bad').every((o) => o.success)).toBe(true);
  });

  it('says why a data key is not verified when no other provider holds the key', async () => {
    const { orchestrator } = setup({ p1: 'eu-west' });
    const answer = await orchestrator.generateDataKey({ keyId: KEY, encryptionContext: {} });
    expect(answer.verified).toBe(false);
    expect(answer.verification).toBe('not verified: no other provider holds the key');
  });

  it('fails with the attempts, and no key bytes, when every provider fails', async () => {
    const { orchestrator, providers } = setup({ p1: 'eu-west', p2: 'eu-west', p3: 'eu-west' });
    for (const provider of providers.values()) {
      provider.fail = 'server';
    }
    const error = (await orchestrator
      .generateDataKey({ keyId: KEY, encryptionContext: {} })
      .catch((caught: unknown) => caught)) as OrchestrationError;
    expect(error).toBeInstanceOf(OrchestrationError);
    expect(error.attempts).toHaveLength(2); // one retry, not three providers
    expect(error.message).toMatch(/no provider could serve the request/);
    expect(JSON.stringify(error.extensions)).not.toMatch(/plaintext/);
  });

  it('re-encrypts only on a provider holding both keys', async () => {
    const { orchestrator, keys } = setup(
      { p1: 'eu-west', p2: 'us-east', p3: 'eu-west' },
      {},
      { p1: [KEY], p2: [KEY, 'cmk-b'], p3: ['cmk-b'] },
    );
    const blob = keys.seal(KEY, Buffer.from('data'), {});
    const answer = await orchestrator.reEncrypt({
      ciphertextBlob: blob.toString('base64'),
      sourceEncryptionContext: {},
      destinationKeyId: 'cmk-b',
      destinationEncryptionContext: {},
    });
    expect(answer.providerId).toBe('p2');
    expect(answer.selection.candidates.map((c) => c.providerId)).toEqual(['p2']);
    expect(keys.open(Buffer.from(answer.result.ciphertextBlob, 'base64'), {})?.toString()).toBe('data');
  });

  it('reports per-provider load, breaker and outcome counts', async () => {
    const { orchestrator, providers } = setup({ p1: 'eu-west' }, { verifyDataKeys: 'never' });
    (providers.get('p1') as FakeProvider).latencyMs = 12;
    await orchestrator.encrypt({ keyId: KEY, plaintext, encryptionContext: {} });
    expect(orchestrator.providers()).toEqual([
      {
        providerId: 'p1',
        inFlight: 0,
        ewmaMs: 12,
        breaker: { state: 'closed', consecutiveFailures: 0, openMs: 1_000, probeInFlight: false },
        recorded: 1,
      },
    ]);
  });
});
