import { CaValidator, type ClientTlsIdentity, type IssuedCertificate } from '../../../src/signing/ca';
import { newClientIdentity, newSigningKey, startTestCa, trusted, waitFor, type TestCa } from './support/cas';

let client: ClientTlsIdentity & { fingerprint: string };

beforeAll(async () => {
  client = await newClientIdentity('signing-service');
});

/** Two CAs, and one signing key certified by both (as the signing service does for every key). */
async function crossIssued(kid: string): Promise<{
  ca1: TestCa;
  ca2: TestCa;
  certificates: IssuedCertificate[];
  validator: (options?: { healthIntervalMs?: number }) => CaValidator;
}> {
  const [ca1, ca2] = await Promise.all([startTestCa('ca1', client), startTestCa('ca2', client)]);
  const cas = [trusted(ca1.server, client), trusted(ca2.server, client)];
  const key = newSigningKey();
  const issuer = new CaValidator({ cas });
  const certificates = [
    await issuer.client('ca1').issue(kid, { publicJwk: key.publicJwk }),
    await issuer.client('ca2').issue(kid, { publicJwk: key.publicJwk }),
  ];
  return {
    ca1,
    ca2,
    certificates,
    validator: (options = {}) =>
      new CaValidator({
        cas,
        timeoutMs: 1_000,
        health: { intervalMs: options.healthIntervalMs ?? 60_000, timeoutMs: 500 },
        crl: { maxAgeMs: 0 },
      }),
  };
}

test('with ca1 stopped, the periodic health check marks it unhealthy and ca2 validates the cross-issued key', async () => {
  const { ca1, ca2, certificates, validator: make } = await crossIssued('kid-failover');
  const validator = make({ healthIntervalMs: 100 });
  try {
    await validator.start();
    expect(validator.health().map((health) => health.state)).toEqual(['healthy', 'healthy']);
    const pems = certificates.map((issued) => issued.certificatePem);
    await expect(validator.validate(pems)).resolves.toMatchObject({
      valid: true,
      validatedBy: 'ca1',
      failedOver: false,
    });

    await ca1.server.stop();
    await waitFor(() => validator.health()[0]?.state === 'unhealthy');
    const [health1, health2] = validator.health();
    expect(health1).toMatchObject({
      caId: 'ca1',
      state: 'unhealthy',
      lastError: expect.stringMatching(/ECONNREFUSED|ECONNRESET/),
    });
    expect(Date.parse(health1?.lastCheckedAt ?? '')).toBeGreaterThan(Date.now() - 10_000);
    expect(health2).toMatchObject({ caId: 'ca2', state: 'healthy' });

    const result = await validator.validate(pems);
    expect(result).toMatchObject({
      valid: true,
      validatedBy: 'ca2',
      failedOver: true,
      kid: 'kid-failover',
      serial: certificates[1]?.serial,
      revocation: { checked: 'crl', revoked: false, policy: 'hard-fail' },
    });
    expect(result.attempts).toEqual([
      { caId: 'ca1', outcome: 'unhealthy-skipped', detail: expect.stringMatching(/ECONNREFUSED|ECONNRESET/) },
      { caId: 'ca2', outcome: 'validated' },
    ]);
  } finally {
    validator.stop();
    await Promise.all([ca1.server.stop(), ca2.server.stop()]);
  }
});

test('a CA found unreachable during validation (health not yet checked) is failed over at once and marked', async () => {
  const { ca1, ca2, certificates, validator: make } = await crossIssued('kid-passive');
  const validator = make();
  try {
    await ca1.server.stop();
    const result = await validator.validate(certificates.map((issued) => issued.certificatePem));
    expect(result).toMatchObject({ valid: true, validatedBy: 'ca2', failedOver: true });
    expect(result.attempts).toEqual([
      { caId: 'ca1', outcome: 'crl-unavailable', detail: expect.stringMatching(/ECONNREFUSED|ECONNRESET/) },
      { caId: 'ca2', outcome: 'validated' },
    ]);
    expect(validator.health()[0]).toMatchObject({ state: 'unhealthy' });
  } finally {
    await Promise.all([ca1.server.stop(), ca2.server.stop()]);
  }
});

test('a revocation at a reachable CA is not overruled by another CA', async () => {
  const { ca1, ca2, certificates, validator: make } = await crossIssued('kid-revoked-at-one');
  const validator = make();
  try {
    await validator.client('ca1').revoke(certificates[0]?.serial ?? '', { reason: 'keyCompromise' });
    const result = await validator.validate(certificates.map((issued) => issued.certificatePem));
    expect(result).toMatchObject({ valid: false, validatedBy: 'ca1', revocation: { revoked: true } });
  } finally {
    await Promise.all([ca1.server.stop(), ca2.server.stop()]);
  }
});

test('no CRL reachable: hard-fail (the default) is invalid, soft-fail is valid with revocation.checked none', async () => {
  const { ca1, ca2, certificates, validator: make } = await crossIssued('kid-no-crl');
  const validator = make();
  try {
    await Promise.all([ca1.server.stop(), ca2.server.stop()]);
    const pems = certificates.map((issued) => issued.certificatePem);

    const hard = await validator.validate(pems);
    expect(hard).toMatchObject({ valid: false, revocation: { checked: 'none', policy: 'hard-fail' } });
    expect(hard.reason).toMatch(
      /revocation could not be checked.*\(hard-fail\): ca1: .*(ECONNREFUSED|ECONNRESET).*; ca2: /,
    );
    expect(hard.validatedBy).toBeUndefined();

    const explicitHard = await validator.validate(pems[0] ?? '', { revocation: 'hard-fail' });
    expect(explicitHard).toMatchObject({ valid: false, revocation: { policy: 'hard-fail' } });

    const soft = await validator.validate(pems[0] ?? '', { revocation: 'soft-fail' });
    expect(soft).toMatchObject({
      valid: true,
      validatedBy: 'ca1',
      revocation: { checked: 'none', policy: 'soft-fail' },
    });
    expect(soft.revocation.crlNumber).toBeUndefined();
    expect(soft.path).toHaveLength(2);
    expect(soft.attempts.at(-1)).toMatchObject({ caId: 'ca1', outcome: 'validated' });

    // soft-fail relaxes revocation only: a bad path is still invalid.
    const tampered = Buffer.from(pems[0] ?? '');
    const broken = tampered.toString().replace(/A/g, 'B');
    await expect(validator.validate(broken, { revocation: 'soft-fail' })).resolves.toMatchObject({
      valid: false,
    });
  } finally {
    await Promise.all([ca1.server.stop(), ca2.server.stop()]);
  }
});
