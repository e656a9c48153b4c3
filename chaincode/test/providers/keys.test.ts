import { ChaincodeStub as RealChaincodeStub } from 'fabric-shim';
import { ProvidersContract } from '../../src/contracts/providers';
import { canonicalBytes } from '../../src/protocol/canonical';
import {
  MAX_KEY_GRANTS,
  type KeyAuthorization,
  type KeyChange,
  type KeyGrant,
  type KeyGrantChange,
  type KeyList,
  type ProviderKey,
} from '../../src/protocol/providers';
import { ChaincodeHarness } from '../support/harness';
import { IdentityFactory, type TestIdentity } from '../support/identities';
import { seedMembers } from '../support/seed';

const C = 'KeyProviders';

let admin: TestIdentity;
let frontend: TestIdentity;
let otherFrontend: TestIdentity;
let provider: TestIdentity;
let orchestrator: TestIdentity;
let auditor: TestIdentity;
let stranger: TestIdentity;
let harness: ChaincodeHarness;

beforeAll(async () => {
  const factory = new IdentityFactory();
  admin = await factory.create('admin', 'Org1MSP');
  frontend = await factory.create('frontend', 'Org2MSP');
  otherFrontend = await factory.create('frontend-2', 'Org1MSP');
  provider = await factory.create('provider', 'Org1MSP');
  orchestrator = await factory.create('orchestrator', 'Org1MSP');
  auditor = await factory.create('auditor', 'Org3MSP');
  stranger = await factory.create('stranger', 'Org3MSP');
});

beforeEach(() => {
  harness = new ChaincodeHarness([ProvidersContract]);
  seedMembers(harness, [
    { identity: admin, roles: ['admin'] },
    { identity: frontend, roles: ['frontend'] },
    { identity: otherFrontend, roles: ['frontend'] },
    { identity: provider, roles: ['provider'] },
    { identity: orchestrator, roles: ['orchestrator'] },
    { identity: auditor, roles: ['auditor'] },
  ]);
});

const ref = (identity: TestIdentity): { mspId: string; fingerprint: string } => ({
  mspId: identity.mspId,
  fingerprint: identity.fingerprint,
});

async function createKey(input: Record<string, unknown> = {}): Promise<ProviderKey> {
  const arg = JSON.stringify({ keyId: 'cmk-1', ...input });
  return (await harness.submit<ProviderKey>(admin, `${C}:CreateKey`, arg)).value;
}

function grantArg(grantee: TestIdentity, operations: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ keyId: 'cmk-1', ...ref(grantee), operations, ...extra });
}

async function grant(
  grantee: TestIdentity,
  operations: unknown,
  extra: Record<string, unknown> = {},
): ReturnType<typeof harness.submit<KeyGrantChange>> {
  return harness.submit<KeyGrantChange>(admin, `${C}:GrantKeyUse`, grantArg(grantee, operations, extra));
}

function revokeArg(grantee: TestIdentity, keyId = 'cmk-1'): string {
  return JSON.stringify({ keyId, ...ref(grantee) });
}

async function authorize(who: TestIdentity, operation: string, keyId = 'cmk-1'): Promise<KeyAuthorization> {
  return (await harness.evaluate<KeyAuthorization>(who, `${C}:AuthorizeKeyUse`, keyId, operation)).value;
}

/** Submits and expects a no-op: the answer says unchanged, no event, no write. */
async function expectNoOp<T extends KeyChange>(who: TestIdentity, fn: string, arg: string): Promise<T> {
  const before = JSON.stringify(harness.ledger.dump());
  const height = harness.ledger.height;
  const { value, event } = await harness.submit<T>(who, `${C}:${fn}`, arg);
  expect(value.changed).toBe(false);
  expect(event).toBeUndefined();
  expect(JSON.stringify(harness.ledger.dump())).toBe(before);
  expect(harness.ledger.height).toBe(height + 1); // committed as an empty write set
  return value;
}

