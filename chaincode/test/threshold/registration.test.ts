import { createHash, X509Certificate } from 'node:crypto';
import type { ChaincodeHarness } from '../support/harness';
import { createCast, fixture, moduleInput, newHarness, type Cast, type ModuleFixture } from './fixtures';

const REGISTER = 'TrustDomain:RegisterModule';

interface ModuleView {
  moduleId: string;
  owner: { mspId: string; fingerprint: string };
  endpoint?: string;
  tlsCertificatePem?: string;
  tlsCertificateDigest?: string;
  version: number;
  registeredBy: string;
}

/** The input a module server sends for itself: no owner (it is the caller). */
function selfInput(module: ModuleFixture, extra: Record<string, unknown> = {}): string {
  const input = JSON.parse(moduleInput(module, extra)) as Record<string, unknown>;
  delete input['owner'];
  return JSON.stringify(input);
}

describe('TrustDomain module self-registration and TLS pinning', () => {
  let cast: Cast;
  let harness: ChaincodeHarness;
  let m1: ModuleFixture;
  let m2: ModuleFixture;

  beforeAll(async () => {
    cast = await createCast(3);
  });

  beforeEach(() => {
    harness = newHarness(cast);
    m1 = fixture(cast, 1, 'p256');
    m2 = fixture(cast, 2, 'ed25519');
  });

  it('lets a module-role caller register its own module, owner omitted or equal to itself', async () => {
    const tx = await harness.submit<ModuleView>(m1.owner, REGISTER, selfInput(m1));
    expect(tx.value.owner).toEqual({ mspId: m1.owner.mspId, fingerprint: m1.owner.fingerprint });
    expect(tx.value.registeredBy).toBe(`${m1.owner.mspId}/${m1.owner.fingerprint}`);
    expect(tx.event?.name).toBe('ModuleRegistered');
    const explicit = await harness.submit<ModuleView>(m2.owner, REGISTER, moduleInput(m2));
    expect(explicit.value.owner.fingerprint).toBe(m2.owner.fingerprint);
  });

  it('refuses a module-role caller registering for another owner', async () => {
    const message = await harness.expectRejected(m2.owner, REGISTER, [moduleInput(m1)], 'FORBIDDEN');
    expect(message).toMatch(/only a module it owns itself/);
  });

  it('requires an owner from an admin', async () => {
    const message = await harness.expectRejected(cast.admin, REGISTER, [selfInput(m1)], 'INVALID_ARGUMENT');
    expect(message).toMatch(/owner is required/);
  });

  it('is idempotent for the owner with the same key and index, updating endpoint and TLS certificate', async () => {
    const first = await harness.submit<ModuleView>(m1.owner, REGISTER, selfInput(m1));
    const again = await harness.submit<ModuleView>(m1.owner, REGISTER, selfInput(m1));
    expect(again.event).toBeUndefined();
    expect(again.value).toEqual(first.value);
    const updated = await harness.submit<ModuleView>(
      m1.owner,
      REGISTER,
      selfInput(m1, { endpoint: 'https://hsm-1.example:9443', tlsCertificatePem: cast.outsider.certPem }),
    );
    const der = new X509Certificate(cast.outsider.certPem).raw;
    const digest = createHash('sha256').update(der).digest('hex');
    expect(updated.value).toMatchObject({
      endpoint: 'https://hsm-1.example:9443',
      tlsCertificateDigest: digest,
      version: 2,
    });
    expect(updated.value.tlsCertificatePem).toContain('BEGIN CERTIFICATE');
    expect(updated.event).toEqual({
      name: 'ModuleUpdated',
      payload: {
        moduleId: 'hsm-1',
        endpoint: 'https://hsm-1.example:9443',
        tlsCertificateDigest: digest,
        version: 2,
        updatedAt: harness.now,
        txId: updated.txId,
      },
    });
    const read = await harness.evaluate<ModuleView>(cast.auditor, 'TrustDomain:GetModule', 'hsm-1');
    expect(read.value.tlsCertificateDigest).toBe(digest);
  });

  it('refuses re-registration with a different key or index, or by someone other than the owner', async () => {
    await harness.submit(m1.owner, REGISTER, selfInput(m1));
    const otherKey = await harness.expectRejected(
      m1.owner,
      REGISTER,
      [selfInput({ ...m1, keys: m2.keys })],
      'CONFLICT',
    );
    expect(otherKey).toMatch(/different public key or share index/);
    await harness.expectRejected(m1.owner, REGISTER, [selfInput({ ...m1, shareIndex: 7 })], 'CONFLICT');
    const byAdmin = await harness.expectRejected(cast.admin, REGISTER, [moduleInput(m1)], 'CONFLICT');
    expect(byAdmin).toMatch(/already registered/);
  });

  it('stores the TLS certificate at registration and refuses anything but one certificate', async () => {
    const tx = await harness.submit<ModuleView>(
      cast.admin,
      REGISTER,
      moduleInput(m1, { tlsCertificatePem: cast.auditor.certPem }),
    );
    expect(tx.value.tlsCertificateDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(tx.event?.payload).toMatchObject({ tlsCertificateDigest: tx.value.tlsCertificateDigest });
    const cases: [string, RegExp][] = [
      ['not a pem', /one PEM block/],
      [`${cast.auditor.certPem}\n${cast.outsider.certPem}`, /one PEM block/],
      ['-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', /private key/],
      ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', /not a parsable X\.509/],
    ];
    for (const [pem, pattern] of cases) {
      const message = await harness.expectRejected(
        cast.admin,
        REGISTER,
        [moduleInput(m2, { tlsCertificatePem: pem })],
        'INVALID_ARGUMENT',
      );
      expect(message).toMatch(pattern);
    }
  });
});
