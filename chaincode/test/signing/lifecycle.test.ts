import { ChaincodeStub as RealChaincodeStub } from 'fabric-shim';
import { SigningKeysContract } from '../../src/contracts/signing';
import { ObjectType } from '../../src/lib/keys';
import { canonicalBytes } from '../../src/protocol/canonical';
import type { SigningKeyRecord, SigningKeyStatusAt } from '../../src/protocol/signing';
import type { ChaincodeHarness } from '../support/harness';
import { endorse } from './endorse';
import {
  type Actors,
  C,
  createActors,
  DAY,
  ecJwk,
  HOUR,
  keyArg,
  signingHarness,
  SigningClient,
} from './fixtures';

let actors: Actors;
let harness: ChaincodeHarness;
let keys: SigningClient;

beforeAll(async () => {
  actors = await createActors();
});

beforeEach(() => {
  harness = signingHarness(actors);
  keys = new SigningClient(harness, actors);
});

describe('publishing: RegisterSigningKey with activate false', () => {
  it('registers a verify-only key: in the JWKS, not active, cannot be trusted for tokens yet', async () => {
    const { value, event, txId } = await harness.submit<SigningKeyRecord>(
      actors.signer,
      `${C}:RegisterSigningKey`,
      keyArg('next', { activate: false, serviceId: 'issuer-a', graceMs: 2 * HOUR }),
    );
    expect(value).toMatchObject({
      kid: 'next',
      status: 'published',
      serviceId: 'issuer-a',
      graceMs: 2 * HOUR,
    });
    expect(value.activatedAt).toBeUndefined();
    expect(event).toEqual({
      name: 'SigningKeyPublished',
      payload: {
        kid: 'next',
        algorithm: 'ES256',
        thumbprint: value.thumbprint,
        issuerCaIds: ['ca-org1'],
        notBefore: value.notBefore,
        serviceId: 'issuer-a',
        status: 'published',
        version: 1,
        txId,
      },
    });
    expect(await keys.jwksKids()).toEqual(['next']);
    expect(await keys.statusOf('published')).toEqual(['next']);
    expect(await keys.statusOf('active')).toEqual([]);
    const status = await harness.evaluate<SigningKeyStatusAt>(
      actors.auditor,
      `${C}:GetSigningKeyStatusAt`,
      'next',
      String(harness.now),
    );
    expect(status.value).toEqual({
      kid: 'next',
      status: 'published',
      version: 1,
      issuedAt: harness.now - 1000,
      asOf: harness.now,
      valid: false,
      reason: 'not-yet-active',
    });
  });

  it('may be registered before its notBefore, and leaves the active key alone', async () => {
    await keys.register('current');
    await keys.publish('future', { notBefore: harness.now + DAY });
    expect(await keys.statusOf('active')).toEqual(['current']);
    expect(await keys.jwksKids()).toEqual(['current', 'future']);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'expectedActiveKid without activation',
      { activate: false, expectedActiveKid: 'x' },
      /only a key that is activated/,
    ],
    ['a non-boolean activate', { activate: 'no' }, /activate/],
    ['a bad serviceId', { serviceId: '-svc' }, /serviceId/],
    ['a grace under a minute', { graceMs: 59_999 }, /graceMs/],
    ['a grace over 30 days', { graceMs: 30 * DAY + 1 }, /graceMs/],
    ['a fractional grace', { graceMs: 60_000.5 }, /graceMs/],
  ])('rejects %s', async (_case, overrides, message) => {
    expect(
      await harness.expectRejected(
        actors.signer,
        `${C}:RegisterSigningKey`,
        [keyArg('k', overrides)],
        'INVALID_ARGUMENT',
      ),
    ).toMatch(message);
  });

  it('blocks the kid and the public key of a published key like any other', async () => {
    const publicJwk = ecJwk();
    await keys.publish('p1', { publicJwk });
    expect(
      await harness.expectRejected(actors.signer, `${C}:RegisterSigningKey`, [keyArg('p1')], 'CONFLICT'),
    ).toMatch(/kid p1 is already registered \(status published\)/);
    expect(
      await harness.expectRejected(
        actors.admin,
        `${C}:RegisterSigningKey`,
        [keyArg('p2', { publicJwk })],
        'CONFLICT',
      ),
    ).toMatch(/this public key \(thumbprint .*, kid p1\) is already registered \(status published\)/);
  });
});

