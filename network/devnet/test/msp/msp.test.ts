import {
  createHash,
  createPrivateKey,
  sign as nodeSign,
  verify as nodeVerify,
  X509Certificate,
} from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { msp as mspProto } from '@hyperledger/fabric-protos';
import { signers } from '@hyperledger/fabric-gateway';
import { ClientIdentity } from 'fabric-shim';
import {
  MspError,
  NetworkMaterialError,
  P256_ORDER,
  checkSignature,
  createMspManager,
  encodeDerSignature,
  ensureNetworkMaterial,
  isLowS,
  issueIdentity,
  parseDerSignature,
  serializeIdentity,
  signingIdentityFrom,
  toLowS,
  type NetworkMaterial,
} from '../../src/msp';
import { issueLeaf } from '../../src/msp/certs';

let dataDir: string;
let material: NetworkMaterial;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-msp-'));
  material = await ensureNetworkMaterial(dataDir, 3);
});

afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

function org(index: number): NetworkMaterial['orgs'][number] {
  const found = material.orgs[index];
  if (found === undefined) throw new Error(`no org ${index}`);
  return found;
}

function highS(der: Uint8Array): Uint8Array {
  const { r, s } = parseDerSignature(der);
  return encodeDerSignature({ r, s: s > P256_ORDER / 2n ? s : P256_ORDER - s });
}

