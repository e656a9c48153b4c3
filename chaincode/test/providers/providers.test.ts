import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { ProvidersContract } from '../../src/contracts/providers';
import type { ProviderProfile, ProviderStats, ReputationEntry } from '../../src/protocol/providers';
import { ChaincodeHarness } from '../support/harness';
import { IdentityFactory, type TestIdentity } from '../support/identities';
import { seedMembers } from '../support/seed';

const C = 'KeyProviders';
const HOUR = 3_600_000;

interface Scored {
  score: number;
  components: { successRatio: number; latency: number; uptime: number; recency: number };
}
type ListedProvider = ProviderProfile & Scored;

function ecPublicKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();
}

function spkiFingerprint(pem: string): string {
  return createHash('sha256')
    .update(createPublicKey(pem).export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

let admin: TestIdentity;
let providerA: TestIdentity;
let providerB: TestIdentity;
let orchestrator: TestIdentity;
let auditor: TestIdentity;
let stranger: TestIdentity;
let keyA: string;
let keyB: string;
let harness: ChaincodeHarness;

function profile(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    providerId: 'prov-a',
    endpoint: 'https://kp-a.example.org:8443/v1',
    publicKeyPem: keyA,
    algorithms: ['AES-256-GCM', 'RSA-OAEP-256'],
    keyIds: ['key-1', 'key-2'],
    region: 'eu-west-1',
    auditLinks: ['https://audit.example.org/prov-a'],
    ...overrides,
  });
}

async function register(
  who: TestIdentity,
  overrides: Record<string, unknown> = {},
): Promise<ProviderProfile> {
  return (await harness.submit<ProviderProfile>(who, `${C}:RegisterProvider`, profile(overrides))).value;
}

async function list(filter: Record<string, unknown> | string): Promise<ListedProvider[]> {
  const arg = typeof filter === 'string' ? filter : JSON.stringify(filter);
  return (await harness.evaluate<{ providers: ListedProvider[] }>(auditor, `${C}:ListProviders`, arg)).value
    .providers;
}

async function record(
  batchId: string,
  outcomes: Record<string, unknown>[],
): Promise<Awaited<ReturnType<typeof harness.submit>>> {
  return harness.submit(orchestrator, `${C}:RecordOutcomes`, JSON.stringify({ batchId, outcomes }));
}

beforeAll(async () => {
  const factory = new IdentityFactory();
  admin = await factory.create('admin', 'Org1MSP');
  providerA = await factory.create('provider-a', 'Org1MSP');
  providerB = await factory.create('provider-b', 'Org2MSP');
  orchestrator = await factory.create('orchestrator', 'Org1MSP');
  auditor = await factory.create('auditor', 'Org3MSP');
  stranger = await factory.create('stranger', 'Org3MSP');
  keyA = ecPublicKeyPem();
  keyB = ecPublicKeyPem();
});

/** Keys the profiles name: a provider may name only keys made with CreateKey. */
const KEY_IDS = ['key-1', 'key-2', 'key-9'];

beforeEach(async () => {
  harness = new ChaincodeHarness([ProvidersContract]);
  seedMembers(harness, [
    { identity: admin, roles: ['admin'] },
    { identity: providerA, roles: ['provider'] },
    { identity: providerB, roles: ['provider'] },
    { identity: orchestrator, roles: ['orchestrator'] },
    { identity: auditor, roles: ['auditor'] },
  ]);
  for (const keyId of KEY_IDS) {
    await harness.submit(admin, `${C}:CreateKey`, JSON.stringify({ keyId }));
  }
});

