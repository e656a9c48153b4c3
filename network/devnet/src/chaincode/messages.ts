import { peer } from '@hyperledger/fabric-protos';

/** Numeric `ChaincodeMessage.Type` values (fabric-protos `peer/chaincode_shim.proto`). */
export type MessageType = peer.ChaincodeMessage.TypeMap[keyof peer.ChaincodeMessage.TypeMap];

export const MessageType: peer.ChaincodeMessage.TypeMap = peer.ChaincodeMessage.Type;

const typeNames = new Map<number, string>(
  Object.entries(peer.ChaincodeMessage.Type).map(([name, value]) => [value as number, name]),
);

/** The enum name of a message type as Fabric prints it (`GET_STATE`), or `UNKNOWN(<n>)` for values no proto defines. */
export function messageTypeName(type: number): string {
  return typeNames.get(type) ?? `UNKNOWN(${type})`;
}

export interface MessageFields {
  readonly txid?: string;
  readonly channelId?: string;
  readonly payload?: Uint8Array;
}

/** Builds a peer → chaincode message. Replies always carry the request's txid and channel: the shim routes by them. */
export function newMessage(type: MessageType, fields: MessageFields = {}): peer.ChaincodeMessage {
  const message = new peer.ChaincodeMessage();
  message.setType(type);
  if (fields.txid !== undefined) message.setTxid(fields.txid);
  if (fields.channelId !== undefined) message.setChannelId(fields.channelId);
  if (fields.payload !== undefined) message.setPayload(fields.payload);
  return message;
}

/** An ERROR reply whose payload is the UTF-8 reason, as the peer sends it. */
export function errorReply(request: peer.ChaincodeMessage, reason: string): peer.ChaincodeMessage {
  return newMessage(MessageType.ERROR, {
    txid: request.getTxid(),
    channelId: request.getChannelId(),
    payload: Buffer.from(reason, 'utf8'),
  });
}

/**
 * Fabric's peer wraps every failed state request as `<TYPE> failed: transaction ID: <txid>: <reason>`
 * (core/chaincode/handler.go HandleTransaction); chaincode authors see exactly this text in the rejected promise.
 */
export function stateRequestFailure(request: peer.ChaincodeMessage, reason: string): string {
  return `${messageTypeName(request.getType())} failed: transaction ID: ${request.getTxid()}: ${reason}`;
}

/** The in-flight key the shim itself uses: it can only tell transactions apart by channel and txid. */
export function transactionKey(channelId: string, txId: string): string {
  return `${channelId}\u0000${txId}`;
}

export interface ChaincodeName {
  readonly name: string;
  readonly version?: string;
  readonly channelId?: string;
}

/** Parses `name[:version][/channel]` as Fabric's `ParseName` does (package ids are `label:hash`). */
export function parseChaincodeName(value: string): ChaincodeName {
  const slash = value.indexOf('/');
  const channelId = slash >= 0 ? value.slice(slash + 1) : undefined;
  const nameAndVersion = slash >= 0 ? value.slice(0, slash) : value;
  const colon = nameAndVersion.indexOf(':');
  if (colon < 0) return { name: nameAndVersion, channelId };
  return { name: nameAndVersion.slice(0, colon), version: nameAndVersion.slice(colon + 1), channelId };
}
