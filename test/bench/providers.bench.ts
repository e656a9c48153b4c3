/*
 * Key-provider benchmark: prints figures, asserts nothing. Run from the repository root after `npx tsc -b`:
 *   node -r ./network/devnet/test/devnet/ts-register.js test/bench/providers.bench.ts [--quick]
 *
 * On a devnet with three provider processes (kp1, kp2 eu-west; kp3 us-east), each with its own SoftHSM token:
 * 1. GenerateDataKey and Decrypt at concurrency 1 and 20, p50/p99/throughput, for
 *    (a) raw SoftHSM in this process (GenerateDataKey: C_GenerateRandom 32 bytes + AES-GCM wrap under a token key;
 *        Decrypt: AES-GCM unwrap — what a provider does per call, without HTTP) — the baseline;
 *    (b) one provider called directly over mTLS (ProviderClient), and two providers called in turn (what spreading
 *        alone costs on this machine);
 *    (c) the orchestrator: for data keys with verifyDataKeys 'always' (a verifying decrypt on a second provider,
 *        the default) and 'never'.
 * 2. Failover: sequential orchestrator requests, kp1 killed (SIGKILL) mid-run; the latency of the requests that
 *    tried the dead provider first and were served by another, and max/p99 in the 2 s after the kill beside before.
 * 3. Ledger cost with the shipped reporting defaults (flush every 5 s, tallies per provider): RecordOutcomes
 *    transactions per 10 000 orchestrator requests beside one per provider call.
 * Every loop is bounded in count; only 127.0.0.1 is used; data and tokens live in temporary directories.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import {
  aesGcmDecrypt,
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
    const kp2 = await net.client('kp2');
    const request = { keyId: KEY_ID, encryptionContext: { tenant: 'bench' } };
    let turn = 0;
    const dataKeyCases: [string, () => Promise<unknown> | unknown][] = [
      ['direct provider (kp1, mTLS)', () => kp1.generateDataKey(request)],
      // What the orchestrator's spreading costs by itself on this machine: each provider process is idle part of
      // the time and is woken for its share (2 cores, 3 provider processes and this one).
      ['direct, kp1/kp2 in turn', () => ((turn += 1) % 2 === 0 ? kp1 : kp2).generateDataKey(request)],
      ["orchestrator, verify 'always'", () => node.orchestrator.generateDataKey(request)],
      ["orchestrator, verify 'never'", () => unverified.orchestrator.generateDataKey(request)],
    ];
    const sealed = await kp1.generateDataKey(request);
    const decryptRequest = {
      ciphertextBlob: sealed.ciphertextBlob,
      encryptionContext: request.encryptionContext,
    };
    const rawSealed = aesGcmEncrypt(opened, cmk, Buffer.alloc(32, 7), aad);
    const rawDecrypt = (): unknown => aesGcmDecrypt(opened, cmk, rawSealed, aad).fill(0);
    const decryptCases: [string, () => Promise<unknown> | unknown][] = [
      ['direct provider (kp1, mTLS)', () => kp1.decrypt(decryptRequest)],
      ['direct, kp1/kp2 in turn', () => ((turn += 1) % 2 === 0 ? kp1 : kp2).decrypt(decryptRequest)],
      ['orchestrator', () => node.orchestrator.decrypt(decryptRequest)],
    ];
    // Warm-up: TLS sessions, the orchestrators' views of the providers, JIT.
    await load(rawDataKey, 50, 1);
    await load(rawDecrypt, 50, 1);
    for (const [, op] of [...dataKeyCases, ...decryptCases]) {
      await load(op, 30, 4);
    }
    const sections: [string, () => unknown, [string, () => Promise<unknown> | unknown][]][] = [
      [
        'GenerateDataKey (AES_256); baseline = raw SoftHSM random + AES-GCM wrap in-process, same run',
        rawDataKey,
        dataKeyCases,
      ],
      [
        'Decrypt (a data key blob); baseline = raw SoftHSM AES-GCM unwrap in-process, same run',
        rawDecrypt,
        decryptCases,
      ],
    ];
    for (const [title, raw, cases] of sections) {
      console.log(`\n${title}`);
      for (const concurrency of [1, 20]) {
        const count = REQUESTS[concurrency]!;
        const baseline = await load(raw, count, concurrency);
        console.log(row('raw SoftHSM (baseline)', concurrency, baseline, baseline));
        for (const [name, op] of cases) {
          const run = await load(op, count, concurrency);
          console.log(row(name, concurrency, run, await load(raw, count, concurrency)));
        }
      }
    }

    // Failover: sequential orchestrator requests; kp1 is killed in the middle. A request failed over when its first
    // attempt went to the dead kp1 and another provider served it: its latency is the failover time.
    const timeline: { at: number; ms: number; ok: boolean; failedOver: boolean }[] = [];
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
      let failedOver = false;
      try {
        const answer = await node.orchestrator.generateDataKey(request);
        const first = answer.attempts[0];
        failedOver = first?.providerId === 'kp1' && !first.ok && answer.providerId !== 'kp1';
      } catch {
        ok = false;
      }
      timeline.push({ at: start, ms: performance.now() - start, ok, failedOver });
    }
    await killer;
    const before = timeline.filter((t) => t.at + t.ms <= killedAt).map((t) => t.ms);
    const afterEntries = timeline.filter((t) => t.at >= killedAt || t.at + t.ms > killedAt);
    const after = afterEntries.map((t) => t.ms);
    const failed = afterEntries.filter((t) => !t.ok).length;
    const failovers = afterEntries.filter((t) => t.failedOver);
    const firstServed = afterEntries.find((t) => t.ok && t.at + t.ms > killedAt);
    console.log(
      `\nfailover: sequential orchestrator GenerateDataKey, kp1 SIGKILLed after ${FAILOVER_BEFORE_MS} ms`,
    );
    console.log(
      `  failed over (first try on the dead kp1)  n ${String(failovers.length).padStart(3)}` +
        `  max ${ms(Math.max(...failovers.map((t) => t.ms)))} ms  first served ${ms(
          firstServed === undefined ? Number.NaN : firstServed.at + firstServed.ms - killedAt,
        )} ms after the kill`,
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
