/**
 * The device-key-shards REST API end to end: the gateway's app with the shards module over the real generator
 * (devnet, SoftHSM), driven over HTTP by callers with their own ledger identities — the generator's provider,
 * an admin, an auditor, a signer, a member with role device, and the devices themselves.
 */
import { generateKeyPairSync } from 'node:crypto';
import { startShardsApiNet, type ApiReply, type ShardsApiNet } from './support/shardsApiNet';

jest.setTimeout(120_000);

const message = 'firmware 4.2.1 for sensor bank 7';

/** A fresh device key-wrapping point, as `device init` prints it. */
function newDeviceKey(): string {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x as string, 'base64url'),
    Buffer.from(jwk.y as string, 'base64url'),
  ]).toString('base64url');
}

function expectProblem(reply: ApiReply, status: number, detail?: RegExp): void {
  expect({ status: reply.status, type: reply.headers.get('content-type') }).toEqual({
    status,
    type: 'application/problem+json; charset=utf-8',
  });
  if (detail) expect(reply.json.detail).toMatch(detail);
}

describe('shards REST API (devnet, SoftHSM)', () => {
  let api: ShardsApiNet;
  const keyOf = (id: string): string => api.devices.get(id)!.client.publicKey.toString('base64url');
  const ownerOf = (id: string): { mspId: string; fingerprint: string } => api.devices.get(id)!.owner;
  const provisionBody = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    deviceId: id,
    devicePublicKey: keyOf(id),
    owner: ownerOf(id),
    ...extra,
  });

  beforeAll(async () => {
    api = await startShardsApiNet('keyledger-shards-api-', ['dev-a', 'dev-b', 'dev-c']);
  }, 180_000);

  afterAll(async () => {
    await api?.stop();
  });

  it('provisions (201 + Location, then 200 replay; another key is a 409), the device signs, verify answers', async () => {
    const first = await api.call('POST', '/v1/shards/devices', {
      as: 'provider',
      body: provisionBody('dev-a', { n: 4 }),
    });
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toBe('/v1/shards/devices/dev-a');
    expect(first.json).toMatchObject({ deviceId: 'dev-a', epoch: 1, replay: false, map: { n: 4, epoch: 1 } });
    expect(JSON.stringify(first.json)).not.toMatch(/ciphertext|wrappedKey/);

    const again = await api.call('POST', '/v1/shards/devices', {
      as: 'admin',
      body: provisionBody('dev-a', { n: 4 }),
    });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ deviceId: 'dev-a', epoch: 1, replay: true });

    expectProblem(
      await api.call('POST', '/v1/shards/devices', {
        as: 'provider',
        body: { deviceId: 'dev-a', devicePublicKey: newDeviceKey() },
      }),
      409,
      /already provisioned for another device key/,
    );

    const device = api.devices.get('dev-a')!;
    await device.client.enrol();
    const { signature } = await device.client.sign(Buffer.from(message));
    const verdict = await api.call('POST', '/v1/shards/verify', {
      as: 'auditor',
      body: { message, signature },
    });
    expect(verdict.status).toBe(200);
    expect(verdict.json).toMatchObject({ valid: true, epoch: 1, epochStatus: 'active', reportedUses: 1 });
    const base64 = await api.call('POST', '/v1/shards/verify', {
      as: 'admin',
      body: { messageBase64: Buffer.from(message).toString('base64'), signature },
    });
    expect(base64.json).toMatchObject({ valid: true });
    // Verification reads the ledger as the caller: the contract does not let a signer read device maps.
    expectProblem(
      await api.call('POST', '/v1/shards/verify', { as: 'signer', body: { message, signature } }),
      403,
      /needs role admin or auditor or provider or device/,
    );
    const tampered = await api.call('POST', '/v1/shards/verify', {
      as: 'auditor',
      body: { message: `${message}!`, signature },
    });
    expect(tampered.status).toBe(200);
    expect(tampered.json).toMatchObject({ valid: false, problem: 'message-mismatch' });
    const forged = { ...signature, signature: Buffer.alloc(64, 1).toString('base64url') };
    const bad = await api.call('POST', '/v1/shards/verify', {
      as: 'auditor',
      body: { message, signature: forged },
    });
    expect(bad.json).toMatchObject({ valid: false, signatureValid: false, problem: 'bad-signature' });

    // The device read as the caller: the admin, and the device itself; schedule and use.
    const read = await api.call('GET', '/v1/shards/devices/dev-a', { as: 'dev-a' });
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({
      head: { deviceId: 'dev-a', activeEpoch: 1 },
      activeUse: { uses: 1 },
      schedule: { rotateAt: expect.any(Number) },
    });
    expect((await api.call('GET', '/v1/shards/devices/dev-a', { as: 'admin' })).status).toBe(200);
    expectProblem(await api.call('GET', '/v1/shards/devices/no-such-device', { as: 'admin' }), 404);
  });

  it('lists the generator’s devices with ledger facts and schedule; only admin, auditor, provider', async () => {
    const list = await api.call('GET', '/v1/shards/devices', { as: 'auditor' });
    expect(list.status).toBe(200);
    const entry = list.json.devices.find((d: { deviceId: string }) => d.deviceId === 'dev-a');
    expect(entry).toMatchObject({
      activeEpoch: 1,
      latestEpoch: 1,
      revoked: false,
      rotateAt: expect.any(Number),
    });
    expect(list.json.total).toBeGreaterThanOrEqual(1);
    const health = await api.call('GET', '/health');
    expect(health.json.checks.shards).toMatchObject({
      status: 'ok',
      data: { masterKeyPresent: true, overdueRotations: 0, devices: list.json.total },
    });
    const page = await api.call('GET', '/v1/shards/devices?limit=1&offset=0', { as: 'admin' });
    expect(page.json.devices).toHaveLength(1);
    expectProblem(
      await api.call('GET', '/v1/shards/devices', { as: 'signer' }),
      403,
      /admin or auditor or provider/,
    );
  });

  it('rotates (unknown is a 404), collects the superseded epoch', async () => {
    const rotated = await api.call('POST', '/v1/shards/devices/dev-a/rotate', { as: 'provider' });
    expect(rotated.status).toBe(200);
    expect(rotated.json).toMatchObject({ deviceId: 'dev-a', epoch: 2, status: 'active' });
    const device = api.devices.get('dev-a')!;
    expect((await device.client.sign(Buffer.from(message))).signature.epoch).toBe(2);
    const withN = await api.call('POST', '/v1/shards/devices/dev-a/rotate', { as: 'admin', body: { n: 2 } });
    expect(withN.json).toMatchObject({ epoch: 3, n: 2 });
    expectProblem(await api.call('POST', '/v1/shards/devices/nobody/rotate', { as: 'provider' }), 404);

    const collected = await api.call('POST', '/v1/shards/devices/dev-a/collect', {
      as: 'provider',
      body: { retentionMs: 0 },
    });
    expect(collected.status).toBe(200);
    expect(collected.json).toMatchObject({ deviceId: 'dev-a', deleted: 8, epochs: [1, 2] });
    expect(typeof collected.json.invalidatedBefore).toBe('number');
  });

  it('revokes as the caller: K_dev destroyed, the device refuses, a second revocation is a 409', async () => {
    const device = api.devices.get('dev-b')!;
    expect(
      (await api.call('POST', '/v1/shards/devices', { as: 'provider', body: provisionBody('dev-b') })).status,
    ).toBe(201);
    await device.client.enrol();
    const revoked = await api.call('POST', '/v1/shards/devices/dev-b/revoke', {
      as: 'admin',
      body: { reason: 'lost in transit' },
    });
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({
      keyDestroyed: true,
      head: { deviceId: 'dev-b', revoked: { reason: 'lost in transit' } },
    });
    // The ledger records the admin (the caller), not the generator, as the one who revoked.
    expect(revoked.json.head.revoked.by.fingerprint).toBe(api.fixture.net.admin.fingerprint);
    expect(api.fixture.generator.deviceIds()).not.toContain('dev-b');
    await expect(device.client.sign(Buffer.from(message))).rejects.toMatchObject({ code: 'device-revoked' });
    expectProblem(
      await api.call('POST', '/v1/shards/devices/dev-b/revoke', { as: 'admin', body: { reason: 'again' } }),
      409,
    );
    expectProblem(await api.call('POST', '/v1/shards/devices/dev-b/rotate', { as: 'provider' }), 409);
    expectProblem(
      await api.call('POST', '/v1/shards/devices', { as: 'provider', body: provisionBody('dev-b') }),
      409,
      /revoked/,
    );
  });

  it('a batch is validated whole first (nothing provisioned), then provisioned with per-device results', async () => {
    const keys = [newDeviceKey(), newDeviceKey(), newDeviceKey()];
    const items = keys.map((devicePublicKey, i) => ({ deviceId: `batch-${i}`, devicePublicKey }));
    const broken = items.map((item, i) =>
      i === 2 ? { ...item, devicePublicKey: item.devicePublicKey.slice(4) } : item,
    );
    expectProblem(
      await api.call('POST', '/v1/shards/devices/batch', { as: 'provider', body: { devices: broken } }),
      400,
      /body\.devices\[2\]\.devicePublicKey must be an uncompressed P-256 point/,
    );
    expectProblem(
      await api.call('POST', '/v1/shards/devices/batch', {
        as: 'provider',
        body: { devices: [items[0], items[1], { ...items[2], deviceId: 'batch-0' }] },
      }),
      400,
      /body\.devices\[2\]\.deviceId repeats the deviceId of devices\[0\]/,
    );
    for (const item of items) expect(await api.fixture.ledger.device(item.deviceId)).toBeUndefined();

    const conflicting = { deviceId: 'dev-a', devicePublicKey: newDeviceKey() };
    const batch = await api.call('POST', '/v1/shards/devices/batch', {
      as: 'admin',
      body: { devices: [...items, conflicting] },
    });
    expect(batch.status).toBe(200);
    expect(batch.json).toMatchObject({ provisioned: 3, replayed: 0, failed: 1 });
    expect(batch.json.results.map((r: { deviceId: string }) => r.deviceId)).toEqual([
      'batch-0',
      'batch-1',
      'batch-2',
      'dev-a',
    ]);
    expect(batch.json.results[0]).toEqual({ deviceId: 'batch-0', epoch: 1, replay: false });
    expect(batch.json.results[3].error).toMatchObject({
      type: 'conflict',
      detail: expect.stringMatching(/another device key/),
    });
    const replay = await api.call('POST', '/v1/shards/devices/batch', {
      as: 'provider',
      body: { devices: items },
    });
    expect(replay.json).toMatchObject({ provisioned: 0, replayed: 3, failed: 0 });
  });

  it('members with role device or signer get 403 on every mutating route, and nothing changes', async () => {
    expect(
      (await api.call('POST', '/v1/shards/devices', { as: 'provider', body: provisionBody('dev-c') })).status,
    ).toBe(201);
    const before = await api.fixture.ledger.device('dev-c');
    for (const who of ['deviceRole', 'signer', 'dev-c']) {
      const attempts: [string, string, unknown][] = [
        ['POST', '/v1/shards/devices', { deviceId: 'role-x', devicePublicKey: newDeviceKey() }],
        [
          'POST',
          '/v1/shards/devices/batch',
          { devices: [{ deviceId: 'role-y', devicePublicKey: newDeviceKey() }] },
        ],
        ['POST', '/v1/shards/devices/dev-c/rotate', {}],
        ['POST', '/v1/shards/devices/dev-c/revoke', { reason: 'mine now' }],
        ['POST', '/v1/shards/devices/dev-c/collect', { retentionMs: 0 }],
      ];
      for (const [method, path, body] of attempts) {
        expectProblem(
          await api.call(method, path, { as: who, body }),
          403,
          /needs the role admin or provider/,
        );
      }
    }
    expectProblem(await api.call('POST', '/v1/shards/devices/dev-c/rotate', {}), 401);
    expect(await api.fixture.ledger.device('dev-c')).toEqual(before);
    expect(await api.fixture.ledger.device('role-x')).toBeUndefined();
    expect(await api.fixture.ledger.device('role-y')).toBeUndefined();
  });

  it('refuses bad input on every route with a 400 naming the field, and changes nothing', async () => {
    const before = await api.fixture.ledger.device('dev-c');
    const list = (await api.call('GET', '/v1/shards/devices', { as: 'admin' })).json;
    const key = newDeviceKey();
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64url');
    const bad: [string, string, unknown, RegExp][] = [
      [
        'POST',
        '/v1/shards/devices',
        { deviceId: '-bad', devicePublicKey: key },
        /body\.deviceId must be 1-128/,
      ],
      [
        'POST',
        '/v1/shards/devices',
        { deviceId: 'bad-1', devicePublicKey: key.slice(2) },
        /body\.devicePublicKey must be an uncompressed/,
      ],
      [
        'POST',
        '/v1/shards/devices',
        { deviceId: 'bad-1', devicePublicKey: offCurve },
        /body\.devicePublicKey is not a point on the P-256 curve/,
      ],
      [
        'POST',
        '/v1/shards/devices',
        { deviceId: 'bad-1', devicePublicKey: `${key}=` },
        /body\.devicePublicKey must be base64url/,
      ],
      [
        'POST',
        '/v1/shards/devices',
        { deviceId: 'bad-1', devicePublicKey: key, n: 0 },
        /body\.n must be at least 1/,
      ],
      [
        'POST',
        '/v1/shards/devices',
        { deviceId: 'bad-1', devicePublicKey: key, n: 33 },
        /body\.n must be at most 32/,
      ],
      [
        'POST',
        '/v1/shards/devices',
        { deviceId: 'bad-1', devicePublicKey: key, algorithm: 'RSA' },
        /body\.algorithm must be "Ed25519" or "ES256"/,
      ],
      [
        'POST',
        '/v1/shards/devices',
        { deviceId: 'bad-1', devicePublicKey: key, owner: { mspId: 'Org1MSP', fingerprint: 'ab' } },
        /body\.owner\.fingerprint must be 64/,
      ],
      [
        'POST',
        '/v1/shards/devices',
        { deviceId: 'bad-1', devicePublicKey: key, extra: 1 },
        /body\.extra is not a known field/,
      ],
      ['POST', '/v1/shards/devices', { devicePublicKey: key }, /body\.deviceId is required/],
      ['POST', '/v1/shards/devices/batch', { devices: [] }, /body\.devices must hold at least one device/],
      [
        'POST',
        '/v1/shards/devices/batch',
        { devices: Array.from({ length: 1001 }, (_, i) => ({ deviceId: `b${i}`, devicePublicKey: key })) },
        /body\.devices must hold at most 1000 devices/,
      ],
      ['POST', '/v1/shards/devices/dev-c/rotate', { n: 33 }, /body\.n must be at most 32/],
      ['POST', '/v1/shards/devices/dev-c/rotate', { epoch: 9 }, /body\.epoch is not a known field/],
      ['POST', '/v1/shards/devices/-x/rotate', {}, /path\.deviceId/],
      ['POST', '/v1/shards/devices/dev-c/revoke', { reason: '' }, /body\.reason must not be empty/],
      [
        'POST',
        '/v1/shards/devices/dev-c/revoke',
        { reason: 'x'.repeat(257) },
        /body\.reason must be at most 256/,
      ],
      ['POST', '/v1/shards/devices/dev-c/revoke', {}, /body\.reason is required/],
      [
        'POST',
        '/v1/shards/devices/dev-c/collect',
        { retentionMs: -1 },
        /body\.retentionMs must be at least 0/,
      ],
      [
        'POST',
        '/v1/shards/devices/dev-c/collect',
        { retentionMs: 366 * 86_400_000 },
        /body\.retentionMs must be at most/,
      ],
      ['POST', '/v1/shards/verify', { message: 'x' }, /body\.signature is required/],
    ];
    for (const [method, path, body, detail] of bad) {
      expectProblem(await api.call(method, path, { as: 'admin', body }), 400, detail);
    }
    const signature = {
      deviceId: 'dev-c',
      epoch: 1,
      algorithm: 'Ed25519',
      signedAt: Date.now(),
      messageDigest: 'a'.repeat(64),
      signature: 'AAAA',
    };
    const verifyBad: [unknown, RegExp][] = [
      [{ signature }, /invalid request body: body must have message \(UTF-8\) or messageBase64/],
      [
        { message: 'x', messageBase64: 'eA==', signature },
        /body\.messageBase64 must not be given with message/,
      ],
      [{ message: 'x'.repeat(64 * 1024 + 1), signature }, /body\.message must be at most 65536 bytes/],
      [
        { message: 'x', signature: { ...signature, messageDigest: 'XYZ' } },
        /body\.signature\.messageDigest must be 64 lower-case hex/,
      ],
      [{ message: 'x', signature: { ...signature, algorithm: 'RS256' } }, /body\.signature\.algorithm/],
      [
        { message: 'x', signature: { ...signature, extra: true } },
        /body\.signature\.extra is not a known field/,
      ],
      [
        { message: 'x', signature: { ...signature, deviceId: '../x' } },
        /body\.signature\.deviceId must be a ledger id/,
      ],
      [{ message: 'x', signature: { ...signature, epoch: 0 } }, /body\.signature\.epoch must be at least 1/],
    ];
    for (const [body, detail] of verifyBad) {
      expectProblem(await api.call('POST', '/v1/shards/verify', { as: 'auditor', body }), 400, detail);
    }
    expectProblem(
      await api.call('GET', '/v1/shards/devices?limit=0', { as: 'admin' }),
      400,
      /query\.limit must be at least 1/,
    );
    expectProblem(
      await api.call('GET', '/v1/shards/devices?page=2', { as: 'admin' }),
      400,
      /query\.page is not a known query parameter/,
    );
    expectProblem(await api.call('GET', '/v1/shards/devices/-x', { as: 'admin' }), 400, /path\.deviceId/);
    expectProblem(
      await api.call('POST', '/v1/shards/devices', { as: 'admin', rawBody: '{"deviceId":' }),
      400,
    );
    expect(await api.fixture.ledger.device('dev-c')).toEqual(before);
    expect(await api.fixture.ledger.device('bad-1')).toBeUndefined();
    expect((await api.call('GET', '/v1/shards/devices', { as: 'admin' })).json).toEqual(list);
  });
});
