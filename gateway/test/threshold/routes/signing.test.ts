/**
 * The threshold routes' own work over a stand-in service and ledger: the JWS they build and the signature they
 * return, the key's JWK, keygen's Location, and the role check before any module is asked.
 */
import { createPublicKey, generateKeyPairSync, sign as ed25519Sign, verify } from 'node:crypto';
import { createApp, startApiServer, staticIdentityResolver, type ApiServer } from '../../../src/api';
import type { LedgerAccess } from '../../../src/fabric';
import { thresholdApi } from '../../../src/threshold/api';
import type { SignRequest, ThresholdService } from '../../../src/threshold/service/thresholdService';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TOKEN = 'threshold-route-test-token-0123456789';
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const rawPublic = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
const groupPublicKey = rawPublic.toString('hex');

describe('threshold routes (stand-in service and ledger)', () => {
  let server: ApiServer;
  let roles: string[] = [];
  const signed: SignRequest[] = [];

  const ledger: LedgerAccess = {
    contract: (name) => ({
      evaluateTransaction: (fn: string) => {
        const answer: unknown =
          name === 'Governance' && fn === 'WhoAmI'
            ? { roles }
            : fn === 'GetThresholdPolicy'
              ? {
                  keyId: 'pay-1',
                  t: 2,
                  n: 3,
                  minTrust: 100,
                  version: 1,
                  createdAt: 0,
                  updatedAt: 0,
                  updatedBy: 'a',
                }
              : fn === 'GetCommitments'
                ? {
                    keyId: 'pay-1',
                    epoch: 2,
                    t: 2,
                    n: 3,
                    commitments: [groupPublicKey, 'cd'.repeat(32)],
                    shareIndices: [1, 2, 3],
                  }
                : fn === 'GetShareAcknowledgements'
                  ? {
                      keyId: 'pay-1',
                      epoch: 2,
                      expected: ['a', 'b', 'c'],
                      acknowledged: ['a', 'b'],
                      complete: false,
                    }
                  : undefined;
        return Promise.resolve(Buffer.from(answer === undefined ? '' : JSON.stringify(answer)));
      },
      submitTransaction: () => Promise.reject(new Error('no submit in this test')),
    }),
  };
  const service = {
    sign(_ledger: unknown, request: SignRequest) {
      signed.push(request);
      return Promise.resolve({
        keyId: request.keyId,
        signature: ed25519Sign(null, request.message, privateKey),
        groupPublicKey,
        sessionId: 'sg-1',
        coordinator: 'b',
        epoch: 2,
        signers: ['a', 'b'],
        cheaters: [],
        late: [],
        expiredSessions: [],
      });
    },
    keygen(_ledger: unknown, request: { keyId: string }) {
      return Promise.resolve({ keyId: request.keyId, epoch: 1, mode: 'dkg', groupPublicKey, t: 2, n: 3 });
    },
  } as unknown as ThresholdService;

  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; headers: Headers; json: Json }> {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, headers: response.headers, json: (await response.json()) as Json };
  }

  beforeAll(async () => {
    const caller = { name: 'orch', mspId: 'Org1MSP', fingerprint: 'f'.repeat(64), ledger };
    server = await startApiServer({
      app: createApp({
        identities: staticIdentityResolver([{ caller, tokens: [TOKEN] }]),
        modules: [thresholdApi({ service })],
        roleCacheMs: 0,
      }),
      host: '127.0.0.1',
      port: 0,
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    signed.length = 0;
  });

  it('signs the JWS signing input with alg EdDSA, kid the key id and the typ asked for; the JWS verifies', async () => {
    roles = ['orchestrator'];
    const reply = await call('POST', '/v1/threshold/keys/pay-1/sign', {
      jws: { payload: { sub: 'alice', n: 1 }, header: { typ: 'JWT' } },
    });
    expect(reply.status).toBe(200);
    const [header, payload, signature] = (reply.json.jws as string).split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({
      alg: 'EdDSA',
      kid: 'pay-1',
      typ: 'JWT',
    });
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toEqual({ sub: 'alice', n: 1 });
    expect(signature).toBe(reply.json.signature);
    expect(Buffer.from(signed[0]?.message ?? []).toString('ascii')).toBe(`${header}.${payload}`);
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: rawPublic.toString('base64url') },
      format: 'jwk',
    });
    expect(verify(null, Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))).toBe(
      true,
    );
    expect(reply.json).toMatchObject({ sessionId: 'sg-1', coordinator: 'b', epoch: 2, signers: ['a', 'b'] });
  });

  it('signs raw message bytes and answers the signature base64url, without a jws', async () => {
    roles = ['admin'];
    const message = Buffer.from([0, 1, 2, 3, 254, 255]);
    const reply = await call('POST', '/v1/threshold/keys/pay-1/sign', {
      message: message.toString('base64'),
    });
    expect(reply.status).toBe(200);
    expect(reply.json.jws).toBeUndefined();
    expect(Buffer.from(signed[0]?.message ?? []).equals(message)).toBe(true);
    expect(verify(null, message, publicKey, Buffer.from(reply.json.signature as string, 'base64url'))).toBe(
      true,
    );
  });

  it('refuses a caller without orchestrator or admin before the service is asked', async () => {
    roles = ['auditor'];
    const reply = await call('POST', '/v1/threshold/keys/pay-1/sign', { message: 'AAAA' });
    expect(reply.status).toBe(403);
    expect(reply.json.detail).toMatch(/needs the role orchestrator or admin on the ledger; orch has auditor/);
    expect(signed).toEqual([]);
  });

  it('shows the key with its group public key as an Ed25519 JWK and its acknowledgements', async () => {
    roles = ['auditor'];
    const reply = await call('GET', '/v1/threshold/keys/pay-1');
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      keyId: 'pay-1',
      epoch: 2,
      groupPublicKey,
      jwk: { kty: 'OKP', crv: 'Ed25519', x: rawPublic.toString('base64url'), kid: 'pay-1', alg: 'EdDSA' },
      t: 2,
      n: 3,
      shareIndices: [1, 2, 3],
      acknowledgements: { expected: ['a', 'b', 'c'], acknowledged: ['a', 'b'], complete: false },
      policy: { minTrust: 100 },
    });
  });

  it('answers keygen 201 with the key as Location', async () => {
    roles = ['admin'];
    const reply = await call('POST', '/v1/threshold/keys', { keyId: 'pay-1' });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('location')).toBe('/v1/threshold/keys/pay-1');
  });
});
