/*
 * HSM layer benchmark: prints figures, asserts nothing. Run from the repository root:
 *   node -r ./network/devnet/test/devnet/ts-register.js test/bench/hsm.bench.ts [--quick]
 * Each operation through gateway/src/hsm beside the same PKCS#11 calls made directly with pkcs11js on the same
 * token (the baseline), interleaved in short slices so both see the same machine. Goal: ≤ 10 % overhead.
 * Tokens live in a temporary SoftHSM directory, removed at the end.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as pkcs11js from 'pkcs11js';
import {
  ensureToken,
  generateAesKey,
  generateEcKeyPair,
  HsmToken,
  signDigest,
  useSoftHsmDirectory,
  wrapKeyForRecipient,
  type KeyRef,
} from '../../gateway/src/hsm';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 3 : 7;
const SLICE_MS = QUICK ? 150 : 300;

/** Runs `fn` repeatedly for about `ms` milliseconds; returns operations per second. */
function rate(fn: () => void, ms: number): number {
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 16; i += 1) {
      fn();
    }
    count += 16;
    now = performance.now();
  }
  return (count * 1000) / (now - start);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function compare(name: string, project: () => void, baseline: () => void): void {
  // Warm both up (JIT, session pool, SoftHSM caches) before anything is measured.
  rate(project, SLICE_MS);
  rate(baseline, SLICE_MS);
  const ours: number[] = [];
  const raw: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    ours.push(rate(project, SLICE_MS));
    raw.push(rate(baseline, SLICE_MS));
  }
  const a = median(ours);
  const b = median(raw);
  const overhead = ((b - a) / b) * 100;
  console.log(
    `${name.padEnd(34)} layer ${a.toFixed(0).padStart(7)} ops/s   raw pkcs11js ${b.toFixed(0).padStart(7)} ops/s   overhead ${overhead.toFixed(1).padStart(5)} %`,
  );
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'keyledger-bench-hsm-'));
  useSoftHsmDirectory(dir);
  ensureToken({ label: 'bench', pin: '11112222', soPin: '33334444' });
  const token = HsmToken.open({ label: 'bench', pin: '11112222' });
  const pkcs11 = new pkcs11js.PKCS11();
  pkcs11.load('/usr/lib/softhsm/libsofthsm2.so');
  // The library is already initialised by the layer in this process; the raw baseline shares it.
  const slot = pkcs11.C_GetSlotList(true).find((s) => pkcs11.C_GetTokenInfo(s).label.trim() === 'bench');
  if (slot === undefined) {
    throw new Error('bench token not found');
  }
  const session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  try {
    console.log(
      `HSM layer vs raw pkcs11js on SoftHSM (median of ${ROUNDS} interleaved ${SLICE_MS} ms slices)`,
    );
    const aesTemplate: pkcs11js.Template = [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_LABEL, value: 'bench-aes' },
      { type: pkcs11js.CKA_ID, value: Buffer.alloc(16, 1) },
      { type: pkcs11js.CKA_TOKEN, value: false },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_ENCRYPT, value: true },
      { type: pkcs11js.CKA_DECRYPT, value: true },
    ];
    compare(
      'AES-256 keygen (session object)',
      () =>
        token.use('bench', (p, s) =>
          p.C_DestroyObject(s, generateAesKey(token, { label: 'bench-aes' }).handle),
        ),
      () =>
        pkcs11.C_DestroyObject(
          session,
          pkcs11.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, aesTemplate),
        ),
    );

    const pair = generateEcKeyPair(token, { label: 'bench-ec' });
    const digest = createHash('sha256').update('bench').digest();
    compare(
      'ECDSA P-256 sign (low-S DER)',
      () => signDigest(token, pair.privateKey, digest),
      () => {
        pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, pair.privateKey.handle);
        pkcs11.C_Sign(session, digest, Buffer.alloc(64));
      },
    );

    const recipient = generateEcKeyPair(token, { label: 'bench-recipient', sign: false, derive: true });
    const extractable: KeyRef = generateAesKey(token, { label: 'bench-wrapped', extractable: true });
    const kek = pkcs11.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_TOKEN, value: false },
      { type: pkcs11js.CKA_WRAP, value: true },
    ]);
    const ephemeralTemplate = {
      pub: [
        { type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from('06082a8648ce3d030107', 'hex') },
        { type: pkcs11js.CKA_TOKEN, value: false },
      ],
      priv: [
        { type: pkcs11js.CKA_TOKEN, value: false },
        { type: pkcs11js.CKA_DERIVE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
      ],
    };
    // Baseline for the whole wrap: ephemeral key pair, ECDH, KDF derive, AES key wrap, cleanup — the same
    // PKCS#11 calls the layer makes, without the layer.
    const secret = (extra: pkcs11js.Template): pkcs11js.Template => [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_TOKEN, value: false },
      ...extra,
    ];
    compare(
      'wrap for a recipient (ECDH+KDF+KW)',
      () => wrapKeyForRecipient(token, extractable, recipient.publicPoint, Buffer.from('q/1/k')),
      () => {
        const eph = pkcs11.C_GenerateKeyPair(
          session,
          { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
          ephemeralTemplate.pub,
          ephemeralTemplate.priv,
        );
        pkcs11.C_GetAttributeValue(session, eph.publicKey, [{ type: pkcs11js.CKA_EC_POINT }]);
        const ecdh: pkcs11js.ECDH1 = {
          type: pkcs11js.CK_PARAMS_EC_DH,
          kdf: pkcs11js.CKD_NULL,
          publicData: recipient.publicPoint,
        };
        const z = pkcs11.C_DeriveKey(
          session,
          { mechanism: pkcs11js.CKM_ECDH1_DERIVE, parameter: ecdh },
          eph.privateKey,
          secret([{ type: pkcs11js.CKA_DERIVE, value: true }]),
        );
        const cbc: pkcs11js.AesCBC = {
          type: pkcs11js.CK_PARAMS_AES_CBC,
          iv: Buffer.alloc(16),
          data: Buffer.alloc(32, 3),
        };
        const k = pkcs11.C_DeriveKey(
          session,
          { mechanism: pkcs11js.CKM_AES_CBC_ENCRYPT_DATA, parameter: cbc },
          z,
          secret([{ type: pkcs11js.CKA_WRAP, value: true }]),
        );
        pkcs11.C_WrapKey(session, { mechanism: 0x210a }, k, extractable.handle, Buffer.alloc(64));
        for (const handle of [k, z, eph.privateKey, eph.publicKey]) {
          pkcs11.C_DestroyObject(session, handle);
        }
      },
    );
    pkcs11.C_DestroyObject(session, kek);
  } finally {
    pkcs11.C_CloseSession(session);
    token.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
