/*
 * Device key shards benchmark: prints figures, asserts nothing. Run from the repository root after `npx tsc -b`:
 *   node -r ./network/devnet/test/devnet/ts-register.js test/bench/shards.bench.ts [--quick]
 *
 * A devnet with the chaincode (batch timeout 50 ms), a shard generator member (role provider) with its own
 * SoftHSM token, and two devices (role device), each with its own token and ledger identity. Figures, each
 * beside a baseline measured in the same run:
 * 1. The primitives: node:crypto HKDF-SHA256 (hkdfSync, 32 bytes), AES-256-GCM encrypt of a 2-byte and an
 *    8-byte segment (n = 16 and n = 4), Ed25519 sign; raw pkcs11js CKM_SHA256_HMAC (C_SignInit + C_Sign with a
 *    generic secret) on the generator's token, and our hkdfExpand through the token beside it; sealShard and
 *    buildEpoch (n = 4) through the token. Interleaved slices, medians.
 * 2. Provisioning, n = 4, N devices with bounded concurrency (16 and 64): ShardGenerator.provision end to end
 *    (GetDevice evaluate, K_dev derived, stored and wrapped, epoch 1 built, PublishEpoch submitted), beside
 *    the HSM share (DeviceKeys.provision + buildEpoch for as many other ids, sequential, no ledger) and the
 *    ledger share (those prebuilt epochs submitted as PublishEpoch at the same concurrency, no HSM work).
 * 3. One device's sign, sequential: DeviceClient.sign with reportUse false (GetShardBundle evaluate +
 *    reconstruction + sign) for n = 4 and n = 16, beside the evaluate alone (ShardsLedger.bundle) and the
 *    reconstruction + sign alone (the same DeviceClient path over a bundle held in memory), sampled
 *    round-robin so all three see the same machine; then sign with reportUse true (+ the RecordShardUse commit).
 * 4. Fleet rotation: ShardRotationScheduler.rotateNow over 1 000 provisioned devices (quick: 100) at concurrency
 *    16 (→ epoch 2), then the first 200 (quick: 40) of them again at 64 (→ epoch 3); every device's active epoch
 *    read back from the ledger and mismatches counted.
 * Full run (2 cores): about 3 minutes; --quick: about 40 s.
 * Every loop is bounded; only 127.0.0.1 is used; tokens and the devnet live in temporary directories.
 */
