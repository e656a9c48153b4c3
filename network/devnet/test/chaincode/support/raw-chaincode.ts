import * as grpc from '@grpc/grpc-js';
import { peer } from '@hyperledger/fabric-protos';

type Message = peer.ChaincodeMessage;
type Duplex = grpc.ClientDuplexStream<Message, Message>;
type MessageTypeValue = peer.ChaincodeMessage.TypeMap[keyof peer.ChaincodeMessage.TypeMap];

/**
 * A scripted chaincode speaking the shim protocol directly, for protocol edge cases the real shim never produces
 * (unsupported types, concurrent requests, late messages) and for asserting exactly what the peer side sends.
 */
export class RawChaincode {
  /** Every message received from the devnet, in order. */
  readonly received: Message[] = [];
  readonly #call: Duplex;
  readonly #client: grpc.Client;
  readonly #unread: Message[] = [];
  readonly #waiters: { predicate: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  #ended = false;
  #endWaiters: (() => void)[] = [];

  private constructor(client: grpc.Client, call: Duplex) {
    this.#client = client;
    this.#call = call;
    call.on('data', (message: Message) => {
      this.received.push(message);
      const index = this.#waiters.findIndex((waiter) => waiter.predicate(message));
      if (index >= 0) {
        const [waiter] = this.#waiters.splice(index, 1);
        waiter?.resolve(message);
      } else {
        this.#unread.push(message);
      }
    });
    const end = (): void => {
      this.#ended = true;
      for (const resolve of this.#endWaiters) resolve();
      this.#endWaiters = [];
    };
    call.on('end', end);
    call.on('error', end);
  }

  /** Dials ChaincodeSupport.Register without sending anything. */
  static openUnregistered(address: string): RawChaincode {
    const client = new peer.ChaincodeSupportClient(address, grpc.credentials.createInsecure());
    return new RawChaincode(client, client.register());
  }

  /** Dials ChaincodeSupport.Register and sends REGISTER; does not wait for the answer. */
  static open(address: string, ccid: string): RawChaincode {
    const raw = RawChaincode.openUnregistered(address);
    const id = new peer.ChaincodeID();
    id.setName(ccid);
    raw.send(peer.ChaincodeMessage.Type.REGISTER, { payload: id.serializeBinary() });
    return raw;
  }

  /** Registers and waits for REGISTERED then READY. */
  static async register(address: string, ccid: string): Promise<RawChaincode> {
    const raw = RawChaincode.open(address, ccid);
    await raw.next((m) => m.getType() === peer.ChaincodeMessage.Type.REGISTERED);
    await raw.next((m) => m.getType() === peer.ChaincodeMessage.Type.READY);
    return raw;
  }

  send(type: number, fields: { txid?: string; channelId?: string; payload?: Uint8Array } = {}): void {
    const message = new peer.ChaincodeMessage();
    message.setType(type as MessageTypeValue);
    if (fields.txid) message.setTxid(fields.txid);
    if (fields.channelId) message.setChannelId(fields.channelId);
    if (fields.payload) message.setPayload(fields.payload);
    this.#call.write(message);
  }

  sendMessage(message: Message): void {
    this.#call.write(message);
  }

  /** The next message matching (already received ones first). */
  next(predicate: (message: Message) => boolean = () => true, timeoutMs = 5000): Promise<Message> {
    const index = this.#unread.findIndex(predicate);
    if (index >= 0) return Promise.resolve(this.#unread.splice(index, 1)[0] as Message);
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching message from the devnet')), timeoutMs);
      this.#waiters.push({
        predicate,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      });
    });
  }

  /** The next TRANSACTION/INIT. */
  nextTransaction(): Promise<Message> {
    return this.next(
      (m) =>
        m.getType() === peer.ChaincodeMessage.Type.TRANSACTION ||
        m.getType() === peer.ChaincodeMessage.Type.INIT,
    );
  }

  /** Sends a state request and waits for the RESPONSE/ERROR carrying the same txid. */
  async request(type: number, txid: string, channelId: string, payload: Uint8Array): Promise<Message> {
    const reply = this.next(
      (m) =>
        m.getTxid() === txid &&
        (m.getType() === peer.ChaincodeMessage.Type.RESPONSE ||
          m.getType() === peer.ChaincodeMessage.Type.ERROR),
    );
    this.send(type, { txid, channelId, payload });
    return reply;
  }

  complete(txid: string, channelId: string, status: number, payload: string, message = ''): void {
    const response = new peer.Response();
    response.setStatus(status);
    response.setPayload(Buffer.from(payload));
    response.setMessage(message);
    this.send(peer.ChaincodeMessage.Type.COMPLETED, { txid, channelId, payload: response.serializeBinary() });
  }

  /** Resolves when the devnet ended the stream. */
  ended(): Promise<void> {
    if (this.#ended) return Promise.resolve();
    return new Promise((resolve) => this.#endWaiters.push(resolve));
  }

  close(): void {
    this.#call.end();
    this.#call.cancel();
    this.#client.close();
  }
}
