import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import {
  CaClient,
  CaValidator,
  type ClientTlsIdentity,
  type IssuedCertificate,
} from '../../../src/signing/ca';
import { newClientIdentity, newSigningKey, startTestCa, trusted, type TestCa } from './support/cas';

let client: ClientTlsIdentity & { fingerprint: string };
let ca1: TestCa;
let ca2: TestCa;
let ca3: TestCa;
let validator: CaValidator;

beforeAll(async () => {
  client = await newClientIdentity('signing-service');
  [ca1, ca2, ca3] = await Promise.all([
    startTestCa('ca1', client),
    startTestCa('ca2', client),
    startTestCa('ca3', client),
  ]);
  validator = new CaValidator({
    cas: [ca1, ca2, ca3].map((ca) => trusted(ca.server, client)),
    crl: { maxAgeMs: 0 },
  });
});

afterAll(async () => {
  validator.stop();
  await Promise.all([ca1, ca2, ca3].map((ca) => ca.server.stop()));
});

async function issue(caId: string, kid: string): Promise<IssuedCertificate> {
  return validator.client(caId).issue(kid, { publicJwk: newSigningKey().publicJwk });
}

test('a certificate issued by ca1 validates against ca1 with its CRL checked', async () => {
  const key = newSigningKey();
  const issued = await validator.client('ca1').issue('kid-valid', { spkiPem: key.spkiPem });
  expect(issued).toMatchObject({ kid: 'kid-valid', issuer: 'ca1', crlUrl: `${ca1.server.url}/crl` });
  const certificate = new x509.X509Certificate(issued.certificatePem);
  expect(certificate.subject).toBe('CN=kid-valid');
  expect(Buffer.from(certificate.publicKey.rawData)).toEqual(
    key.publicKey.export({ type: 'spki', format: 'der' }),
  );

  const result = await validator.validate(issued.certificatePem);
  expect(result).toMatchObject({
    valid: true,
    validatedBy: 'ca1',
    failedOver: false,
    kid: 'kid-valid',
    serial: issued.serial,
    revocation: { checked: 'crl', policy: 'hard-fail', revoked: false },
  });
  expect(result.revocation.crlNumber).toBeGreaterThanOrEqual(1);
  expect(result.path.map((element) => element.subject)).toEqual([
    'CN=kid-valid',
    'CN=KeyLedger CA ca1, O=KeyLedger',
  ]);
  // DER works as well as PEM.
  const der = new Uint8Array(certificate.rawData);
  await expect(validator.validate(der)).resolves.toMatchObject({ valid: true, validatedBy: 'ca1' });
});

test('any kid the ledger takes is certified: a JWK thumbprint may start with - or _ (base64url)', async () => {
  for (const kid of [
    '-Jx3Yq0k9d0Zb8w5F2T1u7XvA6sLrNcPmQeHgiKoWyE',
    '_Jx3Yq0k9d0Zb8w5F2T1u7XvA6sLrNcPmQeHgiKoWyE',
  ]) {
    const issued = await validator.client('ca1').issue(kid, { publicJwk: newSigningKey().publicJwk });
    expect(new x509.X509Certificate(issued.certificatePem).subject).toBe(`CN=${kid}`);
    await expect(validator.validate(issued.certificatePem)).resolves.toMatchObject({ valid: true, kid });
  }
});

test('a certificate from ca2 is validated by ca2 (not ca1), without fail-over', async () => {
  const issued = await issue('ca2', 'kid-ca2');
  const result = await validator.validate(issued.certificatePem);
  expect(result).toMatchObject({ valid: true, validatedBy: 'ca2', failedOver: false });
  expect(result.attempts[0]).toEqual({ caId: 'ca1', outcome: 'not-issuer' });
});

test('a revoked certificate is invalid, with its reason and the CRL number that lists it; numbers grow', async () => {
  const issued = await issue('ca3', 'kid-revoked');
  const before = await validator.validate(issued.certificatePem);
  expect(before.valid).toBe(true);
  const firstNumber = before.revocation.crlNumber ?? 0;

  const revocation = await validator.client('ca3').revoke(issued.serial, { reason: 'keyCompromise' });
  expect(revocation).toMatchObject({ serial: issued.serial, reason: 'keyCompromise', alreadyRevoked: false });
  expect(revocation.crlNumber).toBe(firstNumber + 1);

  const after = await validator.validate(issued.certificatePem);
  expect(after).toMatchObject({
    valid: false,
    validatedBy: 'ca3',
    revocation: { checked: 'crl', revoked: true, reason: 'keyCompromise', crlNumber: firstNumber + 1 },
  });
  expect(after.reason).toMatch(/revoked by ca3 \(keyCompromise, .*\) in CRL number/);

  // Revoking again changes nothing; another revocation publishes the next number.
  await expect(
    validator.client('ca3').revoke(issued.serial, { reason: 'superseded' }),
  ).resolves.toMatchObject({
    reason: 'keyCompromise',
    alreadyRevoked: true,
    crlNumber: firstNumber + 1,
  });
  const other = await issue('ca3', 'kid-superseded');
  const second = await validator.client('ca3').revoke(other.serial, { reason: 'superseded' });
  expect(second.crlNumber).toBe(firstNumber + 2);
  const still = await validator.validate(issued.certificatePem);
  expect(still.revocation.crlNumber).toBe(firstNumber + 2);
});