describe('ActivateSigningKey', () => {
  it('makes a published key active and retires the active key of the same service in the same transaction', async () => {
    await keys.register('old', { serviceId: 'issuer-a' });
    await keys.register('other', { serviceId: 'issuer-b' });
    await keys.publish('new', { serviceId: 'issuer-a' });
    const { value, event, txId } = await harness.submit<SigningKeyRecord>(
      actors.signer,
      `${C}:ActivateSigningKey`,
      'new',
      'old',
    );
    expect(value).toMatchObject({ kid: 'new', status: 'active', activatedAt: harness.now, version: 2 });
    expect(event).toEqual({
      name: 'SigningKeyActivated',
      payload: {
        kid: 'new',
        serviceId: 'issuer-a',
        status: 'active',
        activatedAt: harness.now,
        version: 2,
        retired: [{ kid: 'old', version: 2, retiredAt: harness.now, jwksUntil: harness.now + DAY }],
        txId,
      },
    });
    const rotatedAt = harness.now;
    expect(await keys.get('old')).toMatchObject({ status: 'retired', retiredAt: rotatedAt, version: 2 });
    expect(await keys.get('other')).toMatchObject({ status: 'active', version: 1 });
    expect(await keys.statusOf('active')).toEqual(['new', 'other']);
    expect(await keys.jwksKids()).toEqual(['new', 'old', 'other']);
  });

  it('works without an active key and without expectedActiveKid', async () => {
    await keys.publish('first');
    const { event } = await harness.submit(actors.admin, `${C}:ActivateSigningKey`, 'first', '');
    expect(event?.payload['retired']).toEqual([]);
  });

  it('refuses when expectedActiveKid is not the active key, and changes nothing', async () => {
    await keys.register('a');
    await keys.publish('b');
    await keys.publish('c');
    await keys.activate('b', 'a');
    // a second rotation planned from the state where 'a' was active
    expect(
      await harness.expectRejected(actors.signer, `${C}:ActivateSigningKey`, ['c', 'a'], 'CONFLICT'),
    ).toMatch(/service default: the active key is b, not a/);
    await keys.revoke('b', 'superseded');
    expect(
      await harness.expectRejected(actors.signer, `${C}:ActivateSigningKey`, ['c', 'b'], 'CONFLICT'),
    ).toMatch(/the active key is none, not b/);
  });

  it('refuses every status but published', async () => {
    await keys.register('active');
    await keys.register('retired', { serviceId: 's2' });
    await keys.retire('retired');
    await keys.register('revoked', { serviceId: 's3' });
    await keys.revoke('revoked', 'keyCompromise');
    for (const kid of ['active', 'retired', 'revoked']) {
      expect(
        await harness.expectRejected(actors.signer, `${C}:ActivateSigningKey`, [kid, ''], 'CONFLICT'),
      ).toMatch(new RegExp(`signing key ${kid} is ${kid}; only a published key can be activated`));
    }
  });

  it('refuses a key whose notBefore has not come, at activation and at activating registration', async () => {
    await keys.publish('early', { notBefore: harness.now + HOUR });
    expect(
      await harness.expectRejected(
        actors.signer,
        `${C}:ActivateSigningKey`,
        ['early', ''],
        'INVALID_ARGUMENT',
      ),
    ).toMatch(/notBefore .* after the transaction time/);
    expect(
      await harness.expectRejected(
        actors.signer,
        `${C}:RegisterSigningKey`,
        [keyArg('early2', { notBefore: harness.now + HOUR })],
        'INVALID_ARGUMENT',
      ),
    ).toMatch(/register it published/);
    harness.advance(HOUR);
    expect((await keys.activate('early')).status).toBe('active');
  });

  it('refuses wrong roles, bad arguments and unknown keys', async () => {
    await keys.publish('p');
    await harness.expectRejected(actors.provider, `${C}:ActivateSigningKey`, ['p', ''], 'FORBIDDEN');
    await harness.expectRejected(actors.auditor, `${C}:ActivateSigningKey`, ['p', ''], 'FORBIDDEN');
    await harness.expectRejected(actors.stranger, `${C}:ActivateSigningKey`, ['p', ''], 'FORBIDDEN');
    await harness.expectRejected(actors.signer, `${C}:ActivateSigningKey`, ['a b', ''], 'INVALID_ARGUMENT');
    expect(
      await harness.expectRejected(
        actors.signer,
        `${C}:ActivateSigningKey`,
        ['p', 'a b'],
        'INVALID_ARGUMENT',
      ),
    ).toMatch(/expectedActiveKid/);
    await harness.expectRejected(actors.signer, `${C}:ActivateSigningKey`, ['nope', ''], 'NOT_FOUND');
  });
});

