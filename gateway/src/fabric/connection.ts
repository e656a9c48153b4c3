import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import {
  connect,
  hash,
  signers,
  type Contract,
  type Gateway,
  type Network,
  type Signer,
} from '@hyperledger/fabric-gateway';
import type { FabricConfig } from './config';
import { ConfigError } from './config';

export interface ConnectOptions {
  /** Signer for keys kept in an HSM (see hsm/signer.ts); otherwise the config's PEM key is used. */
  readonly signer?: Signer;
  readonly evaluateTimeoutMs?: number;
  readonly endorseTimeoutMs?: number;
  readonly submitTimeoutMs?: number;
  readonly commitTimeoutMs?: number;
}

function grpcClient(config: FabricConfig): grpc.Client {
  const options: grpc.ClientOptions = {};
  if (config.hostnameOverride) {
    options['grpc.ssl_target_name_override'] = config.hostnameOverride;
  }
  const credentials = config.tlsRootCertPath
    ? grpc.credentials.createSsl(readFileSync(config.tlsRootCertPath))
    : grpc.credentials.createInsecure();
  return new grpc.Client(config.endpoint, credentials, options);
}

function pemSigner(config: FabricConfig): Signer {
  if (!config.keyPath) {
    throw new ConfigError(`no private key configured for ${config.mspId}; give keyPath or an HSM signer`);
  }
  return signers.newPrivateKeySigner(createPrivateKey(readFileSync(config.keyPath)));
}

const deadline =
  (ms: number): (() => grpc.CallOptions) =>
  () => ({ deadline: Date.now() + ms });

/** One gRPC connection and gateway session for one identity, with deadlines on every call. */
export class FabricConnection {
  readonly config: FabricConfig;
  readonly gateway: Gateway;
  readonly network: Network;
  readonly #client: grpc.Client;

  private constructor(config: FabricConfig, client: grpc.Client, gateway: Gateway) {
    this.config = config;
    this.#client = client;
    this.gateway = gateway;
    this.network = gateway.getNetwork(config.channel);
  }

  static open(config: FabricConfig, options: ConnectOptions = {}): FabricConnection {
    const client = grpcClient(config);
    try {
      const gateway = connect({
        client,
        identity: { mspId: config.mspId, credentials: readFileSync(config.certPath) },
        signer: options.signer ?? pemSigner(config),
        hash: hash.sha256,
        evaluateOptions: deadline(options.evaluateTimeoutMs ?? 10_000),
        endorseOptions: deadline(options.endorseTimeoutMs ?? 30_000),
        submitOptions: deadline(options.submitTimeoutMs ?? 10_000),
        commitStatusOptions: deadline(options.commitTimeoutMs ?? 60_000),
      });
      return new FabricConnection(config, client, gateway);
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /** A contract of the KeyLedger chaincode, e.g. 'KeyRotation'. */
  contract(contractName: string): Contract {
    return this.network.getContract(this.config.chaincode, contractName);
  }

  close(): void {
    this.gateway.close();
    this.#client.close();
  }
}
