/*
 * Key-rotation benchmark: prints figures, asserts nothing. Run from the repository root after `npx tsc -b`:
 *   node -r ./network/devnet/test/devnet/ts-register.js test/bench/rotation.bench.ts [--quick]
 *
 * 1. Front-end message crypto, 1 KiB: FrontendNode.seal/open (sync) and encrypt/decrypt (the async handle the
 *    REST API uses) beside raw node:crypto AES-256-GCM with a random IV and the same AAD — the baseline, run
 *    interleaved with the project's figure in short slices so both see the same machine. Goal ≥ 80 %.
 *    Also the same with keyResidence 'hsm' (every message a PKCS#11 call into SoftHSM).
 * 2. Rotation propagation on the devnet stack (3 validators, 2 front-ends, SoftHSM tokens): from the commit
 *    (the committing transaction's timestamp) to every front-end holding the new version, p50/p95, with the
 *    split commit → RotationCommitted event at an observer, and event → last front-end.
 * Every loop is bounded in count and time; only 127.0.0.1 is used; tokens live in a temporary directory.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FabricConnection } from '../../gateway/src/fabric';
import { useSoftHsmDirectory } from '../../gateway/src/hsm';
import { envelopeAad, type FrontendNode } from '../../gateway/src/rotation';
import { startStack } from '../e2e/support/stack';
import { percentile } from './support/load';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 3 : 7;
const SLICE_MS = QUICK ? 200 : 400;
const ROTATIONS = QUICK ? 3 : 20;

/** Operations per second of `op` over one slice. */
function slice(op: () => unknown): number {
  const end = performance.now() + SLICE_MS;
  let count = 0;
  const began = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 64; i += 1) {
      op();
    }
    count += 64;
  }
  return count / ((performance.now() - began) / 1000);
}

async function sliceAsync(op: () => Promise<unknown>): Promise<number> {
  const end = performance.now() + SLICE_MS;
  let count = 0;
  const began = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 64; i += 1) {
      await op();
    }
    count += 64;
  }
  return count / ((performance.now() - began) / 1000);
}

interface Pair {
  readonly baseline: number;
  readonly project: number;
  readonly ratio: number;
}

/** Baseline and project alternately, ROUNDS times; medians and the median of per-round ratios. */
async function compare(
  baseline: () => unknown,
  project: () => unknown | Promise<unknown>,
  async = false,
): Promise<Pair> {
  const base: number[] = [];
  const ours: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const b = slice(baseline);
    const o = async ? await sliceAsync(project as () => Promise<unknown>) : slice(project);
    base.push(b);
    ours.push(o);
    ratios.push(o / b);
  }
  return { baseline: percentile(base, 50), project: percentile(ours, 50), ratio: percentile(ratios, 50) };
}

function row(name: string, pair: Pair): string {
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(9);
  return `  ${name.padEnd(34)} ${fmt(pair.project)} /s   raw node:crypto ${fmt(pair.baseline)} /s   ${(pair.ratio * 100).toFixed(0).padStart(4)} %`;
}

async function messageCrypto(node: FrontendNode, hsmNode: FrontendNode, queueId: string): Promise<void> {
  const plaintext = randomBytes(1024);
  const version = node.currentVersion(queueId) ?? 1;
  const aad = envelopeAad(queueId, version);
  const key = createSecretKey(randomBytes(32));
  const rawSeal = (): Buffer => {
    const cipher = createCipheriv('aes-256-gcm', key, randomBytes(12));
    cipher.setAAD(aad);
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  };
  const iv = randomBytes(12);
  const sealedRaw = (() => {
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { body, tag: cipher.getAuthTag() };
  })();
  const rawOpen = (): Buffer => {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(sealedRaw.tag);
    const out = decipher.update(sealedRaw.body);
    decipher.final();
    return out;
  };
  const envelope = node.seal(queueId, plaintext).envelope;
  const hsmEnvelope = hsmNode.seal(queueId, plaintext).envelope;
  console.log('\nfront-end message crypto, 1 KiB (median of interleaved slices; ratio = project / baseline)');
  console.log(row('seal (sync, memory key)', await compare(rawSeal, () => node.seal(queueId, plaintext))));
  console.log(row('open (sync, memory key)', await compare(rawOpen, () => node.open(queueId, envelope))));
  console.log(
    row('encrypt (async handle)', await compare(rawSeal, () => node.encrypt(queueId, plaintext), true)),
  );
  console.log(
    row('decrypt (async handle)', await compare(rawOpen, () => node.decrypt(queueId, envelope), true)),
  );
  console.log(
    row("seal, keyResidence 'hsm' (SoftHSM)", await compare(rawSeal, () => hsmNode.seal(queueId, plaintext))),
  );
  console.log(
    row(
      "open, keyResidence 'hsm' (SoftHSM)",
      await compare(rawOpen, () => hsmNode.open(queueId, hsmEnvelope)),
    ),
  );
}

