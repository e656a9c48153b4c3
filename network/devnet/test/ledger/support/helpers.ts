import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Ledger } from '../../../src/ledger';
import {
  buildConfigTxEnvelope,
  commitEnvelopes,
  simulateTx,
  type SimulatedTx,
} from '../../../src/ledger/testing';
import type { TxSimulator } from '../../../src/ledger';

export const CHANNEL = 'mychannel';
export const CC = 'basic';

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array | undefined): string | undefined =>
  b === undefined ? undefined : new TextDecoder().decode(b);

/** A temp data folder removed by `cleanup`. */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-test-'));
}

export function cleanup(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Opens a ledger and commits a genesis (CONFIG) block when it is new. */
export async function openLedger(dir: string): Promise<Ledger> {
  const ledger = await Ledger.open(dir, { channelId: CHANNEL });
  if (ledger.height === 0) {
    await commitEnvelopes(ledger, [buildConfigTxEnvelope(CHANNEL)]);
  }
  return ledger;
}

let counter = 0;
export function nextTxId(prefix = 'tx'): string {
  counter++;
  return `${prefix}${counter}`;
}

/** Simulates `body` as one tx and commits it alone in a block; returns its code. */
export async function submit(
  ledger: Ledger,
  body: (sim: TxSimulator) => void,
  txId = nextTxId(),
): Promise<number> {
  const tx = simulateTx(ledger, txId, body);
  const outcome = await commitEnvelopes(ledger, [tx.envelope]);
  return outcome.codes[0] as number;
}

/** Commits plain key/value puts in one tx. */
export async function put(ledger: Ledger, entries: Record<string, string>, ns = CC): Promise<void> {
  const code = await submit(ledger, (sim) => {
    for (const [k, v] of Object.entries(entries)) sim.setState(ns, k, enc(v));
  });
  expect(code).toBe(0);
}

export function sim(ledger: Ledger, body: (sim: TxSimulator) => void, txId = nextTxId()): SimulatedTx {
  return simulateTx(ledger, txId, body);
}
