/**
 * Signing workers in a second process (SigningService `workerProcesses`): the child claims from the same queue file
 * and signs in the same SoftHSM token with the key the service names. Every job is done once whichever process
 * took it; a revocation reaches the child's batches too — once the service has taken the revocation in, no token
 * of the revoked key is stored by anyone — and the child signs with the new key it finds in the token.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { QUEUE_FILE_NAME, type Job } from '../../gateway/src/signing/queue';
import { SigningService, type SignedToken } from '../../gateway/src/signing/service';
import { verifyJwt } from '../../gateway/src/signing/keys';
import { TEST_PIN } from '../../gateway/test/support/softhsm';
import { startSigningNet, type SigningNet } from './support/signingNet';

jest.setTimeout(120_000);

const payload = (i: number): { claims: { sub: string }; lifetimeSeconds: number } => ({
  claims: { sub: `user-${i}` },
  lifetimeSeconds: 600,
});

describe('signing workers in a second process', () => {
  let signingNet: SigningNet;
  let service: SigningService | undefined;
  const dataDir = (): string => join(signingNet.net.dataDir, 'signing-processes');

  beforeAll(async () => {
    signingNet = await startSigningNet('keyledger-signing-processes-', 'signing-processes');
    service = await SigningService.start(
      signingNet.serviceOptions(dataDir(), {
        workers: 1,
        claimBatch: 20,
        workerProcesses: { count: 1, token: { label: signingNet.token.label, pin: TEST_PIN } },
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await service?.stop().catch(() => undefined);
    await signingNet?.stop();
  });

  const waitAll = (ids: readonly string[]): Promise<Job[]> =>
    Promise.all(ids.map((id) => service!.queue.waitFor(id, { timeoutMs: 60_000 })));

  /** Which worker stored each job: the queue records the claimant. */
  const workersOf = (ids: readonly string[]): Set<string> => {
    const db = new Database(join(dataDir(), QUEUE_FILE_NAME), { readonly: true, fileMustExist: true });
    try {
      const rows = db
        .prepare(`SELECT worker FROM jobs WHERE id IN (${ids.map(() => '?').join(',')})`)
        .all(...ids) as { worker: string }[];
      return new Set(rows.map((row) => row.worker));
    } finally {
      db.close();
    }
  };

  it('both processes take jobs from the one queue; each is done once with a token that verifies', async () => {
    const ids: string[] = [];
    for (let batch = 0; batch < 20; batch += 1) {
      ids.push(
        ...service!.queue
          .submitBatch(Array.from({ length: 100 }, (_, i) => ({ payload: payload(batch * 100 + i) })))
          .jobs.map((job) => job.id),
      );
    }
    const jobs = await waitAll(ids);
    expect(jobs.filter((job) => job.state !== 'done')).toEqual([]);
    const workers = workersOf(ids);
    expect([...workers].some((worker) => worker.includes('/p0/'))).toBe(true);
    expect([...workers].some((worker) => !worker.includes('/p0/'))).toBe(true);
    const tokens = jobs.map((job) => (job.result as unknown as SignedToken).token);
    expect(new Set(tokens).size).toBe(ids.length);
    const jwks = await service!.ledger.jwks();
    for (const [i, token] of tokens.entries()) {
      if (i % 97 !== 0) continue;
      const { claims } = await verifyJwt(token, jwks);
      expect(claims).toMatchObject({ jti: ids[i], sub: `user-${i}` });
    }
  });

  it('a revocation under load: once the service has taken it in, every stored token has the new kid, from both processes', async () => {
    const old = (await service!.keys.current()).kid;
    const ids: string[] = [];
    let submitting = true;
    const submitter = (async (): Promise<void> => {
      // Until 500 ms after the switch, however long the rotation takes: there are always jobs stored after it.
      for (let round = 0; submitting && round < 2_000; round += 1) {
        ids.push(
          ...service!.queue
            .submitBatch(Array.from({ length: 50 }, (_, i) => ({ payload: payload(round * 50 + i) })))
            .jobs.map((job) => job.id),
        );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const revoked = await service!.ledger.revoke({ kid: old, reason: 'keyCompromise' });
    const rotation = await service!.keyRevoked(revoked);
    const switched = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 500));
    submitting = false;
    await submitter;
    const jobs = await waitAll(ids);

    expect(rotation).toMatchObject({ cause: 'revoked', previousKid: old });
    expect(jobs.filter((job) => job.state !== 'done')).toEqual([]);
    const late = jobs.filter((job) => job.updatedAt > switched);
    expect(late.length).toBeGreaterThan(0);
    expect(late.filter((job) => (job.result as unknown as SignedToken).kid !== rotation!.kid)).toEqual([]);
    // The child found the new key in the token and signed with it.
    const lateByChild = [...workersOf(late.map((job) => job.id))].filter((worker) => worker.includes('/p0/'));
    expect(lateByChild.length).toBeGreaterThan(0);
  });
});
