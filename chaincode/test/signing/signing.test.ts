import { createHash, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { jwkThumbprint, SigningKeysContract, validatePublicJwk } from '../../src/contracts/signing';
import type { SigningKeyRecord } from '../../src/protocol/signing';
import { ChaincodeHarness } from '../support/harness';
import { IdentityFactory, type TestIdentity } from '../support/identities';
import { seedMembers } from '../support/seed';

const C = 'SigningKeys';

/** RFC 7638 §3.1 example key and its thumbprint. */
const RFC7638_RSA = {
  kty: 'RSA',
  n:
    '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhM' +
    'stn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5' +
    'hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};
const RFC7638_THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
/** RFC 8037 Appendix A.2/A.3 Ed25519 public key and its thumbprint. */
const RFC8037_ED25519 = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
const RFC8037_THUMBPRINT = 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k';

type Jwk = Record<string, unknown>;

function ecJwk(namedCurve = 'P-256'): { publicJwk: Jwk; privateJwk: Jwk } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve });
  return {
    publicJwk: publicKey.export({ format: 'jwk' }) as Jwk,
    privateJwk: privateKey.export({ format: 'jwk' }) as Jwk,
  };
}

function rsaJwk(modulusLength: number): { publicJwk: Jwk; privateJwk: Jwk } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength });
  return {
    publicJwk: publicKey.export({ format: 'jwk' }) as Jwk,
    privateJwk: privateKey.export({ format: 'jwk' }) as Jwk,
  };
}

function thumbprintOf(jwk: JsonWebKey, members: string[]): string {
  const picked = Object.fromEntries(members.map((m) => [m, (jwk as Record<string, unknown>)[m]]));
  return createHash('sha256').update(JSON.stringify(picked)).digest('base64url');
}

let admin: TestIdentity;
let signer: TestIdentity;
let provider: TestIdentity;
let auditor: TestIdentity;
let stranger: TestIdentity;
// Generated at load time: it.each tables are built before beforeAll runs.
const { publicJwk: es256, privateJwk: es256Private } = ecJwk();
const rsa2048Private = rsaJwk(2048).privateJwk;
let harness: ChaincodeHarness;

const NOT_BEFORE = Date.UTC(2026, 0, 1);

function keyArg(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    kid: 'sig-2026-01',
    publicJwk: es256,
    issuerCaIds: ['ca-org1', 'ca-backup'],
    notBefore: NOT_BEFORE,
    algorithm: 'ES256',
    ...overrides,
  });
}

async function registerKey(overrides: Record<string, unknown> = {}, who = signer): Promise<SigningKeyRecord> {
  return (await harness.submit<SigningKeyRecord>(who, `${C}:RegisterSigningKey`, keyArg(overrides))).value;
}

beforeAll(async () => {
  const factory = new IdentityFactory();
  admin = await factory.create('admin');
  signer = await factory.create('signer', 'Org2MSP');
  provider = await factory.create('provider');
  auditor = await factory.create('auditor', 'Org3MSP');
  stranger = await factory.create('stranger');
});

beforeEach(() => {
  harness = new ChaincodeHarness([SigningKeysContract]);
  seedMembers(harness, [
    { identity: admin, roles: ['admin'] },
    { identity: signer, roles: ['signer'] },
    { identity: provider, roles: ['provider'] },
    { identity: auditor, roles: ['auditor'] },
  ]);
});

describe('JWK thumbprints (RFC 7638)', () => {
  it('matches the RFC 7638 and RFC 8037 vectors', () => {
    expect(validatePublicJwk(RFC7638_RSA, '2011-04-29', 'RS256').thumbprint).toBe(RFC7638_THUMBPRINT);
    expect(validatePublicJwk(RFC8037_ED25519, 'ed', 'EdDSA').thumbprint).toBe(RFC8037_THUMBPRINT);
    expect(jwkThumbprint({ e: 'AQAB', kty: 'RSA', n: RFC7638_RSA.n })).toBe(RFC7638_THUMBPRINT);
  });

  it('hashes exactly the required EC members', () => {
    expect(validatePublicJwk(es256, 'k', 'ES256').thumbprint).toBe(
      thumbprintOf(es256, ['crv', 'kty', 'x', 'y']),
    );
  });
});

