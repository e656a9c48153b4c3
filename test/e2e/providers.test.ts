import { startProviderNet, type ProviderNet } from './support/providerStack';

jest.setTimeout(180_000);

describe('key providers (separate processes, SoftHSM, mutual TLS, devnet)', () => {
  let net: ProviderNet;

  beforeAll(async () => {
    net = await startProviderNet({
      providers: [
        { name: 'kp1', region: 'eu-west' },
        { name: 'kp2', region: 'eu-west' },
        { name: 'kp3', region: 'us-east' },
      ],
      allowFaultInjection: true,
    });
  });

  afterAll(async () => {
    await net?.stop();
  });

  it('replicates a key to every provider and a data key made on one decrypts on every other', async () => {
    const report = await net.replicateKey('orders');
    expect(report.providers.map((p) => p.providerId).sort()).toEqual(['kp1', 'kp2', 'kp3']);
    const kp1 = await net.client('kp1');
    const made = await kp1.generateDataKey({ keyId: 'orders', encryptionContext: { tenant: 'a' } });
    for (const name of ['kp1', 'kp2', 'kp3']) {
      const answer = await (
        await net.client(name)
      ).decrypt({
        ciphertextBlob: made.ciphertextBlob,
        encryptionContext: { tenant: 'a' },
      });
      expect(answer.plaintext).toBe(made.plaintext);
      expect(answer.providerId).toBe(name);
    }
  });
});
