/**
 * A node's Fabric identity key kept in its own SoftHSM token: the certificate is issued by the organisation's CA
 * for the token's public key, every proposal, envelope and commit-status request is signed inside the token, and
 * the devnet (which checks every signature and chain) accepts them. The private key never leaves the token.
 */
import 'reflect-metadata';
import { createPrivateKey, webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import * as pkcs11js from 'pkcs11js';
import { startDevnet, type Devnet } from '@keyledger/devnet';
import { FabricConnection } from '../../gateway/src/fabric';
import { GovernanceLedger } from '../../gateway/src/governance';
import {
  generateEcKeyPair,
  newHsmSigner,
  p256PublicKeyFromPoint,
  type HsmToken,
} from '../../gateway/src/hsm';
import { newTestToken } from '../../gateway/test/support/softhsm';
import { CHAINCODE_DIR, CHAINCODE_NAME } from './support/stack';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** An X.509 certificate from Org1's CA for a public key that exists only as a point read from the token. */
async function certifyTokenKey(devnet: Devnet, point: Uint8Array): Promise<string> {
  const caDir = join(devnet.dataDir, 'organizations/peerOrganizations/org1.example.com/ca');
  const caCert = new x509.X509Certificate(readFileSync(join(caDir, 'ca.org1.example.com-cert.pem'), 'utf8'));
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
  const caKey = await webcrypto.subtle.importKey(
    'pkcs8',
    createPrivateKey(readFileSync(join(caDir, 'priv_sk'))).export({ format: 'der', type: 'pkcs8' }),
    algorithm,
    false,
    ['sign'],
  );
  const spki = p256PublicKeyFromPoint(point).export({ format: 'der', type: 'spki' });
  const publicKey = await webcrypto.subtle.importKey('spki', spki, algorithm, true, ['verify']);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: '0a1b2c3d',
    subject: 'C=US, ST=California, L=San Francisco, OU=client, CN=hsm-node@org1.example.com',
    issuer: caCert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    publicKey,
    signingKey: caKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
  });
  return certificate.toString('pem');
}

describe('Fabric identity key in an HSM token', () => {
  let devnet: Devnet;
  let token: HsmToken;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'keyledger-hsm-identity-'));
    devnet = await startDevnet({ dataDir, port: 0, orgs: 3, batchTimeoutMs: 50 });
    await devnet.deploy(CHAINCODE_NAME, CHAINCODE_DIR);
    token = newTestToken('hsm-identity');
  }, 120_000);

  afterAll(async () => {
    token?.close();
    await devnet?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs proposals, transactions and commit-status requests inside the token, and the ledger accepts them', async () => {
    const pair = generateEcKeyPair(token, { label: 'fabric-identity' });
    const certPath = join(dataDir, 'hsm-node-cert.pem');
    writeFileSync(certPath, await certifyTokenKey(devnet, pair.publicPoint));
    const connection = FabricConnection.open(
      {
        endpoint: devnet.endpoint,
        tlsRootCertPath: devnet.material.tls.caCertPath,
        hostnameOverride: 'localhost',
        channel: devnet.channelId,
        chaincode: CHAINCODE_NAME,
        mspId: 'Org1MSP',
        certPath,
      },
      { signer: newHsmSigner(token, pair.privateKey) },
    );
    try {
      const governance = new GovernanceLedger(connection);
      const who = await governance.whoAmI();
      expect(who.caller.mspId).toBe('Org1MSP');
      expect(who.roles).toEqual([]);
      // A submit: endorsed, ordered, validated (creator signature checked at commit) — and refused by the
      // chaincode only because this identity is not an org admin, which proves the transaction was executed.
      await expect(governance.bootstrap()).rejects.toMatchObject({ kind: 'FORBIDDEN' });
      // The private key is not readable from the token.
      expect(() =>
        token.use('read', (p, s) =>
          p.C_GetAttributeValue(s, pair.privateKey.handle, [{ type: pkcs11js.CKA_VALUE }]),
        ),
      ).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
    } finally {
      connection.close();
    }
  }, 60_000);
});
