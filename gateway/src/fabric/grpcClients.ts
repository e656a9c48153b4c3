import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { FabricConfig } from './config';

/** What identifies one gRPC channel: where it goes and how it is secured. */
type EndpointConfig = Pick<FabricConfig, 'endpoint' | 'tlsRootCertPath' | 'hostnameOverride'>;

interface Entry {
  readonly client: grpc.Client;
  users: number;
}

function keyOf(config: EndpointConfig): string {
  return JSON.stringify([config.endpoint, config.tlsRootCertPath ?? '', config.hostnameOverride ?? '']);
}

function newClient(config: EndpointConfig): grpc.Client {
  const options: grpc.ClientOptions = {};
  if (config.hostnameOverride) {
    options['grpc.ssl_target_name_override'] = config.hostnameOverride;
  }
  const credentials = config.tlsRootCertPath
    ? grpc.credentials.createSsl(readFileSync(config.tlsRootCertPath))
    : grpc.credentials.createInsecure();
  return new grpc.Client(config.endpoint, credentials, options);
}

/** A lease on a shared channel: the client, and `release` when this user is done with it. */
export interface GrpcClientLease {
  readonly client: grpc.Client;
  release(): void;
}

/**
 * One gRPC client per peer endpoint, shared by every identity's Gateway connection (fabric-gateway signs per
 * connection, the channel carries no identity), as fabric-samples' applications do. A client is closed when
 * its last user releases it.
 */
export class GrpcClients {
  readonly #entries = new Map<string, Entry>();

  lease(config: EndpointConfig): GrpcClientLease {
    const key = keyOf(config);
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = { client: newClient(config), users: 0 };
      this.#entries.set(key, entry);
    }
    entry.users += 1;
    const leased = entry;
    let released = false;
    return {
      client: leased.client,
      release: () => {
        if (released) {
          return;
        }
        released = true;
        leased.users -= 1;
        if (leased.users === 0 && this.#entries.get(key) === leased) {
          this.#entries.delete(key);
          leased.client.close();
        }
      },
    };
  }

  /** How many channels are open (one per distinct endpoint in use). */
  get size(): number {
    return this.#entries.size;
  }
}

/** The process-wide pool that connections use unless given another. */
export const sharedGrpcClients = new GrpcClients();
