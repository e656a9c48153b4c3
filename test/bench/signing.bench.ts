/*
 * Signing service benchmark: prints figures, asserts nothing. Run from the repository root after `npx tsc -b`:
 *   node -r ./network/devnet/test/devnet/ts-register.js test/bench/signing.bench.ts [--quick]
 *
 * The service as it runs: a devnet with the SigningKeys contract, two CA services over HTTPS with their own SoftHSM
 * tokens, the service's token and its durable queue (SQLite, synchronous FULL). Figures:
 * 1. Worker throughput, queued request → HSM sign → token stored, at 1, 4 and 8 workers in the service's process,
 *    and with a second worker process on the same queue file and token (a second core); requests submitted in
 *    batches of 100 — beside raw pkcs11js CKM_ECDSA over a digest on the same token and node:crypto ES256 with a
 *    key in memory, measured in the same run.
 * 2. Request → done latency (submit, then wait for the stored token), one request at a time: p50/p99 — direct on
 *    the queue, and through the REST API (POST /v1/signing/requests, then GET its Location with waitMs) at
 *    concurrency 1 and 20.
 * 3. JWKS (GET /.well-known/jwks.json: a ledger evaluate) and verification (POST /v1/signing/verify: ledger record,
 *    jose, certificate path and CRL) throughput, beside the direct calls without REST, and jose alone.
 * Every loop is bounded; only 127.0.0.1 is used; tokens and data live in temporary directories.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import * as pkcs11js from 'pkcs11js';
import { ensureToken, HsmToken, useSoftHsmDirectory } from '../../gateway/src/hsm';
import { CaValidator, startCaServer, type CaServer } from '../../gateway/src/signing/ca';
import { SigningKeyStore } from '../../gateway/src/signing/keys';
import { KeyCertification, SigningService } from '../../gateway/src/signing/service';
import { startMemberNet, type MemberNet } from '../e2e/support/memberNet';
import { createApp, fabricIdentityResolver, startApiServer } from '../../gateway/src/api';
import { signingApi } from '../../gateway/src/signing/api';
import { verifyJwt } from '../../gateway/src/signing/keys';
import { TokenVerifier, type SignedToken } from '../../gateway/src/signing/service';
import { percentile, row, runPhase, statsOf } from './support/load';

const QUICK = process.argv.includes('--quick');
const JOBS = QUICK ? 1_000 : 4_000;
const LATENCY_SAMPLES = QUICK ? 50 : 200;
const PIN = '11112222';
const SO_PIN = '33334444';
const silent = pino({ level: 'silent' });

function perSecond(count: number, ms: number): string {
  return Math.round((count * 1000) / ms)
    .toLocaleString('en-US')
    .padStart(7);
}

/** Raw signatures per second for about `ms`: the ceilings the service is compared with. */
function rawRate(fn: () => void, ms: number): number {
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    fn();
    count += 1;
  }
  return (count * 1000) / (performance.now() - start);
}

const REST_SAMPLES = QUICK ? 100 : 400;

function latencyRow(name: string, latencies: readonly number[]): string {
  return `  ${name.padEnd(44)} p50 ${percentile(latencies, 50).toFixed(2).padStart(6)} ms   p99 ${percentile(latencies, 99).toFixed(2).padStart(6)} ms   (n ${latencies.length})`;
}