describe('one active key per service', () => {
  it('an activating registration retires the active key of its service (and only of its service)', async () => {
    await keys.register('a1');
    await keys.register('b1', { serviceId: 'b' });
    const { event } = await harness.submit<SigningKeyRecord>(
      actors.signer,
      `${C}:RegisterSigningKey`,
      keyArg('a2'),
    );
    expect(event?.name).toBe('SigningKeyRegistered');
    expect(event?.payload['retired']).toEqual([
      { kid: 'a1', version: 2, retiredAt: harness.now, jwksUntil: harness.now + DAY },
    ]);
    expect(await keys.statusOf('active')).toEqual(['a2', 'b1']);
    expect(
      await harness.expectRejected(
        actors.signer,
        `${C}:RegisterSigningKey`,
        [keyArg('a3', { expectedActiveKid: 'a1' })],
        'CONFLICT',
      ),
    ).toMatch(/the active key is a2, not a1/);
    await keys.register('a3', { expectedActiveKid: 'a2' });
    expect(await keys.statusOf('active')).toEqual(['a3', 'b1']);
  });

  it('holds over a rotation sequence', async () => {
    const services = ['s1', 's2'];
    for (let round = 0; round < 4; round += 1) {
      for (const serviceId of services) {
        await keys.publish(`${serviceId}-k${round}`, { serviceId });
        await keys.activate(`${serviceId}-k${round}`, round === 0 ? '' : `${serviceId}-k${round - 1}`);
      }
      const active = await Promise.all((await keys.statusOf('active')).map((kid) => keys.get(kid)));
      expect(active.map((key) => key.serviceId).sort()).toEqual(services);
    }
    expect(await keys.statusOf('retired')).toHaveLength(6);
  });

  it('treats a key stored before scopes existed as active in the default service', async () => {
    const legacy = {
      kid: 'legacy',
      algorithm: 'ES256',
      publicJwk: { crv: 'P-256', kty: 'EC', x: 'x', y: 'y' },
      thumbprint: 'legacy-thumbprint',
      issuerCaIds: ['ca-org1'],
      notBefore: 0,
      status: 'active',
      registeredAt: harness.now,
      registeredBy: { mspId: 'Org2MSP', fingerprint: actors.signer.fingerprint },
      updatedAt: harness.now,
      version: 1,
    };
    const key = (type: string, ...attributes: string[]): string =>
      RealChaincodeStub.prototype.createCompositeKey.call(undefined, type, attributes);
    harness.ledger.commit(
      'legacy',
      harness.now,
      new Map([
        [key(ObjectType.signingKey, 'legacy'), Buffer.from(canonicalBytes(legacy))],
        [
          key(ObjectType.signingKeyStatus, 'active', 'legacy'),
          Buffer.from(canonicalBytes({ kid: 'legacy' })),
        ],
      ]),
    );
    expect(await keys.get('legacy')).toMatchObject({
      serviceId: 'default',
      graceMs: DAY,
      activatedAt: legacy.registeredAt,
    });
    await keys.publish('modern');
    await keys.activate('modern', 'legacy');
    expect(await keys.get('legacy')).toMatchObject({ status: 'retired', serviceId: 'default', version: 2 });
  });
});

describe('retirement and the grace period', () => {
  it('keeps a retired key in the JWKS until retiredAt + graceMs, then drops it', async () => {
    await keys.register('k', { graceMs: 2 * HOUR });
    const retired = await keys.retire('k');
    expect(retired).toMatchObject({ status: 'retired', graceMs: 2 * HOUR, retiredAt: harness.now });
    const until = (retired.retiredAt ?? 0) + 2 * HOUR;
    harness.setTime(until - 2000); // the harness adds a second per call: evaluated one second before grace ends
    const within = await keys.jwks();
    expect(within).toMatchObject({ asOf: until - 1000, nextExpiryAt: until });
    expect(within.keys.map((jwk) => jwk.kid)).toEqual(['k']);
    harness.setTime(until - 1000); // evaluated at exactly retiredAt + graceMs
    const after = await keys.jwks();
    expect(after).toEqual({ keys: [], asOf: until });
    // GetSigningKey still shows everything
    expect(await keys.get('k')).toMatchObject({ status: 'retired', retiredAt: retired.retiredAt });
  });

  it('takes the grace from RetireSigningKey over the registered one', async () => {
    await keys.register('k', { graceMs: 2 * HOUR });
    const { value, event } = await harness.submit<SigningKeyRecord>(
      actors.admin,
      `${C}:RetireSigningKey`,
      'k',
      String(10 * 60_000),
    );
    expect(value.graceMs).toBe(600_000);
    expect(event?.payload).toMatchObject({ graceMs: 600_000, jwksUntil: harness.now + 600_000 });
    harness.advance(600_000 - 1000);
    expect(await keys.jwksKids()).toEqual([]);
  });

  it.each([
    ['59999', /graceMs/],
    [String(30 * DAY + 1), /graceMs/],
    ['1.5', /graceMs: must be an integer/],
    ['abc', /graceMs: must be an integer/],
    ['-60000', /graceMs/],
  ])('rejects graceMs %s', async (grace, message) => {
    await keys.register('k');
    expect(
      await harness.expectRejected(actors.signer, `${C}:RetireSigningKey`, ['k', grace], 'INVALID_ARGUMENT'),
    ).toMatch(message);
  });

  it('refuses to retire a published key, pointing to revocation', async () => {
    await keys.publish('p');
    expect(
      await harness.expectRejected(actors.signer, `${C}:RetireSigningKey`, ['p', ''], 'CONFLICT'),
    ).toMatch(
      /is published; only an active key can be retired \(a published key that will not be used is revoked\)/,
    );
  });
});