describe('RegisterSigningKey', () => {
  it('registers a public key with its thumbprint, status index and event', async () => {
    const { value, event, txId } = await harness.submit<SigningKeyRecord>(
      signer,
      `${C}:RegisterSigningKey`,
      keyArg(),
    );
    const thumbprint = thumbprintOf(es256, ['crv', 'kty', 'x', 'y']);
    expect(value).toEqual({
      kid: 'sig-2026-01',
      algorithm: 'ES256',
      publicJwk: { crv: 'P-256', kty: 'EC', x: es256['x'], y: es256['y'] },
      thumbprint,
      issuerCaIds: ['ca-org1', 'ca-backup'],
      notBefore: NOT_BEFORE,
      serviceId: 'default',
      graceMs: 86_400_000,
      status: 'active',
      activatedAt: harness.now,
      registeredAt: harness.now,
      registeredBy: { mspId: 'Org2MSP', fingerprint: signer.fingerprint },
      updatedAt: harness.now,
      version: 1,
    });
    expect(event).toEqual({
      name: 'SigningKeyRegistered',
      payload: {
        kid: 'sig-2026-01',
        algorithm: 'ES256',
        thumbprint,
        issuerCaIds: ['ca-org1', 'ca-backup'],
        notBefore: NOT_BEFORE,
        serviceId: 'default',
        status: 'active',
        version: 1,
        retired: [],
        txId,
      },
    });
    const active = await harness.evaluate<{ items: SigningKeyRecord[] }>(
      auditor,
      `${C}:ListSigningKeys`,
      'active',
      '',
      '',
    );
    expect(active.value.items.map((k) => k.kid)).toEqual(['sig-2026-01']);
  });

  it('accepts every supported algorithm with a matching key, and matching optional members', async () => {
    const cases: [string, string, Jwk][] = [
      ['2011-04-29', 'RS256', RFC7638_RSA],
      ['ed-rfc', 'EdDSA', { ...RFC8037_ED25519, use: 'sig', key_ops: ['verify'] }],
      ['es384', 'ES384', ecJwk('P-384').publicJwk],
      ['es512', 'ES512', ecJwk('P-521').publicJwk],
      ['ps256', 'PS256', rsaJwk(2048).publicJwk],
      ['_thumb-like', 'ES256', { ...ecJwk().publicJwk, alg: 'ES256', kid: '_thumb-like' }],
    ];
    for (const [kid, algorithm, publicJwk] of cases) {
      const value = await registerKey({ kid, algorithm, publicJwk }, admin);
      expect(value.algorithm).toBe(algorithm);
      expect(Object.keys(value.publicJwk)).not.toContain('use');
      expect(Object.keys(value.publicJwk)).not.toContain('kid');
    }
    const rfc = await harness.evaluate<SigningKeyRecord>(auditor, `${C}:GetSigningKey`, '2011-04-29');
    expect(rfc.value.thumbprint).toBe(RFC7638_THUMBPRINT);
    expect(rfc.value.registeredBy.fingerprint).toBe(admin.fingerprint);
  });

  it('refuses callers without the signer or admin role', async () => {
    await harness.expectRejected(provider, `${C}:RegisterSigningKey`, [keyArg()], 'FORBIDDEN');
    await harness.expectRejected(stranger, `${C}:RegisterSigningKey`, [keyArg()], 'FORBIDDEN');
  });

  it.each(['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'])(
    'rejects a JWK carrying private member %s',
    async (member) => {
      const source = member === 'd' ? es256Private : rsa2048Private;
      const jwk = {
        ...(member === 'd' ? es256 : rsaJwk(2048).publicJwk),
        [member]: source[member] ?? 'AAAA',
      };
      const message = await harness.expectRejected(
        signer,
        `${C}:RegisterSigningKey`,
        [keyArg({ publicJwk: jwk, algorithm: member === 'd' ? 'ES256' : 'RS256' })],
        'INVALID_ARGUMENT',
      );
      expect(message).toContain(`publicJwk has private member "${member}"; register the PUBLIC key only`);
      if (typeof source[member] === 'string') {
        expect(message).not.toContain(source[member]);
      }
    },
  );

  it('rejects a full private JWK as exported by node', async () => {
    expect(
      await harness.expectRejected(
        signer,
        `${C}:RegisterSigningKey`,
        [keyArg({ publicJwk: es256Private })],
        'INVALID_ARGUMENT',
      ),
    ).toMatch(/private member "d"/);
  });

  it.each<[string, Record<string, unknown> | string, RegExp]>([
    ['malformed JSON', '{', /not valid JSON/],
    ['a bad kid', { kid: 'a b' }, /kid: must be 1-128/],
    ['a symmetric key', { publicJwk: { kty: 'oct' } }, /kty must be EC, RSA or OKP, got "oct"/],
    ['a missing member', { publicJwk: { ...es256, y: undefined } }, /needs member "y"/],
    ['a point off the curve', { publicJwk: { ...es256, y: es256['x'] } }, /is not a valid EC public key/],
    [
      'a curve that does not fit the algorithm',
      { algorithm: 'ES384' },
      /is a EC P-256 key, but ES384 needs EC P-384/,
    ],
    [
      'an RSA key for ES256',
      { publicJwk: RFC7638_RSA, kid: '2011-04-29', algorithm: 'ES256' },
      /alg "RS256" differs/,
    ],
    [
      'an X25519 key for EdDSA',
      { algorithm: 'EdDSA', publicJwk: generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }) },
      /is a OKP X25519 key, but EdDSA needs OKP Ed25519 or Ed448/,
    ],
    ['an EC key for PS256', { algorithm: 'PS256' }, /is a EC P-256 key, but PS256 needs RSA/],
    [
      'a JWK kid that differs',
      { publicJwk: { ...es256, kid: 'other' } },
      /kid "other" differs from kid "sig-2026-01"/,
    ],
    [
      'a JWK alg that differs',
      { publicJwk: { ...es256, alg: 'ES512' } },
      /alg "ES512" differs from algorithm ES256/,
    ],
    ['an encryption key', { publicJwk: { ...es256, use: 'enc' } }, /use must be "sig"/],
    ['signing key_ops', { publicJwk: { ...es256, key_ops: ['sign'] } }, /key_ops .* only contain "verify"/],
    ['an unsupported algorithm', { algorithm: 'HS256' }, /algorithm/],
    ['no issuing CA', { issuerCaIds: [] }, /issuerCaIds/],
    ['duplicate issuing CAs', { issuerCaIds: ['ca', 'ca'] }, /issuerCaIds: must not contain duplicates/],
    ['a negative notBefore', { notBefore: -1 }, /notBefore/],
    ['a JWK that is an array', { publicJwk: [] }, /publicJwk/],
    ['an unknown field', { privateJwk: {} }, /privateJwk/],
  ])('rejects %s', async (_case, overrides, message) => {
    const arg = typeof overrides === 'string' ? overrides : keyArg(overrides);
    expect(
      await harness.expectRejected(signer, `${C}:RegisterSigningKey`, [arg], 'INVALID_ARGUMENT'),
    ).toMatch(message);
  });

  it('rejects RSA keys under 2048 bits', async () => {
    expect(
      await harness.expectRejected(
        signer,
        `${C}:RegisterSigningKey`,
        [keyArg({ algorithm: 'RS256', publicJwk: rsaJwk(1024).publicJwk })],
        'INVALID_ARGUMENT',
      ),
    ).toMatch(/RSA key of 1024 bits; at least 2048 needed/);
  });

  it('refuses a kid or a public key that is already registered', async () => {
    await registerKey();
    expect(
      await harness.expectRejected(
        signer,
        `${C}:RegisterSigningKey`,
        [keyArg({ publicJwk: ecJwk().publicJwk })],
        'CONFLICT',
      ),
    ).toMatch(/kid sig-2026-01 is already registered \(status active\)/);
    expect(
      await harness.expectRejected(
        signer,
        `${C}:RegisterSigningKey`,
        [keyArg({ kid: 'sig-copy' })],
        'CONFLICT',
      ),
    ).toMatch(/this public key \(thumbprint .*, kid sig-2026-01\) is already registered/);
  });

  it('revoked key reuse: neither the revoked kid nor the revoked public key can ever be registered again', async () => {
    await registerKey();
    await harness.submit(signer, `${C}:RevokeSigningKey`, 'sig-2026-01', 'keyCompromise', '');
    harness.advance(365 * 24 * 3_600_000);
    const sameKid = await harness.expectRejected(
      signer,
      `${C}:RegisterSigningKey`,
      [keyArg({ publicJwk: ecJwk().publicJwk })],
      'CONFLICT',
    );
    expect(sameKid).toMatch(
      /kid sig-2026-01 was revoked \(keyCompromise\) and can never be registered again/,
    );
    const sameKey = await harness.expectRejected(
      admin,
      `${C}:RegisterSigningKey`,
      [keyArg({ kid: 'sig-fresh-name' })],
      'CONFLICT',
    );
    expect(sameKey).toMatch(
      /this public key \(thumbprint .*, kid sig-2026-01\) was revoked \(keyCompromise\)/,
    );
    // also when the same key comes with extra JWK members: the thumbprint covers only the key itself
    await harness.expectRejected(
      signer,
      `${C}:RegisterSigningKey`,
      [keyArg({ kid: 'sig-dressed', publicJwk: { ...es256, use: 'sig', ext: true } })],
      'CONFLICT',
    );
    const record = await harness.evaluate<SigningKeyRecord>(auditor, `${C}:GetSigningKey`, 'sig-2026-01');
    expect(record.value.status).toBe('revoked');
  });
});

