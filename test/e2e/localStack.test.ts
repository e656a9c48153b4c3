/**
 * What `npm start` brings up (startLocalStack): tokens, devnet, chaincode, governance, agents and the REST API,
 * used through the API; then stopped and started again on the same data folder, where everything is reused and a
 * message sealed before the restart still decrypts.
 */
import { randomBytes, verify } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedGrpcClients } from '../../gateway/src/fabric';
import { startLocalStack, type LocalStack } from '../../gateway/src/stack';
import { ed25519KeyObject as ed25519Key } from '../../gateway/src/threshold/service/thresholdSigning';
import { eventually } from './support/eventually';

describe('npm start (startLocalStack)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyledger-local-stack-'));
  let stack: LocalStack | undefined;
  const progress: string[] = [];

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function call(
    method: string,
    path: string,
    who: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const token = stack?.participants.find((p) => p.name === who)?.apiToken ?? '';
    const response = await fetch(`${stack?.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  it('comes up, rotates and encrypts through the API, and comes back on the same data', async () => {
    const options = {
      dataDir,
      network: 'devnet' as const,
      devnetPort: 0,
      apiPort: 0,
      tokenLabelPrefix: 'ls-',
    };
    stack = await startLocalStack({ ...options, progress: (line) => progress.push(line) });
    expect(progress.filter((line) => /^\[\d+\/10\]/.test(line))).toHaveLength(10);
    expect(stack.providers.map((p) => [p.name, p.region])).toEqual([
      ['kp1', 'eu-west'],
      ['kp2', 'eu-west'],
      ['kp3', 'us-east'],
    ]);
    expect(progress.join('\n')).toMatch(/governance bootstrapped; 3 validators, 2 front-ends/);
    expect(stack.participants.map((p) => p.role)).toEqual([
      'admin',
      'validator',
      'validator',
      'validator',
      'frontend',
      'frontend',
      'signer',
    ]);
    expect(stack.cas.map((ca) => ca.name)).toEqual(['ca1', 'ca2']);

    const policy = await call('PUT', '/v1/queues/orders/policy', 'admin', {
      rotationIntervalMs: 3_600_000,
      maxMessages: 100_000,
      algorithm: 'AES-256-GCM',
      minRotationIntervalMs: 0, // this test rotates right after the first key
    });
    expect(policy.status).toBe(201);
    const plaintext = randomBytes(64).toString('base64');
    const sealed = await eventually('the first key at frontend1', async () => {
      const result = await call('POST', '/v1/queues/orders/encrypt', 'frontend1', { plaintext });
      return result.status === 200 ? result.json : undefined;
    });
    expect(sealed['version']).toBe(1);
    // The demo key is on every provider, and the admin (granted by the stack) gets a verified data key.
    const dataKey = await call('POST', '/v1/keys/demo/datakey', 'admin', {
      encryptionContext: { app: 'ls' },
    });
    expect(dataKey).toMatchObject({ status: 200, json: { keyId: 'demo', verified: true } });
    const ungranted = await call('POST', '/v1/keys/demo/datakey', 'validator1', {});
    expect(ungranted.status).toBe(403);
    // The signing service signs a request with its active key; the token verifies against the ledger and a CA.
    const accepted = await call('POST', '/v1/signing/requests', 'signer', { claims: { sub: 'ls' } });
    expect(accepted.status).toBe(202);
    const signed = await call('GET', `/v1/signing/requests/${accepted.json['id']}?waitMs=10000`, 'signer');
    expect(signed).toMatchObject({ status: 200, json: { state: 'done' } });
    const { token: jwt, kid } = signed.json['result'] as { token: string; kid: string };
    await expect(call('POST', '/v1/signing/verify', 'admin', { token: jwt })).resolves.toMatchObject({
      status: 200,
      json: { valid: true, kid, validatedBy: 'ca1' },
    });
    // The shard generator provisioned both devices (epoch 1 each) and its health check runs.
    const devices = await call('GET', '/v1/shards/devices', 'admin');
    expect(devices.json['devices']).toEqual([
      expect.objectContaining({ deviceId: 'device1', activeEpoch: 1, revoked: false }),
      expect.objectContaining({ deviceId: 'device2', activeEpoch: 1, revoked: false }),
    ]);
    expect(stack.devices.map((d) => d.deviceId)).toEqual(['device1', 'device2']);
    expect(stack.spareDevice?.deviceId).toBe('device3');
    // Threshold custody: five module processes, the custody key made by DKG; a signature verifies with plain Ed25519.
    expect(stack.threshold?.modules.map((m) => m.name)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(progress.join('\n')).toMatch(/key custody: 3-of-5, made by DKG now/);
    const signedBefore = await call('POST', '/v1/threshold/keys/custody/sign', 'admin', {
      message: Buffer.from('ls').toString('base64'),
    });
    expect(signedBefore.status).toBe(200);
    const custodyKey = ed25519Key(stack.threshold?.groupPublicKey ?? '');
    expect(
      verify(
        null,
        Buffer.from('ls'),
        custodyKey,
        Buffer.from(String(signedBefore.json['signature']), 'base64url'),
      ),
    ).toBe(true);
    // One gRPC channel to the one peer endpoint, shared by every identity's Gateway connection.
    expect(sharedGrpcClients.size).toBe(1);
    // The CLI profile holds the tokens (mode 0600); the gateway's store only their digests.
    const profile = JSON.parse(readFileSync(stack.profilePath, 'utf8')) as {
      url: string;
      tokens: Record<string, string>;
    };
    expect(profile.url).toBe(stack.apiUrl);
    expect(statSync(stack.profilePath).mode & 0o777).toBe(0o600);
    const store = readFileSync(join(dataDir, 'api', 'tokens.json'), 'utf8');
    for (const token of Object.values(profile.tokens)) {
      expect(store).not.toContain(token);
    }
    await stack.stop();
    stack = undefined;
    // No private key material in any log: the gateway's, the providers', the CAs'.
    for (const log of readdirSync(join(dataDir, 'logs'))) {
      const text = readFileSync(join(dataDir, 'logs', log), 'utf8');
      expect({ log, privateJwk: /"d":"/.test(text), pem: /PRIVATE KEY/.test(text) }).toEqual({
        log,
        privateJwk: false,
        pem: false,
      });
    }

    progress.length = 0;
    stack = await startLocalStack({ ...options, progress: (line) => progress.push(line) });
    expect(progress.join('\n')).toMatch(/governance existing; 3 validators, 2 front-ends/);
    // The same tokens work after a restart.
    expect((JSON.parse(readFileSync(stack.profilePath, 'utf8')) as { tokens: unknown }).tokens).toEqual(
      profile.tokens,
    );
    // Providers restart on their own tokens: the data key sealed before the restart still decrypts.
    const reopened = await call('POST', '/v1/keys/demo/decrypt', 'admin', {
      ciphertextBlob: dataKey.json['ciphertextBlob'],
      encryptionContext: { app: 'ls' },
    });
    expect(reopened).toMatchObject({ status: 200, json: { plaintext: dataKey.json['plaintext'] } });
    const opened = await call('POST', '/v1/queues/orders/decrypt', 'frontend2', {
      envelope: sealed['envelope'],
    });
    expect(opened).toMatchObject({ status: 200, json: { plaintext } });
    // The signing service takes its key up again (the CAs restarted on their own tokens) and the token still verifies.
    const again = await call('POST', '/v1/signing/requests', 'signer', { claims: { sub: 'ls-again' } });
    const resigned = await call('GET', `/v1/signing/requests/${again.json['id']}?waitMs=10000`, 'signer');
    expect(resigned.json['result']).toMatchObject({ kid });
    await expect(call('POST', '/v1/signing/verify', 'admin', { token: jwt })).resolves.toMatchObject({
      json: { valid: true, kid },
    });
    // The devices are found provisioned, not provisioned again: still on epoch 1.
    expect(progress.join('\n')).toMatch(/device1: epoch 1 of 4 shards/);
    const devicesAgain = await call('GET', '/v1/shards/devices', 'admin');
    expect(devicesAgain.json['devices']).toEqual(devices.json['devices']);
    // The modules restart on their own tokens with their shares: the same key signs, no new ceremony.
    expect(progress.join('\n')).toMatch(/key custody: 3-of-5, shares found in the modules/);
    const signedAfter = await call('POST', '/v1/threshold/keys/custody/sign', 'admin', {
      message: Buffer.from('ls again').toString('base64'),
    });
    expect(
      verify(
        null,
        Buffer.from('ls again'),
        custodyKey,
        Buffer.from(String(signedAfter.json['signature']), 'base64url'),
      ),
    ).toBe(true);
    // kill -9 of the chaincode process: the devnet relaunches it on the next invocation and the stack recovers
    // by itself (a Fabric peer does the same).
    const chaincode = stack.devnet?.status().chaincodes.find((cc) => cc.name === 'keyledger');
    expect(chaincode?.pid).toEqual(expect.any(Number));
    process.kill(chaincode?.pid as number, 'SIGKILL');
    await eventually('the ledger answering again after the chaincode was killed', async () => {
      const key = await call('GET', '/v1/queues/orders/key', 'admin');
      return key.status === 200 ? key : undefined;
    });
    expect((await fetch(`${stack.apiUrl}/health`)).status).toBe(200);
    expect(stack.devnet?.status().chaincodes.find((cc) => cc.name === 'keyledger')?.restarts).toBe(1);
    const rotated = await call('POST', '/v1/queues/orders/rotate', 'validator2', {});
    expect([201, 202]).toContain(rotated.status);
    await eventually('version 2 at frontend1', async () => {
      const result = await call('POST', '/v1/queues/orders/encrypt', 'frontend1', { plaintext });
      return result.json['version'] === 2 ? true : undefined;
    });
  }, 180_000);
});
