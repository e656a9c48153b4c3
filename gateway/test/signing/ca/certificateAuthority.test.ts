import 'reflect-metadata';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { HsmToken } from '../../../src/hsm';
import { CA_CRL_FILE, CaStateError, CertificateAuthority } from '../../../src/signing/ca';
import { newCaToken, newDataDir, newSigningKey } from './support/cas';

test('CRL numbers only grow: a lost or torn CRL file is replaced by the next number, a stale CRL is re-signed', async () => {
  const credentials = newCaToken('ca-core');
  const dataDir = newDataDir('ca-core');
  let clock = Date.now();
  const open = async (token: HsmToken): Promise<CertificateAuthority> =>
    CertificateAuthority.open({
      name: 'core',
      dataDir,
      token,
      baseUrl: 'https://127.0.0.1:1',
      crlValidityMs: 60_000,
      now: () => new Date(clock),
    });
  const token = HsmToken.open(credentials);
  try {
    const ca = await open(token);
    expect((await ca.currentCrl()).crlNumber).toBe(1);
    const issued = await ca.issue({ kid: 'k', publicKey: { publicJwk: newSigningKey().publicJwk } });
    const invalidityDate = new Date(clock - 90_001);
    await ca.revoke(issued.serial, { reason: 'cessationOfOperation', invalidityDate });
    const published = await ca.currentCrl();
    expect(published.crlNumber).toBe(2);
    expect(new x509.X509Crl(new Uint8Array(published.der)).findRevoked(issued.serial)?.reason).toBe(
      x509.X509CrlReason.cessationOfOperation,
    );

    // Reopened with the file intact: the same CRL.
    expect((await (await open(token)).currentCrl()).crlNumber).toBe(2);
    // Lost, then torn: each time a new, higher number, still listing the revocation.
    rmSync(join(dataDir, CA_CRL_FILE));
    expect((await (await open(token)).currentCrl()).crlNumber).toBe(3);
    writeFileSync(join(dataDir, CA_CRL_FILE), '-----BEGIN CRL-----\nMIIB\n');
    const reopened = await open(token);
    const crl = await reopened.currentCrl();
    expect(crl.crlNumber).toBe(4);
    // Every CRL signed after the revocation keeps the entry's invalidity date (it is in the state, not only the CRL).
    expect(new x509.X509Crl(new Uint8Array(crl.der)).findRevoked(issued.serial)?.invalidity).toEqual(
      invalidityDate,
    );

    // Past half its validity, a CRL is re-signed with the next number.
    clock += 31_000;
    const fresh = await reopened.currentCrl();
    expect(fresh.crlNumber).toBe(5);
    // CRL times have whole seconds (UTCTime).
    const second = Math.floor(clock / 1000) * 1000;
    expect(Date.parse(fresh.thisUpdate)).toBe(second);
    expect(Date.parse(fresh.nextUpdate)).toBe(Math.floor((clock + 60_000) / 1000) * 1000);
  } finally {
    token.close();
  }
});

test('a CA refuses a certificate file that is not its token key, and another CA name in its state', async () => {
  const dataDir = newDataDir('ca-mismatch');
  const first = HsmToken.open(newCaToken('ca-one'));
  const second = HsmToken.open(newCaToken('ca-two'));
  try {
    await CertificateAuthority.open({ name: 'one', dataDir, token: first, baseUrl: 'https://127.0.0.1:1' });
    await expect(
      CertificateAuthority.open({ name: 'one', dataDir, token: second, baseUrl: 'https://127.0.0.1:1' }),
    ).rejects.toThrow(/does not certify the key in token/);
    await expect(
      CertificateAuthority.open({ name: 'other', dataDir, token: first, baseUrl: 'https://127.0.0.1:1' }),
    ).rejects.toBeInstanceOf(CaStateError);
  } finally {
    first.close();
    second.close();
  }
});

test('concurrent issues and revocations are serialised: every serial recorded, one CRL number per revocation', async () => {
  const token = HsmToken.open(newCaToken('ca-burst'));
  try {
    const ca = await CertificateAuthority.open({
      name: 'burst',
      dataDir: newDataDir('ca-burst'),
      token,
      baseUrl: 'https://127.0.0.1:1',
    });
    const issued = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ca.issue({ kid: `k${i}`, publicKey: { publicJwk: newSigningKey().publicJwk } }),
      ),
    );
    expect(new Set(issued.map((certificate) => certificate.serial)).size).toBe(20);
    const revocations = await Promise.all(
      issued.slice(0, 5).map((certificate) => ca.revoke(certificate.serial)),
    );
    expect(revocations.map((revocation) => revocation.crlNumber).sort((a, b) => a - b)).toEqual([
      2, 3, 4, 5, 6,
    ]);
    expect(ca.status()).toMatchObject({ issued: 20, revoked: 5, crlNumber: 6 });
  } finally {
    token.close();
  }
});
