import { common, orderer, peer } from '@hyperledger/fabric-protos';
import type { MspManager } from '../msp/types';
import type { ChannelAcl } from './acl';
import { blockTransactions } from '../blocks/blockinfo';
import type { CommitNotifier } from '../peer/notifier';
import type { BlockSource } from './ports';

/** What a deliver stream sends: full blocks, filtered blocks, or blocks with (no) private data. */
export type DeliverKind = 'block' | 'filtered' | 'private';

type StatusCode = common.StatusMap[keyof common.StatusMap];

/** Result of checking a SeekInfo envelope: a request to serve, or a status to answer with. */
export type SeekRequest =
  | { readonly ok: true; readonly seekInfo: orderer.SeekInfo }
  | { readonly ok: false; readonly status: StatusCode; readonly reason: string };

/**
 * Checks a deliver envelope as Fabric's deliver handler does (common/deliver/deliver.go): DELIVER_SEEK_INFO
 * header on our channel, creator a channel member (Readers), signature over the payload.
 */
export function parseSeekEnvelope(
  envelope: common.Envelope,
  channelId: string,
  msp: MspManager,
  acl: ChannelAcl,
): SeekRequest {
  let payload: common.Payload;
  let channelHeader: common.ChannelHeader;
  let signatureHeader: common.SignatureHeader;
  try {
    payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const header = payload.getHeader();
    if (!header) return { ok: false, status: common.Status.BAD_REQUEST, reason: 'missing header' };
    channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
  } catch (err) {
    return { ok: false, status: common.Status.BAD_REQUEST, reason: `malformed envelope: ${String(err)}` };
  }
  if (channelHeader.getChannelId() !== channelId) {
    return {
      ok: false,
      status: common.Status.NOT_FOUND,
      reason: `channel ${channelHeader.getChannelId()} not found`,
    };
  }
  if (channelHeader.getType() !== common.HeaderType.DELIVER_SEEK_INFO) {
    return {
      ok: false,
      status: common.Status.BAD_REQUEST,
      reason: `invalid header type ${channelHeader.getType()}`,
    };
  }
  try {
    const identity = msp.deserializeIdentity(signatureHeader.getCreator_asU8());
    if (!msp.verify(identity, envelope.getPayload_asU8(), envelope.getSignature_asU8())) {
      return { ok: false, status: common.Status.FORBIDDEN, reason: 'signature does not verify' };
    }
    if (!acl.isReader(identity))
      return { ok: false, status: common.Status.FORBIDDEN, reason: 'not a channel reader' };
  } catch (err) {
    return { ok: false, status: common.Status.FORBIDDEN, reason: `access denied: ${String(err)}` };
  }
  try {
    return { ok: true, seekInfo: orderer.SeekInfo.deserializeBinary(payload.getData_asU8()) };
  } catch (err) {
    return { ok: false, status: common.Status.BAD_REQUEST, reason: `malformed seek info: ${String(err)}` };
  }
}

function position(pos: orderer.SeekPosition | undefined, height: number, defaultNumber: number): number {
  if (!pos) return defaultNumber;
  switch (pos.getTypeCase()) {
    case orderer.SeekPosition.TypeCase.OLDEST:
      return 0;
    case orderer.SeekPosition.TypeCase.NEWEST:
      return Math.max(0, height - 1);
    case orderer.SeekPosition.TypeCase.SPECIFIED:
      return pos.getSpecified()?.getNumber() ?? defaultNumber;
    case orderer.SeekPosition.TypeCase.NEXT_COMMIT:
      return height;
    default:
      return defaultNumber;
  }
}

/** Fabric's filtered block (core/peer/deliverevents.go): ids, types, codes and events without payloads. */
export function filteredBlock(block: common.Block, channelId: string): peer.FilteredBlock {
  const filtered = new peer.FilteredBlock();
  filtered.setChannelId(channelId);
  filtered.setNumber(block.getHeader()?.getNumber() ?? 0);
  filtered.setFilteredTransactionsList(
    blockTransactions(block).map((tx) => {
      const ftx = new peer.FilteredTransaction();
      ftx.setTxid(tx.txId);
      ftx.setType(tx.type as common.HeaderTypeMap[keyof common.HeaderTypeMap]);
      ftx.setTxValidationCode(tx.code as peer.TxValidationCodeMap[keyof peer.TxValidationCodeMap]);
      if (tx.type === common.HeaderType.ENDORSER_TRANSACTION) {
        const actions = new peer.FilteredTransactionActions();
        actions.setChaincodeActionsList(
          tx.events.map((event) => {
            const stripped = new peer.ChaincodeEvent();
            stripped.setChaincodeId(event.getChaincodeId());
            stripped.setTxId(event.getTxId());
            stripped.setEventName(event.getEventName());
            const action = new peer.FilteredChaincodeAction();
            action.setChaincodeEvent(stripped);
            return action;
          }),
        );
        ftx.setTransactionActions(actions);
      }
      return ftx;
    }),
  );
  return filtered;
}

function blockResponse(kind: DeliverKind, block: common.Block, channelId: string): peer.DeliverResponse {
  const response = new peer.DeliverResponse();
  if (kind === 'filtered') response.setFilteredBlock(filteredBlock(block, channelId));
  else if (kind === 'private') {
    const withPrivate = new peer.BlockAndPrivateData();
    withPrivate.setBlock(block);
    response.setBlockAndPrivateData(withPrivate);
  } else response.setBlock(block);
  return response;
}

export function statusResponse(status: StatusCode): peer.DeliverResponse {
  const response = new peer.DeliverResponse();
  response.setStatus(status);
  return response;
}

/**
 * Serves one SeekInfo: blocks from start to stop, waiting for new ones (BLOCK_UNTIL_READY) or answering
 * NOT_FOUND (FAIL_IF_NOT_READY); ends with a SUCCESS status after the stop block, as Fabric does.
 */
export async function* deliverBlocks(
  kind: DeliverKind,
  seekInfo: orderer.SeekInfo,
  blocks: BlockSource,
  notifier: CommitNotifier,
  channelId: string,
  signal: AbortSignal,
): AsyncGenerator<peer.DeliverResponse> {
  const height = notifier.height;
  const start = position(seekInfo.getStart(), height, height);
  const stop = position(seekInfo.getStop(), height, Number.MAX_SAFE_INTEGER);
  if (start > stop) {
    yield statusResponse(common.Status.BAD_REQUEST);
    return;
  }
  const failIfNotReady = seekInfo.getBehavior() === orderer.SeekInfo.SeekBehavior.FAIL_IF_NOT_READY;
  for (let n = start; n <= stop; n++) {
    if (failIfNotReady && notifier.height <= n) {
      yield statusResponse(common.Status.NOT_FOUND);
      return;
    }
    if (!(await notifier.waitForBlock(n, signal))) return;
    const block = await blocks.getBlock(n);
    if (!block) {
      yield statusResponse(common.Status.NOT_FOUND);
      return;
    }
    yield blockResponse(kind, block, channelId);
  }
  yield statusResponse(common.Status.SUCCESS);
}
