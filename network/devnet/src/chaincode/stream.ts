import type * as grpc from '@grpc/grpc-js';
import type { peer } from '@hyperledger/fabric-protos';

/**
 * One chaincode chat stream, whichever side dialled: the chaincode (ChaincodeSupport.Register) or the devnet
 * (Chaincode.Connect, chaincode-as-a-service). The protocol on top is identical, so the handler only sees this.
 */
export interface MessageStream {
  send(message: peer.ChaincodeMessage): void;
  /** Ends our side of the stream (idempotent). */
  close(): void;
}

export interface MessageStreamListener {
  onMessage(message: peer.ChaincodeMessage): void;
  /** Called once, when the stream ended, failed or was cancelled; `reason` is for logs. */
  onClose(reason: string): void;
}

type Duplex =
  | grpc.ServerDuplexStream<peer.ChaincodeMessage, peer.ChaincodeMessage>
  | grpc.ClientDuplexStream<peer.ChaincodeMessage, peer.ChaincodeMessage>;

/** Adapts a grpc-js duplex call (server or client side) to a {@link MessageStream}. */
export function adaptDuplex(call: Duplex, listener: MessageStreamListener): MessageStream {
  let closed = false;
  const finish = (reason: string): void => {
    if (closed) return;
    closed = true;
    try {
      call.end();
    } catch {
      // the call is already gone
    }
    listener.onClose(reason);
  };
  call.on('data', (message: peer.ChaincodeMessage) => {
    if (!closed) listener.onMessage(message);
  });
  call.on('end', () => finish('stream ended by the chaincode'));
  call.on('error', (error: Error) => finish(`stream error: ${error.message}`));
  call.on('close', () => finish('stream closed'));
  call.on('cancelled', () => finish('stream cancelled'));
  return {
    send(message: peer.ChaincodeMessage): void {
      if (closed) return;
      try {
        call.write(message);
      } catch (error) {
        finish(`write failed: ${(error as Error).message}`);
      }
    },
    close(): void {
      if ('cancel' in call && typeof call.cancel === 'function' && !closed) {
        // client side: end our half, then cancel so the server side sees the stream go away
        try {
          call.end();
        } finally {
          call.cancel();
        }
      }
      finish('stream closed by the devnet');
    },
  };
}
