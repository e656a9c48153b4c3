/**
 * The signing service end to end on the devnet: its own SoftHSM token, two CA services over HTTPS with their own
 * tokens, the durable queue, the SigningKeys contract as the record of its keys. Tokens are verified the way a
 * relying party would: jose against the ledger's JWKS, then the key's ledger record by the contract's own rule.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signing } from '@keyledger/chaincode/protocol';
import pino from 'pino';
import { verifyJwt } from '../../gateway/src/signing/keys';
import { QUEUE_FILE_NAME, type Job } from '../../gateway/src/signing/queue';
import {
  KeyCertification,
  SigningService,
  TokenVerifier,
  type SignedToken,
} from '../../gateway/src/signing/service';
import { startSigningNet, type SigningNet } from './support/signingNet';

const SERVICE = 'e2e-signer';
const silent = pino({ level: 'silent' });

function payload(i: number): { claims: Record<string, string | number>; lifetimeSeconds: number } {
  return { claims: { sub: `user-${i}`, n: i }, lifetimeSeconds: 600 };
}

describe('signing service (devnet, SoftHSM, two CAs over HTTPS)', () => {
  let fixture: SigningNet;
  let service: SigningService | undefined;

  const start = (dataDir = join(fixture.net.dataDir, 'signing')): Promise<SigningService> =>
    SigningService.start({
      dataDir,
      token: fixture.token,
      ledger: fixture.net.connectionAs(fixture.signer),
      serviceId: SERVICE,
      certification: new KeyCertification({
        validator: fixture.validator,
        caIds: fixture.cas.map((ca) => ca.server.name),
        dir: join(dataDir, 'certificates'),
      }),
      workers: 4,
      claimBatch: 20,
      logger: silent,
    });

  beforeAll(async () => {
    fixture = await startSigningNet('keyledger-signing-', 'signing-e2e');
  }, 120_000);

  afterAll(async () => {
    await service?.stop().catch(() => undefined);
    await fixture?.net.stop();
  });

  const verifier = (): TokenVerifier =>
    new TokenVerifier({ ledger: service!.ledger, validator: fixture.validator, issuer: SERVICE });

  const waitAll = async (ids: readonly string[]): Promise<Job[]> =>
    Promise.all(ids.map((id) => service!.queue.waitFor(id, { timeoutMs: 60_000 })));

  it('signs queued requests with its active key, certified by both CAs; tokens verify against the ledger JWKS', async () => {
    service = await start();
    const active = await service.keys.current();
    const record = await service.ledger.get(active.kid);
    expect(record).toMatchObject({ status: 'active', serviceId: SERVICE, issuerCaIds: ['ca1', 'ca2'] });
    expect(JSON.stringify(record)).not.toMatch(/"d":/);

    const batch = service.queue.submitBatch(Array.from({ length: 100 }, (_, i) => ({ payload: payload(i) })));
    const single = service.queue.submit({ payload: payload(100) });
    const jobs = await waitAll([...batch.jobs.map((job) => job.id), single.job.id]);
    expect(jobs.map((job) => job.state)).toEqual(Array.from({ length: 101 }, () => 'done'));

    const jwks = await service.ledger.jwks();
    expect(jwks.keys.map((key) => key.kid)).toContain(active.kid);
    for (const [i, job] of jobs.entries()) {
      const result = job.result as unknown as SignedToken;
      expect(result.kid).toBe(active.kid);
      const { header, claims } = await verifyJwt(result.token, jwks, { issuer: SERVICE });
      expect(header).toMatchObject({ alg: 'ES256', kid: active.kid, typ: 'JWT' });
      expect(header.x5c).toHaveLength(1);
      expect(claims).toMatchObject({ sub: `user-${i}`, n: i, jti: job.id });
      expect(claims['keyledger']).toMatchObject({
        caLocations: [{ caId: 'ca1' }, { caId: 'ca2' }],
        revocation: { validatedBy: 'ca1', revocationChecked: 'crl' },
      });
    }
    // The verifier: valid, by ca1, revocation checked on its CRL; and exactly why a tampered token is not.
    const sample = (jobs[0]!.result as unknown as SignedToken).token;
    await expect(verifier().verify(sample)).resolves.toMatchObject({
      valid: true,
      kid: active.kid,
      validatedBy: 'ca1',
      revocation: { checked: 'crl', policy: 'hard-fail', revoked: false },
    });
    const [h, p, sig] = sample.split('.') as [string, string, string];
    const reencode = (part: string, change: (value: Record<string, unknown>) => void): string => {
      const value = JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
      change(value);
      return Buffer.from(JSON.stringify(value)).toString('base64url');
    };
    const flipped = `${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`;
    const tampered: [string, string][] = [
      [`${reencode(h, (v) => (v['kid'] = 'nobody'))}.${p}.${sig}`, 'unknown-kid'],
      [`${reencode(h, (v) => (v['typ'] = 'at+jwt'))}.${p}.${sig}`, 'bad-signature'],
      [`${h}.${reencode(p, (v) => (v['sub'] = 'someone-else'))}.${sig}`, 'bad-signature'],
      [`${h}.${p}.${flipped}`, 'bad-signature'],
      ['not-a-token', 'malformed'],
    ];
    for (const [token, reason] of tampered) {
      await expect(verifier().verify(token)).resolves.toMatchObject({ valid: false, reason });
    }

    // The queue database holds requests and tokens, never key material.
    expect(
      readFileSync(join(fixture.net.dataDir, 'signing', QUEUE_FILE_NAME)).toString('latin1'),
    ).not.toMatch(/"d":"/);
  }, 120_000);

  it('takes up the same key after a restart and finishes what was queued while it was down', async () => {
    const before = (await service!.keys.current()).kid;
    await service!.stop();
    service = undefined;
    const down = await start();
    const queued = down.queue.submitBatch(Array.from({ length: 20 }, (_, i) => ({ payload: payload(i) })));
    service = down;
    expect((await service.keys.current()).kid).toBe(before);
    const jobs = await waitAll(queued.jobs.map((job) => job.id));
    expect(
      jobs.every((job) => job.state === 'done' && (job.result as unknown as SignedToken).kid === before),
    ).toBe(true);
  }, 60_000);

  it('revoked under load: rotates at once, no request fails, every later token has the new kid, and the rule splits at compromisedAt', async () => {
    const old = (await service!.keys.current()).kid;
    // The key has signed for a while before its compromise time, so that the rule has tokens on either side.
    const { notBefore } = (await service!.ledger.get(old)) as signing.SigningKeyRecord;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, notBefore + 2_500 - Date.now())));
    const ids: string[] = [];
    const submitter = (async (): Promise<void> => {
      for (let round = 0; round < 15; round += 1) {
        ids.push(
          ...service!.queue
            .submitBatch(Array.from({ length: 20 }, (_, i) => ({ payload: payload(round * 20 + i) })))
            .jobs.map((job) => job.id),
        );
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const compromisedAt = Math.floor(Date.now() / 1000) * 1000;
    const revokeStarted = Date.now();
    const { revoked, rotation } = await service!.keys.revoke({
      kid: old,
      reason: 'keyCompromise',
      compromisedAt,
    });
    await submitter;
    const jobs = await waitAll(ids);

    expect(revoked).toMatchObject({ status: 'revoked', compromisedAt });
    expect(rotation).toMatchObject({ cause: 'revoked', previousKid: old });
    const next = rotation!.kid;
    expect(next).not.toBe(old);
    expect(jobs.filter((job) => job.state !== 'done')).toEqual([]);
    // Released after the revocation began: the new kid only.
    const late = jobs.filter((job) => job.updatedAt >= revokeStarted + 1);
    expect(late.length).toBeGreaterThan(0);
    expect(late.filter((job) => (job.result as unknown as SignedToken).kid !== next)).toEqual([]);

    // The relying party's view: the revoked key left the JWKS; its record decides tokens by their iat.
    const jwks = await service!.ledger.jwks();
    expect(jwks.keys.map((key) => key.kid)).toEqual(expect.arrayContaining([next]));
    expect(jwks.keys.map((key) => key.kid)).not.toContain(old);
    const record = (await service!.ledger.get(old)) as signing.SigningKeyRecord;
    const now = Date.now();
    expect(signing.tokenValidityAt(record, notBefore, now)).toEqual({ valid: true });
    expect(signing.tokenValidityAt(record, compromisedAt, now)).toEqual({
      valid: false,
      reason: 'signed-after-compromise',
    });
    const onLedger = await service!.ledger.statusAt(old, compromisedAt + 500);
    expect(onLedger).toMatchObject({ valid: false, reason: 'signed-after-compromise', status: 'revoked' });
    // The old key's own tokens: valid exactly when issued before the compromise time.
    for (const job of jobs.filter((j) => (j.result as unknown as SignedToken).kid === old)) {
      const { token } = job.result as unknown as SignedToken;
      const iat = Number(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())['iat']) * 1000;
      expect(signing.tokenValidityAt(record, iat, now).valid).toBe(iat < compromisedAt);
    }
    // The verifier says the same, with the times: an old token from before the compromise still verifies.
    const oldTokens = jobs
      .map((job) => job.result as unknown as SignedToken)
      .filter((result) => result.kid === old)
      .map((result) => ({
        token: result.token,
        iat:
          Number(JSON.parse(Buffer.from(result.token.split('.')[1]!, 'base64url').toString())['iat']) * 1000,
      }));
    const before = oldTokens.find((t) => t.iat < compromisedAt);
    const after = oldTokens.find((t) => t.iat >= compromisedAt);
    if (before !== undefined) {
      await expect(verifier().verify(before.token)).resolves.toMatchObject({
        valid: true,
        keyStatus: 'revoked',
      });
    }
    if (after !== undefined) {
      const verdict = await verifier().verify(after.token);
      expect(verdict).toMatchObject({ valid: false, reason: 'signed-after-compromise' });
      expect(verdict.valid ? '' : verdict.detail).toContain('compromised from');
    }
    expect(before ?? after).toBeDefined();
    // The new key's tokens verify; the private half of the old one is gone from the token.
    const newest = jobs[jobs.length - 1]!.result as unknown as SignedToken;
    await expect(verifyJwt(newest.token, jwks, { issuer: SERVICE })).resolves.toMatchObject({
      header: { kid: next },
    });
  }, 120_000);

  it('fails over to ca2 for the revocation snapshot when ca1 is down', async () => {
    await fixture.cas[0]!.server.stop();
    await fixture.validator.checkHealth();
    // A new key: certified by ca2 alone (ca1 is down), and its tokens say ca2 validated it.
    const rotation = await service!.keys.rotate('requested');
    expect(rotation.issuerCaIds).toEqual(['ca2']);
    const { job } = service!.queue.submit({ payload: payload(1) });
    const done = await service!.queue.waitFor(job.id, { timeoutMs: 30_000 });
    expect(done.state).toBe('done');
    const { claims } = await verifyJwt(
      (done.result as unknown as SignedToken).token,
      await service!.ledger.jwks(),
    );
    expect(claims['keyledger']).toMatchObject({
      revocation: { validatedBy: 'ca2', revocationChecked: 'crl' },
    });
  }, 60_000);
});