async function main(): Promise<void> {
  const hsmDir = mkdtempSync(join(tmpdir(), 'keyledger-bench-softhsm-'));
  useSoftHsmDirectory(hsmDir);
  const began = performance.now();
  const stack = await startStack({ logLevel: process.env['BENCH_LOG'] ?? 'warn', frontends: 3 });
  try {
    console.log(
      `stack up (devnet, chaincode, governance, 3 validators, 3 front-ends) in ${Math.round(performance.now() - began)} ms`,
    );
    const queueId = 'bench';
    await stack.setPolicy({ queueId, rotationIntervalMs: 3_600_000, maxMessages: 1_000_000_000 });
    await stack.allOnVersion(queueId, 1);
    // The third front-end keeps its keys in the token only; it is not part of the propagation figures.
    await stack.stopFrontend(2);
    const hsmNode = await stack.startFrontend(2, { keyResidence: 'hsm' });
    await hsmNode.waitForVersion(queueId, 1);
    await messageCrypto(stack.frontends[0]!, hsmNode, queueId);
    await stack.stopFrontend(2);

    const observer = FabricConnection.open(stack.admin.fabric);
    const arrivals = new Map<number, number>();
    const events = await observer.network.getChaincodeEvents('keyledger', {
      startBlock: BigInt(stack.devnet.status().height),
    });
    const watching = (async (): Promise<void> => {
      try {
        for await (const event of events) {
          if (event.eventName === 'RotationCommitted') {
            const payload = JSON.parse(Buffer.from(event.payload).toString('utf8')) as {
              queueId: string;
              version: number;
            };
            if (payload.queueId === queueId) {
              arrivals.set(payload.version, Date.now());
            }
          }
        }
      } catch {
        // closed
      }
    })();
    const total: number[] = [];
    const toEvent: number[] = [];
    const eventToAll: number[] = [];
    for (let i = 0; i < ROTATIONS; i += 1) {
      const version = (stack.frontends[0]!.currentVersion(queueId) ?? 0) + 1;
      await stack.validators[i % stack.validators.length]!.rotateNow(queueId, 'manual');
      await stack.allOnVersion(queueId, version);
      const activations = stack.frontends
        .filter((node): node is FrontendNode => node !== undefined)
        .map((node) => node.activations().find((a) => a.queueId === queueId && a.version === version)!);
      const last = Math.max(...activations.map((a) => a.activatedAt));
      const committedAt = activations[0]!.committedAt;
      total.push(last - committedAt);
      const arrived = arrivals.get(version);
      if (arrived !== undefined) {
        toEvent.push(arrived - committedAt);
        eventToAll.push(last - arrived);
      }
    }
    events.close();
    await watching;
    observer.close();
    const ms = (values: number[]): string =>
      `p50 ${percentile(values, 50).toFixed(0).padStart(4)} ms   p95 ${percentile(values, 95).toFixed(0).padStart(4)} ms`;
    console.log(`\nrotation propagation over ${ROTATIONS} rotations (3 validators, quorum 2; 2 front-ends)`);
    console.log(`  commit → all front-ends on the new version   ${ms(total)}`);
    console.log(`    commit → RotationCommitted at an observer  ${ms(toEvent)}`);
    console.log(`    event → last front-end verified + unwrapped ${ms(eventToAll)}`);
    const metrics = stack.frontends[0]!.metrics();
    console.log(
      `\nfront-end 1: ${metrics.encrypted} messages encrypted, ${metrics.volume.reports} volume reports (batched), ` +
        `${metrics.versionsActivated} versions activated, ${metrics.versionsDestroyed} destroyed past retention ` +
        '(the benchmark loops never yield to the event loop, so volume flushes wait for the end)',
    );
  } finally {
    await stack.stop();
    rmSync(hsmDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