describe('network material', () => {
  it('generates three organisations with Fabric names, an orderer and TLS material', () => {
    expect(material.orgs.map((o) => [o.mspId, o.name, o.domain])).toEqual([
      ['Org1MSP', 'org1', 'org1.example.com'],
      ['Org2MSP', 'org2', 'org2.example.com'],
      ['Org3MSP', 'org3', 'org3.example.com'],
    ]);
    expect(material.orderer.mspId).toBe('OrdererMSP');
    const user = new X509Certificate(org(0).user.certPem);
    expect(user.subject.split('\n')).toEqual([
      'C=US',
      'ST=California',
      'L=San Francisco',
      'O=org1.example.com',
      'OU=client',
      'CN=User1@org1.example.com',
    ]);
    expect(user.issuer).toContain('CN=ca.org1.example.com');
    expect(new X509Certificate(org(1).peer.certPem).subject).toContain('OU=peer');
    expect(new X509Certificate(org(2).admin.certPem).subject).toContain('OU=admin');
    expect(new X509Certificate(material.orderer.certPem).subject).toContain('OU=orderer');
    // Each organisation has its own CA.
    expect(new Set(material.orgs.map((o) => o.caCertPem)).size).toBe(3);
  });

  it('issues a TLS server certificate for localhost, 127.0.0.1 and ::1 and a client certificate from one TLS CA', () => {
    const ca = new X509Certificate(material.tls.caCertPem);
    const server = new X509Certificate(material.tls.serverCertPem);
    const client = new X509Certificate(material.tls.clientCertPem);
    expect(server.subjectAltName).toContain('DNS:localhost');
    expect(server.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(server.subjectAltName).toContain('IP Address:0:0:0:0:0:0:0:1');
    expect(server.subjectAltName).toContain('DNS:peer0.org1.example.com');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(client.verify(ca.publicKey)).toBe(true);
    expect(server.checkPrivateKey(createPrivateKey(material.tls.serverKeyPem))).toBe(true);
    expect(client.checkPrivateKey(createPrivateKey(material.tls.clientKeyPem))).toBe(true);
    expect(org(0).tlsCaCertPem).toBe(material.tls.caCertPem);
  });

  it('reloads the same material on a second start', async () => {
    const again = await ensureNetworkMaterial(dataDir, 3);
    expect(again).toEqual(material);
  });

  it('refuses a different organisation count than the one stored', async () => {
    await expect(ensureNetworkMaterial(dataDir, 2)).rejects.toThrow(NetworkMaterialError);
    await expect(ensureNetworkMaterial(dataDir, 2)).rejects.toThrow(
      /holds material for 3 organisation\(s\) but 2 were requested/,
    );
  });

  it('refuses an organizations folder it did not write', async () => {
    const other = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-msp-foreign-'));
    try {
      await fs.mkdir(path.join(other, 'organizations'));
      await expect(ensureNetworkMaterial(other, 1)).rejects.toThrow(/not written by the devnet/);
    } finally {
      await fs.rm(other, { recursive: true, force: true });
    }
  });

  it('writes the cryptogen folder layout with NodeOUs and private keys readable only by the owner', async () => {
    const orgDir = path.join(dataDir, 'organizations', 'peerOrganizations', 'org1.example.com');
    const ordererDir = path.join(dataDir, 'organizations', 'ordererOrganizations', 'example.com');
    const files = [
      'ca/ca.org1.example.com-cert.pem',
      'ca/priv_sk',
      'tlsca/tlsca.example.com-cert.pem',
      'msp/cacerts/ca.org1.example.com-cert.pem',
      'msp/tlscacerts/tlsca.example.com-cert.pem',
      'msp/config.yaml',
      'peers/peer0.org1.example.com/msp/signcerts/cert.pem',
      'peers/peer0.org1.example.com/msp/keystore/priv_sk',
      'peers/peer0.org1.example.com/msp/cacerts/ca.org1.example.com-cert.pem',
      'peers/peer0.org1.example.com/msp/config.yaml',
      'peers/peer0.org1.example.com/tls/ca.crt',
      'peers/peer0.org1.example.com/tls/server.crt',
      'peers/peer0.org1.example.com/tls/server.key',
      'users/Admin@org1.example.com/msp/signcerts/cert.pem',
      'users/Admin@org1.example.com/msp/keystore/priv_sk',
      'users/Admin@org1.example.com/msp/cacerts/ca.org1.example.com-cert.pem',
      'users/Admin@org1.example.com/msp/config.yaml',
      'users/User1@org1.example.com/msp/signcerts/cert.pem',
      'users/User1@org1.example.com/msp/keystore/priv_sk',
      'users/User1@org1.example.com/tls/client.crt',
    ];
    for (const file of files) await expect(fs.access(path.join(orgDir, file))).resolves.toBeUndefined();
    for (const file of [
      'ca/ca.example.com-cert.pem',
      'tlsca/priv_sk',
      'msp/config.yaml',
      'orderers/orderer.example.com/msp/signcerts/cert.pem',
      'orderers/orderer.example.com/tls/server.crt',
      'users/Admin@example.com/msp/keystore/priv_sk',
    ]) {
      await expect(fs.access(path.join(ordererDir, file))).resolves.toBeUndefined();
    }
    expect(org(0).user.certPath).toBe(
      path.join(orgDir, 'users/User1@org1.example.com/msp/signcerts/cert.pem'),
    );
    expect(org(0).dir).toBe(orgDir);

    const config = await fs.readFile(path.join(orgDir, 'msp', 'config.yaml'), 'utf8');
    expect(config).toContain('NodeOUs:\n  Enable: true\n');
    for (const [key, ou] of [
      ['ClientOUIdentifier', 'client'],
      ['PeerOUIdentifier', 'peer'],
      ['AdminOUIdentifier', 'admin'],
      ['OrdererOUIdentifier', 'orderer'],
    ]) {
      expect(config).toContain(
        `  ${key}:\n    Certificate: cacerts/ca.org1.example.com-cert.pem\n    OrganizationalUnitIdentifier: ${ou}\n`,
      );
    }

    const keyStat = await fs.stat(org(0).user.keyPath);
    expect(keyStat.mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.join(orgDir, 'ca', 'priv_sk'))).mode & 0o777).toBe(0o600);
    expect(org(0).user.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(await fs.readFile(org(0).user.certPath, 'utf8')).toBe(org(0).user.certPem);
  });
});