import { createCipheriv, generateKeyPairSync, hkdfSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import * as pkcs11js from 'pkcs11js';
import {
  DEFAULT_SOFTHSM_LIBRARY,
  ensureToken,
  hkdfExpand,
  HsmToken,
  useSoftHsmDirectory,
  type KeyRef,
} from '../../gateway/src/hsm';
import { sealShard, ShardsLedger, type PublishEpochInput } from '../../gateway/src/shards';
import { DeviceClient } from '../../gateway/src/shards/device';
import {
  buildEpoch,
  DEFAULT_SHARD_POLICY,
  DeviceKeys,
  loadMasterKey,
  ShardGenerator,
  ShardRotationScheduler,
} from '../../gateway/src/shards/generator';
import { CHAINCODE_NAME, startMemberNet, type MemberNet } from '../e2e/support/memberNet';
import { percentile, runPhase } from './support/load';
import { CpuMeter, describeCpu } from './support/processCpu';
import {
  cachedBundleLedger,
  devicePoints,
  latencyFigures,
  perSecond,
  pooled,
  race,
  sequential,
} from './support/shards';

const QUICK = process.argv.includes('--quick');
/** Devices provisioned per concurrency, end to end and again through the ledger alone. */
const PROVISION_N = QUICK ? 40 : 250;
const CONCURRENCIES = [16, 64] as const;
const SIGN_SAMPLES = QUICK ? 40 : 200;
const REPORTED_SAMPLES = QUICK ? 10 : 50;
/** Devices rotated at each concurrency: all of ROTATE_N at 16, the first of them again at 64 (time budget). */
const ROTATE_N = QUICK ? 100 : 1_000;
const ROTATE_AGAIN_N = QUICK ? 40 : 200;
const ROUNDS = QUICK ? 3 : 5;
const SLICE_MS = QUICK ? 60 : 150;
const PROVISION_GOAL = 150;
const SIGN_P50_GOAL_MS = 15;
const PIN = '11112222';
const SO_PIN = '33334444';
const silent = pino({ level: 'silent' });
const message = Buffer.from('firmware update 4.2.1 for sensor bank 7');

function openToken(label: string, opened: HsmToken[]): HsmToken {
  ensureToken({ label, pin: PIN, soPin: SO_PIN });
  const token = HsmToken.open({ label, pin: PIN });
  opened.push(token);
  return token;
}

/** Section 1: the primitives the capability is made of, in memory and on the token. */
function baselines(token: HsmToken, deviceKeys: DeviceKeys): void {
  const pkcs11 = new pkcs11js.PKCS11();
  pkcs11.load(DEFAULT_SOFTHSM_LIBRARY);
  // The library is initialised, and the token logged in, by the layer in this process; the raw baseline shares it.
  const slot = pkcs11.C_GetSlotList(true).find((s) => pkcs11.C_GetTokenInfo(s).label.trim() === token.label);
  if (slot === undefined) throw new Error('the generator token is not in the slot list');
  const session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  try {
    const handle = pkcs11.C_GenerateKey(session, { mechanism: pkcs11js.CKM_GENERIC_SECRET_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_LABEL, value: 'bench-raw-hmac' },
      { type: pkcs11js.CKA_TOKEN, value: false },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_SIGN, value: true },
    ]);
    // The same session key, reached through our layer (session objects are visible to every session).
    const prk: KeyRef = { handle, label: 'bench-raw-hmac', id: Buffer.alloc(0) };
    const info = Buffer.from(
      'keyledger/shard\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0001\u0000\u0003',
    );
    const hmacInput = Buffer.concat([info, Buffer.from([1])]);
    const ikm = randomBytes(32);
    const aesKey = randomBytes(32);
    const iv = randomBytes(12);
    const aad = Buffer.from('{"deviceId":"dev-1","epoch":1,"headerDigest":"0123456789abcdef","index":3}');
    const seg2 = randomBytes(2);
    const seg8 = randomBytes(8);
    const edKey = generateKeyPairSync('ed25519').privateKey;
    const gcm = (segment: Buffer): void => {
      const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
      cipher.setAAD(aad);
      Buffer.concat([cipher.update(segment), cipher.final(), cipher.getAuthTag()]);
    };
    const benchDevice = deviceKeys.provision('bench-baseline-device', devicePoints(1)[0] as Buffer).key;
    const position = {
      deviceId: 'bench-baseline-device',
      epoch: 1,
      index: 3,
      headerDigest: '0123456789abcdef',
    };
    const validFrom = Date.now();
    const figures = race(
      [
        { name: 'hkdf', op: () => hkdfSync('sha256', ikm, Buffer.alloc(0), info, 32) },
        { name: 'gcm2', op: () => gcm(seg2) },
        { name: 'gcm8', op: () => gcm(seg8) },
        { name: 'ed25519', op: () => sign(null, message, edKey) },
        {
          name: 'rawHmac',
          op: () => {
            pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_HMAC }, handle);
            pkcs11.C_Sign(session, hmacInput, Buffer.alloc(32));
          },
        },
        { name: 'hkdfExpand', op: () => hkdfExpand(token, prk, info, 32) },
        { name: 'sealShard', op: () => sealShard(token, benchDevice, position, seg8) },
        {
          name: 'buildEpoch4',
          op: () =>
            buildEpoch(token, benchDevice, {
              deviceId: 'bench-baseline-device',
              epoch: 1,
              n: 4,
              validFrom,
              validUntil: validFrom + 3_600_000,
              algorithm: 'Ed25519',
            }),
        },
      ],
      ROUNDS,
      SLICE_MS,
    );
    const f = (name: string): number => figures.get(name) ?? Number.NaN;
    console.log(`\n1. baselines, same run (median of ${ROUNDS} interleaved ${SLICE_MS} ms slices; ops/s)`);
    const line = (name: string, value: number, note = ''): void =>
      console.log(`  ${name.padEnd(62)} ${perSecond(value)} /s${note ? `   ${note}` : ''}`);
    line('node:crypto HKDF-SHA256 (hkdfSync, 32 bytes)', f('hkdf'));
    line('node:crypto AES-256-GCM encrypt, 2-byte segment (n = 16)', f('gcm2'));
    line('node:crypto AES-256-GCM encrypt, 8-byte segment (n = 4)', f('gcm8'));
    line('node:crypto Ed25519 sign', f('ed25519'));
    line('raw pkcs11js CKM_SHA256_HMAC (C_SignInit + C_Sign), SoftHSM', f('rawHmac'));
    line(
      'our hkdfExpand through the token (32 bytes = 1 HMAC)',
      f('hkdfExpand'),
      `${((f('hkdfExpand') / f('rawHmac')) * 100).toFixed(0)} % of raw HMAC`,
    );
    line(
      'our sealShard through the token (HKDF + AES import + GCM + destroy)',
      f('sealShard'),
      `${(f('rawHmac') / f('sealShard')).toFixed(1)} raw HMACs' time`,
    );
    line('our buildEpoch n = 4 through the token (stream + 4 shards)', f('buildEpoch4'));
  } finally {
    pkcs11.C_CloseSession(session);
  }
}

