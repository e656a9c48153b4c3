/**
 * The signing queue survives kill -9 of the service: a SigningService in its own process (the built gateway)
 * accepts 320 requests, some under Idempotency-Keys, some with ids of the client's own, and is killed with SIGKILL
 * while they are being signed. Restarted on the same data folder and token, it finishes every accepted request
 * exactly once: none lost, none failed, each with one token whose jti is its id, and neither a replayed key nor a
 * replayed id ever yields a second token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { ensureToken, HsmToken } from '../../gateway/src/hsm';
import type { CaValidator, TrustedCa } from '../../gateway/src/signing/ca';
import { verifyJwt } from '../../gateway/src/signing/keys';
import { QUEUE_FILE_NAME, SigningQueue, type Job, type JobRequest } from '../../gateway/src/signing/queue';
import {
  KeyCertification,
  SigningService,
  TokenVerifier,
  type SignedToken,
} from '../../gateway/src/signing/service';
import type { TestCa } from '../../gateway/test/signing/ca/support/cas';
import { softHsmTestDir, TEST_PIN, TEST_SO_PIN } from '../../gateway/test/support/softhsm';
import type { MemberNet, NetMember } from './support/memberNet';
import { startSigningNet } from './support/signingNet';

const SERVICE = 'e2e-crash-signer';
/** Short, so that the jobs the killed process held are claimable again soon after the restart. */
const LEASE_MS = 2_000;
const silent = pino({ level: 'silent' });

interface Submission {
  readonly kind: 'single' | 'batch';
  readonly idempotencyKey?: string;
  readonly requests: readonly JobRequest[];
}

function payload(i: number): { claims: { sub: string; n: number }; lifetimeSeconds: number } {
  return { claims: { sub: `user-${i}`, n: i }, lifetimeSeconds: 600 };
}

/** 320 requests: batches with and without a key or ids of their own, and singles with either. */
function plan(): Submission[] {
  const batch = (from: number, size: number, ids: boolean): JobRequest[] =>
    Array.from({ length: size }, (_, i) => ({
      payload: payload(from + i),
      ...(ids ? { id: `crash-b-${from + i}` } : {}),
    }));
  const submissions: Submission[] = [
    { kind: 'batch', idempotencyKey: 'crash-batch-a', requests: batch(0, 100, false) },
    { kind: 'batch', requests: batch(100, 100, true) },
    { kind: 'batch', idempotencyKey: 'crash-batch-c', requests: batch(200, 80, true) },
  ];
  for (let i = 280; i < 320; i += 1) {
    submissions.push(
      i % 2 === 0
        ? { kind: 'single', idempotencyKey: `crash-single-${i}`, requests: [{ payload: payload(i) }] }
        : { kind: 'single', requests: [{ payload: payload(i), id: `crash-s-${i}` }] },
    );
  }
  return submissions;
}

/** Lines of the child's stdout, until the one `pick` accepts; rejects if the child exits first. */
function lineFrom<T>(
  child: ChildProcess,
  pick: (line: string) => T | undefined,
  stderr: () => string,
): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const picked = pick(line);
        if (picked !== undefined) {
          child.stdout?.off('data', onData);
          resolvePromise(picked);
          return;
        }
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`signing child exited (${String(code)}): ${stderr()}`)));
  });
}