describe('RetireSigningKey / RevokeSigningKey', () => {
  beforeEach(async () => {
    await registerKey();
  });

  it('retires an active key: it leaves signing but stays in the JWKS', async () => {
    const { value, event, txId } = await harness.submit<SigningKeyRecord>(
      signer,
      `${C}:RetireSigningKey`,
      'sig-2026-01',
      '',
    );
    expect(value).toMatchObject({
      status: 'retired',
      retiredAt: harness.now,
      updatedAt: harness.now,
      version: 2,
    });
    expect(event).toEqual({
      name: 'SigningKeyRetired',
      payload: {
        kid: 'sig-2026-01',
        serviceId: 'default',
        status: 'retired',
        retiredAt: harness.now,
        graceMs: 86_400_000,
        jwksUntil: harness.now + 86_400_000,
        version: 2,
        txId,
      },
    });
    const jwks = await harness.evaluate<{ keys: Jwk[] }>(auditor, `${C}:GetJwks`);
    expect(jwks.value.keys.map((k) => k['kid'])).toEqual(['sig-2026-01']);
    const lists = await Promise.all(
      ['active', 'retired'].map((s) =>
        harness.evaluate<{ items: SigningKeyRecord[] }>(auditor, `${C}:ListSigningKeys`, s, '', ''),
      ),
    );
    expect(lists.map((l) => l.value.items.length)).toEqual([0, 1]);
  });

  it('revokes from active with an RFC 5280 reason, and from retired', async () => {
    // another service's key, so that registering it does not retire sig-2026-01
    await registerKey({ kid: 'sig-2', publicJwk: ecJwk().publicJwk, serviceId: 'other-issuer' });
    const revoked = await harness.submit<SigningKeyRecord>(
      admin,
      `${C}:RevokeSigningKey`,
      'sig-2026-01',
      'superseded',
      '',
    );
    expect(revoked.value).toMatchObject({
      status: 'revoked',
      revocationReason: 'superseded',
      revokedAt: harness.now,
      revokedBy: { mspId: 'Org1MSP', fingerprint: admin.fingerprint },
      version: 2,
    });
    expect(revoked.event).toEqual({
      name: 'SigningKeyRevoked',
      payload: {
        kid: 'sig-2026-01',
        serviceId: 'default',
        status: 'revoked',
        reason: 'superseded',
        previousStatus: 'active',
        thumbprint: revoked.value.thumbprint,
        revokedAt: harness.now,
        version: 2,
        txId: revoked.txId,
      },
    });
    await harness.submit(signer, `${C}:RetireSigningKey`, 'sig-2', '');
    const fromRetired = await harness.submit<SigningKeyRecord>(
      signer,
      `${C}:RevokeSigningKey`,
      'sig-2',
      'cessationOfOperation',
      '',
    );
    expect(fromRetired.event?.payload['previousStatus']).toBe('retired');
    expect(fromRetired.value.retiredAt).toBeDefined();
    const jwks = await harness.evaluate<{ keys: Jwk[] }>(auditor, `${C}:GetJwks`);
    expect(jwks.value.keys).toEqual([]);
    const revokedList = await harness.evaluate<{ items: SigningKeyRecord[] }>(
      auditor,
      `${C}:ListSigningKeys`,
      'revoked',
      '',
      '',
    );
    expect(revokedList.value.items.map((k) => [k.kid, k.revocationReason])).toEqual([
      ['sig-2', 'cessationOfOperation'],
      ['sig-2026-01', 'superseded'],
    ]);
  });

  it('accepts every RFC 5280 reason name', async () => {
    const reasons = [
      'unspecified',
      'keyCompromise',
      'cACompromise',
      'affiliationChanged',
      'superseded',
      'cessationOfOperation',
      'privilegeWithdrawn',
    ];
    for (const [i, reason] of reasons.entries()) {
      await registerKey({ kid: `k${i}`, publicJwk: ecJwk().publicJwk });
      const { value } = await harness.submit<SigningKeyRecord>(
        signer,
        `${C}:RevokeSigningKey`,
        `k${i}`,
        reason,
        '',
      );
      expect(value.revocationReason).toBe(reason);
    }
  });

  it('makes revocation final and refuses invalid transitions', async () => {
    await harness.submit(signer, `${C}:RevokeSigningKey`, 'sig-2026-01', 'keyCompromise', '');
    expect(
      await harness.expectRejected(
        signer,
        `${C}:RevokeSigningKey`,
        ['sig-2026-01', 'superseded', ''],
        'CONFLICT',
      ),
    ).toMatch(/already revoked \(keyCompromise\); revocation is final/);
    expect(
      await harness.expectRejected(signer, `${C}:RetireSigningKey`, ['sig-2026-01', ''], 'CONFLICT'),
    ).toMatch(/is revoked; only an active key can be retired/);
    await registerKey({ kid: 'sig-r', publicJwk: ecJwk().publicJwk });
    await harness.submit(signer, `${C}:RetireSigningKey`, 'sig-r', '');
    expect(await harness.expectRejected(signer, `${C}:RetireSigningKey`, ['sig-r', ''], 'CONFLICT')).toMatch(
      /is retired/,
    );
  });

  it('rejects wrong roles, bad kids and reasons, and unknown keys', async () => {
    await harness.expectRejected(provider, `${C}:RetireSigningKey`, ['sig-2026-01', ''], 'FORBIDDEN');
    await harness.expectRejected(
      auditor,
      `${C}:RevokeSigningKey`,
      ['sig-2026-01', 'keyCompromise', ''],
      'FORBIDDEN',
    );
    await harness.expectRejected(signer, `${C}:RetireSigningKey`, ['', ''], 'INVALID_ARGUMENT');
    await harness.expectRejected(
      signer,
      `${C}:RevokeSigningKey`,
      ['a b', 'keyCompromise', ''],
      'INVALID_ARGUMENT',
    );
    for (const reason of ['compromised', 'KeyCompromise', '', 'removeFromCRL']) {
      expect(
        await harness.expectRejected(
          signer,
          `${C}:RevokeSigningKey`,
          ['sig-2026-01', reason, ''],
          'INVALID_ARGUMENT',
        ),
      ).toMatch(/revocation reason/);
    }
    await harness.expectRejected(signer, `${C}:RetireSigningKey`, ['nope', ''], 'NOT_FOUND');
    await harness.expectRejected(signer, `${C}:RevokeSigningKey`, ['nope', 'unspecified', ''], 'NOT_FOUND');
  });
});

