import 'reflect-metadata';
import {
  createHash,
  generateKeyPairSync,
  X509Certificate,
  randomBytes,
  verify,
  webcrypto,
} from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { fabricIdentityResolver, openFabricCaller } from '../../src/api';
import type { FabricConfig } from '../../src/fabric/config';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

describe('Fabric-backed API callers', () => {
  let dir: string;
  let config: FabricConfig;
  let certDer: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keyledger-api-caller-'));
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keys = {
      privateKey: await webcrypto.subtle.importKey(
        'pkcs8',
        privateKey.export({ format: 'der', type: 'pkcs8' }),
        { name: 'ECDSA', namedCurve: 'P-256' },
        true,
        ['sign'],
      ),
      publicKey: await webcrypto.subtle.importKey(
        'spki',
        publicKey.export({ format: 'der', type: 'spki' }),
        { name: 'ECDSA', namedCurve: 'P-256' },
        true,
        ['verify'],
      ),
    } as CryptoKeyPair;
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomBytes(8).toString('hex'),
      name: 'CN=validator9',
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    certDer = Buffer.from(certificate.rawData);
    writeFileSync(join(dir, 'cert.pem'), certificate.toString('pem'));
    writeFileSync(join(dir, 'key.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    config = {
      endpoint: '127.0.0.1:1',
      channel: 'keyledger',
      chaincode: 'keyledger',
      mspId: 'Org1MSP',
      certPath: join(dir, 'cert.pem'),
      keyPath: join(dir, 'key.pem'),
    };
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds a caller whose fingerprint is the certificate DER SHA-256 and whose signer is the identity key', async () => {
    const opened = openFabricCaller('validator9', config);
    try {
      expect(opened.caller).toMatchObject({
        name: 'validator9',
        mspId: 'Org1MSP',
        fingerprint: createHash('sha256').update(certDer).digest('hex'),
      });
      expect(typeof opened.caller.ledger.contract('Governance').evaluateTransaction).toBe('function');
      expect(typeof opened.caller.ledger.contract('KeyRotation').submitTransaction).toBe('function');
      const payload = Buffer.from('proposal digest payload');
      const digest = createHash('sha256').update(payload).digest();
      const signature = await (opened.caller.signer as (d: Uint8Array) => Promise<Uint8Array>)(digest);
      expect(verify('sha256', payload, new X509Certificate(certDer).publicKey, signature)).toBe(true);
    } finally {
      opened.close();
    }
  });

  it('refuses a caller without a key file or signer', () => {
    expect(() => openFabricCaller('nokey', { ...config, keyPath: undefined })).toThrow(
      'no private key configured for Org1MSP',
    );
  });

  it('resolves bearer tokens to Fabric callers and closes every connection', async () => {
    const ids = fabricIdentityResolver([
      { name: 'validator9', fabric: config, tokens: ['validator9-token-0123456789'] },
    ]);
    try {
      expect((await ids.resolver.byBearerToken('validator9-token-0123456789'))?.name).toBe('validator9');
      expect(await ids.resolver.byBearerToken('someone-else-token-000')).toBeUndefined();
      expect(ids.callers.get('validator9')?.signer).toBeDefined();
    } finally {
      ids.close();
    }
  });
});
