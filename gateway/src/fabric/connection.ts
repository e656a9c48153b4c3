import { readFileSync } from 'node:fs';
import type * as grpc from '@grpc/grpc-js';
import {
  connect,
  hash,
  type Contract,
  type Gateway,
  type Network,
  type Signer,
} from '@hyperledger/fabric-gateway';
import type { FabricConfig } from './config';
import { sharedGrpcClients, type GrpcClientLease, type GrpcClients } from './grpcClients';
import type { LedgerAccess } from './ledgerAccess';
import { pemSigner } from './signers';

export interface ConnectOptions {
  /** Signer for keys kept in an HSM (see hsm/signer.ts); otherwise the config's PEM key is used. */
  readonly signer?: Signer;
  /** Where the gRPC channel comes from (default: the process-wide pool, one channel per endpoint). */
  readonly clients?: GrpcClients;
  /** Deadline of an evaluate (default 10 s). */
  readonly evaluateTimeoutMs?: number;
  /** Deadline of an endorsement (default 30 s). */
  readonly endorseTimeoutMs?: number;
  /** Deadline of handing a transaction to ordering (default 10 s). */
  readonly submitTimeoutMs?: number;
  /** Deadline of waiting for a commit (default 60 s). */
  readonly commitTimeoutMs?: number;
}

const deadline =
  (ms: number): (() => grpc.CallOptions) =>
  () => ({ deadline: Date.now() + ms });

/** One identity's Gateway session over a shared gRPC channel, with deadlines on every call. */
export class FabricConnection implements LedgerAccess {
  readonly config: FabricConfig;
  readonly gateway: Gateway;
  readonly network: Network;
  readonly #lease: GrpcClientLease;
  #closed = false;

  private constructor(config: FabricConfig, lease: GrpcClientLease, gateway: Gateway) {
    this.config = config;
    this.#lease = lease;
    this.gateway = gateway;
    this.network = gateway.getNetwork(config.channel);
  }

  static open(config: FabricConfig, options: ConnectOptions = {}): FabricConnection {
    const signer = options.signer ?? pemSigner(config);
    const lease = (options.clients ?? sharedGrpcClients).lease(config);
    try {
      const gateway = connect({
        client: lease.client,
        identity: { mspId: config.mspId, credentials: readFileSync(config.certPath) },
        signer,
        hash: hash.sha256,
        evaluateOptions: deadline(options.evaluateTimeoutMs ?? 10_000),
        endorseOptions: deadline(options.endorseTimeoutMs ?? 30_000),
        submitOptions: deadline(options.submitTimeoutMs ?? 10_000),
        commitStatusOptions: deadline(options.commitTimeoutMs ?? 60_000),
      });
      return new FabricConnection(config, lease, gateway);
    } catch (error) {
      lease.release();
      throw error;
    }
  }

  /** A contract of the KeyLedger chaincode, e.g. 'KeyRotation'. */
  contract(contractName: string): Contract {
    return this.network.getContract(this.config.chaincode, contractName);
  }

  /** Closes this identity's session; the shared channel closes with its last user. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    try {
      this.gateway.close();
    } finally {
      this.#lease.release();
    }
  }
}