describe('reads', () => {
  beforeEach(async () => {
    // one service per key, so that each stays active until this setup retires or revokes it
    for (const kid of ['k-a', 'k-b', 'k-c', 'k-d', 'k-e']) {
      await registerKey({ kid, publicJwk: ecJwk().publicJwk, serviceId: `svc-${kid}` });
    }
    await harness.submit(signer, `${C}:RetireSigningKey`, 'k-b', '');
    await harness.submit(signer, `${C}:RevokeSigningKey`, 'k-d', 'keyCompromise', '');
  });

  it('GetSigningKey returns the record; unknown is NOT_FOUND; no role is FORBIDDEN', async () => {
    const { value } = await harness.evaluate<SigningKeyRecord>(auditor, `${C}:GetSigningKey`, 'k-d');
    expect(value).toMatchObject({
      kid: 'k-d',
      status: 'revoked',
      revocationReason: 'keyCompromise',
      version: 2,
    });
    await expect(harness.evaluate(auditor, `${C}:GetSigningKey`, 'zzz')).rejects.toThrow(
      /^\[NOT_FOUND\] signing key zzz/,
    );
    await expect(harness.evaluate(auditor, `${C}:GetSigningKey`, '')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\]/,
    );
    await expect(harness.evaluate(stranger, `${C}:GetSigningKey`, 'k-a')).rejects.toThrow(/^\[FORBIDDEN\]/);
  });

  it('ListSigningKeys pages through all keys or one status', async () => {
    const first = await harness.evaluate<{ items: SigningKeyRecord[]; bookmark: string }>(
      auditor,
      `${C}:ListSigningKeys`,
      '',
      '2',
      '',
    );
    expect(first.value.items.map((k) => k.kid)).toEqual(['k-a', 'k-b']);
    expect(first.value.bookmark).not.toBe('');
    const second = await harness.evaluate<{ items: SigningKeyRecord[]; bookmark: string }>(
      auditor,
      `${C}:ListSigningKeys`,
      '',
      '2',
      first.value.bookmark,
    );
    expect(second.value.items.map((k) => k.kid)).toEqual(['k-c', 'k-d']);
    const third = await harness.evaluate<{ items: SigningKeyRecord[]; bookmark: string }>(
      auditor,
      `${C}:ListSigningKeys`,
      '',
      '2',
      second.value.bookmark,
    );
    expect(third.value).toMatchObject({ bookmark: '' });
    expect(third.value.items.map((k) => k.kid)).toEqual(['k-e']);

    const activeFirst = await harness.evaluate<{ items: SigningKeyRecord[]; bookmark: string }>(
      auditor,
      `${C}:ListSigningKeys`,
      'active',
      '2',
      '',
    );
    expect(activeFirst.value.items.map((k) => [k.kid, k.status])).toEqual([
      ['k-a', 'active'],
      ['k-c', 'active'],
    ]);
    const activeRest = await harness.evaluate<{ items: SigningKeyRecord[]; bookmark: string }>(
      auditor,
      `${C}:ListSigningKeys`,
      'active',
      '2',
      activeFirst.value.bookmark,
    );
    expect(activeRest.value).toMatchObject({ bookmark: '' });
    expect(activeRest.value.items.map((k) => k.kid)).toEqual(['k-e']);
  });

  it('ListSigningKeys rejects a bad status or page size and callers without a role', async () => {
    await expect(harness.evaluate(auditor, `${C}:ListSigningKeys`, 'expired', '', '')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\] invalid status/,
    );
    await expect(harness.evaluate(auditor, `${C}:ListSigningKeys`, '', '0', '')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\] invalid pageSize/,
    );
    await expect(harness.evaluate(auditor, `${C}:ListSigningKeys`, '', '501', '')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\]/,
    );
    await expect(harness.evaluate(stranger, `${C}:ListSigningKeys`, '', '', '')).rejects.toThrow(
      /^\[FORBIDDEN\]/,
    );
  });

  it('GetJwks lists active and retired public keys with kid, alg and use, in kid order', async () => {
    const { value } = await harness.evaluate<{ keys: Jwk[] }>(provider, `${C}:GetJwks`);
    expect(value.keys.map((k) => k['kid'])).toEqual(['k-a', 'k-b', 'k-c', 'k-e']);
    for (const key of value.keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      expect(key).toMatchObject({ alg: 'ES256', use: 'sig', kty: 'EC', crv: 'P-256' });
    }
    await expect(harness.evaluate(stranger, `${C}:GetJwks`)).rejects.toThrow(/^\[FORBIDDEN\]/);
  });
});
