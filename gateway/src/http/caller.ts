import type { Signer } from '@hyperledger/fabric-gateway';
import type { LedgerAccess } from '../fabric';

/** An authenticated caller: a ledger identity the gateway can act as. */
export interface ApiCaller {
  /** Display name, for logs and whoami. */
  readonly name: string;
  readonly mspId: string;
  /** Hex SHA-256 of the caller's Fabric certificate DER (its governance key). */
  readonly fingerprint: string;
  /** The caller's own way to the ledger: every transaction is signed as the caller, so chaincode role checks apply. */
  readonly ledger: LedgerAccess;
  /**
   * Signs as the caller's Fabric identity (fabric-gateway's Signer: SHA-256 digest in, ECDSA signature out).
   * The API signs rotation approvals with it when the client sends none: front-ends count only approvals
   * whose signature verifies against the approver's certificate.
   */
  readonly signer?: Signer;
}

export type AuthenticationMethod = 'bearer' | 'mtls';

export interface AuthenticatedCaller extends ApiCaller {
  readonly authenticatedBy: AuthenticationMethod;
}

/** Whether an agent's identity is the caller's: an agent acts only for the identity it is. */
export function actsAs(
  agent: { readonly mspId: string; readonly fingerprint: string },
  caller: ApiCaller,
): boolean {
  return agent.mspId === caller.mspId && agent.fingerprint === caller.fingerprint;
}