describe('revocation with a compromise time', () => {
  it('stores compromisedAt, carries it in the event, and answers token validity by it', async () => {
    const registered = await keys.register('k');
    harness.advance(HOUR);
    const compromisedAt = registered.registeredAt + 30 * 60_000;
    const { value, event, txId } = await harness.submit<SigningKeyRecord>(
      actors.signer,
      `${C}:RevokeSigningKey`,
      'k',
      'keyCompromise',
      String(compromisedAt),
    );
    expect(value).toMatchObject({ status: 'revoked', compromisedAt, revokedAt: harness.now, version: 2 });
    expect(event).toEqual({
      name: 'SigningKeyRevoked',
      payload: {
        kid: 'k',
        serviceId: 'default',
        status: 'revoked',
        reason: 'keyCompromise',
        previousStatus: 'active',
        thumbprint: value.thumbprint,
        revokedAt: harness.now,
        compromisedAt,
        version: 2,
        txId,
      },
    });
    const at = async (iat: number): Promise<SigningKeyStatusAt> =>
      (
        await harness.evaluate<SigningKeyStatusAt>(
          actors.provider,
          `${C}:GetSigningKeyStatusAt`,
          'k',
          String(iat),
        )
      ).value;
    expect(await at(compromisedAt - 1)).toMatchObject({ valid: true, status: 'revoked', compromisedAt });
    expect(await at(compromisedAt)).toMatchObject({ valid: false, reason: 'signed-after-compromise' });
  });

  it('accepts compromisedAt at both bounds: min(registeredAt, notBefore) and now', async () => {
    const early = await keys.register('early', { notBefore: 1000, serviceId: 'a' });
    await keys.revoke('early', 'keyCompromise', '1000');
    expect((await keys.get('early')).compromisedAt).toBe(1000);
    const late = await keys.register('late', { serviceId: 'b' });
    expect(late.notBefore).toBeLessThan(late.registeredAt);
    const txTime = harness.now + 1000; // the harness advances one second per transaction
    await harness.submit(actors.signer, `${C}:RevokeSigningKey`, 'late', 'superseded', String(txTime));
    expect((await keys.get('late')).compromisedAt).toBe(txTime);
    expect(early.registeredAt).toBeGreaterThan(1000);
  });

  it('refuses a compromisedAt in the future, before the key existed, or malformed, and changes nothing', async () => {
    const key = await keys.register('k', { notBefore: harness.now });
    expect(key.notBefore).toBeLessThan(key.registeredAt);
    const earliest = key.notBefore;
    const txTime = key.registeredAt + 2000; // setTime below, plus the harness's one second per transaction
    const cases: [string, RegExp][] = [
      [String(txTime + 1), /compromisedAt: .* and the transaction time/],
      [String(earliest - 1), /compromisedAt: .* must lie between/],
      ['-1', /compromisedAt/],
      ['soon', /compromisedAt: must be an integer/],
      ['1e3', /compromisedAt: must be an integer/],
    ];
    for (const [compromisedAt, message] of cases) {
      harness.setTime(key.registeredAt + 1000);
      expect(
        await harness.expectRejected(
          actors.signer,
          `${C}:RevokeSigningKey`,
          ['k', 'keyCompromise', compromisedAt],
          'INVALID_ARGUMENT',
        ),
      ).toMatch(message);
    }
    expect((await keys.get('k')).status).toBe('active');
  });

  it('revokes a published key, which never becomes trustworthy', async () => {
    await keys.publish('p');
    const revoked = await keys.revoke('p', 'superseded');
    expect(revoked).toMatchObject({ status: 'revoked' });
    expect(revoked.activatedAt).toBeUndefined();
    const status = await harness.evaluate<SigningKeyStatusAt>(
      actors.auditor,
      `${C}:GetSigningKeyStatusAt`,
      'p',
      String(harness.now),
    );
    expect(status.value).toMatchObject({ valid: false, reason: 'never-active' });
    expect(
      await harness.expectRejected(actors.signer, `${C}:ActivateSigningKey`, ['p', ''], 'CONFLICT'),
    ).toMatch(/is revoked/);
  });

  it('GetSigningKeyStatusAt checks the caller and its arguments', async () => {
    await keys.register('k');
    await expect(harness.evaluate(actors.stranger, `${C}:GetSigningKeyStatusAt`, 'k', '1')).rejects.toThrow(
      /^\[FORBIDDEN\]/,
    );
    await expect(harness.evaluate(actors.auditor, `${C}:GetSigningKeyStatusAt`, 'k', 'x')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\] invalid issuedAt/,
    );
    await expect(harness.evaluate(actors.auditor, `${C}:GetSigningKeyStatusAt`, 'k', '')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\] invalid issuedAt/,
    );
    await expect(harness.evaluate(actors.auditor, `${C}:GetSigningKeyStatusAt`, 'zz', '1')).rejects.toThrow(
      /^\[NOT_FOUND\]/,
    );
  });
});

