/*
 * Threshold key custody benchmark: prints figures, asserts nothing. Run from the repository root after
 * `npx tsc -b` (the module processes run the built gateway):
 *   node -r ./network/devnet/test/devnet/ts-register.js test/bench/threshold.bench.ts [--quick]
 *
 * A devnet with the chaincode (batch timeout 50 ms), an orchestrator member and five security modules, each a
 * process of its own (`keyledger module start`, own SoftHSM token, mutual TLS), as in the e2e fixture
 * (test/e2e/support/thresholdNet.ts). Figures, each beside a baseline measured in the same run:
 * 1. In one process, @noble/curves 2.x ed25519_FROST (the suite the modules use): trustedDealer 2-of-3 and
 *    3-of-5; one signature (commit by each signer + signShare by each + verifyShare of each + aggregate +
 *    verify), with the t signers FROST needs and with every holder (what the coordinator does); node:crypto
 *    Ed25519 sign + verify for scale.
 * 2. Across module processes, sequential, 2-of-3 (a key on m1..m3) and 3-of-5 (on m1..m5): the coordinator's
 *    call alone (POST /v1/sessions/coordinate on a session opened beforehand, untimed) and the full
 *    ThresholdService.sign (GetCommitments + OpenSession + coordinate + node:crypto verify), sampled
 *    round-robin so both see the same machine.
 * 3. Key ceremonies: DKG and dealer keygen for 2-of-3 and 3-of-5, then proactive refresh of each signing key.
 * Goals are printed beside the figures, met or not met; nothing fails on time.
 * Full run (2 cores): about 8 minutes; --quick: about 3 minutes (most of it FROST CPU in the modules).
 * Every loop is bounded; only 127.0.0.1 is used; tokens and the devnet live in temporary directories.
 */
import { generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { frost } from '../../gateway/src/threshold/math/frostSuite';
import { messageDigestOf } from '../../gateway/src/threshold/protocol/sessionGuard';
import { MODULE_PATHS, type CoordinateResponse } from '../../gateway/src/threshold/protocol/wire';
import { ed25519KeyObject } from '../../gateway/src/threshold/service/thresholdSigning';
import { startThresholdNet, type ThresholdNet } from '../e2e/support/thresholdNet';
import { percentile } from './support/load';
import { latencyFigures } from './support/shards';
import { inProcessSignature, type StepTimes } from './support/thresholdFrost';

const QUICK = process.argv.includes('--quick');
const IN_PROCESS_N = QUICK ? 50 : 200;
const DEALER_N = QUICK ? 20 : 100;
const ACROSS_N = QUICK ? 15 : 50;
const WARMUP = QUICK ? 3 : 5;
const KEYGEN_REPEATS = QUICK ? 1 : 3;
const REFRESH_REPEATS = QUICK ? 1 : 3;
const MODULES = ['m1', 'm2', 'm3', 'm4', 'm5'] as const;
const SIGN_GOAL_MS = 100;
const message = Buffer.from('release manifest 4.2.1 for cluster eu-west, digest 9f2c…');

interface Shape {
  readonly name: string;
  readonly t: number;
  readonly n: number;
}
const SHAPES: readonly Shape[] = [
  { name: '2-of-3', t: 2, n: 3 },
  { name: '3-of-5', t: 3, n: 5 },
];

function syncSamples(count: number, op: () => unknown): number[] {
  const latencies: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const start = performance.now();
    op();
    latencies.push(performance.now() - start);
  }
  return latencies;
}

function label(text: string): string {
  return `    ${text.padEnd(58)}`;
}

function stepLine(steps: StepTimes, count: number): string {
  const f = (ms: number): string => (ms / count).toFixed(2);
  return (
    `commit ${f(steps.commit)} + signShare ${f(steps.signShare)} + verifyShare ${f(steps.verifyShare)}` +
    ` + aggregate ${f(steps.aggregate)} + verify ${f(steps.verify)} ms (means)`
  );
}