function epochInput(token: HsmToken, keys: DeviceKeys, deviceId: string, point: Buffer): PublishEpochInput {
  const { key, enrollment } = keys.provision(deviceId, point);
  const validFrom = Date.now();
  const validUntil = validFrom + DEFAULT_SHARD_POLICY.epochMs;
  const material = buildEpoch(token, key, {
    deviceId,
    epoch: 1,
    n: 4,
    validFrom,
    validUntil,
    algorithm: 'Ed25519',
  });
  if (!material) throw new Error('an Ed25519 stream is always a key');
  return {
    deviceId,
    epoch: 1,
    n: 4,
    validFrom,
    validUntil,
    algorithm: 'Ed25519',
    publicKey: material.header.publicKey ?? '',
    shards: material.shards,
    enrollment,
  };
}

/** Section 2; the ids of every device it left provisioned with epoch 1 on the ledger. */
async function provisioning(
  token: HsmToken,
  keys: DeviceKeys,
  generator: ShardGenerator,
  ledger: ShardsLedger,
  chaincodePid: number | undefined,
): Promise<string[]> {
  const provisioned: string[] = [];
  const pids = new Map([['bench process (devnet + gateway + HSM)', process.pid]]);
  if (chaincodePid !== undefined) pids.set('chaincode', chaincodePid);
  // Warm-up: JIT, gRPC connections, the chaincode's first PublishEpoch.
  const warm = devicePoints(16);
  await runPhase(16, 16, 60_000, (i) =>
    generator.provision({ deviceId: `warm-${i}`, devicePublicKey: warm[i] as Buffer }),
  );
  provisioned.push(...warm.map((_, i) => `warm-${i}`));
  console.log(
    `\n2. provisioning, n = 4, ${PROVISION_N} devices per concurrency (GetDevice evaluate + HSM + PublishEpoch)`,
  );
  for (const concurrency of CONCURRENCIES) {
    const points = devicePoints(2 * PROVISION_N);
    // HSM + derivation only: what provision does in the token, for other ids, sequential, no ledger. Half before
    // the end-to-end phase and half after, so the token holds on average as many device keys as during it (a
    // K_dev lookup costs more the more objects the token holds).
    const ledgerIds = Array.from({ length: PROVISION_N }, (_, i) => `ledger-c${concurrency}-${i}`);
    const inputs: PublishEpochInput[] = [];
    let hsmMs = 0;
    let hsmCpuUser = 0;
    let hsmCpuSystem = 0;
    const prebuild = (from: number, to: number): void => {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = from; i < to; i += 1) {
        inputs.push(epochInput(token, keys, ledgerIds[i] as string, points[PROVISION_N + i] as Buffer));
      }
      hsmMs += performance.now() - t0;
      const used = process.cpuUsage(cpu0);
      hsmCpuUser += used.user;
      hsmCpuSystem += used.system;
    };
    const keysBefore = keys.deviceIds().length;
    prebuild(0, PROVISION_N / 2);
    // End to end.
    const e2eIds = Array.from({ length: PROVISION_N }, (_, i) => `e2e-c${concurrency}-${i}`);
    let meter = new CpuMeter(pids);
    const e2e = await runPhase(concurrency, PROVISION_N, 120_000, (i) =>
      generator.provision({ deviceId: e2eIds[i] as string, devicePublicKey: points[i] as Buffer }),
    );
    const e2eCpu = describeCpu(meter.used(), e2e.latencies.length, e2e.seconds);
    provisioned.push(...e2eIds.slice(0, e2e.latencies.length));
    prebuild(PROVISION_N / 2, PROVISION_N);
    const keysAfter = keys.deviceIds().length;
    // Ledger only: the prebuilt epochs, same concurrency.
    meter = new CpuMeter(pids);
    const chain = await runPhase(concurrency, PROVISION_N, 120_000, (i) =>
      ledger.publishEpoch(inputs[i] as PublishEpochInput),
    );
    const chainCpu = describeCpu(meter.used(), chain.latencies.length, chain.seconds);
    provisioned.push(...ledgerIds.slice(0, chain.latencies.length));
    const hsmRate = (PROVISION_N * 1000) / hsmMs;
    const e2eRate = e2e.latencies.length / e2e.seconds;
    console.log(
      `  concurrency ${String(concurrency).padStart(2)}: HSM+derivation only: ${hsmRate.toFixed(0)} devices/s;` +
        ` ledger only: ${(chain.latencies.length / chain.seconds).toFixed(0)} tx/s;` +
        ` end to end: ${e2eRate.toFixed(0)} devices/s   (goal ≥ ${PROVISION_GOAL} devices/s end to end)`,
    );
    console.log(
      `    HSM only: ${(hsmMs / PROVISION_N).toFixed(2)} ms/device wall, ` +
        `${((hsmCpuUser + hsmCpuSystem) / 1000 / PROVISION_N).toFixed(2)} ms/device CPU (user ${(hsmCpuUser / 1000 / PROVISION_N).toFixed(2)} + system ${(hsmCpuSystem / 1000 / PROVISION_N).toFixed(2)});` +
        ` the token held ${keysBefore} → ${keysAfter} device keys over this row`,
    );
    console.log(
      `    end to end: latency p50 ${percentile(e2e.latencies, 50).toFixed(1)} ms, p99 ${percentile(e2e.latencies, 99).toFixed(1)} ms;${e2eCpu}`,
    );
    console.log(
      `    ledger only: latency p50 ${percentile(chain.latencies, 50).toFixed(1)} ms, p99 ${percentile(chain.latencies, 99).toFixed(1)} ms;${chainCpu}`,
    );
  }
  return provisioned;
}

