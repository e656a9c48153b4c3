import { createPrivateKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { Hash, Identity as GatewayIdentity, Signer } from '@hyperledger/fabric-gateway';
import { signMessage, type IdentityFiles, type NetworkMaterial } from '../msp';

/** Paths of one identity's certificate and private key (PEM). */
export interface IdentityPaths {
  readonly certPath: string;
  readonly keyPath: string;
}

/**
 * `<data>/connection.json`: what any Fabric client needs to reach the devnet. Every organisation's peer is
 * the same endpoint; the TLS CA is absent with `--plaintext`.
 */
export interface ConnectionProfile {
  readonly channel: string;
  readonly endpoint: string;
  readonly tls: boolean;
  readonly tlsCaCertPath?: string;
  /** Host name the server certificate is issued for. */
  readonly hostnameOverride?: string;
  readonly orgs: readonly {
    readonly mspId: string;
    readonly peerEndpoint: string;
    readonly admin: IdentityPaths;
    readonly user: IdentityPaths;
  }[];
}

export function connectionProfile(
  material: NetworkMaterial,
  channel: string,
  endpoint: string,
  tls: boolean,
): ConnectionProfile {
  const paths = (files: IdentityFiles): IdentityPaths => ({
    certPath: files.certPath,
    keyPath: files.keyPath,
  });
  return {
    channel,
    endpoint,
    tls,
    ...(tls ? { tlsCaCertPath: material.tls.caCertPath, hostnameOverride: 'localhost' } : {}),
    orgs: material.orgs.map((org) => ({
      mspId: org.mspId,
      peerEndpoint: endpoint,
      admin: paths(org.admin),
      user: paths(org.user),
    })),
  };
}

/** Writes the connection file atomically (temp file + rename). */
export async function writeConnectionProfile(file: string, profile: ConnectionProfile): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o644 });
  await fs.rename(tmp, file);
}

export async function readConnectionProfile(file: string): Promise<ConnectionProfile> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as ConnectionProfile;
}

/** gRPC credentials for the devnet endpoint: TLS with the devnet's CA, or insecure with `--plaintext`. */
export function channelCredentials(tlsCaCertPem: string | undefined): grpc.ChannelCredentials {
  return tlsCaCertPem
    ? grpc.credentials.createSsl(Buffer.from(tlsCaCertPem))
    : grpc.credentials.createInsecure();
}

/** What `connect()` of @hyperledger/fabric-gateway takes: pass all four (`connect({ ...connection })`). */
export interface ClientConnection {
  readonly client: grpc.Client;
  readonly identity: GatewayIdentity;
  /** Signs the whole message: SHA-256 + ECDSA P-256 by node:crypto, low-S DER — what Fabric verifies. */
  readonly signer: Signer;
  /** `hash.none`: the signer hashes itself (native, ~30× faster than a digest signer in JavaScript). */
  readonly hash: Hash;
}

/**
 * A gRPC client, identity, signer and hash for one devnet identity — pass them to fabric-gateway's `connect()`.
 * Loads @hyperledger/fabric-gateway lazily: it is a client library, not a runtime dependency of the devnet.
 */
export function clientConnection(
  endpoint: string,
  tlsCaCertPem: string | undefined,
  files: IdentityFiles,
): ClientConnection {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fabric = require('@hyperledger/fabric-gateway') as typeof import('@hyperledger/fabric-gateway');
  const options: grpc.ChannelOptions = tlsCaCertPem ? { 'grpc.ssl_target_name_override': 'localhost' } : {};
  const client = new grpc.Client(endpoint, channelCredentials(tlsCaCertPem), options);
  return {
    client,
    identity: { mspId: files.mspId, credentials: Buffer.from(files.certPem) },
    signer: nativeSigner(files.keyPem),
    hash: fabric.hash.none,
  };
}

/** A fabric-gateway Signer over whole messages (use with `hash.none`): node:crypto SHA-256 ECDSA, low-S DER. */
export function nativeSigner(keyPem: string): Signer {
  const key = createPrivateKey(keyPem);
  return (message: Uint8Array): Promise<Uint8Array> => Promise.resolve(signMessage(key, message));
}
