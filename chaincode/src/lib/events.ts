import { canonicalBytes } from '../protocol/canonical';
import type { ChaincodeEventName } from '../protocol/contracts';
import type { KeyLedgerContext } from './context';

/**
 * Emits the transaction's chaincode event. Payloads are canonical JSON and carry ids, versions, digests and
 * public values only — never key material.
 */
export function emitEvent(
  ctx: KeyLedgerContext,
  name: ChaincodeEventName,
  payload: Record<string, unknown>,
): void {
  ctx.claimEvent(name);
  ctx.stub.setEvent(name, canonicalBytes({ ...payload, txId: ctx.txId }));
}
