/*
 * Signing keys benchmark: prints figures, asserts nothing. Run from the repository root:
 *   node -r ./network/devnet/test/devnet/ts-register.js test/bench/signingKeys.bench.ts [--quick]
 * Compact JWS tokens per second through HsmJwsSigner (sign, and signMany in batches of 100) beside, in the same
 * run and interleaved in short slices: raw pkcs11js CKM_ECDSA over a digest on the same token (the HSM's
 * ceiling), the same whole JWS built by hand around raw pkcs11js (the layer's overhead), and node:crypto
 * signing the same JWS with a key in memory (what the HSM costs). EdDSA likewise, where SoftHSM has it.
 * The token lives in a temporary SoftHSM directory, removed at the end.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as pkcs11js from 'pkcs11js';
import { ensureToken, HsmToken, useSoftHsmDirectory } from '../../gateway/src/hsm';
import {
  CKM_EDDSA,
  HsmJwsSigner,
  SigningKeyStore,
  type JwsSignRequest,
  type SigningKeyInfo,
} from '../../gateway/src/signing/keys';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 3 : 7;
const SLICE_MS = QUICK ? 150 : 300;
const BATCH = 100;

/** Runs `fn` (which makes `perCall` tokens) for about `ms` milliseconds; returns tokens per second. */
function rate(fn: () => void, perCall: number, ms: number): number {
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    fn();
    count += perCall;
    now = performance.now();
  }
  return (count * 1000) / (now - start);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

interface Contender {
  readonly name: string;
  readonly run: () => void;
  /** Tokens (or signatures) one run makes. */
  readonly perCall?: number;
}

/** Every contender in each round, in turn, so all see the same machine; prints medians beside the first. */
function race(title: string, contenders: readonly Contender[]): void {
  for (const c of contenders) {
    rate(c.run, c.perCall ?? 1, SLICE_MS); // warm-up: JIT, session pool, SoftHSM caches
  }
  const figures = contenders.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round += 1) {
    contenders.forEach((c, i) => figures[i]?.push(rate(c.run, c.perCall ?? 1, SLICE_MS)));
  }
  const medians = figures.map(median);
  const base = medians[0] ?? 1;
  console.log(`\n${title}`);
  contenders.forEach((c, i) => {
    const value = medians[i] ?? 0;
    console.log(`  ${c.name.padEnd(44)} ${value.toFixed(0).padStart(7)} /s   ${(value / base).toFixed(2)}×`);
  });
}

const b64 = (text: string): string => Buffer.from(text).toString('base64url');

function claims(n: number): JwsSignRequest['claims'] {
  return { iss: 'keyledger', sub: `device-${n % 1000}`, iat: 1767225600, jti: `job-${n}` };
}

/** The JWS the signer makes, built by hand: what the baselines sign. */
function input(kid: string, alg: string, n: number): string {
  return `${b64(JSON.stringify({ alg, kid, typ: 'JWT' }))}.${b64(JSON.stringify(claims(n)))}`;
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'keyledger-bench-signing-keys-'));
  useSoftHsmDirectory(dir);
  ensureToken({ label: 'bench-signing', pin: '11112222', soPin: '33334444' });
  const token = HsmToken.open({ label: 'bench-signing', pin: '11112222' });
  const pkcs11 = new pkcs11js.PKCS11();
  pkcs11.load('/usr/lib/softhsm/libsofthsm2.so');
  // The library is already initialised by the layer in this process; the raw baseline shares it.
  const slot = pkcs11
    .C_GetSlotList(true)
    .find((s) => pkcs11.C_GetTokenInfo(s).label.trim() === 'bench-signing');
  if (slot === undefined) {
    throw new Error('bench token not found');
  }
  const session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  try {
    const keys = new SigningKeyStore({ token });
    const signer = new HsmJwsSigner({ keys });
    console.log(
      `Signing keys: compact JWS on SoftHSM (median of ${ROUNDS} interleaved ${SLICE_MS} ms slices)`,
    );
    let n = 0;

    const es = keys.generate();
    const esHandle = keys.signingKey(es.kid).privateKey.handle;
    const esNode = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const digest = createHash('sha256').update('bench').digest();
    race('ES256', [
      { name: 'HsmJwsSigner.sign', run: () => signer.sign({ kid: es.kid, claims: claims(n++) }) },
      {
        name: `HsmJwsSigner.signMany (batches of ${BATCH})`,
        perCall: BATCH,
        run: () =>
          signer.signMany(Array.from({ length: BATCH }, () => ({ kid: es.kid, claims: claims(n++) }))),
      },
      {
        name: 'raw pkcs11js: same JWS by hand + CKM_ECDSA',
        run: () => {
          const data = input(es.kid, 'ES256', n++);
          pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, esHandle);
          const signature = pkcs11.C_Sign(
            session,
            createHash('sha256').update(data).digest(),
            Buffer.alloc(64),
          );
          void `${data}.${signature.toString('base64url')}`;
        },
      },
      {
        name: 'raw pkcs11js: CKM_ECDSA over a digest only',
        run: () => {
          pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, esHandle);
          pkcs11.C_Sign(session, digest, Buffer.alloc(64));
        },
      },
      { name: 'node:crypto ES256 JWS (key in memory)', run: () => nodeJws(esNode, es, n++, 'sha256') },
    ]);

    const ed = keys.generate({ alg: 'EdDSA' });
    const edHandle = keys.signingKey(ed.kid).privateKey.handle;
    const edNode = generateKeyPairSync('ed25519').privateKey;
    race('EdDSA (Ed25519)', [
      { name: 'HsmJwsSigner.sign', run: () => signer.sign({ kid: ed.kid, claims: claims(n++) }) },
      {
        name: `HsmJwsSigner.signMany (batches of ${BATCH})`,
        perCall: BATCH,
        run: () =>
          signer.signMany(Array.from({ length: BATCH }, () => ({ kid: ed.kid, claims: claims(n++) }))),
      },
      {
        name: 'raw pkcs11js: same JWS by hand + CKM_EDDSA',
        run: () => {
          const data = input(ed.kid, 'EdDSA', n++);
          pkcs11.C_SignInit(session, { mechanism: CKM_EDDSA }, edHandle);
          const signature = pkcs11.C_Sign(session, Buffer.from(data), Buffer.alloc(64));
          void `${data}.${signature.toString('base64url')}`;
        },
      },
      { name: 'node:crypto EdDSA JWS (key in memory)', run: () => nodeJws(edNode, ed, n++, null) },
    ]);
  } finally {
    pkcs11.C_CloseSession(session);
    token.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function nodeJws(key: KeyObject, info: SigningKeyInfo, n: number, hash: 'sha256' | null): string {
  const data = input(info.kid, info.alg, n);
  const signature = sign(hash, Buffer.from(data), hash === null ? key : { key, dsaEncoding: 'ieee-p1363' });
  return `${data}.${signature.toString('base64url')}`;
}

main();