/** Section 1; the in-process p50 (ms) per shape with every holder signing, and with t signers. */
function inProcess(): Map<string, { all: number; t: number }> {
  console.log(
    `\n1. in one process, @noble/curves ${nobleVersion()} ed25519_FROST (${IN_PROCESS_N} signatures per row, sequential)`,
  );
  const p50s = new Map<string, { all: number; t: number }>();
  for (const shape of SHAPES) {
    const signers = { min: shape.t, max: shape.n };
    for (let i = 0; i < 10; i += 1) frost.trustedDealer(signers); // warm-up
    const dealer = syncSamples(DEALER_N, () => frost.trustedDealer(signers));
    const shares = frost.trustedDealer(signers);
    const holders = Object.values(shares.secretShares);
    console.log(`  ${shape.name}`);
    console.log(`${label(`trustedDealer (${shape.t}, ${shape.n})`)}${latencyFigures(dealer)}`);
    const figures = { all: Number.NaN, t: Number.NaN };
    for (const [which, set] of [
      ['t', holders.slice(0, shape.t)],
      ['all', holders],
    ] as const) {
      const steps: StepTimes = { commit: 0, signShare: 0, verifyShare: 0, aggregate: 0, verify: 0 };
      for (let i = 0; i < 10; i += 1) inProcessSignature(shares.public, set, message);
      const latencies: number[] = [];
      for (let i = 0; i < IN_PROCESS_N; i += 1) {
        const start = performance.now();
        inProcessSignature(shares.public, set, message, steps);
        latencies.push(performance.now() - start);
      }
      figures[which] = percentile(latencies, 50);
      const what =
        which === 't'
          ? `one signature, ${set.length} signers (t)`
          : `one signature, ${set.length} signers (all holders, as coordinator)`;
      console.log(`${label(what)}${latencyFigures(latencies)}`);
      console.log(`${label('')}  ${stepLine(steps, IN_PROCESS_N)}`);
    }
    p50s.set(shape.name, figures);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  for (let i = 0; i < 50; i += 1) verify(null, message, publicKey, sign(null, message, privateKey));
  const plain = syncSamples(IN_PROCESS_N * 5, () => {
    if (!verify(null, message, publicKey, sign(null, message, privateKey))) throw new Error('no verify');
  });
  console.log(`  for scale`);
  console.log(`${label('node:crypto Ed25519 sign + verify')}${latencyFigures(plain)}`);
  return p50s;
}

function nobleVersion(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(join(__dirname, '../../gateway/node_modules/@noble/curves/package.json'), 'utf8'),
    ) as { version?: string };
    return pkg.version ?? '?';
  } catch {
    return '?';
  }
}

/** The coordinator's call alone, on a session opened (untimed) just before; ms, and the signers. */
async function coordinateOnly(tn: ThresholdNet, keyId: string): Promise<{ ms: number; signers: string[] }> {
  const session = await tn.orchestratorLedger.openSession({
    sessionId: `bench-${randomUUID()}`,
    keyId,
    kind: 'sign',
    messageDigest: messageDigestOf(message),
    purpose: 'bench',
    ttlSeconds: 10,
  });
  const start = performance.now();
  const answer = await tn.caller.call<CoordinateResponse>(
    session.coordinator,
    'POST',
    MODULE_PATHS.coordinate,
    { sessionId: session.sessionId, message: message.toString('base64') },
    { timeoutMs: 10_000 },
  );
  const ms = performance.now() - start;
  if (!verify(null, message, ed25519KeyObject(answer.groupPublicKey), Buffer.from(answer.signature, 'hex'))) {
    throw new Error(`coordinator ${session.coordinator} returned a signature that does not verify`);
  }
  return { ms, signers: [...answer.signers] };
}