describe('the JWKS over a key lifecycle', () => {
  it('lists published and active keys, retired ones until their grace ends, revoked ones never', async () => {
    await keys.register('k1', { graceMs: HOUR });
    await keys.publish('k2', { graceMs: HOUR });
    expect(await keys.jwksKids()).toEqual(['k1', 'k2']);

    await keys.activate('k2', 'k1'); // k1 retired now, in the JWKS for another hour
    const rotatedAt = harness.now;
    await keys.publish('k3');
    const jwks = await keys.jwks();
    expect(jwks.keys.map((jwk) => jwk.kid)).toEqual(['k1', 'k2', 'k3']);
    expect(jwks.nextExpiryAt).toBe(rotatedAt + HOUR);
    for (const jwk of jwks.keys) {
      expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      expect(jwk).toMatchObject({ alg: 'ES256', use: 'sig', kty: 'EC', crv: 'P-256' });
    }

    await keys.revoke('k3', 'superseded'); // a published key revoked: gone at once
    expect(await keys.jwksKids()).toEqual(['k1', 'k2']);

    harness.setTime(rotatedAt + HOUR - 1000); // the evaluate lands exactly at the end of k1's grace
    expect(await keys.jwks()).toMatchObject({ asOf: rotatedAt + HOUR });
    expect(await keys.jwksKids()).toEqual(['k2']);

    await keys.publish('k4');
    await keys.activate('k4', 'k2'); // k2 retired, in grace
    expect(await keys.jwksKids()).toEqual(['k2', 'k4']);
    await keys.revoke('k2', 'keyCompromise'); // revoked within its grace: gone at once
    expect(await keys.jwksKids()).toEqual(['k4']);
    expect((await keys.jwks()).nextExpiryAt).toBeUndefined();

    harness.advance(365 * DAY);
    expect(await keys.jwksKids()).toEqual(['k4']);
    expect(await keys.statusOf('')).toEqual(['k1', 'k2', 'k3', 'k4']);
  });

  it('orders keys by kid whatever their status', async () => {
    await keys.publish('m');
    await keys.register('z', { serviceId: 'z' });
    await keys.register('a', { serviceId: 'a' });
    await keys.retire('a');
    expect(await keys.jwksKids()).toEqual(['a', 'm', 'z']);
  });
});

describe('determinism', () => {
  async function twoEndorsements(fn: string, args: string[]): Promise<void> {
    const proposal = {
      who: actors.signer,
      fn: `${C}:${fn}`,
      args,
      txId: 'f'.repeat(64),
      timestampMillis: harness.now + 1000,
    };
    const first = await endorse(harness.ledger, [SigningKeysContract], proposal);
    const second = await endorse(harness.ledger, [SigningKeysContract], proposal);
    expect(first.status).toBe(200);
    expect(first.writes.length).toBeGreaterThan(0);
    expect(second).toEqual(first);
  }

  it('two endorsements of the same proposal give the same write set, event and response', async () => {
    await keys.register('old');
    await keys.publish('new');
    await twoEndorsements('RegisterSigningKey', [keyArg('third', { activate: true, graceMs: 3 * HOUR })]);
    await twoEndorsements('ActivateSigningKey', ['new', 'old']);
    await twoEndorsements('RetireSigningKey', ['old', '']);
    await twoEndorsements('RevokeSigningKey', ['old', 'keyCompromise', String(harness.now)]);
  });
});
