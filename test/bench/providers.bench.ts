/*
 * Key-provider benchmark: prints figures, asserts nothing. Run from the repository root after `npx tsc -b`:
 *   node -r ./network/devnet/test/devnet/ts-register.js test/bench/providers.bench.ts [--quick]
 *
 * On a devnet with three provider processes (kp1, kp2 eu-west; kp3 us-east), each with its own SoftHSM token:
 * 1. GenerateDataKey at concurrency 1 and 20, p50/p99/throughput, for
 *    (a) raw SoftHSM in this process (C_GenerateRandom 32 bytes + AES-GCM wrap under a token key: what a
 *        provider does per data key, without HTTP) — the baseline;
 *    (b) one provider called directly over mTLS (ProviderClient);
 *    (c) the orchestrator, verifyDataKeys 'always' (a verifying decrypt on a second provider);
 *    (d) the orchestrator, verifyDataKeys 'never'.
 * 2. Failover: sequential orchestrator requests, kp1 killed (SIGKILL) mid-run; max/p99 latency in the 2 s after
 *    the kill beside the same before it.
 * 3. Ledger cost: RecordOutcomes transactions per 10 000 orchestrator requests beside one per provider call.
 * Every loop is bounded in count; only 127.0.0.1 is used; data and tokens live in temporary directories.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import {
  aesGcmEncrypt,
  ensureToken,
  generateAesKey,
  HsmToken,
  useSoftHsmDirectory,
} from '../../gateway/src/hsm';
import { OrchestratorNode } from '../../gateway/src/providers/orchestratorNode';
import { startProviderNet, type ProviderNet } from '../e2e/support/providerStack';
import { percentile } from './support/load';

const QUICK = process.argv.includes('--quick');
const REQUESTS: Readonly<Record<number, number>> = QUICK ? { 1: 100, 20: 300 } : { 1: 300, 20: 1000 };
const LEDGER_REQUESTS = QUICK ? 2_000 : 10_000;
const FAILOVER_BEFORE_MS = 2_000;
const FAILOVER_AFTER_MS = 2_000;
const KEY_ID = 'bench';

interface Run {
  readonly latencies: number[];
  readonly seconds: number;
}

/** `count` calls of `op`, `concurrency` at a time; latency of each (ms) and the wall-clock length. */
async function load(op: () => Promise<unknown> | unknown, count: number, concurrency: number): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const start = performance.now();
        await op();
        latencies.push(performance.now() - start);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - began) / 1000 };
}

const ms = (n: number): string => (Number.isNaN(n) ? '-' : n.toFixed(2)).padStart(8);
const rate = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(8);

function row(name: string, concurrency: number, run: Run, baseline: Run): string {
  const perSecond = run.latencies.length / run.seconds;
  const basePerSecond = baseline.latencies.length / baseline.seconds;
  return (
    `  ${name.padEnd(30)} c=${String(concurrency).padStart(2)}  p50 ${ms(percentile(run.latencies, 50))} ms` +
    `  p99 ${ms(percentile(run.latencies, 99))} ms  ${rate(perSecond)} /s` +
    `   raw SoftHSM p50 ${ms(percentile(baseline.latencies, 50))} ms ${rate(basePerSecond)} /s`
  );
}

