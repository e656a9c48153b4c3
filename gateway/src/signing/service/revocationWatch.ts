import { checkpointers, type ChaincodeEvent, type Network } from '@hyperledger/fabric-gateway';
import type { signing } from '@keyledger/chaincode/protocol';
import type { Logger } from 'pino';
import { EventFollower, eventPayload } from '../../fabric';
import { errorText } from '../../logging';
import type { SigningLedger } from '../ledger';

/** Where the chaincode events come from: a gateway connection's network and the chaincode's name. */
export interface RevocationEvents {
  readonly network: Network;
  readonly chaincode: string;
}

export interface RevocationWatchOptions {
  readonly ledger: SigningLedger;
  readonly serviceId: string;
  /** Follow SigningKeyRevoked events (absent: the poll alone). */
  readonly events?: RevocationEvents;
  /** How often the watched keys' records are read: the fallback for events missed while the stream was down. */
  readonly pollIntervalMs: number;
  /** The kids whose revocation matters now (the active and the pending key). */
  readonly watched: () => readonly string[];
  /** Told of each revoked key of the service; must be idempotent (an event and a poll may both report it). */
  readonly onRevoked: (record: signing.SigningKeyRecord) => Promise<unknown>;
  readonly logger?: Logger;
}

/** A running watch, with its close. */
export interface RevocationWatch {
  stop(): Promise<void>;
}

/**
 * Learns that a key of this service was revoked by anyone — an admin through the CLI as much as this service —
 * from the ledger's SigningKeyRevoked events, and by polling the watched keys' records in case an event was
 * missed. Events start at the next block: what happened before is the caller's start-up reading of the ledger.
 */
export function watchRevocations(options: Readonly<RevocationWatchOptions>): RevocationWatch {
  const { ledger, serviceId, logger } = options;
  let stopped = false;
  const report = async (kid: string): Promise<void> => {
    const record = await ledger.get(kid);
    if (!stopped && record?.status === 'revoked' && record.serviceId === serviceId) {
      await options.onRevoked(record);
    }
  };

  const follower =
    options.events === undefined
      ? undefined
      : new EventFollower({
          network: options.events.network,
          chaincode: options.events.chaincode,
          checkpointer: checkpointers.inMemory(),
          reconnectDelayMs: 500,
          onError: (error) =>
            logger?.warn({ error: errorText(error) }, 'signing-key event stream failed; reconnecting'),
        });
  follower?.start(async (event: ChaincodeEvent): Promise<void> => {
    if (event.eventName !== 'SigningKeyRevoked') {
      return;
    }
    const payload = eventPayload<{ kid: string; serviceId: string }>(event);
    if (payload?.serviceId !== serviceId || typeof payload.kid !== 'string') {
      return;
    }
    // A failure is logged, not thrown: a throwing handler would replay the event forever; the poll retries.
    await report(payload.kid).catch((error: unknown) =>
      logger?.warn({ kid: payload.kid, error: errorText(error) }, 'handling a signing-key revocation failed'),
    );
  });

  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  const schedule = (): void => {
    timer = setTimeout(() => {
      polling = (async (): Promise<void> => {
        for (const kid of options.watched()) {
          await report(kid).catch((error: unknown) =>
            logger?.warn({ kid, error: errorText(error) }, 'polling a signing key failed'),
          );
        }
      })().finally(() => {
        polling = undefined;
        if (!stopped) {
          schedule();
        }
      });
    }, options.pollIntervalMs);
    timer.unref();
  };
  schedule();

  return {
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await follower?.stop().catch(() => undefined);
      await polling;
    },
  };
}
