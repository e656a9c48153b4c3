import 'reflect-metadata';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import * as pkcs11js from 'pkcs11js';
import { findKey, HsmToken } from '../../../src/hsm';
import { CA_KEY_LABEL, CaClient, keyProtection, type ClientTlsIdentity } from '../../../src/signing/ca';
import { newClientIdentity, newSigningKey, startTestCa, type TestCa } from './support/cas';

let client: ClientTlsIdentity & { fingerprint: string };
let ca: TestCa;

beforeAll(async () => {
  client = await newClientIdentity('signing-service');
  ca = await startTestCa('ca-http', client);
});

afterAll(async () => {
  await ca.server.stop();
});

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly body: Buffer;
}

function call(method: string, path: string, body?: unknown, tls?: ClientTlsIdentity): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, ca.server.url),
      {
        method,
        ca: ca.server.certificatePem,
        agent: false,
        ...(tls ? { key: tls.keyPem, cert: tls.certPem } : {}),
        headers: payload ? { 'content-type': 'application/json' } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type']),
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

test('the CA publishes its certificate, its CRL (DER, application/pkix-crl) and its health', async () => {
  const certificate = await call('GET', '/ca.pem');
  expect(certificate.status).toBe(200);
  expect(new x509.X509Certificate(certificate.body.toString()).subject).toBe(
    'CN=KeyLedger CA ca-http, O=KeyLedger',
  );
  const crl = await call('GET', '/crl');
  expect(crl.status).toBe(200);
  expect(crl.type).toBe('application/pkix-crl');
  expect(crl.body[0]).toBe(0x30); // DER SEQUENCE, not PEM
  expect(new x509.X509Crl(new Uint8Array(crl.body)).issuer).toBe('CN=KeyLedger CA ca-http, O=KeyLedger');
  const health = await call('GET', '/health');
  expect(JSON.parse(health.body.toString())).toMatchObject({ status: 'ok', name: 'ca-http', crlNumber: 1 });
});

test('the service TLS certificate is issued by the CA: pinning the CA certificate authenticates the transport', async () => {
  const other = await startTestCa('ca-other', client);
  try {
    const wrongPin = new CaClient({
      id: 'x',
      baseUrl: ca.server.url,
      caCertificatePem: other.server.certificatePem,
    });
    await expect(wrongPin.health()).rejects.toThrow(/certificate/i);
  } finally {
    await other.server.stop();
  }
});

test('issuing and revoking need the authorised client certificate', async () => {
  const body = { kid: 'kid-auth', publicJwk: newSigningKey().publicJwk };
  const anonymous = await call('POST', '/v1/certificates', body);
  expect(anonymous.status).toBe(401);
  expect(anonymous.type).toMatch(/application\/problem\+json/);
  const stranger = await call('POST', '/v1/certificates', body, await newClientIdentity('stranger'));
  expect(stranger.status).toBe(403);
  const allowed = await call('POST', '/v1/certificates', body, client);
  expect(allowed.status).toBe(201);
  const serial = (JSON.parse(allowed.body.toString()) as { serial: string }).serial;
  expect(
    (await call('POST', `/v1/certificates/${serial}/revoke`, {}, await newClientIdentity('stranger'))).status,
  ).toBe(403);
  expect(
    (await call('POST', `/v1/certificates/${serial}/revoke`, { reason: 'superseded' }, client)).status,
  ).toBe(200);
});

test('bad requests get a problem document that says what was wrong, and change nothing', async () => {
  const before = JSON.parse((await call('GET', '/health')).body.toString()) as {
    issued: number;
    crlNumber: number;
  };
  const cases: [string, unknown, number, RegExp][] = [
    ['/v1/certificates', { kid: 'has space', publicJwk: newSigningKey().publicJwk }, 400, /body/],
    ['/v1/certificates', { kid: 'k', publicJwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } }, 400, /public key/],
    ['/v1/certificates', { kid: 'k', spkiPem: 'nonsense' }, 400, /PUBLIC KEY/],
    [
      '/v1/certificates',
      { kid: 'k', publicJwk: { ...newSigningKey().publicJwk, d: 'c2VjcmV0' } },
      400,
      /private part/,
    ],
    ['/v1/certificates/zz/revoke', {}, 400, /path.serial|not valid/],
    ['/v1/certificates/0123abcd/revoke', {}, 404, /issued no certificate 0123abcd/],
    ['/v1/certificates/0123abcd/revoke', { reason: 'bored' }, 400, /not valid/],
  ];
  for (const [path, body, status, detail] of cases) {
    const answer = await call('POST', path, body, client);
    expect([path, answer.status]).toEqual([path, status]);
    const problem = JSON.parse(answer.body.toString()) as { detail: string; errors?: unknown[] };
    expect(`${problem.detail} ${JSON.stringify(problem.errors ?? [])}`).toMatch(detail);
    expect(answer.body.toString()).not.toContain('c2VjcmV0');
  }
  const after = JSON.parse((await call('GET', '/health')).body.toString()) as {
    issued: number;
    crlNumber: number;
  };
  expect(after).toMatchObject({ issued: before.issued, crlNumber: before.crlNumber });
});

test('the CA key is in its token, sensitive and never extractable; the data folder holds only certificates and state', async () => {
  const token = HsmToken.open(ca.token);
  try {
    const key = findKey(token, { keyClass: 'private', label: CA_KEY_LABEL });
    expect(key).toBeDefined();
    expect(keyProtection(token, key!)).toEqual({
      sensitive: true,
      extractable: false,
      neverExtractable: true,
    });
    expect(() =>
      token.use('read value', (pkcs11, session) =>
        pkcs11.C_GetAttributeValue(session, key!.handle, [{ type: pkcs11js.CKA_VALUE }]),
      ),
    ).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
  } finally {
    token.close();
  }
  const files = readdirSync(ca.dataDir).filter((name) => statSync(join(ca.dataDir, name)).isFile());
  expect(files.sort()).toEqual(['ca.pem', 'ca.pid', 'crl.pem', 'state.json']);
  for (const name of files) {
    const text = readFileSync(join(ca.dataDir, name), 'utf8');
    expect(text).not.toMatch(/PRIVATE KEY/);
    const pems = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((match) => match[1]);
    expect(pems.every((kind) => kind === 'CERTIFICATE' || kind === 'X509 CRL' || kind === 'CRL')).toBe(true);
  }
});
