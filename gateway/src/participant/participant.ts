import type { Signer } from '@hyperledger/fabric-gateway';
import type { Logger } from 'pino';
import {
  FabricConnection,
  identityFromCertificate,
  pemSigner,
  type ConnectOptions,
  type FabricConfig,
  type LedgerIdentity,
} from '../fabric';
import { HsmToken, type TokenOptions } from '../hsm';
import { defaultLogger } from '../logging';

/** What every ledger participant (an agent, a node, a server) is made of. */
export interface ParticipantOptions {
  readonly name: string;
  /** Where the ledger is and who this participant is on it. */
  readonly fabric: FabricConfig;
  /** Signer for a Fabric identity key kept in an HSM (`newHsmSigner`); otherwise `fabric.keyPath` is used. */
  readonly signer?: Signer;
  /** Its own HSM token: an open one (the caller closes it) or how to open one (closed on stop). */
  readonly token: HsmToken | TokenOptions;
  readonly logger?: Logger;
  /** gRPC deadlines and the channel pool. */
  readonly connect?: Omit<ConnectOptions, 'signer'>;
}

/** An opened participant: its identity, its Gateway connection, its token and its logger. */
export interface Participant {
  readonly name: string;
  readonly identity: LedgerIdentity;
  readonly connection: FabricConnection;
  readonly token: HsmToken;
  readonly ownsToken: boolean;
  readonly logger: Logger;
}

/** Opens the token and the connection; `component` names the participant's kind in every log line. */
export function openParticipant(options: ParticipantOptions, component: string): Participant {
  const signer = options.signer ?? pemSigner(options.fabric);
  const identity = identityFromCertificate(options.fabric.mspId, options.fabric.certPath, signer);
  const ownsToken = !(options.token instanceof HsmToken);
  const token = options.token instanceof HsmToken ? options.token : HsmToken.open(options.token);
  try {
    const connection = FabricConnection.open(options.fabric, { ...options.connect, signer });
    const logger = (options.logger ?? defaultLogger(options.name)).child({
      component,
      node: options.name,
      member: `${identity.mspId}/${identity.fingerprint.slice(0, 16)}`,
    });
    return { name: options.name, identity, connection, token, ownsToken, logger };
  } catch (error) {
    if (ownsToken) {
      token.close();
    }
    throw error;
  }
}

export function closeParticipant(participant: Participant): void {
  try {
    participant.connection.close();
  } finally {
    if (participant.ownsToken) {
      participant.token.close();
    }
  }
}

/**
 * The start sequence of every agent: build it over an opened participant, then begin. If building fails the
 * participant's token and connection are closed; if beginning fails the agent is stopped — nothing leaks.
 */
export async function startParticipant<T extends { stop(): Promise<void> }>(
  participant: Participant,
  construct: (participant: Participant) => T,
  begin: (instance: T) => Promise<void>,
): Promise<T> {
  let instance: T;
  try {
    instance = construct(participant);
  } catch (error) {
    closeParticipant(participant);
    throw error;
  }
  try {
    await begin(instance);
  } catch (error) {
    await instance.stop();
    throw error;
  }
  return instance;
}