/** Section 2; the across-process p50s (coordinator alone, full sign) per shape. */
async function acrossProcesses(
  tn: ThresholdNet,
  keys: ReadonlyMap<string, string>,
): Promise<Map<string, { coordinate: number; full: number }>> {
  console.log(
    `\n2. across module processes over mutual TLS, sequential (${ACROSS_N} signatures per row, round-robin)`,
  );
  const p50s = new Map<string, { coordinate: number; full: number }>();
  for (const shape of SHAPES) {
    const keyId = keys.get(shape.name) ?? '';
    const full = (): Promise<unknown> => tn.service.sign(tn.orchestratorLedger, { keyId, message });
    for (let i = 0; i < WARMUP; i += 1) {
      await coordinateOnly(tn, keyId);
      await full();
    }
    const coordinate: number[] = [];
    const signed: number[] = [];
    const signerCounts = new Map<number, number>();
    for (let i = 0; i < ACROSS_N; i += 1) {
      const one = await coordinateOnly(tn, keyId);
      coordinate.push(one.ms);
      signerCounts.set(one.signers.length, (signerCounts.get(one.signers.length) ?? 0) + 1);
      const start = performance.now();
      await full();
      signed.push(performance.now() - start);
    }
    const sets = [...signerCounts].map(([count, times]) => `${count} signers × ${times}`).join(', ');
    console.log(
      `  ${shape.name} (key ${keyId} on ${MODULES.slice(0, shape.n).join(', ')}; signing sets: ${sets})`,
    );
    console.log(`${label('coordinator call alone (no OpenSession)')}${latencyFigures(coordinate)}`);
    console.log(`${label('ThresholdService.sign, with the ledger session')}${latencyFigures(signed)}`);
    p50s.set(shape.name, { coordinate: percentile(coordinate, 50), full: percentile(signed, 50) });
  }
  console.log(
    '  (the coordinator asks every module that committed for a share — signing set = all responders, so 3-of-5 signs with 5 modules;',
  );
  console.log(
    '   "coordinator call alone" still holds each module\'s session check on the ledger (evaluate) and the coordinator\'s CloseSession',
  );
  console.log(
    '   submit; "with the ledger session" adds GetCommitments evaluate + OpenSession submit + node:crypto verify at the caller)',
  );
  return p50s;
}

async function timed<T>(op: () => Promise<T>): Promise<number> {
  const start = performance.now();
  await op();
  return performance.now() - start;
}

function msList(values: readonly number[]): string {
  const shown = values.map((ms) => ms.toFixed(0)).join(', ');
  const mean = values.reduce((sum, ms) => sum + ms, 0) / Math.max(1, values.length);
  return `${shown} ms${values.length > 1 ? `   (mean ${mean.toFixed(0)} ms)` : ''}`;
}

/** Sets up the signing keys (DKG, untimed here: section 3 times fresh ceremonies); keyId by shape. */
async function signingKeys(tn: ThresholdNet): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  for (const shape of SHAPES) {
    const keyId = `bench-sign-${shape.t}of${shape.n}`;
    await tn.adminLedger.setPolicy({ keyId, t: shape.t, n: shape.n, minTrust: 100 });
    await tn.service.keygen(tn.adminLedger, {
      keyId,
      mode: 'dkg',
      modules: MODULES.slice(0, shape.n),
    });
    keys.set(shape.name, keyId);
  }
  return keys;
}