describe('CreateKey', () => {
  it('registers an enabled key with no grant, defaulting the algorithm to AES-256-GCM', async () => {
    const { value, event, txId } = await harness.submit<ProviderKey>(
      admin,
      `${C}:CreateKey`,
      JSON.stringify({ keyId: 'cmk-1' }),
    );
    expect(value).toEqual({
      keyId: 'cmk-1',
      description: '',
      algorithm: 'AES-256-GCM',
      status: 'enabled',
      createdBy: ref(admin),
      createdAt: harness.now,
      grants: [],
      version: 1,
      updatedAt: harness.now,
    });
    expect(event).toEqual({
      name: 'KeyCreated',
      payload: {
        keyId: 'cmk-1',
        algorithm: 'AES-256-GCM',
        status: 'enabled',
        createdBy: ref(admin),
        version: 1,
        txId,
      },
    });
    expect((await harness.evaluate<ProviderKey>(auditor, `${C}:GetKey`, 'cmk-1')).value).toEqual(value);
  });

  it('keeps a description and an algorithm when given', async () => {
    const key = await createKey({ keyId: 'orders.cmk-2', description: 'orders', algorithm: 'RSA-OAEP-256' });
    expect(key).toMatchObject({ keyId: 'orders.cmk-2', description: 'orders', algorithm: 'RSA-OAEP-256' });
  });

  it.each([
    ['provider', (): TestIdentity => provider],
    ['orchestrator', (): TestIdentity => orchestrator],
    ['auditor', (): TestIdentity => auditor],
    ['no role', (): TestIdentity => stranger],
  ])('refuses a caller with %s', async (_role, who) => {
    expect(
      await harness.expectRejected(who(), `${C}:CreateKey`, [JSON.stringify({ keyId: 'k' })], 'FORBIDDEN'),
    ).toMatch(/needs role admin/);
  });

  it.each<[string, string, RegExp]>([
    ['malformed JSON', '{', /invalid key: not valid JSON/],
    ['no keyId', '{}', /keyId/],
    ['a key id with a space', JSON.stringify({ keyId: 'has space' }), /keyId: must be 1-64 characters/],
    ['a key id with a slash', JSON.stringify({ keyId: 'a/b' }), /keyId: must be 1-64 characters/],
    ['a key id with a colon', JSON.stringify({ keyId: 'a:b' }), /keyId: must be 1-64 characters/],
    ['an empty key id', JSON.stringify({ keyId: '' }), /keyId/],
    ['a key id of 65 characters', JSON.stringify({ keyId: 'k'.repeat(65) }), /keyId/],
    ['a key id with U+0000', JSON.stringify({ keyId: 'a\u0000b' }), /keyId/],
    ['a bad algorithm', JSON.stringify({ keyId: 'k', algorithm: 'AES 256' }), /algorithm/],
    ['a long description', JSON.stringify({ keyId: 'k', description: 'd'.repeat(1025) }), /description/],
    ['key material', JSON.stringify({ keyId: 'k', keyMaterial: 'AAAA' }), /keyMaterial/],
  ])('rejects %s', async (_case, arg, message) => {
    expect(await harness.expectRejected(admin, `${C}:CreateKey`, [arg], 'INVALID_ARGUMENT')).toMatch(message);
  });

  it('refuses a second key with the same id', async () => {
    await createKey();
    expect(
      await harness.expectRejected(
        admin,
        `${C}:CreateKey`,
        [JSON.stringify({ keyId: 'cmk-1', description: 'again' })],
        'CONFLICT',
      ),
    ).toMatch(/key cmk-1 already exists/);
  });
});

describe('GetKey / ListKeys', () => {
  it('lets any member read keys, listed in keyId order', async () => {
    for (const keyId of ['b', 'a.2', 'a', 'B-1']) {
      await createKey({ keyId });
    }
    for (const who of [auditor, provider, orchestrator, frontend]) {
      const { value } = await harness.evaluate<KeyList>(who, `${C}:ListKeys`);
      expect(value.keys.map((key) => key.keyId)).toEqual(['B-1', 'a', 'a.2', 'b']);
      expect(value.asOf).toBe(harness.now);
      expect((await harness.evaluate<ProviderKey>(who, `${C}:GetKey`, 'a.2')).value.keyId).toBe('a.2');
    }
  });

  it('lists nothing before the first key', async () => {
    expect((await harness.evaluate<KeyList>(auditor, `${C}:ListKeys`)).value.keys).toEqual([]);
  });

  it('refuses identities without a role, bad ids and unknown keys', async () => {
    await createKey();
    await expect(harness.evaluate(stranger, `${C}:GetKey`, 'cmk-1')).rejects.toThrow(/^\[FORBIDDEN\]/);
    await expect(harness.evaluate(stranger, `${C}:ListKeys`)).rejects.toThrow(/^\[FORBIDDEN\]/);
    await expect(harness.evaluate(auditor, `${C}:GetKey`, 'nope')).rejects.toThrow(
      /^\[NOT_FOUND\] key nope not found/,
    );
    await expect(harness.evaluate(auditor, `${C}:GetKey`, '')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\] invalid keyId/,
    );
  });
});