describe('RegisterProvider', () => {
  it('registers a provider with a public key, owned by the caller, with key-id and algorithm indexes', async () => {
    const { value, event } = await harness.submit<ProviderProfile>(
      providerA,
      `${C}:RegisterProvider`,
      profile(),
    );
    expect(value).toEqual({
      providerId: 'prov-a',
      endpoint: 'https://kp-a.example.org:8443/v1',
      publicKeyPem: keyA,
      publicKeyFingerprint: spkiFingerprint(keyA),
      publicKeyType: 'ec',
      algorithms: ['AES-256-GCM', 'RSA-OAEP-256'],
      keyIds: ['key-1', 'key-2'],
      region: 'eu-west-1',
      auditLinks: ['https://audit.example.org/prov-a'],
      status: 'active',
      owner: { mspId: 'Org1MSP', fingerprint: providerA.fingerprint },
      registeredAt: harness.now,
      updatedAt: harness.now,
      version: 1,
    });
    expect(event?.name).toBe('ProviderRegistered');
    expect(event?.payload).toEqual({
      providerId: 'prov-a',
      owner: { mspId: 'Org1MSP', fingerprint: providerA.fingerprint },
      endpoint: 'https://kp-a.example.org:8443/v1',
      region: 'eu-west-1',
      publicKeyFingerprint: spkiFingerprint(keyA),
      status: 'active',
      version: 1,
      txId: expect.any(String),
    });
    expect((await list({ keyId: 'key-2' })).map((p) => p.providerId)).toEqual(['prov-a']);
    expect((await list({ algorithm: 'RSA-OAEP-256' })).map((p) => p.providerId)).toEqual(['prov-a']);
    expect(await list({ keyId: 'key-3' })).toEqual([]);
  });

  it('registers with a certificate (admin), deriving the public key and both fingerprints', async () => {
    const value = await register(admin, {
      publicKeyPem: undefined,
      certificatePem: providerB.certPem,
      keyIds: [],
    });
    expect(value.certificateFingerprint).toBe(providerB.fingerprint);
    expect(value.certificatePem?.trim()).toBe(providerB.certPem.trim());
    expect(value.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(value.publicKeyFingerprint).toBe(spkiFingerprint(value.publicKeyPem));
    expect(value.owner.fingerprint).toBe(admin.fingerprint);
    expect(value.keyIds).toEqual([]);
    expect(value.auditLinks).toEqual(['https://audit.example.org/prov-a']);
  });

  it('defaults keyIds and auditLinks to empty lists', async () => {
    const value = await register(providerA, { keyIds: undefined, auditLinks: undefined });
    expect(value.keyIds).toEqual([]);
    expect(value.auditLinks).toEqual([]);
  });

  it('accepts a role from the certificate attribute', async () => {
    const viaAttribute = await new IdentityFactory().create('attr-provider', 'Org2MSP', {
      'keyledger.roles': 'provider',
    });
    const value = await register(viaAttribute, { providerId: 'prov-attr' });
    expect(value.owner).toEqual({ mspId: 'Org2MSP', fingerprint: viaAttribute.fingerprint });
  });

  it('refuses callers without the provider or admin role', async () => {
    await harness.expectRejected(stranger, `${C}:RegisterProvider`, [profile()], 'FORBIDDEN');
    await harness.expectRejected(orchestrator, `${C}:RegisterProvider`, [profile()], 'FORBIDDEN');
  });

  const privateKeyPem = (): string =>
    generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();

  it.each<[string, Record<string, unknown> | string, RegExp]>([
    ['malformed JSON', '{not json', /not valid JSON/],
    ['a missing providerId', { providerId: undefined }, /providerId/],
    ['a bad providerId', { providerId: 'has space' }, /providerId: must be 1-128/],
    ['an http endpoint', { endpoint: 'http://kp.example.org' }, /endpoint: must be an https URL/],
    [
      'credentials in the endpoint',
      { endpoint: 'https://user:pw@kp.example.org' },
      /endpoint: must be an https URL/,
    ],
    ['a non-URL endpoint', { endpoint: 'kp.example.org' }, /endpoint/],
    [
      'no key at all',
      { publicKeyPem: undefined },
      /certificatePem: provide exactly one of certificatePem or publicKeyPem/,
    ],
    ['both key forms', { certificatePem: 'x' }, /exactly one of certificatePem or publicKeyPem/],
    ['empty algorithms', { algorithms: [] }, /algorithms/],
    ['duplicate algorithms', { algorithms: ['A', 'A'] }, /algorithms: must not contain duplicates/],
    ['a bad algorithm name', { algorithms: ['AES 256'] }, /algorithms\.0/],
    ['duplicate key ids', { keyIds: ['k', 'k'] }, /keyIds: must not contain duplicates/],
    ['a bad region', { region: '' }, /region/],
    [
      'a non-https audit link',
      { auditLinks: ['ftp://audit.example.org'] },
      /auditLinks\.0: must be an https URL/,
    ],
    ['an unknown field', { privateKeyPem: 'x' }, /privateKeyPem/],
    [
      'a public key that is not PEM',
      { publicKeyPem: 'abc' },
      /publicKeyPem must be one PEM "PUBLIC KEY" \(SPKI\) block/,
    ],
    [
      'a PUBLIC KEY block with garbage inside',
      { publicKeyPem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' },
      /publicKeyPem is not a parsable public key/,
    ],
    [
      'a certificate that is not PEM',
      { publicKeyPem: undefined, certificatePem: 'MIIB' },
      /certificatePem must be one PEM "CERTIFICATE" block/,
    ],
    [
      'a CERTIFICATE block with garbage inside',
      {
        publicKeyPem: undefined,
        certificatePem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
      },
      /certificatePem is not a parsable X.509 certificate/,
    ],
  ])('rejects %s', async (_case, overrides, message) => {
    const arg = typeof overrides === 'string' ? overrides : profile(overrides);
    expect(
      await harness.expectRejected(providerA, `${C}:RegisterProvider`, [arg], 'INVALID_ARGUMENT'),
    ).toMatch(message);
  });

  it('rejects private keys in either field without echoing them', async () => {
    const secret = privateKeyPem();
    const asKey = await harness.expectRejected(
      providerA,
      `${C}:RegisterProvider`,
      [profile({ publicKeyPem: secret })],
      'INVALID_ARGUMENT',
    );
    expect(asKey).toMatch(/publicKeyPem holds a private key/);
    expect(asKey).not.toContain(secret.split('\n')[1]);
    const asCert = await harness.expectRejected(
      providerA,
      `${C}:RegisterProvider`,
      [profile({ publicKeyPem: undefined, certificatePem: secret })],
      'INVALID_ARGUMENT',
    );
    expect(asCert).toMatch(/certificatePem holds a private key/);
  });

  it('rejects weak RSA keys and accepts 2048-bit ones', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(
      await harness.expectRejected(
        providerA,
        `${C}:RegisterProvider`,
        [profile({ publicKeyPem: weak })],
        'INVALID_ARGUMENT',
      ),
    ).toMatch(/RSA key of 1024 bits; at least 2048 needed/);
    const strong = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect((await register(providerA, { publicKeyPem: strong })).publicKeyType).toBe('rsa');
  });

  it('rejects an expired certificate', async () => {
    harness.setTime(Date.UTC(2041, 0, 1));
    expect(
      await harness.expectRejected(
        providerA,
        `${C}:RegisterProvider`,
        [profile({ publicKeyPem: undefined, certificatePem: providerA.certPem })],
        'INVALID_ARGUMENT',
      ),
    ).toMatch(/certificatePem expired \(notAfter Jan {2}1 00:00:00 2040 GMT\)/);
  });

  it('refuses a second registration of the same id', async () => {
    await register(providerA);
    expect(
      await harness.expectRejected(
        providerB,
        `${C}:RegisterProvider`,
        [profile({ publicKeyPem: keyB })],
        'CONFLICT',
      ),
    ).toMatch(/provider prov-a already exists/);
  });
});

describe('UpdateProvider', () => {
  beforeEach(async () => {
    await register(providerA);
  });

  it('lets the owner change fields and keeps the key-id and algorithm indexes in step', async () => {
    const update = {
      providerId: 'prov-a',
      expectedVersion: 1,
      keyIds: ['key-2', 'key-9'],
      algorithms: ['AES-256-GCM'],
      region: 'us-east-1',
    };
    const { value, event } = await harness.submit<ProviderProfile>(
      providerA,
      `${C}:UpdateProvider`,
      JSON.stringify(update),
    );
    expect(value).toMatchObject({
      version: 2,
      keyIds: ['key-2', 'key-9'],
      region: 'us-east-1',
      updatedAt: harness.now,
    });
    expect(value.endpoint).toBe('https://kp-a.example.org:8443/v1');
    expect(value.publicKeyPem).toBe(keyA);
    expect(event).toEqual({
      name: 'ProviderUpdated',
      payload: {
        providerId: 'prov-a',
        changed: ['algorithms', 'keyIds', 'region'],
        publicKeyFingerprint: spkiFingerprint(keyA),
        version: 2,
        txId: expect.any(String),
      },
    });
    expect(await list({ keyId: 'key-1' })).toEqual([]);
    expect((await list({ keyId: 'key-9' })).map((p) => p.providerId)).toEqual(['prov-a']);
    expect((await list({ keyId: 'key-2' })).map((p) => p.providerId)).toEqual(['prov-a']);
    expect(await list({ algorithm: 'RSA-OAEP-256' })).toEqual([]);
  });

  it('replaces the key material, switching between certificate and public key', async () => {
    const toCert = await harness.submit<ProviderProfile>(
      providerA,
      `${C}:UpdateProvider`,
      JSON.stringify({ providerId: 'prov-a', certificatePem: providerA.certPem }),
    );
    expect(toCert.value.certificateFingerprint).toBe(providerA.fingerprint);
    expect(toCert.event?.payload['changed']).toEqual(['publicKey']);
    const toKey = await harness.submit<ProviderProfile>(
      admin,
      `${C}:UpdateProvider`,
      JSON.stringify({ providerId: 'prov-a', publicKeyPem: keyB }),
    );
    expect(toKey.value.certificatePem).toBeUndefined();
    expect(toKey.value.certificateFingerprint).toBeUndefined();
    expect(toKey.value.publicKeyFingerprint).toBe(spkiFingerprint(keyB));
    expect(toKey.value.version).toBe(3);
    expect(toKey.value.owner.fingerprint).toBe(providerA.fingerprint);
  });

  it('refuses non-owners, unknown providers, stale versions and empty or ambiguous updates', async () => {
    const endpoint = (extra: Record<string, unknown> = {}): string =>
      JSON.stringify({ providerId: 'prov-a', endpoint: 'https://kp-a2.example.org', ...extra });
    expect(await harness.expectRejected(providerB, `${C}:UpdateProvider`, [endpoint()], 'FORBIDDEN')).toMatch(
      /only the owner of provider prov-a or an admin/,
    );
    await harness.expectRejected(auditor, `${C}:UpdateProvider`, [endpoint()], 'FORBIDDEN');
    await harness.expectRejected(
      providerA,
      `${C}:UpdateProvider`,
      [endpoint({ providerId: 'nope' })],
      'NOT_FOUND',
    );
    expect(
      await harness.expectRejected(
        providerA,
        `${C}:UpdateProvider`,
        [endpoint({ expectedVersion: 7 })],
        'CONFLICT',
      ),
    ).toMatch(/at version 1, not 7/);
    expect(
      await harness.expectRejected(
        providerA,
        `${C}:UpdateProvider`,
        [JSON.stringify({ providerId: 'prov-a' })],
        'INVALID_ARGUMENT',
      ),
    ).toMatch(/nothing to update/);
    expect(
      await harness.expectRejected(
        providerA,
        `${C}:UpdateProvider`,
        [endpoint({ certificatePem: providerA.certPem, publicKeyPem: keyA })],
        'INVALID_ARGUMENT',
      ),
    ).toMatch(/at most one of certificatePem or publicKeyPem/);
    await harness.expectRejected(
      providerA,
      `${C}:UpdateProvider`,
      [endpoint({ endpoint: 'http://x' })],
      'INVALID_ARGUMENT',
    );
    await harness.expectRejected(
      providerA,
      `${C}:UpdateProvider`,
      [endpoint({ publicKeyPem: 'nope' })],
      'INVALID_ARGUMENT',
    );
  });
});

describe('key ids name registered keys', () => {
  it('refuses a registration naming a key never created, saying which', async () => {
    expect(
      await harness.expectRejected(
        providerA,
        `${C}:RegisterProvider`,
        [profile({ keyIds: ['key-1', 'key-7'] })],
        'NOT_FOUND',
      ),
    ).toMatch(/key key-7 \(in keyIds of provider prov-a\) not found; create it with CreateKey first/);
  });

  it('lets a provider add a key it holds a replica of, once the key exists', async () => {
    await register(providerA, { keyIds: ['key-1'] });
    const add = JSON.stringify({ providerId: 'prov-a', keyIds: ['key-1', 'key-new'] });
    expect(await harness.expectRejected(providerA, `${C}:UpdateProvider`, [add], 'NOT_FOUND')).toMatch(
      /key key-new \(in keyIds of provider prov-a\) not found/,
    );
    expect(await list({ keyId: 'key-new' })).toEqual([]);
    await harness.submit(admin, `${C}:CreateKey`, JSON.stringify({ keyId: 'key-new' }));
    const { value } = await harness.submit<ProviderProfile>(providerA, `${C}:UpdateProvider`, add);
    expect(value.keyIds).toEqual(['key-1', 'key-new']);
    expect((await list({ keyId: 'key-new' })).map((p) => p.providerId)).toEqual(['prov-a']);
  });

  it('accepts a disabled key (a replica stays while the key is disabled)', async () => {
    await harness.submit(admin, `${C}:DisableKey`, JSON.stringify({ keyId: 'key-9', reason: 'paused' }));
    expect((await register(providerA, { keyIds: ['key-9'] })).keyIds).toEqual(['key-9']);
  });
});

describe('SuspendProvider / ResumeProvider', () => {
  beforeEach(async () => {
    await register(providerA);
    await register(providerB, { providerId: 'prov-b', publicKeyPem: keyB });
  });

  it('suspends (left out of listings unless asked) and resumes', async () => {
    const suspended = await harness.submit<ProviderProfile>(
      admin,
      `${C}:SuspendProvider`,
      'prov-a',
      'failed audit',
    );
    expect(suspended.value).toMatchObject({
      status: 'suspended',
      suspendedReason: 'failed audit',
      suspendedAt: harness.now,
      version: 2,
    });
    expect(suspended.event).toEqual({
      name: 'ProviderSuspended',
      payload: {
        providerId: 'prov-a',
        reason: 'failed audit',
        suspendedAt: harness.now,
        version: 2,
        txId: suspended.txId,
      },
    });
    expect((await list({})).map((p) => p.providerId)).toEqual(['prov-b']);
    expect((await list({ includeSuspended: true })).map((p) => p.providerId)).toEqual(['prov-a', 'prov-b']);
    expect((await list({ keyId: 'key-1' })).map((p) => p.providerId)).toEqual(['prov-b']);

    const resumed = await harness.submit<ProviderProfile>(admin, `${C}:ResumeProvider`, 'prov-a');
    expect(resumed.value.status).toBe('active');
    expect(resumed.value.suspendedAt).toBeUndefined();
    expect(resumed.value.suspendedReason).toBeUndefined();
    expect(resumed.event).toEqual({
      name: 'ProviderResumed',
      payload: { providerId: 'prov-a', resumedAt: harness.now, version: 3, txId: resumed.txId },
    });
    expect((await list('')).map((p) => p.providerId)).toEqual(['prov-a', 'prov-b']);
  });

  it('rejects wrong roles, bad input, unknown providers and wrong states', async () => {
    await harness.expectRejected(providerA, `${C}:SuspendProvider`, ['prov-a', 'x'], 'FORBIDDEN');
    await harness.expectRejected(providerA, `${C}:ResumeProvider`, ['prov-a'], 'FORBIDDEN');
    expect(
      await harness.expectRejected(admin, `${C}:SuspendProvider`, ['prov-a', ''], 'INVALID_ARGUMENT'),
    ).toMatch(/reason/);
    await harness.expectRejected(admin, `${C}:SuspendProvider`, ['bad id', 'x'], 'INVALID_ARGUMENT');
    await harness.expectRejected(admin, `${C}:SuspendProvider`, ['nope', 'x'], 'NOT_FOUND');
    await harness.expectRejected(admin, `${C}:ResumeProvider`, ['nope'], 'NOT_FOUND');
    expect(await harness.expectRejected(admin, `${C}:ResumeProvider`, ['prov-a'], 'CONFLICT')).toMatch(
      /not suspended/,
    );
    await harness.submit(admin, `${C}:SuspendProvider`, 'prov-a', 'x');
    expect(
      await harness.expectRejected(admin, `${C}:SuspendProvider`, ['prov-a', 'again'], 'CONFLICT'),
    ).toMatch(/already suspended/);
  });
});

describe('RecordOutcomes', () => {
  beforeEach(async () => {
    await register(providerA);
    await register(providerB, {
      providerId: 'prov-b',
      publicKeyPem: keyB,
      keyIds: ['key-1'],
      region: 'us-east-1',
    });
  });

  it('stores one entry per outcome, updates the aggregates and returns the new scores', async () => {
    const at = harness.now; // the transaction runs one second later
    const result = await record('batch-1', [
      { providerId: 'prov-a', success: true, latencyMs: 100, at },
      { providerId: 'prov-b', success: false, latencyMs: 2000, at },
      { providerId: 'prov-a', success: true, latencyMs: 100, at },
      { providerId: 'prov-a', success: false, latencyMs: 500, at },
      { providerId: 'prov-a', success: true, latencyMs: 100, at },
    ]);
    expect(result.event).toEqual({
      name: 'OutcomesRecorded',
      payload: { batchId: 'batch-1', providers: ['prov-a', 'prov-b'], count: 5, calls: 5, txId: result.txId },
    });
    expect(result.value).toMatchObject({
      batchId: 'batch-1',
      count: 5,
      providers: ['prov-a', 'prov-b'],
      recordedBy: { mspId: 'Org1MSP', fingerprint: orchestrator.fingerprint },
      scores: [
        // s=3 f=1, successes' latency 300, one window, age 1 s: 4000·6666 + 2000·7142 + 2500·6666 + 1500·9999 → 7261
        { providerId: 'prov-a', successCount: 3, failureCount: 1, score: 7261 },
        // s=0 f=1 (a failure's latency does not count): 4000·3333 + 2000·5000 + 2500·3333 + 0 → 3166
        { providerId: 'prov-b', successCount: 0, failureCount: 1, score: 3166 },
      ],
    });

    const detail = await harness.evaluate<{
      provider: ProviderProfile;
      score: number;
      stats: ProviderStats;
      recent: ReputationEntry[];
    }>(auditor, `${C}:GetProvider`, 'prov-a', '3');
    expect(detail.value.stats).toMatchObject({
      successCount: 3,
      failureCount: 1,
      latencySumMs: 800,
      successLatencySumMs: 300,
      firstSeenAt: at,
      lastSuccessAt: at,
      lastFailureAt: at,
      batchCount: 1,
    });
    expect(detail.value.recent.map((entry) => entry.index)).toEqual([4, 3, 2]);
    expect(detail.value.recent[0]).toEqual({
      providerId: 'prov-a',
      at,
      success: true,
      latencyMs: 100,
      batchId: 'batch-1',
      txId: result.txId,
      index: 4,
      recordedAt: at + 1000,
    });
  });

  it('is idempotent by batch id: a replay is refused and counts nothing', async () => {
    const batch = JSON.stringify({
      batchId: 'b-1',
      outcomes: [{ providerId: 'prov-a', success: true, latencyMs: 5, at: harness.now }],
    });
    await harness.submit(orchestrator, `${C}:RecordOutcomes`, batch);
    expect(await harness.expectRejected(orchestrator, `${C}:RecordOutcomes`, [batch], 'CONFLICT')).toMatch(
      /outcome batch b-1 was already recorded/,
    );
    const score = await harness.evaluate<{ successCount: number }>(auditor, `${C}:GetScore`, 'prov-a');
    expect(score.value.successCount).toBe(1);
  });

  it('accepts outcomes stamped up to 5 minutes after the transaction time, not later', async () => {
    const txTime = harness.now + 1000;
    await record('ok', [{ providerId: 'prov-a', success: true, latencyMs: 1, at: txTime + 5 * 60_000 }]);
    const late = JSON.stringify({
      batchId: 'late',
      outcomes: [
        { providerId: 'prov-a', success: true, latencyMs: 1, at: harness.now },
        { providerId: 'prov-a', success: true, latencyMs: 1, at: harness.now + 1000 + 5 * 60_000 + 1 },
      ],
    });
    expect(
      await harness.expectRejected(orchestrator, `${C}:RecordOutcomes`, [late], 'INVALID_ARGUMENT'),
    ).toMatch(/outcomes\.1\.at .* more than 5 minutes after the transaction time/);
  });

  it('records a tally of many calls as one entry, counted as those calls', async () => {
    const now = harness.now;
    const from = Math.max(now - 40_000, now - (now % 3_600_000)); // this window
    const tally = {
      providerId: 'prov-a',
      from,
      to: now,
      successes: 998,
      failures: 2,
      successLatencyMs: 998 * 4,
      failureLatencyMs: 2 * 5000,
      lastSuccessAt: now,
      lastFailureAt: from,
    };
    const result = await record('tally-1', [
      tally,
      { providerId: 'prov-b', success: true, latencyMs: 7, at: from },
    ]);
    expect(result.event?.payload).toMatchObject({ count: 2, calls: 1001 });
    expect(result.value).toMatchObject({
      count: 2,
      calls: 1001,
      scores: [
        { providerId: 'prov-a', successCount: 998, failureCount: 2 },
        { providerId: 'prov-b', successCount: 1, failureCount: 0 },
      ],
    });
    const detail = await harness.evaluate<{ stats: ProviderStats; recent: Record<string, unknown>[] }>(
      auditor,
      `${C}:GetProvider`,
      'prov-a',
      '5',
    );
    expect(detail.value.stats).toMatchObject({
      successCount: 998,
      failureCount: 2,
      latencySumMs: 998 * 4 + 10_000,
      successLatencySumMs: 998 * 4,
      firstSeenAt: from,
      lastSuccessAt: now,
      lastFailureAt: from,
      batchCount: 1,
    });
    expect(detail.value.recent).toEqual([
      {
        ...tally,
        at: now,
        batchId: 'tally-1',
        txId: result.txId,
        index: 0,
        recordedAt: now + 1000,
      },
    ]);
  });

  it('rejects a tally that is not one plausible window of calls, naming the field', async () => {
    const at = harness.now - (harness.now % 3_600_000) + 1000; // 1 s into the current hour
    const tally = {
      providerId: 'prov-a',
      from: at,
      to: at,
      successes: 1,
      failures: 0,
      successLatencyMs: 5,
      failureLatencyMs: 0,
      lastSuccessAt: at,
    };
    const batch = (outcome: unknown): string => JSON.stringify({ batchId: 'bad-tally', outcomes: [outcome] });
    const invalid: [unknown, RegExp][] = [
      [{ ...tally, from: at - 2000 }, /outcomes\.0\.to: must be in the same 60-minute window as from/],
      [{ ...tally, from: at + 1 }, /outcomes\.0\.to: must not be before from/],
      [
        { ...tally, successes: 0, lastSuccessAt: undefined },
        /outcomes\.0\.successes: a tally counts at least one call/,
      ],
      [{ ...tally, successes: 0 }, /outcomes\.0\.lastSuccessAt: only with a success/],
      [
        { ...tally, lastSuccessAt: undefined },
        /outcomes\.0\.lastSuccessAt: required when there is a success/,
      ],
      [{ ...tally, lastSuccessAt: at + 1 }, /outcomes\.0\.lastSuccessAt: must be within \[from, to\]/],
      [
        { ...tally, successLatencyMs: 600_001 },
        /outcomes\.0\.successLatencyMs: must be at most 600000 ms per call/,
      ],
      [{ ...tally, failures: 1.5 }, /outcomes\.0\.failures/],
      [{ ...tally, failures: 1_000_001 }, /outcomes\.0\.failures/],
      [{ ...tally, extra: true }, /extra/],
    ];
    for (const [outcome, message] of invalid) {
      expect(
        await harness.expectRejected(
          orchestrator,
          `${C}:RecordOutcomes`,
          [batch(outcome)],
          'INVALID_ARGUMENT',
        ),
      ).toMatch(message);
    }
    const late = {
      ...tally,
      from: harness.now + 1000 + 5 * 60_000 + 1,
      to: harness.now + 1000 + 5 * 60_000 + 1,
    };
    expect(
      await harness.expectRejected(
        orchestrator,
        `${C}:RecordOutcomes`,
        [batch({ ...late, lastSuccessAt: late.to })],
        'INVALID_ARGUMENT',
      ),
    ).toMatch(/outcomes\.0\.to .* more than 5 minutes after the transaction time/);
    const score = await harness.evaluate<{ successCount: number }>(auditor, `${C}:GetScore`, 'prov-a');
    expect(score.value.successCount).toBe(0);
  });

  it('rejects unknown providers, wrong roles and malformed batches', async () => {
    const one = { providerId: 'prov-a', success: true, latencyMs: 10, at: harness.now };
    const batch = (outcomes: unknown[], batchId = 'b'): string => JSON.stringify({ batchId, outcomes });
    expect(
      await harness.expectRejected(
        orchestrator,
        `${C}:RecordOutcomes`,
        [batch([one, { ...one, providerId: 'ghost' }])],
        'NOT_FOUND',
      ),
    ).toMatch(/provider ghost \(in outcome batch b\) not found/);
    await harness.expectRejected(admin, `${C}:RecordOutcomes`, [batch([one])], 'FORBIDDEN');
    await harness.expectRejected(providerA, `${C}:RecordOutcomes`, [batch([one])], 'FORBIDDEN');
    const invalid: [string, RegExp][] = [
      [batch([]), /outcomes/],
      [batch(Array.from({ length: 501 }, () => one)), /outcomes/],
      [batch([{ ...one, latencyMs: -1 }]), /outcomes\.0\.latencyMs/],
      [batch([{ ...one, latencyMs: 1.5 }]), /outcomes\.0\.latencyMs/],
      [batch([{ ...one, latencyMs: 600_001 }]), /outcomes\.0\.latencyMs/],
      [batch([{ ...one, success: 'yes' }]), /outcomes\.0\.success/],
      [batch([{ ...one, at: -5 }]), /outcomes\.0\.at/],
      [batch([{ ...one, extra: 1 }]), /extra/],
      [batch([one], 'bad id'), /batchId/],
      ['[]', /outcome batch/],
    ];
    for (const [arg, message] of invalid) {
      expect(
        await harness.expectRejected(orchestrator, `${C}:RecordOutcomes`, [arg], 'INVALID_ARGUMENT'),
      ).toMatch(message);
    }
  });

  it('accepts a full batch of 500 outcomes', async () => {
    const outcomes = Array.from({ length: 500 }, (_, i) => ({
      providerId: i % 2 ? 'prov-a' : 'prov-b',
      success: true,
      latencyMs: i,
      at: harness.now - i,
    }));
    const { value } = await record('big', outcomes);
    expect(value).toMatchObject({ count: 500 });
    const score = await harness.evaluate<{ successCount: number }>(auditor, `${C}:GetScore`, 'prov-b');
    expect(score.value.successCount).toBe(250);
  });
});

describe('scores, listing and reads', () => {
  beforeEach(async () => {
    await register(providerA, { providerId: 'prov-a', keyIds: ['key-1'], algorithms: ['AES-256-GCM'] });
    await register(providerB, {
      providerId: 'prov-b',
      publicKeyPem: keyB,
      keyIds: ['key-1', 'key-2'],
      algorithms: ['AES-256-GCM', 'RSA-OAEP-256'],
      region: 'us-east-1',
    });
    await register(admin, {
      providerId: 'prov-c',
      publicKeyPem: ecPublicKeyPem(),
      keyIds: ['key-1'],
      algorithms: ['RSA-OAEP-256'],
    });
  });

  it('lists providers for a key by score, ties by id, with filters that combine', async () => {
    // untouched providers tie at 4250 and sort by id
    expect((await list({ keyId: 'key-1' })).map((p) => [p.providerId, p.score])).toEqual([
      ['prov-a', 4250],
      ['prov-b', 4250],
      ['prov-c', 4250],
    ]);
    await record('b1', [
      { providerId: 'prov-c', success: true, latencyMs: 20, at: harness.now },
      { providerId: 'prov-a', success: false, latencyMs: 900, at: harness.now },
    ]);
    const ranked = await list({ keyId: 'key-1' });
    expect(ranked.map((p) => p.providerId)).toEqual(['prov-c', 'prov-b', 'prov-a']);
    expect(ranked[0]?.score).toBeGreaterThan(4250);
    expect(ranked[0]?.components.recency).toBe(9999);
    expect(ranked[2]?.score).toBeLessThan(4250);
    expect((await list({ keyId: 'key-1', algorithm: 'RSA-OAEP-256' })).map((p) => p.providerId)).toEqual([
      'prov-c',
      'prov-b',
    ]);
    expect((await list({ algorithm: 'AES-256-GCM', region: 'us-east-1' })).map((p) => p.providerId)).toEqual([
      'prov-b',
    ]);
    expect((await list({ region: 'eu-west-1' })).map((p) => p.providerId)).toEqual(['prov-c', 'prov-a']);
  });

  it('gives the orchestrator, per candidate, the score and all it needs to connect', async () => {
    await harness.submit(
      providerA,
      `${C}:UpdateProvider`,
      JSON.stringify({ providerId: 'prov-a', certificatePem: providerA.certPem }),
    );
    const [first] = (await list({ keyId: 'key-1', region: 'eu-west-1' })).filter(
      (p) => p.providerId === 'prov-a',
    );
    expect(first).toMatchObject({
      providerId: 'prov-a',
      endpoint: 'https://kp-a.example.org:8443/v1',
      certificatePem: expect.stringMatching(/^-----BEGIN CERTIFICATE-----/),
      certificateFingerprint: providerA.fingerprint,
      publicKeyPem: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----/),
      publicKeyFingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
      region: 'eu-west-1',
      status: 'active',
      keyIds: ['key-1'],
      algorithms: ['AES-256-GCM'],
      owner: { mspId: 'Org1MSP', fingerprint: providerA.fingerprint },
      score: 4250,
      components: { successRatio: 5000, latency: 5000, uptime: 5000, recency: 0 },
    });
  });

  it('scores a provider lower after a batch of failures, even failures that come back at once', async () => {
    const at = harness.now;
    const calls = (count: number, success: boolean, latencyMs: number): Record<string, unknown>[] =>
      Array.from({ length: count }, () => ({ providerId: 'prov-a', success, latencyMs, at }));
    const score = async (): Promise<Scored> =>
      (await harness.evaluate<Scored>(auditor, `${C}:GetScore`, 'prov-a')).value;
    // Mostly failing, slowly; then refusing every call within a millisecond. Had the failures' latency counted,
    // those fast refusals would have looked like a faster provider: 4347 → 4546, above a new provider's 4250.
    await record('history', [...calls(2, true, 300), ...calls(40, false, 300)]);
    const before = await score();
    expect(before.score).toBe(4347); // 4000·681 + 2000·4545 + 2500·6666 + 1500·9999
    await record('fast-failures', calls(40, false, 1));
    const after = await score();
    expect(after.score).toBe(4218); // 4000·357 + 2000·4545 + 2500·6666 + 1500·9999
    expect(after.components.successRatio).toBeLessThan(before.components.successRatio);
    expect(after.components.latency).toBe(before.components.latency);
    expect((await list({ keyId: 'key-1' })).map((p) => p.providerId)).toEqual(['prov-b', 'prov-c', 'prov-a']);
  });

  it('lets the score decay as the last success ages (tx time, not wall clock)', async () => {
    const at = harness.now;
    await record('b1', [{ providerId: 'prov-a', success: true, latencyMs: 250, at }]);
    const fresh = await harness.evaluate<Scored>(auditor, `${C}:GetScore`, 'prov-a');
    harness.setTime(at + 6 * HOUR - 1000); // each call adds 1 s: the last success is then exactly 6 h old
    const later = await harness.evaluate<Scored & { asOf: number }>(auditor, `${C}:GetScore`, 'prov-a');
    expect(later.value.components.recency).toBe(5000);
    expect(later.value.components.successRatio).toBe(fresh.value.components.successRatio);
    expect(later.value.score).toBeLessThan(fresh.value.score);
    harness.advance(30 * HOUR); // the success window leaves the 24 recent windows
    const stale = await harness.evaluate<Scored>(auditor, `${C}:GetScore`, 'prov-a');
    expect(stale.value.components.uptime).toBe(5000);
  });

  it('GetScore returns components, weights and counters', async () => {
    const { value } = await harness.evaluate(auditor, `${C}:GetScore`, 'prov-b');
    expect(value).toEqual({
      providerId: 'prov-b',
      status: 'active',
      score: 4250,
      components: { successRatio: 5000, latency: 5000, uptime: 5000, recency: 0 },
      weights: { successRatio: 4000, latency: 2000, uptime: 2500, recency: 1500 },
      successCount: 0,
      failureCount: 0,
      asOf: harness.now,
    });
  });

  it('GetProvider defaults to 10 recent entries, newest first, and takes 0', async () => {
    const base = harness.now - 100_000;
    const outcomes = Array.from({ length: 12 }, (_, i) => ({
      providerId: 'prov-a',
      success: i % 3 !== 0,
      latencyMs: 10,
      at: base + i * 1000,
    }));
    await record('b1', outcomes.slice(0, 6));
    await record('b2', outcomes.slice(6));
    const byDefault = await harness.evaluate<{ recent: ReputationEntry[]; score: number; asOf: number }>(
      auditor,
      `${C}:GetProvider`,
      'prov-a',
      '',
    );
    expect(byDefault.value.recent.map((entry) => entry.at)).toEqual(
      Array.from({ length: 10 }, (_, i) => base + (11 - i) * 1000),
    );
    expect(byDefault.value.asOf).toBe(harness.now);
    const none = await harness.evaluate<{ recent: ReputationEntry[]; stats: ProviderStats }>(
      auditor,
      `${C}:GetProvider`,
      'prov-a',
      '0',
    );
    expect(none.value.recent).toEqual([]);
    expect(none.value.stats.batchCount).toBe(2);
    const untouched = await harness.evaluate<{ stats: ProviderStats; score: number }>(
      auditor,
      `${C}:GetProvider`,
      'prov-b',
      '5',
    );
    expect(untouched.value.stats.successCount).toBe(0);
    expect(untouched.value.score).toBe(4250);
  });

  it('rejects reads by identities without a role, bad arguments and unknown providers', async () => {
    await expect(harness.evaluate(stranger, `${C}:GetProvider`, 'prov-a', '')).rejects.toThrow(
      /^\[FORBIDDEN\]/,
    );
    await expect(harness.evaluate(stranger, `${C}:ListProviders`, '{}')).rejects.toThrow(/^\[FORBIDDEN\]/);
    await expect(harness.evaluate(stranger, `${C}:GetScore`, 'prov-a')).rejects.toThrow(/^\[FORBIDDEN\]/);
    await expect(harness.evaluate(auditor, `${C}:GetProvider`, 'prov-a', '101')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\] invalid recent/,
    );
    await expect(harness.evaluate(auditor, `${C}:GetProvider`, 'prov-a', 'ten')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\]/,
    );
    await expect(harness.evaluate(auditor, `${C}:GetProvider`, 'nope', '')).rejects.toThrow(
      /^\[NOT_FOUND\] provider nope/,
    );
    await expect(harness.evaluate(auditor, `${C}:GetScore`, 'nope')).rejects.toThrow(/^\[NOT_FOUND\]/);
    await expect(harness.evaluate(auditor, `${C}:GetScore`, '')).rejects.toThrow(/^\[INVALID_ARGUMENT\]/);
    await expect(harness.evaluate(auditor, `${C}:ListProviders`, '{"keyId": 5}')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\] invalid provider filter: keyId/,
    );
    await expect(harness.evaluate(auditor, `${C}:ListProviders`, '{"sort": "x"}')).rejects.toThrow(
      /^\[INVALID_ARGUMENT\]/,
    );
  });
});