describe('MSP manager', () => {
  it('deserialises identities of every organisation with their NodeOU role', () => {
    const manager = createMspManager(material);
    expect(manager.mspIds).toEqual(['Org1MSP', 'Org2MSP', 'Org3MSP', 'OrdererMSP']);
    expect(manager.applicationMspIds).toEqual(['Org1MSP', 'Org2MSP', 'Org3MSP']);
    const cases: [Uint8Array, string, string][] = [
      [serializeIdentity('Org1MSP', org(0).user.certPem), 'Org1MSP', 'client'],
      [serializeIdentity('Org2MSP', org(1).peer.certPem), 'Org2MSP', 'peer'],
      [serializeIdentity('Org3MSP', org(2).admin.certPem), 'Org3MSP', 'admin'],
      [serializeIdentity('OrdererMSP', material.orderer.certPem), 'OrdererMSP', 'orderer'],
    ];
    for (const [bytes, mspId, role] of cases) {
      const identity = manager.deserializeIdentity(bytes);
      expect(identity.mspId).toBe(mspId);
      expect(identity.role).toBe(role);
      expect(Buffer.from(identity.serialized).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('serialises like the gateway client: SerializedIdentity{mspid, id_bytes = PEM}', () => {
    const bytes = signingIdentityFrom(org(0).user).serialize();
    const parsed = mspProto.SerializedIdentity.deserializeBinary(bytes);
    expect(parsed.getMspid()).toBe('Org1MSP');
    expect(Buffer.from(parsed.getIdBytes_asU8()).toString()).toBe(org(0).user.certPem);
  });

  it('rejects an unknown MSP id', () => {
    const manager = createMspManager(material);
    expect(() => manager.deserializeIdentity(serializeIdentity('Org9MSP', org(0).user.certPem))).toThrow(
      'MSP Org9MSP is not defined on channel',
    );
  });

  it('rejects bytes that are not a SerializedIdentity or not a certificate', () => {
    const manager = createMspManager(material);
    expect(() => manager.deserializeIdentity(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(MspError);
    expect(() => manager.deserializeIdentity(serializeIdentity('Org1MSP', 'not a certificate'))).toThrow(
      'could not decode the PEM structure',
    );
  });

  it('rejects a certificate of one organisation presented under another MSP id', () => {
    const manager = createMspManager(material);
    expect(() => manager.deserializeIdentity(serializeIdentity('Org2MSP', org(0).user.certPem))).toThrow(
      /certificate signed by unknown authority/,
    );
  });

  it('rejects an identity issued by a foreign CA with the same names', async () => {
    const otherDir = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-msp-other-'));
    try {
      const foreign = await ensureNetworkMaterial(otherDir, 1);
      const foreignUser = foreign.orgs[0]?.user;
      if (foreignUser === undefined) throw new Error('no foreign user');
      // Same subject and issuer names (org1.example.com), but signed by a different key.
      expect(new X509Certificate(foreignUser.certPem).issuer).toBe(
        new X509Certificate(org(0).user.certPem).issuer,
      );
      const manager = createMspManager(material);
      let error: unknown;
      try {
        manager.deserializeIdentity(serializeIdentity('Org1MSP', foreignUser.certPem));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(MspError);
      expect((error as Error).message).toBe(
        'could not obtain certification chain: the supplied identity is not valid: x509: certificate signed by unknown authority',
      );
    } finally {
      await fs.rm(otherDir, { recursive: true, force: true });
    }
  });

  it('rejects a CA certificate used as an identity', () => {
    const manager = createMspManager(material);
    expect(() => manager.deserializeIdentity(serializeIdentity('Org1MSP', org(0).caCertPem))).toThrow(
      /Certificate Authority equals true cannot be used as an identity/,
    );
  });

  it('rejects certificates outside their validity period', () => {
    const tenYearsLater = Date.now() + 11 * 365 * 24 * 3600 * 1000;
    const manager = createMspManager(material, { now: () => tenYearsLater });
    expect(() => manager.deserializeIdentity(serializeIdentity('Org1MSP', org(0).user.certPem))).toThrow(
      /certificate has expired or is not yet valid/,
    );
    const beforeIssue = createMspManager(material, {
      now: () => Date.parse(new X509Certificate(org(0).user.certPem).validFrom) - 1000,
    });
    expect(() => beforeIssue.deserializeIdentity(serializeIdentity('Org1MSP', org(0).user.certPem))).toThrow(
      /expired or is not yet valid/,
    );
  });

  it('rejects an identity without exactly one NodeOU', async () => {
    const caKeyPem = await fs.readFile(path.join(org(0).dir, 'ca', 'priv_sk'), 'utf8');
    const ca = { certPem: org(0).caCertPem, keyPem: caKeyPem };
    const manager = createMspManager(material);
    const none = await issueLeaf(
      ca,
      {
        organization: 'org1.example.com',
        organizationalUnits: ['department1'],
        commonName: 'x@org1.example.com',
      },
      { kind: 'identity', role: 'client' },
    );
    expect(() => manager.deserializeIdentity(serializeIdentity('Org1MSP', none.certPem))).toThrow(
      "could not validate identity's OUs: the identity must be a client, a peer, an orderer or an admin identity to be valid, not a combination of them. OUs: [department1], MSP: [Org1MSP]",
    );
    const two = await issueLeaf(
      ca,
      {
        organization: 'org1.example.com',
        organizationalUnits: ['client', 'admin'],
        commonName: 'y@org1.example.com',
      },
      { kind: 'identity', role: 'client' },
    );
    expect(() => manager.deserializeIdentity(serializeIdentity('Org1MSP', two.certPem))).toThrow(
      /not a combination of them/,
    );
  });

  it('signs every certificate with a low-S signature', () => {
    const pems = [
      material.tls.caCertPem,
      material.tls.serverCertPem,
      material.ordererCaCertPem,
      material.orderer.certPem,
    ];
    for (const o of material.orgs) pems.push(o.caCertPem, o.peer.certPem, o.admin.certPem, o.user.certPem);
    for (const pem of pems)
      expect(isLowS(new Uint8Array(new x509.X509Certificate(pem).signature))).toBe(true);
  });
});

describe('signatures', () => {
  const message = Buffer.from('proposal bytes');

  it('signs SHA-256 ECDSA, DER, always low-S, and the MSP verifies it', () => {
    const manager = createMspManager(material);
    const signer = signingIdentityFrom(org(0).user);
    const identity = manager.deserializeIdentity(signer.serialize());
    for (let i = 0; i < 40; i++) {
      const signature = signer.sign(message);
      expect(isLowS(signature)).toBe(true);
      expect(manager.verify(identity, message, signature)).toBe(true);
      expect(() => checkSignature(identity, message, signature)).not.toThrow();
    }
  });

  it('rejects a tampered message or signature', () => {
    const manager = createMspManager(material);
    const signer = signingIdentityFrom(org(1).peer);
    const identity = manager.deserializeIdentity(signer.serialize());
    const signature = signer.sign(message);
    expect(manager.verify(identity, Buffer.from('proposal bytez'), signature)).toBe(false);
    const tampered = Uint8Array.from(signature);
    const last = tampered.length - 1;
    tampered[last] = (tampered[last] ?? 0) ^ 0x01;
    expect(manager.verify(identity, message, tampered)).toBe(false);
    expect(() => checkSignature(identity, message, tampered)).toThrow('The signature is invalid');
    expect(manager.verify(identity, message, new Uint8Array([1, 2, 3]))).toBe(false);
    // Another identity's signature does not verify for this one.
    expect(manager.verify(identity, message, signingIdentityFrom(org(0).user).sign(message))).toBe(false);
  });

  it('rejects high-S signatures as Fabric does, though they are mathematically valid', () => {
    const manager = createMspManager(material);
    const signer = signingIdentityFrom(org(0).admin);
    const identity = manager.deserializeIdentity(signer.serialize());
    const high = highS(signer.sign(message));
    expect(isLowS(high)).toBe(false);
    // Node itself accepts the high-S form…
    expect(
      nodeVerify('sha256', message, { key: identity.certificate.publicKey, dsaEncoding: 'der' }, high),
    ).toBe(true);
    // …Fabric and the devnet do not.
    expect(manager.verify(identity, message, high)).toBe(false);
    expect(() => checkSignature(identity, message, high)).toThrow(
      /Invalid S\. Must be smaller than half the order/,
    );
  });

  it('normalises high-S signatures to low-S', () => {
    const key = createPrivateKey(org(0).user.keyPem);
    let sawHigh = false;
    for (let i = 0; i < 32; i++) {
      const raw = nodeSign('sha256', message, { key, dsaEncoding: 'der' });
      sawHigh ||= !isLowS(raw);
      const low = toLowS(raw);
      expect(isLowS(low)).toBe(true);
      expect(parseDerSignature(low).r).toBe(parseDerSignature(raw).r);
      expect(nodeVerify('sha256', message, { key, dsaEncoding: 'der' }, low)).toBe(true);
      expect(Buffer.from(toLowS(highS(low))).equals(Buffer.from(low))).toBe(true);
    }
    // 32 random signatures are all low-S with probability 2^-32.
    expect(sawHigh).toBe(true);
  });

  it('encodes DER integers minimally, padding values whose top bit is set', () => {
    const der = encodeDerSignature({ r: 0x80n, s: 0x7fn });
    expect(Buffer.from(der).toString('hex')).toBe('3007020200800201' + '7f');
    expect(parseDerSignature(der)).toEqual({ r: 0x80n, s: 0x7fn });
    expect(() => parseDerSignature(Buffer.from('300702020080020100', 'hex'))).toThrow();
    expect(() => parseDerSignature(Buffer.from('30080203000080020101', 'hex'))).toThrow(/non-minimal/);
  });

  it('verifies signatures made by the fabric-gateway private key signer', async () => {
    const manager = createMspManager(material);
    const identity = manager.deserializeIdentity(serializeIdentity('Org1MSP', org(0).user.certPem));
    const sign = signers.newPrivateKeySigner(createPrivateKey(org(0).user.keyPem));
    const digest = createHash('sha256').update(message).digest();
    const signature = await sign(digest);
    expect(isLowS(signature)).toBe(true);
    expect(manager.verify(identity, message, signature)).toBe(true);
  });
});

describe('issued identities', () => {
  it('writes extra identities under users/ and carries Fabric CA attributes readable by fabric-shim ClientIdentity', async () => {
    const files = await issueIdentity(org(0), 'alice', 'client', {
      role: 'auditor',
      'keyledger.module': 'payments',
    });
    expect(files.mspDir).toBe(path.join(org(0).dir, 'users', 'alice@org1.example.com', 'msp'));
    expect(files.mspId).toBe('Org1MSP');
    expect((await fs.stat(files.keyPath)).mode & 0o777).toBe(0o600);

    const manager = createMspManager(material);
    const creator = mspProto.SerializedIdentity.deserializeBinary(signingIdentityFrom(files).serialize());
    expect(manager.deserializeIdentity(creator.serializeBinary()).role).toBe('client');

    const stub = {
      getChannelID: (): string => 'mychannel',
      getTxID: (): string => 'tx1',
      getCreator: (): { mspid: string; idBytes: Uint8Array } => ({
        mspid: creator.getMspid(),
        idBytes: creator.getIdBytes_asU8(),
      }),
    };
    const clientIdentity = new ClientIdentity(
      stub as unknown as ConstructorParameters<typeof ClientIdentity>[0],
    );
    expect(clientIdentity.getMSPID()).toBe('Org1MSP');
    expect(clientIdentity.getAttributeValue('role')).toBe('auditor');
    expect(clientIdentity.getAttributeValue('keyledger.module')).toBe('payments');
    expect(clientIdentity.getAttributeValue('hf.EnrollmentID')).toBe('alice');
    expect(clientIdentity.assertAttributeValue('role', 'auditor')).toBe(true);
    expect(clientIdentity.getID()).toBe(
      'x509::/C=US/ST=California/L=San Francisco/O=org1.example.com/OU=client/CN=alice@org1.example.com' +
        '::/C=US/ST=California/L=San Francisco/O=org1.example.com/CN=ca.org1.example.com',
    );
  });

  it('returns the same identity when issued again with the same role and attributes, and re-issues otherwise', async () => {
    const first = await issueIdentity(org(1), 'bob', 'client', { tier: 'gold' });
    const again = await issueIdentity(org(1), 'bob', 'client', { tier: 'gold' });
    expect(again).toEqual(first);
    const admin = await issueIdentity(org(1), 'bob', 'admin');
    expect(admin.certPem).not.toBe(first.certPem);
    expect(createMspManager(material).deserializeIdentity(signingIdentityFrom(admin).serialize()).role).toBe(
      'admin',
    );
  });

  it('refuses names that would escape the users folder', async () => {
    await expect(issueIdentity(org(0), '../evil', 'client')).rejects.toThrow(/invalid identity name/);
    await expect(issueIdentity(org(0), 'a/b', 'client')).rejects.toThrow(/invalid identity name/);
  });
});
