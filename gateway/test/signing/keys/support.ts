import { createPublicKey, verify } from 'node:crypto';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { PublicJwk } from '../../../src/signing/keys';

const LOADER = resolve(__dirname, '../../../../network/devnet/test/devnet/ts-register.js');
const run = promisify(execFile);

/** Runs a script of ./child in a fresh Node process (TypeScript through the repository's transpile-only loader). */
export async function runChild<T>(script: 'verifyWithJose' | 'restartSign', input: unknown): Promise<T> {
  const child = run(process.execPath, ['-r', LOADER, resolve(__dirname, 'child', `${script}.ts`)], {
    env: process.env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  child.child.stdin?.end(JSON.stringify(input));
  const { stdout } = await child;
  return JSON.parse(stdout) as T;
}

export interface JoseOutcome {
  readonly results: readonly (
    | { ok: true; header: Record<string, unknown>; claims: Record<string, unknown> }
    | { ok: false; reason: string }
  )[];
  readonly thumbprints: readonly string[];
}

/** jose's verdict on each token (verifyJwt in a child process: jose cannot load under jest 30 here). */
export function verifyWithJose(
  jwks: { keys: readonly PublicJwk[] },
  cases: readonly { jwt: string; options?: Record<string, unknown> }[],
): Promise<JoseOutcome> {
  return runChild<JoseOutcome>('verifyWithJose', { jwks, cases });
}

/** An independent in-process check with node:crypto (JWS ES256 signatures are IEEE P1363 r‖s). */
export function verifiesWithNodeCrypto(jws: string, jwk: PublicJwk): boolean {
  const [header, payload, signature] = jws.split('.');
  if (header === undefined || payload === undefined || signature === undefined) {
    return false;
  }
  const key = createPublicKey({ key: { ...jwk }, format: 'jwk' });
  const data = Buffer.from(`${header}.${payload}`);
  const bytes = Buffer.from(signature, 'base64url');
  return jwk.alg === 'ES256'
    ? verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, bytes)
    : verify(null, data, key, bytes);
}

export function decodePart(jws: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(jws.split('.')[index] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}
