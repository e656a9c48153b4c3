import { callerOf, defineRoute, ok, type AnyRoute } from '../../http';
import { noParams, noQuery } from '../../http/schemas';
import { ShardsLedger } from '../ledger';
import { deviceVerdictSchema, verifyDeviceBody, verifyMessageOf } from '../schemas';
import { verifyDeviceSignature } from '../verifier';

export const TAG_SHARD_SIGNATURES = 'Device signatures';

/** Verification of a device's signature against its epoch's public key on the ledger, read as the caller. */
export function shardVerifyRoutes(): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/shards/verify',
      operationId: 'verifyDeviceSignature',
      summary:
        'Verifies a device signature: the epoch’s public key on the ledger, and its validity at signing',
      description:
        'The epoch map and its use record are read as the caller (the contract decides who may). 200 either ' +
        'way: `valid` and, when false, `problem` say why. Give the message as `message` (UTF-8) or ' +
        '`messageBase64`, exactly one, at most 64 KiB.',
      tags: [TAG_SHARD_SIGNATURES],
      params: noParams,
      query: noQuery,
      body: verifyDeviceBody,
      bodyRequired: true,
      bodyLimit: 'crypto',
      responses: { 200: { description: 'the verdict', schema: deviceVerdictSchema } },
      errors: [403, 413],
      async handler(context) {
        const ledger = new ShardsLedger(callerOf(context).ledger);
        return ok(await verifyDeviceSignature(ledger, verifyMessageOf(context.body), context.body.signature));
      },
    }),
  ];
}