/** The REST API in front of the service: latency of a request until its token, JWKS and verify throughput. */
async function restPhases(
  service: SigningService,
  validator: CaValidator,
  net: MemberNet,
  signer: Awaited<ReturnType<MemberNet['addMember']>>,
): Promise<void> {
  const bearer = `bench-${randomBytes(16).toString('hex')}`;
  const identities = fabricIdentityResolver([{ name: 'signer', fabric: signer.fabric, tokens: [bearer] }]);
  const server = await startApiServer({
    app: createApp({ identities: identities.resolver, modules: [signingApi({ service, validator })] }),
    host: '127.0.0.1',
    port: 0,
  });
  const headers = { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' };
  const requestToDone = async (i: number): Promise<string> => {
    const accepted = await fetch(`${server.url}/v1/signing/requests`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ claims: { sub: `user-${i}` }, lifetimeSeconds: 600 }),
    });
    const location = accepted.headers.get('location');
    await accepted.arrayBuffer();
    const done = await fetch(`${server.url}${location}?waitMs=10000`, { headers });
    const body = (await done.json()) as { state: string; result?: SignedToken };
    if (body.state !== 'done' || body.result === undefined) throw new Error(`request ended ${body.state}`);
    return body.result.token;
  };
  try {
    await runPhase(4, 40, 10_000, requestToDone); // warm-up
    console.log('\nREST in front (4 workers): POST /v1/signing/requests → GET its Location?waitMs → token');
    for (const concurrency of [1, 20]) {
      const phase = await runPhase(concurrency, REST_SAMPLES, 60_000, requestToDone);
      console.log(
        latencyRow(`request → done, concurrency ${concurrency}`, phase.latencies) +
          `   ${Math.round(phase.latencies.length / phase.seconds)} requests/s`,
      );
    }
    const token = await requestToDone(0);
    const direct = new TokenVerifier({ ledger: service.ledger, validator, issuer: service.keys.serviceId });
    const jwks = await service.ledger.jwks();
    const n = QUICK ? 200 : 1_000;
    console.log('\nJWKS and verification, concurrency 10');
    console.log(
      row(
        'GET /.well-known/jwks.json',
        statsOf(
          await runPhase(10, n, 20_000, async () => {
            await (await fetch(`${server.url}/.well-known/jwks.json`)).arrayBuffer();
          }),
        ),
      ),
    );
    console.log(
      row('  direct: GetJwks evaluate', statsOf(await runPhase(10, n, 20_000, () => service.ledger.jwks()))),
    );
    console.log(
      row(
        'POST /v1/signing/verify (hard-fail)',
        statsOf(
          await runPhase(10, n, 20_000, async () => {
            const reply = await fetch(`${server.url}/v1/signing/verify`, {
              method: 'POST',
              headers,
              body: JSON.stringify({ token }),
            });
            const verdict = (await reply.json()) as { valid: boolean };
            if (!verdict.valid) throw new Error('the token did not verify');
          }),
        ),
      ),
    );
    console.log(
      row(
        '  direct: TokenVerifier.verify',
        statsOf(await runPhase(10, n, 20_000, () => direct.verify(token))),
      ),
    );
    console.log(
      row(
        '  jose alone: verifyJwt with the JWKS',
        statsOf(await runPhase(10, n, 20_000, () => verifyJwt(token, jwks))),
      ),
    );
  } finally {
    await server.close();
    identities.close();
  }
}

