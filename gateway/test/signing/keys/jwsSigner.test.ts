import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { HsmToken } from '../../../src/hsm';
import {
  HsmJwsSigner,
  InvalidJwsRequestError,
  jwkThumbprint,
  MAX_SIGN_BATCH,
  SigningKeyNotFoundError,
  SigningKeyStore,
  type JwsSignRequest,
  type SigningKeyInfo,
} from '../../../src/signing/keys';
import { newTestToken } from '../../support/softhsm';
import { decodePart, verifiesWithNodeCrypto, verifyWithJose } from './support';

const X5C = [Buffer.from('not really DER, but base64').toString('base64')];

function tamper(jws: string, part: 0 | 1 | 2, change: (text: string) => string): string {
  const parts = jws.split('.');
  parts[part] = change(parts[part] ?? '');
  return parts.join('.');
}

const reencode = (edit: (value: Record<string, unknown>) => Record<string, unknown>) => (part: string) =>
  Buffer.from(JSON.stringify(edit(JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))))).toString(
    'base64url',
  );

describe('HsmJwsSigner on SoftHSM', () => {
  let token: HsmToken;
  let keys: SigningKeyStore;
  let signer: HsmJwsSigner;
  let es: SigningKeyInfo;
  let ed: SigningKeyInfo;

  beforeAll(() => {
    token = newTestToken('jws-signer');
    keys = new SigningKeyStore({ token });
    signer = new HsmJwsSigner({ keys });
    es = keys.generate();
    ed = keys.generate({ alg: 'EdDSA' });
  });

  afterAll(() => token.close());

  it('makes a compact ES256 JWS: header alg, kid, typ and x5u/x5c; r‖s signature over base64url parts', () => {
    const claims = { iss: 'keyledger', sub: 'device-7', iat: 1767225600, nested: { list: [1, 'two', null] } };
    const jws = signer.sign({
      kid: es.kid,
      claims,
      header: { x5u: 'https://ca-1.example/ca.pem', x5c: X5C },
    });
    const parts = jws.split('.');
    expect(parts).toHaveLength(3);
    for (const part of parts) {
      expect(part).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(decodePart(jws, 0)).toEqual({
      alg: 'ES256',
      kid: es.kid,
      typ: 'JWT',
      x5u: 'https://ca-1.example/ca.pem',
      x5c: X5C,
    });
    expect(decodePart(jws, 1)).toEqual(claims);
    expect(Buffer.from(parts[2]!, 'base64url')).toHaveLength(64);
    expect(verifiesWithNodeCrypto(jws, es.publicJwk)).toBe(true);
    expect(verifiesWithNodeCrypto(jws, ed.publicJwk)).toBe(false);
  });

  it('tokens signed in the HSM verify with jose against the JWKS; tampered header, payload or signature fail', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: 'keyledger', aud: 'relying-party', iat: now, exp: now + 600 };
    const good = signer.sign({ kid: es.kid, claims, header: { x5u: 'https://ca-1.example/ca.pem' } });
    const goodEd = signer.sign({ kid: ed.kid, claims });
    const other = new SigningKeyStore({ token }).generate();
    const cases = [
      { jwt: good, options: { issuer: 'keyledger', audience: 'relying-party' } },
      { jwt: goodEd },
      // header: a member added, the kid pointed at another key, alg downgraded to none
      {
        jwt: tamper(
          good,
          0,
          reencode((h) => ({ ...h, x5u: 'https://evil.example/ca.pem' })),
        ),
      },
      {
        jwt: tamper(
          good,
          0,
          reencode((h) => ({ ...h, kid: ed.kid })),
        ),
      },
      {
        jwt: tamper(
          good,
          0,
          reencode((h) => ({ ...h, kid: other.kid })),
        ),
      },
      {
        jwt: tamper(
          good,
          0,
          reencode((h) => ({ ...h, alg: 'none' })),
        ),
      },
      // payload: one claim changed; a claim added
      {
        jwt: tamper(
          good,
          1,
          reencode((c) => ({ ...c, aud: 'someone-else' })),
        ),
      },
      {
        jwt: tamper(
          goodEd,
          1,
          reencode((c) => ({ ...c, admin: true })),
        ),
      },
      // signature: one bit flipped, truncated, s replaced by n − s is still valid ECDSA, so flip r instead
      { jwt: tamper(good, 2, (s) => flipBit(s, 5)) },
      { jwt: tamper(goodEd, 2, (s) => flipBit(s, 40)) },
      { jwt: tamper(good, 2, (s) => s.slice(0, 40)) },
      { jwt: `${good.split('.').slice(0, 2).join('.')}.` },
      // the right claims checked: wrong audience, expired
      { jwt: good, options: { audience: 'another' } },
      { jwt: good, options: { currentDate: new Date((now + 3600) * 1000).toISOString() } },
    ];
    const { results } = await verifyWithJose({ keys: [es.publicJwk, ed.publicJwk, other.publicJwk] }, cases);
    expect(results[0]).toEqual({
      ok: true,
      header: { alg: 'ES256', kid: es.kid, typ: 'JWT', x5u: 'https://ca-1.example/ca.pem' },
      claims,
    });
    expect(results[1]).toMatchObject({ ok: true, header: { alg: 'EdDSA', kid: ed.kid } });
    const reasons = results.slice(2).map((result) => (result.ok ? 'verified' : result.reason));
    expect(reasons).toEqual([
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      'ERR_JWKS_NO_MATCHING_KEY', // an EdDSA key does not match alg ES256
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      'ERR_JOSE_ALG_NOT_ALLOWED',
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
      'ERR_JWT_EXPIRED',
    ]);
  });

  it('signMany signs a batch on one session, each token verifiable, mixed keys and algorithms', () => {
    const requests: JwsSignRequest[] = Array.from({ length: 50 }, (_, i) => ({
      kid: i % 3 === 0 ? ed.kid : es.kid,
      claims: { jti: `batch-${i}` },
    }));
    const sessionsBefore = token.sessionCount;
    const tokens = signer.signMany(requests);
    expect(token.sessionCount).toBe(sessionsBefore);
    expect(tokens).toHaveLength(50);
    tokens.forEach((jws, i) => {
      expect(decodePart(jws, 1)).toEqual({ jti: `batch-${i}` });
      expect(verifiesWithNodeCrypto(jws, i % 3 === 0 ? ed.publicJwk : es.publicJwk)).toBe(true);
    });
    expect(signer.signMany([])).toEqual([]);
  });

  it('refuses requests it cannot sign before signing any of the batch', () => {
    const bad: [JwsSignRequest, RegExp | typeof SigningKeyNotFoundError][] = [
      [{ kid: 'absent', claims: {} }, SigningKeyNotFoundError],
      [{ kid: es.kid, claims: {}, header: { alg: 'none' } }, /header member alg/],
      [{ kid: es.kid, claims: {}, header: { kid: 'other' } }, /header member kid/],
      [{ kid: es.kid, claims: {}, header: { crit: ['exp'] } }, /header member crit/],
      [{ kid: es.kid, claims: {}, header: { jwk: {} } }, /header member jwk/],
      [{ kid: es.kid, claims: {}, header: { x5u: 'ftp://ca.example/ca.pem' } }, /x5u/],
      [{ kid: es.kid, claims: {}, header: { x5c: [] } }, /x5c/],
      [{ kid: es.kid, claims: {}, header: { x5c: ['not base64!'] } }, /x5c/],
      [{ kid: es.kid, claims: [] as never }, /claims must be a JSON object/],
      [{ kid: es.kid, claims: 'text' as never }, /claims must be a JSON object/],
      [{ kid: es.kid, claims: { n: Number.NaN } }, /number JSON cannot carry/],
      [{ kid: es.kid, claims: { big: 1n } as never }, /not JSON/],
      [{ kid: es.kid, claims: { when: new Date() } as never }, /not JSON/],
      [{ kid: es.kid, claims: { gone: undefined } as never }, /not JSON/],
    ];
    for (const [request, expected] of bad) {
      expect(() => signer.sign(request)).toThrow(expected);
      let thrown: unknown;
      try {
        signer.signMany([{ kid: es.kid, claims: {} }, request]);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(expected instanceof RegExp ? InvalidJwsRequestError : expected);
      if (thrown instanceof InvalidJwsRequestError) {
        expect(thrown.index).toBe(1);
      }
    }
    const tooMany = Array.from({ length: MAX_SIGN_BATCH + 1 }, () => ({ kid: es.kid, claims: {} }));
    expect(() => signer.signMany(tooMany)).toThrow(InvalidJwsRequestError);
  });

  it('keeps key bytes out of errors: a failing signature reports the CKR name only', () => {
    const doomed = new SigningKeyStore({ token });
    const info = doomed.generate();
    const stale = new HsmJwsSigner({ keys: doomed });
    const handle = doomed.signingKey(info.kid);
    // Another store destroys the key; this store's cached handle is now dangling.
    new SigningKeyStore({ token }).destroy(info.kid);
    expect(doomed.signingKey(info.kid)).toBe(handle);
    let thrown: unknown;
    try {
      stale.sign({ kid: info.kid, claims: {} });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ name: 'HsmError', ckr: expect.stringMatching(/^CKR_/) });
    expect(String((thrown as Error).message)).not.toMatch(/[0-9a-f]{32}/i);
  });

  it('1,000 tokens signed concurrently by 8 async workers all verify (node:crypto here, jose in a child)', async () => {
    const total = 1000;
    let next = 0;
    const signed: { jws: string; key: SigningKeyInfo }[] = [];
    const worker = async (id: number): Promise<void> => {
      while (next < total) {
        await yieldToLoop();
        // Alternate single and small-batch signing so both paths interleave with the other workers.
        const count = Math.min(id % 2 === 0 ? 1 : 5, total - next);
        const batch = Array.from({ length: count }, () => {
          const n = next++;
          const key = n % 4 === 0 ? ed : es;
          return { key, request: { kid: key.kid, claims: { jti: `job-${n}`, worker: id } } };
        });
        if (batch.length === 0) {
          return;
        }
        const tokens =
          batch.length === 1
            ? [signer.sign(batch[0]!.request)]
            : signer.signMany(batch.map((one) => one.request));
        tokens.forEach((jws, i) => signed.push({ jws, key: batch[i]!.key }));
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, id) => worker(id)));

    expect(signed).toHaveLength(total);
    expect(new Set(signed.map(({ jws }) => decodePart(jws, 1)['jti'])).size).toBe(total);
    expect(new Set(signed.map(({ jws }) => decodePart(jws, 1)['worker'])).size).toBe(8);
    expect(signed.filter(({ jws, key }) => !verifiesWithNodeCrypto(jws, key.publicJwk))).toEqual([]);
    const { results } = await verifyWithJose(
      keys.jwks(),
      signed.map(({ jws }) => ({ jwt: jws })),
    );
    expect(results.filter((result) => !result.ok)).toEqual([]);
    expect(results).toHaveLength(total);
    // One synchronous PKCS#11 operation at a time: the pool never needed more than its idle sessions.
    expect(token.sessionCount).toBeLessThanOrEqual(4);
  });

  it('the thumbprint helper matches RFC 8037 appendix A.3 (Ed25519)', () => {
    const x = Buffer.from('11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', 'base64url');
    expect(jwkThumbprint(x, 'EdDSA')).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });
});

function flipBit(base64urlText: string, byte: number): string {
  const bytes = Buffer.from(base64urlText, 'base64url');
  bytes[byte] = (bytes[byte] ?? 0) ^ 0x01;
  return bytes.toString('base64url');
}