/** Section 3: keygen (DKG, dealer) and refresh, a few times each. */
async function ceremonies(tn: ThresholdNet, keys: ReadonlyMap<string, string>): Promise<void> {
  console.log(
    `\n3. key ceremonies across the module processes (${KEYGEN_REPEATS} keygen per row, ${REFRESH_REPEATS} refresh per key; each ms)`,
  );
  for (const shape of SHAPES) {
    console.log(`  ${shape.name} (modules ${MODULES.slice(0, shape.n).join(', ')})`);
    for (const mode of ['dkg', 'dealer'] as const) {
      const times: number[] = [];
      for (let r = 0; r < KEYGEN_REPEATS; r += 1) {
        const keyId = `bench-${mode}-${shape.t}of${shape.n}-${r}`;
        await tn.adminLedger.setPolicy({ keyId, t: shape.t, n: shape.n, minTrust: 100 });
        times.push(
          await timed(() =>
            tn.service.keygen(tn.adminLedger, { keyId, mode, modules: MODULES.slice(0, shape.n) }),
          ),
        );
      }
      const what =
        mode === 'dkg'
          ? 'keygen, DKG (service.keygen mode dkg)'
          : 'keygen, dealer (service.keygen mode dealer)';
      console.log(`${label(what)}${msList(times)}`);
    }
    const keyId = keys.get(shape.name) ?? '';
    const refreshes: number[] = [];
    for (let r = 0; r < REFRESH_REPEATS; r += 1) {
      refreshes.push(await timed(() => tn.service.refresh(tn.adminLedger, keyId)));
    }
    console.log(`${label(`refresh of ${keyId} (service.refresh)`)}${msList(refreshes)}`);
    const after = await tn.service.sign(tn.orchestratorLedger, { keyId, message });
    console.log(`${label('')}  then signs at epoch ${after.epoch} under the same group key`);
  }
  console.log(
    "  (each ceremony: policy read + module rounds + PublishCommitments submit + every module's acceptance and acknowledgement)",
  );
}

function goals(
  local: ReadonlyMap<string, { all: number; t: number }>,
  across: ReadonlyMap<string, { coordinate: number; full: number }>,
): void {
  const inProc = local.get('2-of-3') ?? { all: Number.NaN, t: Number.NaN };
  const remote = across.get('2-of-3') ?? { coordinate: Number.NaN, full: Number.NaN };
  const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  console.log("\ngoals (from this run's p50s)");
  const bound = 1.5 * inProc.all + 10;
  const boundT = 1.5 * inProc.t + 10;
  console.log(
    `  2-of-3 across processes ≤ 1.5 × in-process + 10 ms: coordinator call p50 ${remote.coordinate.toFixed(2)} ms` +
      ` vs bound ${bound.toFixed(2)} ms (in-process p50 ${inProc.all.toFixed(2)} ms, same 3 signers): ${verdict(remote.coordinate <= bound)}`,
  );
  console.log(
    `    against the in-process t = 2 signers p50 ${inProc.t.toFixed(2)} ms the bound is ${boundT.toFixed(2)} ms: ${verdict(remote.coordinate <= boundT)}`,
  );
  for (const shape of SHAPES) {
    const full = across.get(shape.name)?.full ?? Number.NaN;
    console.log(
      `  ${shape.name} p50 ≤ ${SIGN_GOAL_MS} ms including the ledger session: ThresholdService.sign p50 ${full.toFixed(2)} ms: ${verdict(full <= SIGN_GOAL_MS)}`,
    );
  }
}

async function main(): Promise<void> {
  const began = performance.now();
  const startLoad = loadavg()[0]?.toFixed(2);
  const local = inProcess();
  let tn: ThresholdNet | undefined;
  try {
    const upStart = performance.now();
    tn = await startThresholdNet('keyledger-bench-threshold-');
    const net = tn;
    await Promise.all(MODULES.map((name, i) => net.startModule(name, i + 1)));
    const keys = await signingKeys(tn);
    console.log(
      `\ndevnet (batch timeout 50 ms), orchestrator and ${MODULES.length} module processes up, signing keys made, in ${Math.round(performance.now() - upStart)} ms` +
        `${QUICK ? ' (--quick)' : ''}`,
    );
    const across = await acrossProcesses(tn, keys);
    await ceremonies(tn, keys);
    goals(local, across);
    console.log(`\nload average (1 min) at the start ${startLoad}, at the end ${loadavg()[0]?.toFixed(2)}`);
    console.log(`\ntotal ${((performance.now() - began) / 1000).toFixed(0)} s`);
  } finally {
    await tn?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
