/**
 * What a typed contract client needs of a ledger connection: fabric-gateway's `Contract` calls, for one
 * contract of the chaincode. A `FabricConnection` is one; the REST API wraps one per caller to count calls.
 */
export interface ContractTransport {
  evaluateTransaction(name: string, ...args: string[]): Promise<Uint8Array>;
  submitTransaction(name: string, ...args: string[]): Promise<Uint8Array>;
}

/** A ledger identity's way to every contract of the chaincode. */
export interface LedgerAccess {
  contract(contractName: string): ContractTransport;
}
