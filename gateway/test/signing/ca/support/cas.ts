import 'reflect-metadata';
import { createHash, generateKeyPairSync, webcrypto, type JsonWebKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { pino } from 'pino';
import { ensureToken } from '../../../../src/hsm';
import {
  startCaServer,
  type CaServer,
  type CaServerOptions,
  type ClientTlsIdentity,
  type TrustedCa,
} from '../../../../src/signing/ca';
import { softHsmTestDir, TEST_PIN, TEST_SO_PIN } from '../../../support/softhsm';

export const silent = pino({ level: 'silent' });

/** A self-signed client certificate for mutual TLS, and its fingerprint as the CA's allow-list holds it. */
export async function newClientIdentity(name: string): Promise<ClientTlsIdentity & { fingerprint: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: `CN=${name}`,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
    },
    webcrypto as never,
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64')}\n-----END PRIVATE KEY-----\n`;
  const fingerprint = createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex');
  return { keyPem, certPem: cert.toString('pem'), fingerprint };
}

/** A fresh token for a CA (labels are unique per run). */
export function newCaToken(name: string): { label: string; pin: string } {
  softHsmTestDir();
  const label = `${name}-${Math.random().toString(16).slice(2, 10)}`.slice(0, 32);
  ensureToken({ label, pin: TEST_PIN, soPin: TEST_SO_PIN });
  return { label, pin: TEST_PIN };
}

const dataDirs: string[] = [];

// Registered when a test file imports this module: its data folders go when the file is done.
afterAll(() => {
  for (const dir of dataDirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
});

export function newDataDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `keyledger-${name}-`));
  dataDirs.push(dir);
  return dir;
}

export interface TestCa {
  readonly server: CaServer;
  readonly token: { label: string; pin: string };
  readonly dataDir: string;
}

/** A CA server on 127.0.0.1, a random port, its own token and data folder. */
export async function startTestCa(
  name: string,
  client: { fingerprint: string },
  extra: Partial<CaServerOptions> = {},
): Promise<TestCa> {
  const token = extra.token ?? newCaToken(name);
  const dataDir = extra.dataDir ?? newDataDir(name);
  const server = await startCaServer({
    name,
    dataDir,
    token,
    host: '127.0.0.1',
    port: 0,
    authorizedClients: [client.fingerprint],
    logger: silent,
    ...extra,
  });
  return { server, token: { label: token.label, pin: token.pin }, dataDir };
}

export function trusted(ca: CaServer, clientTls?: ClientTlsIdentity): TrustedCa {
  return {
    id: ca.name,
    baseUrl: ca.url,
    certificatePem: ca.certificatePem,
    ...(clientTls ? { clientTls } : {}),
  };
}

/** A P-256 signing key as the signing service would hold it (here in memory: only its public half matters). */
export function newSigningKey(): { publicKey: KeyObject; publicJwk: JsonWebKey; spkiPem: string } {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    publicKey,
    publicJwk: publicKey.export({ format: 'jwk' }),
    spkiPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