test('a revocation with an invalidity date: the CRL entry carries it to the millisecond, the answer names the entry', async () => {
  const issued = await issue('ca3', 'kid-compromised');
  const compromisedAt = new Date(Date.now() - 61_234);
  const revocation = await validator
    .client('ca3')
    .revoke(issued.serial, { reason: 'keyCompromise', invalidityDate: compromisedAt });
  expect(revocation).toMatchObject({ reason: 'keyCompromise', invalidityDate: compromisedAt.toISOString() });

  const crl = new x509.X509Crl(new Uint8Array(await validator.client('ca3').crl()));
  expect(crl.findRevoked(issued.serial)?.invalidity?.toISOString()).toBe(compromisedAt.toISOString());
  const after = await validator.validate(issued.certificatePem);
  expect(after).toMatchObject({
    valid: false,
    validatedBy: 'ca3',
    revocation: { revoked: true, reason: 'keyCompromise', invalidityDate: compromisedAt.toISOString() },
    revokedEntry: {
      caId: 'ca3',
      serial: issued.serial,
      crlNumber: revocation.crlNumber,
      reason: 'keyCompromise',
      revocationDate: after.revocation.revokedAt,
      invalidityDate: compromisedAt.toISOString(),
    },
  });
  expect(after.reason).toContain(`invalid since ${compromisedAt.toISOString()}`);

  // Without one, the entry has none; a compromise dated after the revocation is refused (nothing stored).
  const plain = await issue('ca3', 'kid-retired');
  await validator.client('ca3').revoke(plain.serial, { reason: 'superseded' });
  const retired = await validator.validate(plain.certificatePem);
  expect(retired.revokedEntry).toMatchObject({ reason: 'superseded' });
  expect(retired.revokedEntry?.invalidityDate).toBeUndefined();
  const later = await issue('ca3', 'kid-later');
  await expect(
    validator.client('ca3').revoke(later.serial, { invalidityDate: new Date(Date.now() + 3_600_000) }),
  ).rejects.toThrow(/HTTP 400: invalidityDate .* is after the revocation/);
  await expect(validator.validate(later.certificatePem)).resolves.toMatchObject({ valid: true });
});

test('a tampered certificate is rejected', async () => {
  const issued = await issue('ca1', 'kid-tampered');
  const der = Buffer.from(new x509.X509Certificate(issued.certificatePem).rawData);
  // Flip a byte inside the subject public key (tbsCertificate): the CA's signature no longer matches.
  const spkiAt = der.indexOf(Buffer.from('2a8648ce3d030107', 'hex')) + 12;
  der[spkiAt] = (der[spkiAt] ?? 0) ^ 0x01;
  const result = await validator.validate(der);
  expect(result.valid).toBe(false);
  expect(result.validatedBy).toBe('ca1');
  expect(result.reason).toMatch(/certificate path to ca1 is invalid/);

  await expect(validator.validate('not a certificate')).resolves.toMatchObject({
    valid: false,
    reason: expect.stringMatching(/^not an X.509 certificate/),
  });
});

test('a certificate from a CA that is not configured is rejected, even one that copies a configured name', async () => {
  const foreign = await startTestCa('foreign', client);
  const impostor = await startTestCa('ca1', client); // same subject as ca1, another key
  try {
    const foreignClient = new CaClient({
      id: 'foreign',
      baseUrl: foreign.server.url,
      caCertificatePem: foreign.server.certificatePem,
      clientTls: client,
    });
    const fromForeign = await foreignClient.issue('kid-foreign', { publicJwk: newSigningKey().publicJwk });
    await expect(validator.validate(fromForeign.certificatePem)).resolves.toMatchObject({
      valid: false,
      reason: expect.stringMatching(/not issued by any configured CA \(issuer: CN=KeyLedger CA foreign/),
    });

    const impostorClient = new CaClient({
      id: 'impostor',
      baseUrl: impostor.server.url,
      caCertificatePem: impostor.server.certificatePem,
      clientTls: client,
    });
    const fromImpostor = await impostorClient.issue('kid-impostor', { publicJwk: newSigningKey().publicJwk });
    const result = await validator.validate(fromImpostor.certificatePem);
    expect(result.valid).toBe(false);
    expect(result.reason).toMatch(/certificate path to ca1 is invalid/);
  } finally {
    await Promise.all([foreign.server.stop(), impostor.server.stop()]);
  }
});

test('certificates of two different keys are not accepted as one key certified twice', async () => {
  const a = await issue('ca1', 'kid-same');
  const b = await issue('ca2', 'kid-same');
  await expect(validator.validate([a.certificatePem, b.certificatePem])).resolves.toMatchObject({
    valid: false,
    reason: 'the certificates do not all certify the same key for the same kid',
  });
});

test('validation at a time after the certificate expires is invalid', async () => {
  const issued = await issue('ca1', 'kid-expiry');
  const later = new Date(Date.parse(issued.notAfter) + 1000);
  const result = await validator.validate(issued.certificatePem, { at: later });
  expect(result.valid).toBe(false);
  expect(result.reason).toMatch(/not yet valid or expired/);
});
