/*
 * Runs in a child Node process (see ../support.ts): jose 6 is ESM-only and jest 30's module loader refuses
 * it, while plain Node 20.19+ loads it through require(esm), as the gateway does in production.
 * stdin: {"jwks":{keys},"cases":[{"jwt","options"?}]}; stdout: one result per case.
 */
import { readFileSync } from 'node:fs';
import {
  JwsVerificationError,
  verifyJwt,
  type PublicJwk,
  type VerifyJwtOptions,
} from '../../../../src/signing/keys';

interface Case {
  readonly jwt: string;
  readonly options?: Omit<VerifyJwtOptions, 'currentDate'> & { readonly currentDate?: string };
  /** Check with jose's own calculateJwkThumbprint too (key index in the JWKS). */
  readonly thumbprintOf?: number;
}

async function main(): Promise<void> {
  const input = JSON.parse(readFileSync(0, 'utf8')) as { jwks: { keys: PublicJwk[] }; cases: Case[] };
  const jose = await import('jose');
  const results = [];
  for (const one of input.cases) {
    const { currentDate, ...rest } = one.options ?? {};
    const options: VerifyJwtOptions =
      currentDate === undefined ? rest : { ...rest, currentDate: new Date(currentDate) };
    try {
      const verified = await verifyJwt(one.jwt, input.jwks, options);
      results.push({ ok: true, header: verified.header, claims: verified.claims });
    } catch (error) {
      results.push({
        ok: false,
        reason: error instanceof JwsVerificationError ? error.reason : String(error),
      });
    }
  }
  const thumbprints = await Promise.all(
    input.jwks.keys.map((key) => jose.calculateJwkThumbprint({ ...key })),
  );
  process.stdout.write(JSON.stringify({ results, thumbprints }));
}

main().catch((error: unknown) => {
  process.stderr.write(String(error));
  process.exitCode = 1;
});