/** Section 3: one device's sign, n = 4 and 16. */
async function signing(net: MemberNet, generator: ShardGenerator, opened: HsmToken[]): Promise<void> {
  console.log(
    `\n3. device sign, sequential (${SIGN_SAMPLES} samples round-robin; reportUse true: ${REPORTED_SAMPLES})`,
  );
  for (const n of [4, 16]) {
    const id = `bench-device-n${n}`;
    const member = await net.addMember(id, 'device');
    const token = openToken(`bench-dev-n${n}`, opened);
    const deviceLedger = new ShardsLedger(net.connectionAs(member));
    const client = new DeviceClient({ deviceId: id, token, ledger: deviceLedger, logger: silent });
    await generator.provision({
      deviceId: id,
      devicePublicKey: client.publicKey,
      deviceOwner: { mspId: member.fabric.mspId, fingerprint: member.fingerprint },
      n,
    });
    await client.enrol();
    const bundle = await deviceLedger.bundle(id);
    if (!bundle) throw new Error(`device ${id} has no active epoch`);
    const local = new DeviceClient({
      deviceId: id,
      token,
      ledger: cachedBundleLedger(bundle),
      logger: silent,
    });
    for (let i = 0; i < 20; i += 1) {
      await client.sign(message, { reportUse: false });
      await deviceLedger.bundle(id);
      await local.sign(message, { reportUse: false });
    }
    const full: number[] = [];
    const evaluate: number[] = [];
    const rebuild: number[] = [];
    for (let i = 0; i < SIGN_SAMPLES; i += 1) {
      let t = performance.now();
      await client.sign(message, { reportUse: false });
      full.push(performance.now() - t);
      t = performance.now();
      await deviceLedger.bundle(id);
      evaluate.push(performance.now() - t);
      t = performance.now();
      await local.sign(message, { reportUse: false });
      rebuild.push(performance.now() - t);
    }
    const reported = await sequential(REPORTED_SAMPLES, () => client.sign(message));
    const goal = n === 16 ? `   goal p50 ≤ ${SIGN_P50_GOAL_MS} ms` : '';
    console.log(`  n = ${n}`);
    console.log(`    sign, reportUse false (evaluate + rebuild + sign)   ${latencyFigures(full)}${goal}`);
    console.log(`      GetShardBundle evaluate alone (ShardsLedger.bundle) ${latencyFigures(evaluate)}`);
    console.log(`      rebuild + sign alone (bundle in memory)             ${latencyFigures(rebuild)}`);
    console.log(`    sign, reportUse true (+ RecordShardUse commit)       ${latencyFigures(reported)}`);
  }
}