async function main(): Promise<void> {
  const logger = pino({ level: 'silent' });
  const hsmDir = mkdtempSync(join(tmpdir(), 'keyledger-bench-providers-hsm-'));
  let net: ProviderNet | undefined;
  let token: HsmToken | undefined;
  const nodes: OrchestratorNode[] = [];
  try {
    // (a) the baseline token lives in this process, in a SoftHSM directory of its own.
    useSoftHsmDirectory(hsmDir);
    ensureToken({ label: 'bench', pin: '11112222', soPin: '33334444' });
    const opened = HsmToken.open({ label: 'bench', pin: '11112222' });
    token = opened;
    const cmk = generateAesKey(opened, { label: 'bench-cmk' });
    const aad = Buffer.from(`${KEY_ID}/1/{}`);
    const rawDataKey = (): unknown => {
      const plaintext = opened.use('random generation', (pkcs11, session) =>
        Buffer.from(pkcs11.C_GenerateRandom(session, Buffer.alloc(32))),
      );
      return aesGcmEncrypt(opened, cmk, plaintext, aad);
    };

    const began = performance.now();
    net = await startProviderNet({
      providers: [
        { name: 'kp1', region: 'eu-west' },
        { name: 'kp2', region: 'eu-west' },
        { name: 'kp3', region: 'us-east' },
      ],
    });
    await net.replicateKey(KEY_ID);
    const startNode = (
      name: string,
      verifyDataKeys: 'always' | 'never' | undefined,
    ): Promise<OrchestratorNode> =>
      OrchestratorNode.start({
        name,
        fabric: net!.orchestrator.fabric,
        region: 'eu-west',
        dataDir: join(net!.dataDir, name),
        follow: { startBlock: BigInt(net!.devnet.status().height) },
        reporting: { flushIntervalMs: 1000 },
        logger,
        ...(verifyDataKeys ? { orchestrator: { verifyDataKeys } } : {}),
      });
    const node = await startNode('bench-orch', undefined);
    nodes.push(node);
    const unverified = await startNode('bench-orch-nv', 'never');
    nodes.push(unverified);
    console.log(
      `provider net up (devnet, 3 providers, key replicated, 2 orchestrators) in ${Math.round(performance.now() - began)} ms`,
    );

    const kp1 = await net.client('kp1');
    const request = { keyId: KEY_ID, encryptionContext: { tenant: 'bench' } };
    const cases: [string, () => Promise<unknown> | unknown][] = [
      ['direct provider (kp1, mTLS)', () => kp1.generateDataKey(request)],
      ["orchestrator, verify 'always'", () => node.orchestrator.generateDataKey(request)],
      ["orchestrator, verify 'never'", () => unverified.orchestrator.generateDataKey(request)],
    ];
    // Warm-up: TLS sessions, the orchestrators' views of the providers, JIT.
    await load(rawDataKey, 50, 1);
    for (const [, op] of cases) {
      await load(op, 30, 4);
    }
    console.log(
      '\nGenerateDataKey (AES_256); baseline = raw SoftHSM random + AES-GCM wrap in-process, same run',
    );
    for (const concurrency of [1, 20]) {
      const count = REQUESTS[concurrency]!;
      const baseline = await load(rawDataKey, count, concurrency);
      console.log(row('raw SoftHSM (baseline)', concurrency, baseline, baseline));
      for (const [name, op] of cases) {
        const run = await load(op, count, concurrency);
        console.log(row(name, concurrency, run, await load(rawDataKey, count, concurrency)));
      }
    }

    // Failover: sequential orchestrator requests; kp1 is killed in the middle.
    const timeline: { at: number; ms: number; ok: boolean }[] = [];
    let killedAt = Number.POSITIVE_INFINITY;
    let stopAt = Number.POSITIVE_INFINITY;
    const killer = (async (): Promise<void> => {
      await new Promise((resolve) => setTimeout(resolve, FAILOVER_BEFORE_MS));
      killedAt = performance.now();
      await net!.kill('kp1');
      stopAt = killedAt + FAILOVER_AFTER_MS;
    })();
    const runStart = performance.now();
    while (performance.now() < stopAt && performance.now() - runStart < 60_000) {
      const start = performance.now();
      let ok = true;
      try {
        await node.orchestrator.generateDataKey(request);
      } catch {
        ok = false;
      }
      timeline.push({ at: start, ms: performance.now() - start, ok });
    }
    await killer;
    const before = timeline.filter((t) => t.at + t.ms <= killedAt).map((t) => t.ms);
    const afterEntries = timeline.filter((t) => t.at >= killedAt || t.at + t.ms > killedAt);
    const after = afterEntries.map((t) => t.ms);
    const failed = afterEntries.filter((t) => !t.ok).length;
    console.log(
      `\nfailover: sequential orchestrator GenerateDataKey, kp1 SIGKILLed after ${FAILOVER_BEFORE_MS} ms`,
    );
    console.log(
      `  2 s after the kill   n ${String(after.length).padStart(5)}  max ${ms(Math.max(...after))} ms  p99 ${ms(percentile(after, 99))} ms  failed ${failed}`,
    );
    console.log(
      `  before the kill      n ${String(before.length).padStart(5)}  max ${ms(Math.max(...before))} ms  p99 ${ms(percentile(before, 99))} ms`,
    );

    // Ledger cost: outcomes are batched into RecordOutcomes transactions.
    await node.reporter.flush();
    const start = node.reporter.stats();
    let providerCalls = 0;
    await load(
      async () => {
        const answer = await node.orchestrator.generateDataKey(request);
        providerCalls += answer.attempts.length;
      },
      LEDGER_REQUESTS,
      20,
    );
    await node.reporter.flush();
    const end = node.reporter.stats();
    const scale = 10_000 / LEDGER_REQUESTS;
    const sent = end.batchesSent - start.batchesSent;
    const confirmed = end.batchesConfirmed - start.batchesConfirmed;
    console.log(`\nledger cost over ${LEDGER_REQUESTS} orchestrator requests (c=20), per 10 000 requests`);
    console.log(
      `  RecordOutcomes txs   sent ${(sent * scale).toFixed(0).padStart(6)}   confirmed ${(confirmed * scale).toFixed(0).padStart(6)}` +
        `   naive 1 tx per provider call ${(providerCalls * scale).toFixed(0).padStart(6)}` +
        `   (outcomes recorded ${end.recorded - start.recorded}, pending ${end.pending})`,
    );
  } finally {
    for (const made of nodes.reverse()) {
      await made.stop().catch(() => undefined);
    }
    await net?.stop().catch(() => undefined);
    token?.close();
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
