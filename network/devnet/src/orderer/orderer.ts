import { common } from '@hyperledger/fabric-protos';
import type { SignatureCache } from '../msp/signature-cache';
import type { Identity, MspManager } from '../msp/types';
import { Batcher, type BatcherOptions } from './batcher';
import type { BroadcastResult, OrderingService } from './types';

/**
 * What Fabric's orderer answers (BroadcastResponse.info) when the envelope's creator or signature does not satisfy
 * the channel's Writers: the policy's error (common/policies/implicitmeta.go:102) wrapped around
 * ErrPermissionDenied by the SigFilter (orderer/common/msgprocessor/sigfilter.go).
 */
export const WRITERS_DENIED =
  "implicit policy evaluation failed - 0 sub-policies were satisfied, but this policy requires 1 of the 'Writers' sub-policies to be satisfied: permission denied";

export interface OrdererOptions extends BatcherOptions {
  readonly channelId: string;
  readonly msp: MspManager;
  /** Commits one cut block of envelopes. */
  readonly commitBlock: (envelopes: Uint8Array[]) => Promise<void>;
  readonly onError: (err: unknown) => void;
  /** Envelope signatures verified here are remembered, so the committer need not verify them again. */
  readonly signatures?: SignatureCache;
  /** Writers ACL of the channel (default: anyone the MSP accepts). */
  readonly mayWrite?: (identity: Identity) => boolean;
}

/**
 * The ordering service's Broadcast (orderer/common/msgprocessor): it accepts an endorser transaction for the
 * channel when its creator belongs to a channel MSP and signed it (Writers), then queues it for the block cutter.
 */
export class Orderer implements OrderingService {
  readonly #options: OrdererOptions;
  readonly #batcher: Batcher<Uint8Array>;

  constructor(options: OrdererOptions) {
    this.#options = options;
    this.#batcher = new Batcher<Uint8Array>(options, options.commitBlock, options.onError);
  }

  broadcast(envelope: common.Envelope): BroadcastResult {
    let header: common.Header | undefined;
    let channelHeader: common.ChannelHeader;
    let signatureHeader: common.SignatureHeader;
    try {
      const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
      header = payload.getHeader();
      if (!header) return { status: 'BAD_REQUEST', info: 'missing header' };
      channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
      signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
    } catch (err) {
      return { status: 'BAD_REQUEST', info: `bad envelope: ${String(err)}` };
    }
    if (channelHeader.getChannelId() !== this.#options.channelId) {
      return { status: 'BAD_REQUEST', info: `channel ${channelHeader.getChannelId()} not found` };
    }
    if (channelHeader.getType() !== common.HeaderType.ENDORSER_TRANSACTION) {
      return { status: 'BAD_REQUEST', info: `header type ${channelHeader.getType()} not accepted` };
    }
    try {
      const creatorBytes = signatureHeader.getCreator_asU8();
      const creator = this.#options.msp.deserializeIdentity(creatorBytes);
      if (!this.#options.msp.verify(creator, envelope.getPayload_asU8(), envelope.getSignature_asU8())) {
        return { status: 'FORBIDDEN', info: WRITERS_DENIED };
      }
      if (this.#options.mayWrite && !this.#options.mayWrite(creator)) {
        return { status: 'FORBIDDEN', info: WRITERS_DENIED };
      }
      this.#options.signatures?.remember(
        creatorBytes,
        envelope.getPayload_asU8(),
        envelope.getSignature_asU8(),
      );
    } catch {
      // an identity the channel's MSPs do not accept satisfies no sub-policy either
      return { status: 'FORBIDDEN', info: WRITERS_DENIED };
    }
    try {
      this.#batcher.enqueue(envelope.serializeBinary());
    } catch {
      return { status: 'SERVICE_UNAVAILABLE', info: 'ordering service stopped' };
    }
    return { status: 'SUCCESS' };
  }

  /** Waits until every accepted transaction is committed. */
  idle(): Promise<void> {
    return this.#batcher.idle();
  }

  stop(): void {
    this.#batcher.stop();
  }
}
