/**
 * The key orchestrator against real providers: separate processes with their own SoftHSM tokens, mutual TLS, the
 * devnet ledger. Selection, failover on kill -9, scores that move on chain, slow and byzantine providers, outcome
 * batches that survive a ledger that does not answer.
 */
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { LedgerError } from '../../gateway/src/fabric';
import { OrchestratorNode } from '../../gateway/src/providers/orchestratorNode';
import { ProvidersLedger } from '../../gateway/src/providers/ledger';
import { OutcomeReporter } from '../../gateway/src/providers/orchestrator';
import { ProviderCallError } from '../../gateway/src/providers/transport';
import { eventually } from './support/eventually';
import { startProviderNet, type ProviderNet } from './support/providerStack';

jest.setTimeout(240_000);

describe('key orchestrator (real providers, mTLS, devnet)', () => {
  let net: ProviderNet;
  let node: OrchestratorNode;

  beforeAll(async () => {
    net = await startProviderNet({
      providers: [
        { name: 'kp1', region: 'eu-west' },
        { name: 'kp2', region: 'eu-west' },
        { name: 'kp3', region: 'us-east' },
      ],
      allowFaultInjection: true,
    });
    await net.replicateKey('orders');
    node = await OrchestratorNode.start({
      name: 'orch1',
      fabric: net.orchestrator.fabric,
      region: 'eu-west',
      dataDir: join(net.dataDir, 'orchestrator'),
      follow: { startBlock: BigInt(net.devnet.status().height) },
      reporting: { flushIntervalMs: 500, flushEvery: 100 },
    });
  });

  afterAll(async () => {
    await node?.stop();
    await net?.stop();
  });

  const score = async (providerId: string): Promise<number> =>
    (await new ProvidersLedger(net.connectionAs(net.admin)).getScore(providerId)).score;

  it('serves a data key, says which provider and why, and checked it on a second provider', async () => {
    const answer = await node.orchestrator.generateDataKey({
      keyId: 'orders',
      encryptionContext: { tenant: 'a' },
    });
    expect(['kp1', 'kp2', 'kp3']).toContain(answer.providerId);
    expect(answer.verified).toBe(true);
    expect(answer.selection.candidates.map((c) => c.providerId)).toEqual(['kp1', 'kp2', 'kp3']);
    expect(answer.selection.chosen).toBe(answer.providerId);
    expect(answer.selection.reason).toMatch(/kp\d/);
    expect(answer.attempts.map((a) => a.role)).toEqual(['producer', 'verifier']);
    const opened = await node.orchestrator.decrypt({
      ciphertextBlob: answer.result.ciphertextBlob,
      encryptionContext: { tenant: 'a' },
    });
    expect(opened.result.plaintext).toBe(answer.result.plaintext);
    const refused: unknown = await node.orchestrator
      .decrypt({ ciphertextBlob: answer.result.ciphertextBlob, encryptionContext: { tenant: 'b' } })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderCallError);
    expect(refused).toMatchObject({ status: 422, providerProblem: 'invalid-ciphertext' });
  });

  it('never selects a provider that does not hold the key', async () => {
    await net.providersLedgerAs(net.admin).createKey({ keyId: 'pairs' });
    const kp1 = await net.client('kp1');
    await kp1.createKey('pairs');
    await eventually('kp1 to list pairs', async () =>
      (await net.profile('kp1')).keyIds.includes('pairs') ? true : undefined,
    );
    const served = new Set<string>();
    for (let i = 0; i < 20; i += 1) {
      const answer = await node.orchestrator.encrypt({
        keyId: 'pairs',
        plaintext: Buffer.from(`m${i}`).toString('base64'),
        encryptionContext: {},
      });
      served.add(answer.providerId);
      expect(answer.selection.candidates.map((c) => c.providerId)).toEqual(['kp1']);
    }
    expect([...served]).toEqual(['kp1']);
  });

  it('a slowed provider loses its traffic within seconds and wins it back when fast again', async () => {
    const kp2 = await net.client('kp2');
    const share = async (ms: number): Promise<Map<string, number>> => {
      const counts = new Map<string, number>();
      const until = Date.now() + ms;
      while (Date.now() < until) {
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            const answer = await node.orchestrator.encrypt({
              keyId: 'orders',
              plaintext: 'AAAA',
              encryptionContext: {},
            });
            counts.set(answer.providerId, (counts.get(answer.providerId) ?? 0) + 1);
          }),
        );
      }
      return counts;
    };
    const total = (counts: Map<string, number>): number => [...counts.values()].reduce((a, b) => a + b, 0);
    const before = await share(1500);
    expect(before.get('kp2') ?? 0).toBeGreaterThan(total(before) * 0.2);
    await kp2.setFaults({ latencyMs: 300 });
    await share(2000); // it is found out here
    const slow = await share(2000);
    expect(slow.get('kp2') ?? 0).toBeLessThan(total(slow) * 0.1);
    await kp2.setFaults({ latencyMs: 0 });
    const recovered = await eventually(
      'kp2 to win traffic back',
      async () => {
        const counts = await share(1500);
        return (counts.get('kp2') ?? 0) > total(counts) * 0.2 ? counts : undefined;
      },
      20_000,
      0,
    );
    expect(recovered.get('kp2')).toBeGreaterThan(0);
  });

  it('catches a byzantine provider: its lying data keys are never returned and count as its failures', async () => {
    const kp3 = await net.client('kp3');
    await kp3.setFaults({ byzantine: true });
    try {
      let caughtKp3 = 0;
      for (let i = 0; i < 40; i += 1) {
        const answer = await node.orchestrator.generateDataKey(
          { keyId: 'orders', encryptionContext: {} },
          { region: 'us-east' },
        );
        expect(answer.providerId).not.toBe('kp3');
        expect(answer.verified).toBe(true);
        const check = await (
          await net.client('kp1')
        ).decrypt({
          ciphertextBlob: answer.result.ciphertextBlob,
          encryptionContext: {},
        });
        expect(check.plaintext).toBe(answer.result.plaintext);
        if (answer.attempts.some((a) => a.providerId === 'kp3' && a.role === 'producer' && !a.ok)) {
          expect(answer.attempts.find((a) => a.providerId === 'kp3')?.error?.kind).toBe('byzantine');
          caughtKp3 += 1;
        }
      }
      // us-east callers prefer kp3 (proximity), so it produced some keys until its breaker opened.
      expect(caughtKp3).toBeGreaterThan(0);
    } finally {
      await kp3.setFaults({ byzantine: false });
    }
  });

  it('kill -9 of a provider during 500 requests: every request succeeds, and its score drops on chain', async () => {
    await node.reporter.flush();
    const scoreBefore = await score('kp1');
    let failures = 0;
    let served = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < 500) {
        next += 1;
        if (next === 100) {
          void net.kill('kp1');
        }
        try {
          await node.orchestrator.generateDataKey({
            keyId: 'orders',
            encryptionContext: { n: String(next) },
          });
          served += 1;
        } catch {
          failures += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    expect({ served, failures }).toEqual({ served: 500, failures: 0 });
    const view = node.orchestrator.providers().find((p) => p.providerId === 'kp1');
    expect(view?.breaker.state).not.toBe('closed');
    await node.reporter.flush();
    expect(node.reporter.stats()).toMatchObject({ pending: 0, dropped: 0 });
    expect(await score('kp1')).toBeLessThan(scoreBefore);
    await net.startProvider({ name: 'kp1', region: 'eu-west' }, true);
  });

  it('records every outcome batch exactly once through a ledger that fails and answers late', async () => {
    const ledger = new ProvidersLedger(net.connectionAs(net.orchestrator));
    // A provider no orchestrator calls, so only this test's outcomes move its counters.
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await net.providersLedgerAs(net.admin).registerProvider({
      providerId: 'kp-idle',
      endpoint: 'https://127.0.0.1:9',
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      algorithms: ['AES-256-GCM'],
      region: 'eu-west',
    });
    let calls = 0;
    const reporter = new OutcomeReporter({
      orchestratorId: 'outage-test',
      journalPath: join(net.dataDir, 'outage.journal.json'),
      sink: async (batchId, outcomes) => {
        calls += 1;
        if (calls <= 2) {
          throw new LedgerError({ kind: 'UNAVAILABLE', message: 'the peer cannot be reached' });
        }
        await ledger.recordOutcomes(batchId, outcomes);
        if (calls === 3) {
          // Committed, but the answer is lost: the retry must not count it twice.
          throw new LedgerError({ kind: 'COMMIT_UNKNOWN', message: 'no commit status' });
        }
      },
      flushEvery: 1_000_000,
    });
    const before = await ledger.getScore('kp-idle');
    const at = Date.now();
    for (let i = 0; i < 7; i += 1) {
      reporter.record({ providerId: 'kp-idle', success: true, latencyMs: 5, at });
    }
    for (let attempt = 0; attempt < 6 && reporter.stats().pending > 0; attempt += 1) {
      await reporter.flush();
      await new Promise((resolve) => setTimeout(resolve, 1100 * 2 ** Math.min(attempt, 2)));
    }
    expect(reporter.stats()).toMatchObject({ pending: 0, recorded: 7, batchesConfirmed: 1 });
    const after = await ledger.getScore('kp-idle');
    expect(after.successCount - before.successCount).toBe(7);
    // A restart from the journal has nothing left to send.
    const restarted = new OutcomeReporter({
      orchestratorId: 'outage-test',
      journalPath: join(net.dataDir, 'outage.journal.json'),
      sink: () => Promise.reject(new Error('must not be called')),
    });
    restarted.recover();
    expect(restarted.stats().pending).toBe(0);
  });
});