/** Section 4: fleet rotation through the scheduler, then every device's active epoch read back. */
async function rotation(
  generator: ShardGenerator,
  ledger: ShardsLedger,
  all: readonly string[],
): Promise<void> {
  let ids = all;
  console.log(
    `\n4. fleet rotation, ShardRotationScheduler.rotateNow, n = 4: ${all.length} devices at concurrency 16 (→ epoch 2), the first ${ROTATE_AGAIN_N} of them again at 64 (→ epoch 3)`,
  );
  let expected = 1;
  for (const concurrency of CONCURRENCIES) {
    expected += 1;
    if (concurrency !== CONCURRENCIES[0]) ids = ids.slice(0, ROTATE_AGAIN_N);
    const scheduler = new ShardRotationScheduler({ generator, logger: silent, concurrency });
    const began = performance.now();
    const result = await scheduler.rotateNow(ids);
    const seconds = (performance.now() - began) / 1000;
    await scheduler.stop();
    const wrong: string[] = [];
    const readFailures = await pooled(ids, 32, async (id) => {
      const summary = await ledger.device(id);
      if (summary?.head.activeEpoch !== expected) {
        wrong.push(`${id}: active epoch ${summary?.head.activeEpoch ?? 'none'}`);
      }
    });
    console.log(
      `  concurrency ${String(concurrency).padStart(2)}: ${(result.rotated.length / seconds).toFixed(0)} devices/s, ` +
        `${seconds.toFixed(1)} s for ${ids.length} (rotated ${result.rotated.length}, failed ${result.failed.length}); ` +
        `active epoch ${expected} on ${ids.length - wrong.length - readFailures.length}/${ids.length}` +
        ` (wrong ${wrong.length}, unreadable ${readFailures.length})`,
    );
    for (const failure of result.failed.slice(0, 5))
      console.log(`    failed: ${failure.deviceId}: ${failure.error}`);
    for (const line of wrong.slice(0, 5)) console.log(`    wrong: ${line}`);
    for (const failure of readFailures.slice(0, 5))
      console.log(`    unreadable: ${failure.item}: ${failure.error}`);
  }
  console.log(
    '  (each device: GetDevice evaluate + buildEpoch in the token + PublishEpoch submit + GetDevice evaluate to re-track)',
  );
}

async function main(): Promise<void> {
  const hsmDir = mkdtempSync(join(tmpdir(), 'keyledger-bench-shards-hsm-'));
  useSoftHsmDirectory(hsmDir);
  const opened: HsmToken[] = [];
  let net: MemberNet | undefined;
  try {
    const began = performance.now();
    net = await startMemberNet({ orgs: 2, prefix: 'keyledger-bench-shards-' });
    const generatorMember = await net.addMember('shard-generator', 'provider');
    const token = openToken('bench-shard-generator', opened);
    const ledger = new ShardsLedger(net.connectionAs(generatorMember));
    const generator = new ShardGenerator({ token, ledger, logger: silent, policy: { n: 4 } });
    const keys = new DeviceKeys(token, loadMasterKey(token).key);
    const chaincodePid = net.devnet.status().chaincodes.find((c) => c.name === CHAINCODE_NAME)?.pid;
    console.log(
      `devnet (2 orgs, batch timeout 50 ms) and the generator's token up in ${Math.round(performance.now() - began)} ms` +
        `${QUICK ? ' (--quick)' : ''}`,
    );
    baselines(token, keys);
    const provisioned = await provisioning(token, keys, generator, ledger, chaincodePid);
    await signing(net, generator, opened);
    await rotation(generator, ledger, provisioned.slice(0, ROTATE_N));
    console.log(`\ntotal ${((performance.now() - began) / 1000).toFixed(0)} s`);
  } finally {
    await net?.stop().catch(() => undefined);
    opened.forEach((token) => token.close());
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
