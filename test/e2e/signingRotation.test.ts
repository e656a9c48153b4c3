/**
 * The signing service's key schedule end to end on the devnet (the fixture of signing.test.ts: its own SoftHSM
 * token, two CA services over HTTPS, the SigningKeys contract): the next key is published verify-only before it
 * becomes active, a restart between the two takes it up, and a revocation made on the ledger by someone else
 * rotates the running service by itself.
 */
import { join } from 'node:path';
import pino from 'pino';
import { SigningKeyStore, verifyJwt } from '../../gateway/src/signing/keys';
import { SigningLedger } from '../../gateway/src/signing/ledger';
import type { Job } from '../../gateway/src/signing/queue';
import {
  KeyCertification,
  SigningService,
  type RotationPolicyInput,
  type SignedToken,
} from '../../gateway/src/signing/service';
import { startSigningNet, type SigningNet } from './support/signingNet';

const SERVICE = 'e2e-rotating-signer';
const silent = pino({ level: 'silent' });
const FAST: RotationPolicyInput = { every: 'PT4S', publishAhead: 'PT2S' };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every 50 ms until it returns a value, or fails after `timeoutMs`. */
async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(50);
  }
}

describe('signing key rotation (devnet, SoftHSM, two CAs)', () => {
  let fixture: SigningNet;
  let service: SigningService | undefined;
  const dataDir = (): string => join(fixture.net.dataDir, 'signing');

  const start = (rotation?: RotationPolicyInput): Promise<SigningService> => {
    const ledger = fixture.net.connectionAs(fixture.signer);
    return SigningService.start({
      dataDir: dataDir(),
      token: fixture.token,
      ledger,
      serviceId: SERVICE,
      certification: new KeyCertification({
        validator: fixture.validator,
        caIds: fixture.cas.map((ca) => ca.server.name),
        dir: join(dataDir(), 'certificates'),
      }),
      ...(rotation === undefined ? {} : { rotation }),
      events: { network: ledger.network, chaincode: ledger.config.chaincode },
      workers: 2,
      logger: silent,
    });
  };

  beforeAll(async () => {
    fixture = await startSigningNet('keyledger-signing-rotation-', 'signing-rotation-e2e');
  }, 120_000);

  afterAll(async () => {
    await service?.stop().catch(() => undefined);
    await fixture?.net.stop();
  });

  const serviceKeys = async (): Promise<{ kid: string; status: string }[]> =>
    (await service!.ledger.list())
      .filter((key) => key.serviceId === SERVICE)
      .map((key) => ({ kid: key.kid, status: key.status }));

  const waitAll = (ids: readonly string[]): Promise<Job[]> =>
    Promise.all(ids.map((id) => service!.queue.waitFor(id, { timeoutMs: 30_000 })));

  it('publishes the next key verify-only before it activates it; then tokens carry it and the old key is retired, still in the JWKS', async () => {
    service = await start(FAST);
    const first = (await service.keys.current()).kid;
    expect(service.keys.schedule()).toMatchObject({ every: 'PT4S' });
    expect(service.keys.schedule()?.nextKid).toBeUndefined();

    const published = await until('the next key to be published', () => service!.keys.schedule()?.nextKid);
    const schedule = service.keys.schedule()!;
    expect(service.keys.peek()?.kid).toBe(first);
    // Before it signs anything: in the JWKS, status published, and the activation still ahead.
    await expect(service.ledger.get(published)).resolves.toMatchObject({ status: 'published' });
    expect((await service.ledger.jwks()).keys.map((key) => key.kid)).toEqual(
      expect.arrayContaining([first, published]),
    );
    expect(schedule.nextRotationAt).toBeGreaterThanOrEqual(schedule.publishedAt! + 2_000);
    expect(schedule.nextRotationAt).toBeGreaterThan(Date.now());

    await until('the published key to become active', () =>
      service!.keys.peek()?.kid === published ? true : undefined,
    );
    const activated = await service.ledger.get(published);
    expect(activated).toMatchObject({ status: 'active' });
    expect(activated!.activatedAt).toBeGreaterThanOrEqual(schedule.nextRotationAt - 1_000);
    await expect(service.ledger.get(first)).resolves.toMatchObject({ status: 'retired' });
    const jwks = await service.ledger.jwks();
    expect(jwks.keys.map((key) => key.kid)).toEqual(expect.arrayContaining([first, published]));
    // The retired key's private half is gone from the token; it never signs again.
    expect(new SigningKeyStore({ token: fixture.token }).find(first)).toBeUndefined();

    const { job } = service.queue.submit({ payload: { claims: { sub: 'after' }, lifetimeSeconds: 60 } });
    const done = await service.queue.waitFor(job.id, { timeoutMs: 30_000 });
    const result = done.result as unknown as SignedToken;
    expect(result.kid).toBe(published);
    await expect(verifyJwt(result.token, jwks, { issuer: SERVICE })).resolves.toMatchObject({
      header: { kid: published },
    });
  }, 60_000);

  it('restarted between publishing and activating: takes up the published key instead of making another', async () => {
    const active = (await service!.keys.current()).kid;
    const pending = await until('the next key to be published', () => service!.keys.schedule()?.nextKid);
    await service!.stop();
    service = undefined;
    const ledger = new SigningLedger(fixture.net.connectionAs(fixture.signer));
    // Stopped in between: the next key is published, not active.
    await expect(ledger.get(pending)).resolves.toMatchObject({ status: 'published' });
    const before = new Set((await ledger.list()).map((key) => key.kid));

    service = await start(FAST);
    expect(service.keys.schedule()?.nextKid ?? service.keys.peek()?.kid).toBe(pending);
    // No key was made at the restart: the service's keys on the ledger are the same ones.
    expect((await serviceKeys()).map((key) => key.kid).filter((kid) => !before.has(kid))).toEqual([]);
    await until('the taken-up key to become active', () =>
      service!.keys.peek()?.kid === pending ? true : undefined,
    );
    await expect(service.ledger.get(active)).resolves.toMatchObject({ status: 'retired' });
    await expect(service.ledger.get(pending)).resolves.toMatchObject({ status: 'active' });
  }, 60_000);

  it('rotates by itself when an admin revokes its active key on the ledger; queued requests complete with the new kid', async () => {
    // No schedule now: the only rotation is the one the revocation causes.
    await service!.stop();
    service = await start();
    const old = (await service.keys.current()).kid;
    const ids: string[] = [];
    // Submitting goes on until half a second after the service noticed.
    let detectedAt = Number.POSITIVE_INFINITY;
    const submitter = (async (): Promise<void> => {
      for (let round = 0; round < 40 && Date.now() < detectedAt + 500; round += 1) {
        ids.push(
          ...service!.queue
            .submitBatch(
              Array.from({ length: 10 }, (_, i) => ({
                payload: { claims: { sub: `user-${round}-${i}` }, lifetimeSeconds: 60 },
              })),
            )
            .jobs.map((job) => job.id),
        );
        await sleep(50);
      }
    })();
    await sleep(200);

    const admin = new SigningLedger(fixture.net.connectionAs(fixture.net.admin));
    const revoked = await admin.revoke({ kid: old, reason: 'keyCompromise' });
    const revokedAt = Date.now();
    const next = await until('the service to rotate', () => {
      const kid = service!.keys.peek()?.kid;
      return kid !== undefined && kid !== old ? kid : undefined;
    });
    detectedAt = Date.now();
    expect(detectedAt - revokedAt).toBeLessThan(5_000);
    await submitter;
    const jobs = await waitAll(ids);

    expect(jobs.filter((job) => job.state !== 'done')).toEqual([]);
    const late = jobs.filter((job) => job.updatedAt > detectedAt);
    expect(late.length).toBeGreaterThan(0);
    expect(late.filter((job) => (job.result as unknown as SignedToken).kid !== next)).toEqual([]);
    // One rotation: a second report of the same revocation (a REST route's) gives the same answer.
    const again = await service.keys.keyRevoked(revoked);
    expect(again).toMatchObject({ cause: 'revoked', previousKid: old, kid: next });
    const keys = await serviceKeys();
    expect(keys.filter((key) => key.status === 'active')).toEqual([{ kid: next, status: 'active' }]);
    expect(keys.filter((key) => key.status === 'published')).toEqual([]);
    expect(new SigningKeyStore({ token: fixture.token }).find(old)).toBeUndefined();
    expect((await service.ledger.jwks()).keys.map((key) => key.kid)).not.toContain(old);
  }, 60_000);
});