describe('DisableKey / EnableKey', () => {
  beforeEach(async () => {
    await createKey();
  });

  it('disables and enables a key, each once; a repeat is a no-op', async () => {
    const disableArg = JSON.stringify({ keyId: 'cmk-1', reason: 'suspected misuse' });
    const disabled = await harness.submit<KeyChange>(admin, `${C}:DisableKey`, disableArg);
    expect(disabled.value.changed).toBe(true);
    expect(disabled.value.key).toMatchObject({
      status: 'disabled',
      disabledAt: harness.now,
      disabledReason: 'suspected misuse',
      disabledBy: ref(admin),
      version: 2,
      updatedAt: harness.now,
    });
    expect(disabled.event).toEqual({
      name: 'KeyUpdated',
      payload: { keyId: 'cmk-1', status: 'disabled', version: 2, txId: disabled.txId },
    });
    const repeat = await expectNoOp(
      admin,
      'DisableKey',
      JSON.stringify({ keyId: 'cmk-1', reason: 'another reason' }),
    );
    expect(repeat.key.disabledReason).toBe('suspected misuse');

    const enabled = await harness.submit<KeyChange>(admin, `${C}:EnableKey`, 'cmk-1');
    expect(enabled.value.changed).toBe(true);
    expect(enabled.value.key.status).toBe('enabled');
    expect(enabled.value.key.version).toBe(3);
    expect(enabled.value.key).not.toHaveProperty('disabledAt');
    expect(enabled.value.key).not.toHaveProperty('disabledReason');
    expect(enabled.value.key).not.toHaveProperty('disabledBy');
    expect(enabled.event).toEqual({
      name: 'KeyUpdated',
      payload: { keyId: 'cmk-1', status: 'enabled', version: 3, txId: enabled.txId },
    });
    expect((await expectNoOp(admin, 'EnableKey', 'cmk-1')).key.version).toBe(3);
  });

  it('refuses non-admins, bad input and unknown keys', async () => {
    const arg = JSON.stringify({ keyId: 'cmk-1', reason: 'x' });
    for (const who of [provider, orchestrator, frontend, stranger]) {
      await harness.expectRejected(who, `${C}:DisableKey`, [arg], 'FORBIDDEN');
      await harness.expectRejected(who, `${C}:EnableKey`, ['cmk-1'], 'FORBIDDEN');
    }
    const invalid: [string, RegExp][] = [
      [JSON.stringify({ keyId: 'cmk-1' }), /reason/],
      [JSON.stringify({ keyId: 'cmk-1', reason: '' }), /reason/],
      [JSON.stringify({ keyId: 'bad id', reason: 'x' }), /keyId/],
      ['cmk-1', /invalid key disable: not valid JSON/],
    ];
    for (const [bad, message] of invalid) {
      expect(await harness.expectRejected(admin, `${C}:DisableKey`, [bad], 'INVALID_ARGUMENT')).toMatch(
        message,
      );
    }
    await harness.expectRejected(admin, `${C}:EnableKey`, ['bad id'], 'INVALID_ARGUMENT');
    expect(
      await harness.expectRejected(
        admin,
        `${C}:DisableKey`,
        [JSON.stringify({ keyId: 'ghost', reason: 'x' })],
        'NOT_FOUND',
      ),
    ).toMatch(/key ghost not found/);
    await harness.expectRejected(admin, `${C}:EnableKey`, ['ghost'], 'NOT_FOUND');
  });
});

