import type { Context } from 'fabric-contract-api';

export interface HistoryEntry<T> {
  readonly txId: string;
  /** Epoch milliseconds of the transaction that wrote this version. */
  readonly timestamp: number;
  readonly isDelete: boolean;
  readonly value?: T;
}

/** Every committed version of a key, newest first (Fabric 2.x order). */
export async function readHistory<T>(ctx: Context, key: string): Promise<HistoryEntry<T>[]> {
  const entries: HistoryEntry<T>[] = [];
  for await (const modification of ctx.stub.getHistoryForKey(key)) {
    const seconds = Number(modification.timestamp.seconds);
    const millis = seconds * 1000 + Math.floor(modification.timestamp.nanos / 1_000_000);
    const value =
      modification.isDelete || modification.value.length === 0
        ? undefined
        : (JSON.parse(Buffer.from(modification.value).toString('utf8')) as T);
    entries.push({ txId: modification.txId, timestamp: millis, isDelete: modification.isDelete, value });
  }
  return entries;
}
