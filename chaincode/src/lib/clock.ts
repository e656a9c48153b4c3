import type { Context } from 'fabric-contract-api';

/**
 * Time in chaincode is the transaction timestamp set by the client in the channel header: the same on every
 * endorser. Returned as integer milliseconds since the epoch.
 */
export function txTimeMillis(ctx: Context): number {
  return ctx.stub.getDateTimestamp().getTime();
}

export function isoTime(millis: number): string {
  return new Date(millis).toISOString();
}
