import { JSONSerializer } from 'fabric-contract-api';
import type { TestIdentity } from '../support/identities';
import type { MockLedger } from '../support/ledger';
import { MockStub } from '../support/stub';

// The router fabric-shim runs transactions through, as the harness uses it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract') as new (
  contracts: unknown[],
  serializers: unknown,
  metadata: unknown,
  title: string,
  version: string,
) => { Invoke(stub: unknown): Promise<{ status: number; message?: string; payload?: Uint8Array }> };

/** What an endorser returns for a proposal, in a form two endorsements can be compared by. */
export interface Endorsement {
  readonly status: number;
  readonly payload: string;
  readonly writes: [string, string | null][];
  readonly event?: { name: string; payload: string };
}

export interface Proposal {
  readonly who: TestIdentity;
  readonly fn: string;
  readonly args: string[];
  readonly txId: string;
  readonly timestampMillis: number;
}

/**
 * Simulates one proposal over the committed state, as one peer's endorser would: a chaincode instance of its own
 * and a fresh stub. Nothing is committed. Run it twice to see whether two orgs' endorsements would agree.
 */
export async function endorse(
  ledger: MockLedger,
  contracts: (new () => unknown)[],
  proposal: Proposal,
): Promise<Endorsement> {
  const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
  const chaincode = new ChaincodeFromContract([...contracts], serializers, {}, 'keyledger', '0.1.0');
  const stub = new MockStub(ledger, {
    txId: proposal.txId,
    channelId: 'keyledger',
    timestampMillis: proposal.timestampMillis,
    creator: { mspid: proposal.who.mspId, idBytes: Buffer.from(proposal.who.certPem, 'utf8') },
    fcn: proposal.fn,
    params: proposal.args,
  });
  const response = await chaincode.Invoke(stub);
  const writes = [...stub.writes.entries()]
    .map(([key, value]): [string, string | null] => [key, value === null ? null : value.toString('utf8')])
    .sort(([a], [b]) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  return {
    status: response.status,
    payload: response.message ?? Buffer.from(response.payload ?? new Uint8Array()).toString('utf8'),
    writes,
    ...(stub.event ? { event: { name: stub.event.name, payload: stub.event.payload.toString('utf8') } } : {}),
  };
}