describe('GrantKeyUse / RevokeKeyGrant', () => {
  beforeEach(async () => {
    await createKey();
  });

  it('grants operations (stored sorted) and emits ids and operations only', async () => {
    const { value, event, txId } = await grant(frontend, ['GenerateDataKey', 'Decrypt'], {
      name: 'orders front-end',
    });
    const expected: KeyGrant = {
      mspId: 'Org2MSP',
      fingerprint: frontend.fingerprint,
      name: 'orders front-end',
      operations: ['Decrypt', 'GenerateDataKey'],
      grantedAt: harness.now,
      grantedBy: ref(admin),
    };
    expect(value).toEqual({
      changed: true,
      grant: expected,
      key: expect.objectContaining({ grants: [expected], version: 2, updatedAt: harness.now }),
    });
    expect(event).toEqual({
      name: 'KeyGrantChanged',
      payload: {
        keyId: 'cmk-1',
        grantee: ref(frontend),
        change: 'granted',
        operations: ['Decrypt', 'GenerateDataKey'],
        version: 2,
        txId,
      },
    });
  });

  it('is idempotent: the same grant again writes nothing and emits nothing', async () => {
    const first = await grant(frontend, ['Encrypt', 'Decrypt'], { name: 'fe' });
    const again = await expectNoOp<KeyGrantChange>(
      admin,
      'GrantKeyUse',
      grantArg(frontend, ['Decrypt', 'Encrypt'], { name: 'fe' }),
    );
    expect(again.grant).toEqual(first.value.grant);
    expect(again.key.version).toBe(2);
  });

  it("replaces a grantee's operations and name, keeping one grant per identity", async () => {
    await grant(frontend, ['Encrypt', 'Decrypt'], { name: 'fe' });
    const replaced = await grant(frontend, ['ReEncrypt']);
    expect(replaced.value.key.grants).toEqual([
      expect.objectContaining({ mspId: 'Org2MSP', operations: ['ReEncrypt'], grantedAt: harness.now }),
    ]);
    expect(replaced.value.grant).not.toHaveProperty('name');
    expect(replaced.value.key.version).toBe(3);
    expect(replaced.event?.payload).toMatchObject({ change: 'granted', operations: ['ReEncrypt'] });
    const renamed = await grant(frontend, ['ReEncrypt'], { name: 'renamed' });
    expect(renamed.value.changed).toBe(true);
    expect(renamed.value.grant.name).toBe('renamed');
  });

  it('keeps grants sorted by MSP id then fingerprint, and grants to identities that are not members', async () => {
    await grant(frontend, ['Decrypt']); // Org2MSP
    await grant(stranger, ['Encrypt']); // Org3MSP, no membership: grants may precede registration
    await grant(otherFrontend, ['Decrypt']); // Org1MSP
    const key = (await harness.evaluate<ProviderKey>(auditor, `${C}:GetKey`, 'cmk-1')).value;
    expect(key.grants.map((held) => held.mspId)).toEqual(['Org1MSP', 'Org2MSP', 'Org3MSP']);
    expect(key.version).toBe(4);
  });

  it('refuses non-admins for grant and revoke', async () => {
    await grant(frontend, ['Decrypt']);
    for (const who of [frontend, provider, orchestrator, auditor, stranger]) {
      await harness.expectRejected(who, `${C}:GrantKeyUse`, [grantArg(who, ['Decrypt'])], 'FORBIDDEN');
      await harness.expectRejected(who, `${C}:RevokeKeyGrant`, [revokeArg(frontend)], 'FORBIDDEN');
    }
  });

  it.each<[string, () => string, RegExp]>([
    ['an unknown operation', () => grantArg(frontend, ['Sign']), /operations\.0: must be one of Decrypt/],
    ['empty operations', () => grantArg(frontend, []), /operations/],
    ['duplicate operations', () => grantArg(frontend, ['Decrypt', 'Decrypt']), /must not contain duplicates/],
    ['operations that are not a list', () => grantArg(frontend, 'Decrypt'), /operations/],
    [
      'an upper-case fingerprint',
      () => grantArg(frontend, ['Decrypt'], { fingerprint: frontend.fingerprint.toUpperCase() }),
      /fingerprint: must be 64 lower-case hex characters/,
    ],
    ['a short fingerprint', () => grantArg(frontend, ['Decrypt'], { fingerprint: 'abcd' }), /fingerprint/],
    ['a bad MSP id', () => grantArg(frontend, ['Decrypt'], { mspId: 'Org 1' }), /mspId/],
    ['a bad key id', () => grantArg(frontend, ['Decrypt'], { keyId: '../x' }), /keyId/],
    ['an empty name', () => grantArg(frontend, ['Decrypt'], { name: '' }), /name/],
    ['an unknown field', () => grantArg(frontend, ['Decrypt'], { expiresAt: 1 }), /expiresAt/],
    ['malformed JSON', () => 'not json', /invalid key grant: not valid JSON/],
  ])('rejects a grant with %s', async (_case, arg, message) => {
    expect(await harness.expectRejected(admin, `${C}:GrantKeyUse`, [arg()], 'INVALID_ARGUMENT')).toMatch(
      message,
    );
  });

  it('rejects a grant or revocation on an unknown key', async () => {
    expect(
      await harness.expectRejected(
        admin,
        `${C}:GrantKeyUse`,
        [grantArg(frontend, ['Decrypt'], { keyId: 'ghost' })],
        'NOT_FOUND',
      ),
    ).toMatch(/key ghost not found/);
    await harness.expectRejected(admin, `${C}:RevokeKeyGrant`, [revokeArg(frontend, 'ghost')], 'NOT_FOUND');
  });

  it('refuses new grants on a disabled key but still revokes', async () => {
    await grant(frontend, ['Decrypt']);
    await harness.submit(admin, `${C}:DisableKey`, JSON.stringify({ keyId: 'cmk-1', reason: 'audit' }));
    expect(
      await harness.expectRejected(admin, `${C}:GrantKeyUse`, [grantArg(provider, ['Decrypt'])], 'CONFLICT'),
    ).toMatch(/key cmk-1 is disabled; enable it before granting its use/);
    await harness.expectRejected(admin, `${C}:GrantKeyUse`, [grantArg(frontend, ['Encrypt'])], 'CONFLICT');
    await expectNoOp(admin, 'GrantKeyUse', grantArg(frontend, ['Decrypt'])); // a retry of a grant made before
    const revoked = await harness.submit<KeyGrantChange>(admin, `${C}:RevokeKeyGrant`, revokeArg(frontend));
    expect(revoked.value.key.grants).toEqual([]);
  });

  it(`holds at most ${MAX_KEY_GRANTS} grants; a held grant may still be replaced`, async () => {
    const stored = (await harness.evaluate<ProviderKey>(auditor, `${C}:GetKey`, 'cmk-1')).value;
    const grants: KeyGrant[] = Array.from({ length: MAX_KEY_GRANTS - 1 }, (_, i) => ({
      mspId: 'Org9MSP',
      fingerprint: i.toString(16).padStart(64, '0'),
      operations: ['Decrypt'],
      grantedAt: harness.now,
      grantedBy: ref(admin),
    }));
    // A full key through 255 real grants would be slow; write the same record shape straight into state.
    const key = RealChaincodeStub.prototype.createCompositeKey.call(undefined, 'prov.cmk', ['cmk-1']);
    const full = { ...stored, grants };
    harness.ledger.commit('seed-grants', harness.now, new Map([[key, Buffer.from(canonicalBytes(full))]]));
    expect((await grant(frontend, ['Decrypt'])).value.key.grants).toHaveLength(MAX_KEY_GRANTS);
    expect(
      await harness.expectRejected(admin, `${C}:GrantKeyUse`, [grantArg(provider, ['Decrypt'])], 'CONFLICT'),
    ).toMatch(/key cmk-1 already has 256 grants, the most a key may hold; revoke one first/);
    expect((await grant(frontend, ['Decrypt', 'Encrypt'])).value.key.grants).toHaveLength(MAX_KEY_GRANTS);
    await harness.submit(admin, `${C}:RevokeKeyGrant`, revokeArg(frontend));
    expect((await grant(provider, ['Decrypt'])).value.changed).toBe(true);
  });

  it('revokes a grant (event with no operations); a missing grant is NOT_FOUND', async () => {
    await grant(frontend, ['Decrypt']);
    await grant(provider, ['Encrypt']);
    const { value, event, txId } = await harness.submit<KeyGrantChange>(
      admin,
      `${C}:RevokeKeyGrant`,
      revokeArg(frontend),
    );
    expect(value.changed).toBe(true);
    expect(value.grant).toMatchObject({ fingerprint: frontend.fingerprint, operations: ['Decrypt'] });
    expect(value.key.grants.map((held) => held.fingerprint)).toEqual([provider.fingerprint]);
    expect(value.key.version).toBe(4);
    expect(event).toEqual({
      name: 'KeyGrantChanged',
      payload: {
        keyId: 'cmk-1',
        grantee: ref(frontend),
        change: 'revoked',
        operations: [],
        version: 4,
        txId,
      },
    });
    expect(
      await harness.expectRejected(admin, `${C}:RevokeKeyGrant`, [revokeArg(frontend)], 'NOT_FOUND'),
    ).toMatch(new RegExp(`key cmk-1 has no grant for Org2MSP/${frontend.fingerprint.slice(0, 16)}…`));
    await harness.expectRejected(
      admin,
      `${C}:RevokeKeyGrant`,
      [JSON.stringify({ keyId: 'cmk-1', mspId: 'Org2MSP' })],
      'INVALID_ARGUMENT',
    );
  });
});

