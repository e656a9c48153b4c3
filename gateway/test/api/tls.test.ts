import 'reflect-metadata';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import * as x509 from '@peculiar/x509';
import { createApp, startApiServer, staticIdentityResolver, type ApiServer } from '../../src/api';
import { certificateFingerprint } from '../../src/fabric';
import { governanceApi } from '../../src/governance';
import { FakeLedger, member } from './fakes';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

interface Pem {
  readonly cert: string;
  readonly key: string;
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
}

async function ca(name: string): Promise<Pem & { keys: CryptoKeyPair; certificate: x509.X509Certificate }> {
  const keys = (await webcrypto.subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: ECDSA,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  return { keys, certificate, cert: certificate.toString('pem'), key: await keyPem(keys) };
}

async function leaf(
  issuer: { keys: CryptoKeyPair; certificate: x509.X509Certificate },
  name: string,
  usage: 'server' | 'client',
): Promise<Pem> {
  const keys = (await webcrypto.subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(8).toString('hex'),
    subject: `CN=${name}`,
    issuer: issuer.certificate.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: ECDSA,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([
        usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
      ]),
      ...(usage === 'server'
        ? [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }])]
        : []),
    ],
  });
  return { cert: certificate.toString('pem'), key: await keyPem(keys) };
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly json: Record<string, unknown>;
}

function get(
  url: string,
  path: string,
  options: { ca: string; client?: Pem; token?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      `${url}${path}`,
      {
        ca: options.ca,
        ...(options.client ? { cert: options.client.cert, key: options.client.key } : {}),
        headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          }),
        );
      },
    );
    request.on('error', reject);
    request.end();
  });
}

describe('HTTPS with mutual TLS', () => {
  const ledger = new FakeLedger();
  const admin = member('admin', ['admin']);
  const fe1 = member('fe1', ['frontend']);
  ledger.add(admin, fe1);
  let server: ApiServer;
  let serverCa: Awaited<ReturnType<typeof ca>>;
  let clientCa: Awaited<ReturnType<typeof ca>>;
  let mapped: Pem;
  let unmapped: Pem;
  let foreign: Pem;

  beforeAll(async () => {
    serverCa = await ca('server CA');
    clientCa = await ca('client CA');
    const other = await ca('someone else');
    const serverCert = await leaf(serverCa, '127.0.0.1', 'server');
    mapped = await leaf(clientCa, 'fe1 client', 'client');
    unmapped = await leaf(clientCa, 'unknown client', 'client');
    foreign = await leaf(other, 'fe1 impostor', 'client');
    const identities = staticIdentityResolver([
      { caller: ledger.caller(fe1), certificates: [mapped.cert] },
      { caller: ledger.caller(admin), tokens: ['admin-token-0123456789'] },
    ]);
    server = await startApiServer({
      app: createApp({ identities, modules: [governanceApi()] }),
      tls: { key: serverCert.key, cert: serverCert.cert, ca: clientCa.cert, requestCert: true },
    });
  });

  afterAll(async () => {
    await server.close();
  });

  it('listens on 127.0.0.1 over https', () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('a client certificate issued by the trusted CA authenticates as the identity its fingerprint maps to', async () => {
    const reply = await get(server.url, '/v1/whoami', { ca: serverCa.cert, client: mapped });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ name: 'fe1', authenticatedBy: 'mtls', roles: ['frontend'] });
    expect(certificateFingerprint(mapped.cert)).toBe(
      createHash('sha256')
        .update(Buffer.from(new x509.X509Certificate(mapped.cert).rawData))
        .digest('hex'),
    );
  });

  it('a trusted certificate that is not mapped is a 401 naming its fingerprint', async () => {
    const reply = await get(server.url, '/v1/whoami', { ca: serverCa.cert, client: unmapped });
    expect(reply.status).toBe(401);
    expect(reply.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(reply.json.detail).toContain(certificateFingerprint(unmapped.cert));
  });

  it('a certificate from another CA authenticates nobody', async () => {
    const reply = await get(server.url, '/v1/whoami', { ca: serverCa.cert, client: foreign });
    expect(reply.status).toBe(401);
    expect(reply.json.detail).toContain('not trusted');
  });

  it('without a certificate a bearer token still works, and a token decides over a certificate', async () => {
    const token = await get(server.url, '/v1/whoami', { ca: serverCa.cert, token: 'admin-token-0123456789' });
    expect(token.json).toMatchObject({ name: 'admin', authenticatedBy: 'bearer' });
    const both = await get(server.url, '/v1/whoami', {
      ca: serverCa.cert,
      client: mapped,
      token: 'admin-token-0123456789',
    });
    expect(both.json).toMatchObject({ name: 'admin', authenticatedBy: 'bearer' });
    const neither = await get(server.url, '/v1/whoami', { ca: serverCa.cert });
    expect(neither.status).toBe(401);
    expect(neither.headers['www-authenticate']).toBe('Bearer realm="keyledger"');
  });
});