async function main(): Promise<void> {
  const hsmDir = mkdtempSync(join(tmpdir(), 'keyledger-bench-signing-hsm-'));
  useSoftHsmDirectory(hsmDir);
  let net: MemberNet | undefined;
  const cas: CaServer[] = [];
  const tokens: HsmToken[] = [];
  const open = (label: string): HsmToken => {
    ensureToken({ label, pin: PIN, soPin: SO_PIN });
    const token = HsmToken.open({ label, pin: PIN });
    tokens.push(token);
    return token;
  };
  try {
    const began = performance.now();
    net = await startMemberNet({ orgs: 2, prefix: 'keyledger-bench-signing-' });
    const signer = await net.addMember('signer', 'signer');
    for (const name of ['ca1', 'ca2']) {
      ensureToken({ label: `bench-${name}`, pin: PIN, soPin: SO_PIN });
      cas.push(
        await startCaServer({
          name,
          dataDir: join(net.dataDir, name),
          token: { label: `bench-${name}`, pin: PIN },
          host: '127.0.0.1',
          port: 0,
          authorizedClients: [signer.fingerprint],
          logger: silent,
        }),
      );
    }
    const clientTls = { certPem: signer.files.certPem, keyPem: readFileSync(signer.files.keyPath, 'utf8') };
    const validator = new CaValidator({
      cas: cas.map((ca) => ({ id: ca.name, baseUrl: ca.url, certificatePem: ca.certificatePem, clientTls })),
    });
    await validator.start();
    const token = open('bench-signing');
    console.log(`devnet, 2 CAs and the signing token up in ${Math.round(performance.now() - began)} ms`);

    // Baselines on the same token (raw CKM_ECDSA over a digest) and in memory (node:crypto ES256).
    const store = new SigningKeyStore({ token });
    const rawKey = store.generate({ kid: 'bench-raw' });
    const handle = store.signingKey(rawKey.kid);
    const digest = createHash('sha256').update(randomBytes(64)).digest();
    const rawHsm = rawRate(
      () =>
        token.use('bench ECDSA', (pkcs11, session) => {
          pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, handle.privateKey.handle);
          pkcs11.C_Sign(session, digest, Buffer.alloc(64));
        }),
      QUICK ? 500 : 1500,
    );
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rawNode = rawRate(
      () => sign('sha256', digest, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
      QUICK ? 500 : 1500,
    );
    store.destroy(rawKey.kid);

    console.log(
      `\nworker throughput, queued → HSM sign → token stored (${JOBS} requests in batches of 100, ES256)`,
    );
    console.log(
      `  baselines, same run: raw pkcs11js CKM_ECDSA ${perSecond(rawHsm, 1000)} /s   node:crypto ES256 ${perSecond(rawNode, 1000)} /s`,
    );
    const setups = [
      { workers: 1, processes: 0 },
      { workers: 4, processes: 0 },
      { workers: 8, processes: 0 },
      { workers: 1, processes: 1 },
      { workers: 4, processes: 1 },
    ];
    for (const { workers, processes } of setups) {
      const name = `${workers}w${processes}p`;
      const dataDir = join(net.dataDir, `service-${name}`);
      const service = await SigningService.start({
        dataDir,
        token,
        ledger: net.connectionAs(signer),
        serviceId: `bench-${name}`,
        certification: new KeyCertification({
          validator,
          caIds: cas.map((ca) => ca.name),
          dir: join(dataDir, 'certificates'),
        }),
        workers,
        ...(processes > 0
          ? { workerProcesses: { count: processes, token: { label: 'bench-signing', pin: PIN } } }
          : {}),
        claimBatch: 50,
        logger: silent,
      });
      try {
        // Warm-up: the key's validation, JIT, SQLite pages.
        const warm = service.queue.submitBatch(
          Array.from({ length: 100 }, (_, i) => ({ payload: { claims: { n: i }, lifetimeSeconds: 600 } })),
        );
        await Promise.all(warm.jobs.map((job) => service.queue.waitFor(job.id, { timeoutMs: 60_000 })));
        const start = performance.now();
        const ids: string[] = [];
        for (let batch = 0; batch < JOBS / 100; batch += 1) {
          const submitted = service.queue.submitBatch(
            Array.from({ length: 100 }, (_, i) => ({
              payload: { claims: { sub: `user-${batch * 100 + i}` }, lifetimeSeconds: 600 },
            })),
          );
          ids.push(...submitted.jobs.map((job) => job.id));
        }
        const done = await Promise.all(ids.map((id) => service.queue.waitFor(id, { timeoutMs: 120_000 })));
        const ms = performance.now() - start;
        const failed = done.filter((job) => job.state !== 'done').length;
        console.log(
          `  ${String(workers).padStart(2)} worker(s)${processes > 0 ? ` + ${processes} worker process (1 worker)` : ''.padEnd(29)}   ${perSecond(done.length - failed, ms)} tokens/s` +
            `   (${Math.round((((done.length - failed) * 1000) / ms / rawHsm) * 100)} % of raw CKM_ECDSA; failed ${failed})`,
        );
        if (workers === 4 && processes === 0) {
          const latencies: number[] = [];
          for (let i = 0; i < LATENCY_SAMPLES; i += 1) {
            const t = performance.now();
            const { job } = service.queue.submit({ payload: { claims: { n: i }, lifetimeSeconds: 600 } });
            await service.queue.waitFor(job.id, { timeoutMs: 30_000 });
            latencies.push(performance.now() - t);
          }
          console.log(
            `  request → done, one at a time (4 workers): p50 ${percentile(latencies, 50).toFixed(2)} ms` +
              `  p99 ${percentile(latencies, 99).toFixed(2)} ms (n ${LATENCY_SAMPLES}; the queue directly)`,
          );
          await restPhases(service, validator, net, signer);
        }
      } finally {
        await service.stop();
      }
    }
    validator.stop();
  } finally {
    await Promise.all(cas.map((ca) => ca.stop().catch(() => undefined)));
    tokens.forEach((token) => token.close());
    await net?.stop().catch(() => undefined);
    rmSync(hsmDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
