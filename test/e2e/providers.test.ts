import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { GovernanceLedger } from '../../gateway/src/governance';
import { ProviderCallError } from '../../gateway/src/providers/transport';
import { ProvidersLedger } from '../../gateway/src/providers/ledger';
import { startProviderNet, type ProviderNet } from './support/providerStack';

jest.setTimeout(180_000);

/** A raw HTTPS call to a provider (pinned to its certificate), for what the typed client never sends. */
async function raw(
  net: ProviderNet,
  provider: string,
  path: string,
  options: { method?: string; body?: string; identity?: { certPem: string; keyPem: string } } = {},
): Promise<{ status: number; type: string; body: string }> {
  const profile = await net.profile(provider);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      new URL(path, profile.endpoint),
      {
        method: options.method ?? 'GET',
        ca: profile.certificatePem,
        checkServerIdentity: () => undefined,
        ...(options.identity ? { cert: options.identity.certPem, key: options.identity.keyPem } : {}),
        headers: options.body ? { 'content-type': 'application/json' } : {},
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            type: String(response.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

async function refusal(call: Promise<unknown>): Promise<ProviderCallError> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ProviderCallError)) {
    throw new Error(`expected a ProviderCallError, got ${String(error)}`);
  }
  return error;
}

describe('key providers (separate processes, SoftHSM, mutual TLS, devnet)', () => {
  let net: ProviderNet;

  beforeAll(async () => {
    net = await startProviderNet({
      providers: [
        { name: 'kp1', region: 'eu-west' },
        { name: 'kp2', region: 'eu-west' },
        { name: 'kp3', region: 'us-east' },
      ],
    });
    await net.replicateKey('orders');
  });

  afterAll(async () => {
    await net?.stop();
  });

  it('registered each provider with its endpoint, pinned TLS certificate, region and held keys', async () => {
    for (const [name, region] of [
      ['kp1', 'eu-west'],
      ['kp2', 'eu-west'],
      ['kp3', 'us-east'],
    ] as const) {
      const profile = await net.profile(name);
      expect(profile).toMatchObject({ providerId: name, region, keyIds: ['orders'], status: 'active' });
      expect(profile.endpoint).toBe(net.providers.get(name)?.url);
      expect(profile.certificatePem).toContain('BEGIN CERTIFICATE');
    }
  });

  it('a data key made on one provider decrypts on every other, with the same context only', async () => {
    const kp1 = await net.client('kp1');
    const made = await kp1.generateDataKey({ keyId: 'orders', encryptionContext: { tenant: 'a' } });
    expect(Buffer.from(made.plaintext, 'base64')).toHaveLength(32);
    for (const name of ['kp1', 'kp2', 'kp3']) {
      const client = await net.client(name);
      const answer = await client.decrypt({
        ciphertextBlob: made.ciphertextBlob,
        encryptionContext: { tenant: 'a' },
      });
      expect(answer).toMatchObject({ plaintext: made.plaintext, providerId: name, keyId: 'orders' });
      const wrongContext = await refusal(
        client.decrypt({ ciphertextBlob: made.ciphertextBlob, encryptionContext: { tenant: 'b' } }),
      );
      expect(wrongContext).toMatchObject({
        kind: 'refused',
        status: 422,
        providerProblem: 'invalid-ciphertext',
      });
      expect(wrongContext.retryable).toBe(false);
      expect(wrongContext.message).not.toContain(made.plaintext);
    }
  });

  it('refuses a changed blob, and re-encrypts under another key', async () => {
    await net.replicateKey('invoices');
    const kp2 = await net.client('kp2');
    const sealed = await kp2.encrypt({
      keyId: 'orders',
      plaintext: Buffer.from('card 4111').toString('base64'),
      encryptionContext: {},
    });
    const blob = Buffer.from(sealed.ciphertextBlob, 'base64');
    blob[blob.length - 20] = (blob[blob.length - 20] as number) ^ 1;
    const tampered = await refusal(
      kp2.decrypt({ ciphertextBlob: blob.toString('base64'), encryptionContext: {} }),
    );
    expect(tampered.providerProblem).toBe('invalid-ciphertext');
    const moved = await kp2.reEncrypt({
      ciphertextBlob: sealed.ciphertextBlob,
      sourceEncryptionContext: {},
      destinationKeyId: 'invoices',
      destinationEncryptionContext: { year: '2026' },
    });
    expect(moved.keyId).toBe('invoices');
    const opened = await (
      await net.client('kp3')
    ).decrypt({
      ciphertextBlob: moved.ciphertextBlob,
      encryptionContext: { year: '2026' },
    });
    expect(Buffer.from(opened.plaintext, 'base64').toString()).toBe('card 4111');
  });

  it('a provider that does not hold a key says so (404) and never guesses', async () => {
    await net.providersLedgerAs(net.admin).createKey({ keyId: 'solo' });
    const kp1 = await net.client('kp1');
    await kp1.createKey('solo');
    const made = await kp1.generateDataKey({ keyId: 'solo', encryptionContext: {} });
    const kp3 = await net.client('kp3');
    const notHeld = await refusal(
      kp3.decrypt({ ciphertextBlob: made.ciphertextBlob, encryptionContext: {} }),
    );
    expect(notHeld).toMatchObject({ kind: 'refused', status: 404, providerProblem: 'not-found' });
    expect(notHeld.retryable).toBe(true);
    expect(notHeld.providerAtFault).toBe(false);
    expect((await net.profile('kp1')).keyIds).toContain('solo');
    expect((await net.profile('kp3')).keyIds).not.toContain('solo');
    // A key the ledger does not know is never made.
    const unknown = await refusal(kp1.createKey('not-on-chain'));
    expect(unknown.status).toBe(404);
  });

  it('serves /v1 only to certificates of registered orchestrators; health and metrics are open', async () => {
    const stranger = await net.newIdentity('stranger');
    const strangerTls = {
      certPem: stranger.files.certPem,
      keyPem: readFileSync(stranger.files.keyPath, 'utf8'),
    };
    const forbidden = await raw(net, 'kp1', '/v1/keys', { identity: strangerTls });
    expect(forbidden.status).toBe(403);
    expect(forbidden.type).toContain('application/problem+json');
    const anonymous = await raw(net, 'kp1', '/v1/keys');
    expect(anonymous.status).toBe(401);
    const asClient = await refusal((await net.client('kp1', strangerTls)).listKeys());
    expect(asClient).toMatchObject({ status: 403, providerProblem: 'forbidden' });

    const health = await raw(net, 'kp1', '/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', providerId: 'kp1', region: 'eu-west' });
    const metrics = await raw(net, 'kp1', '/metrics');
    expect(metrics.body).toContain('keyledger_provider_requests_total');
    expect(metrics.body).toContain('keyledger_provider_refused_clients_total');
  });

  it('answers bad input with 400 problem+json and changes nothing', async () => {
    const body = (value: unknown): string => JSON.stringify(value);
    const cases: [string, string][] = [
      ['/v1/generate-data-key', body({ keyId: 'orders', keySpec: 'DES' })],
      ['/v1/generate-data-key', body({ keyId: '../etc', encryptionContext: {} })],
      ['/v1/encrypt', body({ keyId: 'orders', plaintext: 'not base64!' })],
      ['/v1/encrypt', body({ keyId: 'orders', plaintext: '' })], // the HSM refuses empty input: the caller's error
      ['/v1/encrypt', body({ keyId: 'orders', plaintext: Buffer.alloc(5000).toString('base64') })],
      ['/v1/decrypt', body({ ciphertextBlob: Buffer.from('short').toString('base64') })],
      ['/v1/decrypt', body({ ciphertextBlob: 'AAAA', encryptionContext: { a: 1 } })],
      ['/v1/decrypt', '{"ciphertextBlob": '],
      ['/v1/keys/orders/import', body({ keyVersion: 1 })],
      ['/v1/generate-data-key', body({ keyId: 'orders', extra: true })],
    ];
    for (const [path, payload] of cases) {
      const answer = await raw(net, 'kp1', path, {
        method: 'POST',
        body: payload,
        identity: net.orchestratorTls,
      });
      expect([path, answer.status]).toEqual([path, 400]);
      expect(answer.type).toContain('application/problem+json');
    }
    const faults = await raw(net, 'kp1', '/v1/faults', {
      method: 'POST',
      body: body({ latencyMs: 100 }),
      identity: net.orchestratorTls,
    });
    expect(faults.status).toBe(404);
    expect((await net.profile('kp1')).keyIds).not.toContain('etc');

    // A key placed on providers that do not exist is refused before anything is registered on the ledger.
    const ledger = new ProvidersLedger(net.connectionAs(net.admin));
    await expect(net.replicateKey('nowhere', { origin: 'kp9' })).rejects.toThrow(
      'provider kp9 is not registered',
    );
    await expect(net.replicateKey('nowhere', { replicas: ['kp9'] })).rejects.toThrow(
      'provider kp9 is not registered',
    );
    expect(await ledger.getKey('nowhere')).toBeUndefined();
  });

  it('refuses a replica wrapped for someone else, and wraps only to the key the ledger names', async () => {
    await net.providersLedgerAs(net.admin).createKey({ keyId: 'pair' });
    const kp1 = await net.client('kp1');
    await kp1.createKey('pair');
    const reader = new GovernanceLedger(net.connectionAs(net.admin));
    const wrappingKeyOf = async (name: string): Promise<string> => {
      const member = net.members.get(name);
      const found =
        member && (await reader.getMember({ mspId: member.files.mspId, fingerprint: member.fingerprint }));
      return found?.publicKey ?? '';
    };
    const kp2Key = await wrappingKeyOf('kp2');
    const kp3Key = await wrappingKeyOf('kp3');
    const wrongKey = await refusal(
      kp1.exportKey('pair', { recipients: [{ providerId: 'kp2', publicKeyPem: kp3Key }] }),
    );
    expect(wrongKey.status).toBe(409);
    const exported = await kp1.exportKey('pair', {
      recipients: [{ providerId: 'kp2', publicKeyPem: kp2Key }],
    });
    const copy = exported.copies[0]!;
    // kp3 receives kp2's copy: the key wrap was derived for kp2 and does not open.
    const misdelivered = await refusal(
      (await net.client('kp3')).importKey('pair', {
        keyVersion: exported.keyVersion,
        keyCheckValue: exported.keyCheckValue,
        wrappedKey: copy.wrappedKey,
        ephemeralPublicKey: copy.ephemeralPublicKey,
        fromProviderId: 'kp1',
      }),
    );
    expect(misdelivered).toMatchObject({ status: 422, providerProblem: 'invalid-ciphertext' });
    const imported = await (
      await net.client('kp2')
    ).importKey('pair', {
      keyVersion: exported.keyVersion,
      keyCheckValue: exported.keyCheckValue,
      wrappedKey: copy.wrappedKey,
      ephemeralPublicKey: copy.ephemeralPublicKey,
      fromProviderId: 'kp1',
    });
    expect(imported).toMatchObject({
      keyId: 'pair',
      origin: 'imported',
      keyCheckValue: exported.keyCheckValue,
    });
    // A replica is not extractable: it cannot be passed on.
    const onward = await refusal(
      (await net.client('kp2')).exportKey('pair', {
        recipients: [{ providerId: 'kp3', publicKeyPem: kp3Key }],
      }),
    );
    expect(onward.status).toBe(409);
  });

  it('keeps its keys and profile across a restart (kill -9)', async () => {
    const before = await (await net.client('kp2')).listKeys();
    await net.kill('kp2');
    await net.startProvider({ name: 'kp2', region: 'eu-west' });
    const after = await (await net.client('kp2')).listKeys();
    expect(after).toEqual(before);
  });
});