describe('AuthorizeKeyUse', () => {
  beforeEach(async () => {
    await createKey();
    await grant(frontend, ['Encrypt', 'Decrypt']);
  });

  it("allows the caller's granted operations, saying which key version decided", async () => {
    expect(await authorize(frontend, 'Decrypt')).toEqual({
      keyId: 'cmk-1',
      operation: 'Decrypt',
      allowed: true,
      keyVersion: 2,
      algorithm: 'AES-256-GCM',
      grantee: ref(frontend),
      operations: ['Decrypt', 'Encrypt'],
      asOf: harness.now,
    });
    expect((await authorize(frontend, 'Encrypt')).allowed).toBe(true);
  });

  it('refuses an unknown key with NOT_FOUND and bad arguments with INVALID_ARGUMENT', async () => {
    await expect(authorize(frontend, 'Decrypt', 'ghost')).rejects.toThrow(
      /^\[NOT_FOUND\] key ghost not found/,
    );
    await expect(authorize(frontend, 'Sign')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\] invalid operation: \(value\): must be one of Decrypt, Encrypt, GenerateDataKey, ReEncrypt/,
    );
    await expect(authorize(frontend, 'Decrypt', 'bad id')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\] invalid keyId/,
    );
  });

  it('refuses a disabled key for every operation, and allows again once enabled', async () => {
    await harness.submit(admin, `${C}:DisableKey`, JSON.stringify({ keyId: 'cmk-1', reason: 'audit' }));
    for (const operation of ['Decrypt', 'Encrypt', 'GenerateDataKey', 'ReEncrypt']) {
      await expect(authorize(frontend, operation)).rejects.toThrow(
        /^\[FORBIDDEN\] key cmk-1 is disabled; no operation is allowed on it/,
      );
    }
    await harness.submit(admin, `${C}:EnableKey`, 'cmk-1');
    expect((await authorize(frontend, 'Decrypt')).keyVersion).toBe(4);
  });

  it('refuses a caller without a grant, even an admin, and answers only for the caller', async () => {
    const noGrant = (who: TestIdentity): RegExp =>
      new RegExp(
        `^\\[FORBIDDEN\\] caller ${who.mspId}/${who.fingerprint.slice(0, 16)}… holds no grant on key cmk-1`,
      );
    await expect(authorize(otherFrontend, 'Decrypt')).rejects.toThrow(noGrant(otherFrontend));
    await expect(authorize(admin, 'Decrypt')).rejects.toThrow(noGrant(admin));
    await harness.submit(admin, `${C}:RevokeKeyGrant`, revokeArg(frontend));
    await expect(authorize(frontend, 'Decrypt')).rejects.toThrow(noGrant(frontend));
  });

  it('refuses an operation the grant does not include', async () => {
    await expect(authorize(frontend, 'ReEncrypt')).rejects.toThrow(
      /^\[FORBIDDEN\] the grant of caller Org2MSP\/[0-9a-f]{16}… on key cmk-1 allows Decrypt, Encrypt, not ReEncrypt/,
    );
    await grant(frontend, ['ReEncrypt']);
    await expect(authorize(frontend, 'Decrypt')).rejects.toThrow(/allows ReEncrypt, not Decrypt/);
    expect((await authorize(frontend, 'ReEncrypt')).operations).toEqual(['ReEncrypt']);
  });

  it('refuses a grantee without any role (it may hold a grant, not use it)', async () => {
    await grant(stranger, ['Decrypt']);
    await expect(authorize(stranger, 'Decrypt')).rejects.toThrow(
      /^\[FORBIDDEN\] caller .* has no KeyLedger role/,
    );
  });
});
