import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { CaValidator } from '../../../src/signing/ca';
import { KeyCertification } from '../../../src/signing/service';
import {
  newClientIdentity,
  newDataDir,
  newSigningKey,
  startTestCa,
  trusted,
  type TestCa,
} from '../ca/support/cas';

let client: Awaited<ReturnType<typeof newClientIdentity>>;
let ca1: TestCa;
let ca2: TestCa;
let validator: CaValidator;
let certification: KeyCertification;

beforeAll(async () => {
  client = await newClientIdentity('signing-service');
  [ca1, ca2] = await Promise.all([startTestCa('ca1', client), startTestCa('ca2', client)]);
  validator = new CaValidator({ cas: [ca1, ca2].map((ca) => trusted(ca.server, client)) });
  certification = new KeyCertification({
    validator,
    caIds: ['ca1', 'ca2'],
    dir: newDataDir('certification'),
  });
});

afterAll(async () => {
  validator.stop();
  await Promise.all([ca1, ca2].map((ca) => ca.server.stop().catch(() => undefined)));
});

function newKey(kid: string): Parameters<KeyCertification['certify']>[0] {
  const { publicJwk } = newSigningKey();
  return {
    kid,
    alg: 'ES256',
    publicJwk: {
      kty: 'EC',
      crv: 'P-256',
      x: publicJwk.x ?? '',
      y: publicJwk.y ?? '',
      kid,
      alg: 'ES256',
      use: 'sig',
    },
    createdAt: new Date().toISOString(),
  };
}

test('revokes the key at every CA that certified it, with the compromise time as the invalidity date', async () => {
  await expect(certification.certify(newKey('kid-both'))).resolves.toEqual(['ca1', 'ca2']);
  const [first, second] = certification.certificates('kid-both');
  const compromisedAt = Date.now() - 10_500;

  const outcomes = await certification.revokeCertificates('kid-both', 'keyCompromise', compromisedAt);
  expect(outcomes).toEqual([
    expect.objectContaining({ caId: 'ca1', serial: first?.serial, revoked: true, alreadyRevoked: false }),
    expect.objectContaining({ caId: 'ca2', serial: second?.serial, revoked: true, alreadyRevoked: false }),
  ]);
  for (const [i, ca] of [ca1, ca2].entries()) {
    const published = await ca.server.ca.currentCrl();
    const entry = new x509.X509Crl(new Uint8Array(published.der)).findRevoked(outcomes[i]?.serial ?? '');
    expect(entry?.invalidity?.getTime()).toBe(compromisedAt);
    expect(outcomes[i]).toMatchObject({ crlNumber: published.crlNumber });
  }
  // Asking again is harmless: the first revocation stands.
  await expect(certification.revokeCertificates('kid-both', 'superseded')).resolves.toEqual([
    expect.objectContaining({ caId: 'ca1', revoked: true, alreadyRevoked: true }),
    expect.objectContaining({ caId: 'ca2', revoked: true, alreadyRevoked: true }),
  ]);
});

test('a CA that is down is reported, not thrown, and the others still revoke; asked again later it revokes', async () => {
  await certification.certify(newKey('kid-down'));
  const port = Number(new URL(ca2.server.url).port);
  await ca2.server.stop();
  const outcomes = await certification.revokeCertificates('kid-down', 'keyCompromise', Date.now() - 1_000);
  expect(outcomes[0]).toMatchObject({ caId: 'ca1', revoked: true });
  expect(outcomes[1]).toMatchObject({ caId: 'ca2', revoked: false });
  expect(outcomes[1]?.revoked === false && outcomes[1].error.message).toMatch(/ca2/);

  ca2 = await startTestCa('ca2', client, { dataDir: ca2.dataDir, token: ca2.token, port });
  await expect(certification.revokeCertificates('kid-down', 'keyCompromise')).resolves.toEqual([
    expect.objectContaining({ caId: 'ca1', revoked: true, alreadyRevoked: true }),
    expect.objectContaining({ caId: 'ca2', revoked: true, alreadyRevoked: false }),
  ]);
});
