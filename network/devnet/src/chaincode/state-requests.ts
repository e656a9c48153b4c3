import { ledger, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import type { KV, KeyModification } from '../ledger/types';
import { MessageType, messageTypeName } from './messages';
import { TOTAL_QUERY_LIMIT } from './query-iterators';
import type { TransactionContext } from './transaction-context';

/** Runs a chaincode-to-chaincode call and returns the called chaincode's final message (COMPLETED or ERROR). */
export type ChaincodeInvoker = (
  context: TransactionContext,
  spec: peer.ChaincodeSpec,
) => Promise<peer.ChaincodeMessage>;

/** A message type the devnet does not answer; the handler replies ERROR instead of leaving the chaincode waiting. */
export class UnsupportedMessageError extends Error {
  constructor(type: number) {
    super(
      `unsupported chaincode message type ${messageTypeName(type)}: the devnet peer cannot handle it in ready state`,
    );
    this.name = 'UnsupportedMessageError';
  }
}

const PRIVATE_DATA_IN_INIT = 'private data APIs are not allowed in chaincode Init()';

/**
 * Answers one state request of a running transaction with the RESPONSE payload, or throws an Error whose
 * message is the reason Fabric's peer gives (the caller wraps it as `<TYPE> failed: transaction ID: …`).
 * Semantics follow fabric core/chaincode/handler.go; reads, writes and ordering are the simulator's.
 */
export async function answerStateRequest(
  message: peer.ChaincodeMessage,
  context: TransactionContext,
  invoke: ChaincodeInvoker,
): Promise<Uint8Array> {
  const payload = message.getPayload_asU8();
  switch (message.getType()) {
    case MessageType.GET_STATE:
      return getState(decode(peer.GetState, payload), context);
    case MessageType.GET_STATE_MULTIPLE:
      return getStateMultiple(decode(peer.GetStateMultiple, payload), context);
    case MessageType.PUT_STATE: {
      const request = decode(peer.PutState, payload);
      putState(context, request.getCollection(), request.getKey(), request.getValue_asU8());
      return EMPTY;
    }
    case MessageType.DEL_STATE: {
      const request = decode(peer.DelState, payload);
      deleteState(context, request.getCollection(), request.getKey());
      return EMPTY;
    }
    case MessageType.PURGE_PRIVATE_DATA: {
      const request = decode(peer.PurgePrivateState, payload);
      purgePrivateData(context, request.getCollection(), request.getKey());
      return EMPTY;
    }
    case MessageType.WRITE_BATCH_STATE:
      writeBatch(decode(peer.WriteBatchState, payload), context);
      return EMPTY;
    case MessageType.GET_STATE_BY_RANGE:
      return getStateByRange(decode(peer.GetStateByRange, payload), context);
    case MessageType.GET_QUERY_RESULT:
      return getQueryResult(decode(peer.GetQueryResult, payload), context);
    case MessageType.QUERY_STATE_NEXT:
      return context.iterators.next(decode(peer.QueryStateNext, payload).getId());
    case MessageType.QUERY_STATE_CLOSE:
      return context.iterators.close(decode(peer.QueryStateClose, payload).getId());
    case MessageType.GET_HISTORY_FOR_KEY:
      return getHistoryForKey(decode(peer.GetHistoryForKey, payload), context);
    case MessageType.GET_STATE_METADATA:
      return getStateMetadata(decode(peer.GetStateMetadata, payload), context);
    case MessageType.PUT_STATE_METADATA: {
      const request = decode(peer.PutStateMetadata, payload);
      putStateMetadata(context, request.getCollection(), request.getKey(), request.getMetadata());
      return EMPTY;
    }
    case MessageType.GET_PRIVATE_DATA_HASH:
      return getPrivateDataHash(decode(peer.GetState, payload), context);
    case MessageType.INVOKE_CHAINCODE: {
      const reply = await invoke(context, decode(peer.ChaincodeSpec, payload));
      return reply.serializeBinary();
    }
    default:
      throw new UnsupportedMessageError(message.getType());
  }
}

const EMPTY = new Uint8Array(0);

interface Decodable<T> {
  deserializeBinary(bytes: Uint8Array): T;
}

function decode<T>(type: Decodable<T>, payload: Uint8Array): T {
  try {
    return type.deserializeBinary(payload);
  } catch (error) {
    throw new Error(`unmarshal failed: ${(error as Error).message}`);
  }
}

function requireNotInit(context: TransactionContext): void {
  if (context.isInit) throw new Error(PRIVATE_DATA_IN_INIT);
}

/** Fabric's order: no private data in Init, then the collection's member read/write permission for the creator. */
function requireCollectionAccess(
  context: TransactionContext,
  collection: string,
  access: 'read' | 'write',
): void {
  requireNotInit(context);
  const check = context.collectionAccess;
  if (!check) return;
  const allowed = check({
    namespace: context.namespace,
    collection,
    channelId: context.channelId,
    txId: context.txId,
    signedProposal: context.signedProposal,
    access,
  });
  if (!allowed) {
    throw new Error(
      `tx creator does not have ${access} access permission on privatedata in chaincodeName:${context.namespace} collectionName: ${collection}`,
    );
  }
}

function getState(request: peer.GetState, context: TransactionContext): Uint8Array {
  const { simulator, namespace } = context;
  const collection = request.getCollection();
  if (collection) {
    requireCollectionAccess(context, collection, 'read');
    return simulator.getPrivateData(namespace, collection, request.getKey()) ?? EMPTY;
  }
  return simulator.getState(namespace, request.getKey()) ?? EMPTY;
}

function getStateMultiple(request: peer.GetStateMultiple, context: TransactionContext): Uint8Array {
  const { simulator, namespace } = context;
  const collection = request.getCollection();
  if (collection) requireCollectionAccess(context, collection, 'read');
  const values = request
    .getKeysList()
    .map(
      (key) =>
        (collection
          ? simulator.getPrivateData(namespace, collection, key)
          : simulator.getState(namespace, key)) ?? EMPTY,
    );
  const result = new peer.GetStateMultipleResult();
  result.setValuesList(values);
  return result.serializeBinary();
}

/** Fabric's rwset builder turns an empty value into a delete; do the same whatever the simulator does. */
function putState(context: TransactionContext, collection: string, key: string, value: Uint8Array): void {
  if (value.length === 0) {
    deleteState(context, collection, key);
    return;
  }
  const { simulator, namespace } = context;
  if (collection) {
    requireCollectionAccess(context, collection, 'write');
    simulator.setPrivateData(namespace, collection, key, value);
  } else {
    simulator.setState(namespace, key, value);
  }
}

function deleteState(context: TransactionContext, collection: string, key: string): void {
  const { simulator, namespace } = context;
  if (collection) {
    requireCollectionAccess(context, collection, 'write');
    simulator.deletePrivateData(namespace, collection, key);
  } else {
    simulator.deleteState(namespace, key);
  }
}

function purgePrivateData(context: TransactionContext, collection: string, key: string): void {
  if (!collection) throw new Error('only applicable for private data');
  requireCollectionAccess(context, collection, 'write');
  context.simulator.purgePrivateData(context.namespace, collection, key);
}

function putStateMetadata(
  context: TransactionContext,
  collection: string,
  key: string,
  entry: peer.StateMetadata | undefined,
): void {
  const metadata = new Map<string, Uint8Array>([
    [entry?.getMetakey() ?? '', entry?.getValue_asU8() ?? EMPTY],
  ]);
  const { simulator, namespace } = context;
  if (collection) {
    requireCollectionAccess(context, collection, 'write');
    simulator.setPrivateDataMetadata(namespace, collection, key, metadata);
  } else {
    simulator.setStateMetadata(namespace, key, metadata);
  }
}

function writeBatch(batch: peer.WriteBatchState, context: TransactionContext): void {
  for (const record of batch.getRecList()) {
    const collection = record.getCollection();
    switch (record.getType()) {
      case peer.WriteRecord.Type.PUT_STATE:
        putState(context, collection, record.getKey(), record.getValue_asU8());
        break;
      case peer.WriteRecord.Type.DEL_STATE:
        deleteState(context, collection, record.getKey());
        break;
      case peer.WriteRecord.Type.PURGE_PRIVATE_DATA:
        purgePrivateData(context, collection, record.getKey());
        break;
      case peer.WriteRecord.Type.PUT_STATE_METADATA:
        putStateMetadata(context, collection, record.getKey(), record.getMetadata());
        break;
      default:
        throw new Error('unknown operation type');
    }
  }
}

interface Pagination {
  readonly pageSize: number;
  readonly bookmark: string;
}

/** Fabric treats a request as paginated when `QueryMetadata` is present with a page size or a bookmark. */
function paginationOf(metadataBytes: Uint8Array): Pagination | undefined {
  if (metadataBytes.length === 0) return undefined;
  const metadata = decode(peer.QueryMetadata, metadataBytes);
  if (metadata.getPagesize() === 0 && metadata.getBookmark() === '') return undefined;
  const pageSize = metadata.getPagesize();
  return {
    pageSize: pageSize > 0 && pageSize < TOTAL_QUERY_LIMIT ? pageSize : TOTAL_QUERY_LIMIT,
    bookmark: metadata.getBookmark(),
  };
}

function getStateByRange(request: peer.GetStateByRange, context: TransactionContext): Uint8Array {
  const { simulator, namespace } = context;
  const collection = request.getCollection();
  const startKey = request.getStartkey();
  const endKey = request.getEndkey();
  if (collection) {
    // Fabric ignores pagination metadata for private data ranges
    requireCollectionAccess(context, collection, 'read');
    const page = simulator.getPrivateDataRange(namespace, collection, startKey, endKey);
    return context.iterators.open(page.results.map((kv) => encodeKV(namespace, kv)));
  }
  const pagination = paginationOf(request.getMetadata_asU8());
  if (pagination) {
    const page = simulator.getStateRange(
      namespace,
      startKey,
      endKey,
      pagination.pageSize,
      pagination.bookmark,
    );
    return context.iterators.page(
      page.results.map((kv) => encodeKV(namespace, kv)),
      page.bookmark,
    );
  }
  const page = simulator.getStateRange(namespace, startKey, endKey);
  return context.iterators.open(page.results.map((kv) => encodeKV(namespace, kv)));
}

function getQueryResult(request: peer.GetQueryResult, context: TransactionContext): Uint8Array {
  const { simulator, namespace } = context;
  const collection = request.getCollection();
  if (collection) {
    requireCollectionAccess(context, collection, 'read');
    const page = simulator.executePrivateQuery(namespace, collection, request.getQuery());
    return context.iterators.open(page.results.map((kv) => encodeKV(namespace, kv)));
  }
  const pagination = paginationOf(request.getMetadata_asU8());
  if (pagination) {
    const page = simulator.executeQuery(
      namespace,
      request.getQuery(),
      pagination.pageSize,
      pagination.bookmark,
    );
    return context.iterators.page(
      page.results.map((kv) => encodeKV(namespace, kv)),
      page.bookmark,
    );
  }
  const page = simulator.executeQuery(namespace, request.getQuery());
  return context.iterators.open(page.results.map((kv) => encodeKV(namespace, kv)));
}

function getHistoryForKey(request: peer.GetHistoryForKey, context: TransactionContext): Uint8Array {
  const history = context.simulator.getHistoryForKey(context.namespace, request.getKey());
  return context.iterators.open(history.map(encodeKeyModification));
}

function getStateMetadata(request: peer.GetStateMetadata, context: TransactionContext): Uint8Array {
  const { simulator, namespace } = context;
  const collection = request.getCollection();
  let metadata: Map<string, Uint8Array>;
  if (collection) {
    requireCollectionAccess(context, collection, 'read');
    metadata = simulator.getPrivateDataMetadata(namespace, collection, request.getKey());
  } else {
    metadata = simulator.getStateMetadata(namespace, request.getKey());
  }
  const result = new peer.StateMetadataResult();
  for (const metakey of [...metadata.keys()].sort()) {
    const entry = new peer.StateMetadata();
    entry.setMetakey(metakey);
    entry.setValue(metadata.get(metakey) ?? EMPTY);
    result.addEntries(entry);
  }
  return result.serializeBinary();
}

function getPrivateDataHash(request: peer.GetState, context: TransactionContext): Uint8Array {
  // Fabric checks no collection read permission here: hashes are on every peer's public ledger
  if (context.isInit) throw new Error(PRIVATE_DATA_IN_INIT);
  return (
    context.simulator.getPrivateDataHash(context.namespace, request.getCollection(), request.getKey()) ??
    EMPTY
  );
}

function encodeKV(namespace: string, kv: KV): Uint8Array {
  const result = new ledger.queryresult.KV();
  result.setNamespace(namespace);
  result.setKey(kv.key);
  result.setValue(kv.value);
  return result.serializeBinary();
}

function encodeKeyModification(modification: KeyModification): Uint8Array {
  const result = new ledger.queryresult.KeyModification();
  result.setTxId(modification.txId);
  result.setValue(modification.value);
  result.setIsDelete(modification.isDelete);
  const timestamp = new Timestamp();
  timestamp.setSeconds(Math.floor(modification.timestampMillis / 1000));
  timestamp.setNanos((modification.timestampMillis % 1000) * 1_000_000);
  result.setTimestamp(timestamp);
  return result.serializeBinary();
}
