/*
 * REST API benchmark: prints figures, asserts nothing. Run from the repository root after `npx tsc -b`:
 *   node -r ./network/devnet/test/devnet/ts-register.js test/bench/api.bench.ts [--quick]
 * `POST /v1/queues/{q}/encrypt` with 1 KiB of plaintext at concurrency 20 on the stack `npm start` brings up
 * (devnet, chaincode, agents, front-ends, API — in a temporary data folder on free ports), beside a baseline
 * from the same run: a bare node:http server on loopback that parses the same JSON body and encrypts it with
 * node:crypto AES-256-GCM (no auth, no validation, no routing) — the ceiling of an HTTP+JSON hop on this machine.
 * Every loop is bounded in time; only 127.0.0.1 is used.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startLocalStack } from '../../gateway/src/stack';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 3 : 10;
const CONCURRENCY = 20;

interface Result {
  readonly perSecond: number;
  readonly p50: number;
  readonly p95: number;
  readonly errors: number;
}

async function load(url: string, headers: Record<string, string>, body: string): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const response = await fetch(url, { method: 'POST', headers, body });
        await response.arrayBuffer();
        if (response.status !== 200) {
          errors += 1;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { perSecond: latencies.length / elapsed, p50: at(0.5), p95: at(0.95), errors };
}

function baselineServer(): Promise<{ server: Server; url: string }> {
  const key = randomBytes(32);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { plaintext } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { plaintext: string };
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([
        iv,
        cipher.update(Buffer.from(plaintext, 'base64')),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ version: 1, envelope: sealed.toString('base64') }));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}/encrypt` });
    });
  });
}

function line(name: string, r: Result): string {
  return `${name.padEnd(44)} ${r.perSecond.toFixed(0).padStart(6)} req/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p95 ${r.p95.toFixed(1).padStart(6)} ms   non-200 ${r.errors}`;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyledger-bench-api-'));
  const stack = await startLocalStack({ dataDir, network: 'devnet', devnetPort: 0, apiPort: 0 });
  try {
    const token = (name: string): string => stack.participants.find((p) => p.name === name)?.apiToken ?? '';
    const json = { 'content-type': 'application/json' };
    const policy = await fetch(`${stack.apiUrl}/v1/queues/bench/policy`, {
      method: 'PUT',
      headers: { ...json, authorization: `Bearer ${token('admin')}` },
      body: JSON.stringify({
        rotationIntervalMs: 3_600_000,
        maxMessages: 100_000_000,
        algorithm: 'AES-256-GCM',
      }),
    });
    if (policy.status >= 300) {
      throw new Error(`setting the policy failed: ${policy.status} ${await policy.text()}`);
    }
    const headers = { ...json, authorization: `Bearer ${token('frontend1')}` };
    const body = JSON.stringify({ plaintext: randomBytes(1024).toString('base64') });
    const encryptUrl = `${stack.apiUrl}/v1/queues/bench/encrypt`;
    for (let waited = 0; ; waited += 200) {
      const probe = await fetch(encryptUrl, { method: 'POST', headers, body });
      await probe.arrayBuffer();
      if (probe.status === 200) {
        break;
      }
      if (waited > 30_000) {
        throw new Error(`the queue's first key never reached frontend1 (last status ${probe.status})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    console.log(`REST encrypt, 1 KiB, concurrency ${CONCURRENCY}, ${SECONDS} s each`);
    const ours = await load(encryptUrl, headers, body);
    const { server, url } = await baselineServer();
    const baseline = await load(url, json, body);
    server.close();
    console.log(line('KeyLedger API (auth, validation, front-end)', ours));
    console.log(line('baseline: bare node:http + node:crypto', baseline));
    console.log(`ratio ${((ours.perSecond / baseline.perSecond) * 100).toFixed(0)} % of the baseline`);
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
