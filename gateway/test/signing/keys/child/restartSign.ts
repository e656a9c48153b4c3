/*
 * A process restart (see ../support.ts): a fresh Node process opens the token by label, finds the signing
 * keys by their labels and signs with one. stdin: {"label","pin","kid"}; stdout: {"list","found","jws"}.
 */
import { readFileSync } from 'node:fs';
import { HsmToken } from '../../../../src/hsm';
import { HsmJwsSigner, SigningKeyStore } from '../../../../src/signing/keys';

const input = JSON.parse(readFileSync(0, 'utf8')) as { label: string; pin: string; kid: string };
const token = HsmToken.open({ label: input.label, pin: input.pin });
try {
  const keys = new SigningKeyStore({ token });
  const found = keys.find(input.kid);
  const jws = new HsmJwsSigner({ keys }).sign({ kid: input.kid, claims: { sub: 'after-restart' } });
  process.stdout.write(JSON.stringify({ list: keys.list(), found, jws }));
} finally {
  token.close();
}
