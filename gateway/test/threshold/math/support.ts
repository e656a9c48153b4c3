import { verify } from 'node:crypto';
import type { DKG_Round1, DKG_Round2, FrostPublic, FrostSecret } from '@noble/curves/abstract/frost.js';
import { ed25519PublicKeyObject, frost, groupPublicKey, identifierOf } from '../../../src/threshold/math';

/** Everything a local run of the three DKG rounds produced, by share index. */
export interface LocalDkg {
  readonly pub: FrostPublic;
  readonly secrets: Map<number, FrostSecret>;
  readonly round1: Map<number, DKG_Round1>;
  /** round2.get(sender).get(receiver): the package the sender sent that receiver. */
  readonly round2: Map<number, Map<number, DKG_Round2>>;
}

/** Runs FROST's DKG for all participants in one process (test only: real participants never share memory). */
export function runDkgLocally(t: number, indices: number[]): LocalDkg {
  const signers = { min: t, max: indices.length };
  const r1 = new Map(indices.map((i) => [i, frost.DKG.round1(identifierOf(i), signers)] as const));
  const round1 = new Map(indices.map((i) => [i, r1.get(i)!.public] as const));
  const others = (i: number): DKG_Round1[] => indices.filter((j) => j !== i).map((j) => round1.get(j)!);
  const round2 = new Map<number, Map<number, DKG_Round2>>();
  for (const i of indices) {
    const out = frost.DKG.round2(r1.get(i)!.secret, others(i));
    round2.set(i, new Map(indices.filter((j) => j !== i).map((j) => [j, out[identifierOf(j)]!] as const)));
  }
  const secrets = new Map<number, FrostSecret>();
  let pub: FrostPublic | undefined;
  for (const i of indices) {
    const received = indices.filter((j) => j !== i).map((j) => round2.get(j)!.get(i)!);
    const key = frost.DKG.round3(r1.get(i)!.secret, others(i), received);
    frost.DKG.clean(r1.get(i)!.secret);
    secrets.set(i, key.secret);
    pub ??= key.public;
  }
  return { pub: pub!, secrets, round1, round2 };
}

/** Two FROST rounds with the given signers; every signature share is checked before aggregation. */
export function thresholdSign(pub: FrostPublic, signers: FrostSecret[], msg: Uint8Array): Uint8Array {
  const nonces = signers.map((s) => frost.commit(s));
  const commitments = nonces.map((n) => n.commitments);
  const shares: Record<string, Uint8Array> = {};
  signers.forEach((s, i) => {
    const share = frost.signShare(s, pub, nonces[i]!.nonces, commitments, msg);
    if (!frost.verifyShare(pub, commitments, msg, s.identifier, share))
      throw new Error('bad signature share');
    shares[s.identifier] = share;
  });
  return frost.aggregate(pub, commitments, msg, shares);
}

/** Whether node:crypto (OpenSSL's Ed25519, not noble) accepts the signature under the group key. */
export function nodeVerifies(pub: FrostPublic, msg: Uint8Array, sig: Uint8Array): boolean {
  return verify(null, msg, ed25519PublicKeyObject(groupPublicKey(pub)), sig);
}

/** All k-element subsets of `items`, in lexicographic order. */
export function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [first, ...rest] = items;
  return [...subsets(rest, k - 1).map((s) => [first!, ...s]), ...subsets(rest, k)];
}

export const message = (text: string): Uint8Array => new TextEncoder().encode(text);