describe('signing service across kill -9 mid-queue (devnet, SoftHSM, two CAs)', () => {
  let net: MemberNet;
  let signer: NetMember;
  let cas: readonly TestCa[];
  let trustedCas: readonly TrustedCa[];
  let validator: CaValidator;
  let service: SigningService | undefined;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    ({ net, signer, cas, trustedCas, validator } = await startSigningNet(
      'keyledger-signing-crash-',
      'signing-crash-unused',
    ));
  }, 120_000);

  afterAll(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await service?.stop().catch(() => undefined);
    await net?.stop();
  });

  it('kill -9 mid-queue (≥ 200 requests in flight) → restart → all complete exactly once', async () => {
    softHsmTestDir();
    // The token is made here but opened by this process only after the kill: the child makes the signing key in it.
    const token = { label: `crash-${Math.random().toString(16).slice(2, 10)}`, pin: TEST_PIN };
    ensureToken({ ...token, soPin: TEST_SO_PIN });
    const dataDir = join(net.dataDir, 'signing-crash');
    const submissions = plan();

    let stderr = '';
    child = spawn(
      process.execPath,
      [
        resolve(__dirname, 'support/signingChild.js'),
        JSON.stringify({
          fabric: signer.fabric,
          token,
          dataDir,
          serviceId: SERVICE,
          cas: trustedCas,
          workers: 1,
          // Small claims: a slow signer, so that the kill finds most of the queue still to do.
          claimBatch: 2,
          leaseMs: LEASE_MS,
          hold: 4,
          submissions,
        }),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const kid = await lineFrom(
      child,
      (line) => /^started (\S+)$/.exec(line)?.[1],
      () => stderr,
    );
    const { accepted, held } = await lineFrom(
      child,
      (line) =>
        line.startsWith('{') ? (JSON.parse(line) as { accepted: string[][]; held: string[] }) : undefined,
      () => stderr,
    );
    const ids = accepted.flat();
    expect(ids).toHaveLength(320);
    expect(new Set(ids).size).toBe(320);
    // Killed once it has signed a few, read from its queue file by another connection: done, leased, queued.
    const left = SigningQueue.open({ dataDir, leaseMs: LEASE_MS });
    while (left.stats().byState.done < 5) {
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 2));
    }
    const exited = new Promise((resolvePromise) => child?.once('exit', resolvePromise));
    process.kill(child.pid as number, 'SIGKILL');
    await exited;
    const atKill = new Map(ids.map((id) => [id, left.get(id)]));
    left.close();
    const notDone = [...atKill.values()].filter((job) => !job.done);
    const leased = notDone.filter((job) => job.state === 'signing');
    expect(notDone.length).toBeGreaterThanOrEqual(200);
    // The claims of the child's stalled worker, at least, were under a lease when it died.
    expect(held).toHaveLength(4);
    expect(held.map((id) => atKill.get(id)?.state)).toEqual(['signing', 'signing', 'signing', 'signing']);
    expect([...atKill.values()].filter((job) => job.state === 'failed')).toEqual([]);

    // Restarted in this process on the same folder and token: it takes up the same key.
    const hsm = HsmToken.open(token);
    net.onStop(() => hsm.close());
    service = await SigningService.start({
      dataDir,
      token: hsm,
      ledger: net.connectionAs(signer),
      serviceId: SERVICE,
      certification: new KeyCertification({
        validator,
        caIds: cas.map((ca) => ca.server.name),
        dir: join(dataDir, 'certificates'),
      }),
      workers: 2,
      claimBatch: 20,
      leaseMs: LEASE_MS,
      queue: { leaseMs: LEASE_MS },
      logger: silent,
    });
    expect((await service.keys.current()).kid).toBe(kid);
    const jobs: Job[] = await Promise.all(ids.map((id) => service!.queue.waitFor(id, { timeoutMs: 40_000 })));

    // Every accepted request done exactly once: none lost, none failed.
    expect(jobs.filter((job) => job.state !== 'done')).toEqual([]);
    const tokens = jobs.map((job) => (job.result as unknown as SignedToken).token);
    expect(new Set(tokens).size).toBe(ids.length);
    // A job done before the kill kept its token; one held under a lease was claimed again after it expired.
    for (const [id, before] of atKill) {
      const after = jobs[ids.indexOf(id)] as Job;
      if (before.done) expect(after.result).toEqual(before.result);
    }
    for (const job of leased) {
      expect(jobs[ids.indexOf(job.id)]?.attempts).toBeGreaterThanOrEqual(2);
    }

    // Each token: its jti is its job id, signed by the one key, verifying against the ledger's JWKS.
    const jwks = await service.ledger.jwks();
    for (const [i, job] of jobs.entries()) {
      const { header, claims } = await verifyJwt(tokens[i] as string, jwks, { issuer: SERVICE });
      expect(header.kid).toBe(kid);
      expect(claims['jti']).toBe(job.id);
    }
    const verifier = new TokenVerifier({ ledger: service.ledger, validator, issuer: SERVICE });
    const sample = [
      ...[...atKill.values()].filter((job) => job.done).slice(0, 2),
      ...leased.slice(0, 2),
      ...notDone.slice(-3),
    ];
    for (const job of sample) {
      await expect(
        verifier.verify((jobs[ids.indexOf(job.id)]?.result as unknown as SignedToken).token),
      ).resolves.toMatchObject({ valid: true, kid, revocation: { checked: 'crl', revoked: false } });
    }

    // Replays after the restart answer the same jobs with the same tokens, by key and by id.
    const replay = (submission: Submission): { ids: string[]; replayed: boolean } => {
      const options =
        submission.idempotencyKey === undefined ? {} : { idempotencyKey: submission.idempotencyKey };
      if (submission.kind === 'batch') {
        const answer = service!.queue.submitBatch(submission.requests, options);
        return { ids: answer.jobs.map((job) => job.id), replayed: answer.replayed };
      }
      const answer = service!.queue.submit(submission.requests[0] as JobRequest, options);
      return { ids: [answer.job.id], replayed: answer.replayed };
    };
    // The three batches (a key, ids of their own, both) and singles by key and by id.
    for (const index of [0, 1, 2, 3, 4, 41, 42]) {
      const again = replay(submissions[index] as Submission);
      expect(again).toEqual({ ids: accepted[index], replayed: true });
      for (const id of again.ids) {
        expect(service.queue.get(id).result).toEqual(jobs[ids.indexOf(id)]?.result);
      }
    }
    // The same id with another payload is refused: one id never names two tokens.
    expect(() => service!.queue.submit({ id: 'crash-b-100', payload: payload(9_999) })).toThrow();

    // The queue file and its WAL hold requests and tokens, never key material.
    for (const file of [QUEUE_FILE_NAME, `${QUEUE_FILE_NAME}-wal`]) {
      const path = join(dataDir, file);
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path).toString('latin1');
      expect(bytes).not.toMatch(/"d":"/);
      expect(bytes).not.toMatch(/PRIVATE KEY/);
    }
  }, 90_000);
});
