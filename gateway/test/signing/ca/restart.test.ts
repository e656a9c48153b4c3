import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaValidator, type ClientTlsIdentity } from '../../../src/signing/ca';
import type { CaStartOptions } from '../../../src/signing/ca/caStart';
import { startCaChild, type CaChild } from './support/children';
import { newClientIdentity, newDataDir, newSigningKey } from './support/cas';

jest.setTimeout(60_000);

let client: ClientTlsIdentity & { fingerprint: string };
const running: CaChild[] = [];

beforeAll(async () => {
  client = await newClientIdentity('signing-service');
});

afterAll(async () => {
  await Promise.all(running.map((child) => child.kill()));
});

function validatorFor(name: string, url: string, dataDir: string): CaValidator {
  return new CaValidator({
    cas: [
      {
        id: name,
        baseUrl: url,
        certificatePem: readFileSync(join(dataDir, 'ca.pem'), 'utf8'),
        clientTls: client,
      },
    ],
    crl: { maxAgeMs: 0 },
  });
}

test('a CA killed with SIGKILL restarts with its key, certificate, issued and revoked serials and CRL number', async () => {
  const dataDir = newDataDir('ca-restart');
  const clientFile = join(dataDir, 'signing-service.pem');
  writeFileSync(clientFile, client.certPem);
  const options: CaStartOptions = {
    name: 'ca1',
    dataDir,
    host: '127.0.0.1',
    port: 0,
    tokenLabel: 'ca-restart',
    authorizedClientFiles: [clientFile],
  };
  const first = await startCaChild(options);
  running.push(first);
  const certificateBefore = readFileSync(join(dataDir, 'ca.pem'), 'utf8');
  const before = validatorFor('ca1', first.url, dataDir);
  const kept = await before.client('ca1').issue('kid-kept', { publicJwk: newSigningKey().publicJwk });
  const revoked = await before.client('ca1').issue('kid-revoked', { publicJwk: newSigningKey().publicJwk });
  const revocation = await before.client('ca1').revoke(revoked.serial, { reason: 'keyCompromise' });
  expect(revocation.crlNumber).toBe(2);
  expect(existsSync(join(dataDir, 'ca.pid'))).toBe(true);

  await first.kill();
  await expect(before.validate(kept.certificatePem)).resolves.toMatchObject({ valid: false });

  // Same port, so the CRL distribution point in what it issued still points at it.
  const port = Number(new URL(first.url).port);
  const second = await startCaChild({ ...options, port });
  running.push(second);
  expect(readFileSync(join(dataDir, 'ca.pem'), 'utf8')).toBe(certificateBefore);
  const after = validatorFor('ca1', second.url, dataDir);
  const health = await after.client('ca1').health();
  expect(health).toMatchObject({ status: 'ok', issued: 2, revoked: 1 });
  expect(health['crlNumber']).toBeGreaterThanOrEqual(2);

  await expect(after.validate(kept.certificatePem)).resolves.toMatchObject({
    valid: true,
    validatedBy: 'ca1',
  });
  const stillRevoked = await after.validate(revoked.certificatePem);
  expect(stillRevoked).toMatchObject({
    valid: false,
    revocation: { revoked: true, reason: 'keyCompromise' },
  });
  await expect(after.client('ca1').revoke(revoked.serial)).resolves.toMatchObject({ alreadyRevoked: true });

  const next = await after.client('ca1').revoke(kept.serial, { reason: 'superseded' });
  expect(next.crlNumber).toBe(Number(health['crlNumber']) + 1);

  await second.stop();
  expect(existsSync(join(dataDir, 'ca.pid'))).toBe(false);
  const state = JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8')) as {
    crlNumber: number;
    issued: unknown[];
    revoked: unknown[];
  };
  expect(state).toMatchObject({ crlNumber: next.crlNumber });
  expect(state.issued).toHaveLength(2);
  expect(state.revoked).toHaveLength(2);
});
