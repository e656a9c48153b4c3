import * as grpc from '@grpc/grpc-js';
import { gateway, orderer, peer } from '@hyperledger/fabric-protos';
import { blockTransactions } from '../blocks/blockinfo';
import type { CommitNotifier } from '../peer/notifier';
import { RpcError } from './errors';
import { invalidStartPosition } from './messages';
import type { BlockSource } from './ports';

/** Go's %T of the position's oneof, as Fabric prints it (fabric-protos-go `orderer` package). */
function goTypeName(position: orderer.SeekPosition): string {
  switch (position.getTypeCase()) {
    case orderer.SeekPosition.TypeCase.OLDEST:
      return '*orderer.SeekPosition_Oldest';
    case orderer.SeekPosition.TypeCase.NEWEST:
      return '*orderer.SeekPosition_Newest';
    default:
      return `*orderer.SeekPosition_${position.getTypeCase()}`;
  }
}

/** First block to read, as Fabric's chaincodeEventsStartBlock: the block of after_transaction_id, else the seek position. */
export async function chaincodeEventsStartBlock(
  blocks: BlockSource,
  request: gateway.ChaincodeEventsRequest,
): Promise<number> {
  const after = request.getAfterTransactionId();
  if (after.length > 0) {
    const found = await blocks.findTransaction(after);
    if (found) return found.blockNumber;
  }
  return startFromPosition(blocks.height, request.getStartPosition());
}

function startFromPosition(height: number, position: orderer.SeekPosition | undefined): number {
  if (!position) return height;
  switch (position.getTypeCase()) {
    case orderer.SeekPosition.TypeCase.TYPE_NOT_SET:
    case orderer.SeekPosition.TypeCase.NEXT_COMMIT:
      return height;
    case orderer.SeekPosition.TypeCase.SPECIFIED:
      return position.getSpecified()?.getNumber() ?? height;
    default:
      throw new RpcError(grpc.status.INVALID_ARGUMENT, invalidStartPosition(goTypeName(position))); // chaincodeevents.go:139
  }
}

/**
 * Fabric's matcher: events of the requested chaincode; with after_transaction_id, only those after that
 * transaction (a resumed client sees nothing twice).
 */
export function chaincodeEventMatcher(
  request: gateway.ChaincodeEventsRequest,
): (event: peer.ChaincodeEvent) => boolean {
  const chaincodeId = request.getChaincodeId();
  const after = request.getAfterTransactionId();
  if (after.length === 0) return (event) => event.getChaincodeId() === chaincodeId;
  let passed = false;
  return (event) => {
    if (!passed) {
      if (event.getTxId() === after) passed = true;
      return false;
    }
    return event.getChaincodeId() === chaincodeId;
  };
}

/**
 * Chaincode events block by block from `start`, waiting for new blocks; only VALID transactions' events;
 * blocks without a matching event are skipped. Ends when `signal` aborts.
 */
export async function* chaincodeEventResponses(
  blocks: BlockSource,
  notifier: CommitNotifier,
  request: gateway.ChaincodeEventsRequest,
  start: number,
  signal: AbortSignal,
): AsyncGenerator<gateway.ChaincodeEventsResponse> {
  const isMatch = chaincodeEventMatcher(request);
  for (let blockNumber = start; ; blockNumber++) {
    if (!(await notifier.waitForBlock(blockNumber, signal))) return;
    const block = await blocks.getBlock(blockNumber);
    if (!block) throw new RpcError(grpc.status.ABORTED, `block [${blockNumber}] not found`);
    const events = blockTransactions(block)
      .filter((tx) => tx.code === peer.TxValidationCode.VALID)
      .flatMap((tx) => tx.events)
      .filter(isMatch);
    if (events.length === 0) continue;
    const response = new gateway.ChaincodeEventsResponse();
    response.setBlockNumber(blockNumber);
    response.setEventsList(events);
    yield response;
  }
}
