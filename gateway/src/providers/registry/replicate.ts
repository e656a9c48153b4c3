import type { providers } from '@keyledger/chaincode/protocol';
import { ServiceError } from '../../errors';
import type { LedgerAccess } from '../../fabric';
import { GovernanceLedger } from '../../governance';
import { ProvidersLedger, type ScoredProvider } from '../ledger';
import type { ProviderTransport } from '../transport';
import type { HeldKey } from '../wire';

/** Reaches a registered provider over mutual TLS (the orchestrator's transports). */
export type TransportOf = (profile: ScoredProvider) => ProviderTransport;

export interface KeyReplicatorOptions {
  /** Reads provider profiles and members' published wrapping keys (any member's access will do). */
  readonly reader: LedgerAccess;
  readonly transportOf: TransportOf;
  /** How long to wait for every replica's profile to list the key on chain. Default 20 000 ms. */
  readonly settleTimeoutMs?: number;
}

export interface CreateReplicatedKeyInput {
  readonly keyId: string;
  readonly description?: string;
  /** The provider that generates the key in its token. Default: the first registered provider in id order. */
  readonly origin?: string;
  /** The providers that receive a wrapped copy. Default: every other active provider. */
  readonly replicas?: readonly string[];
}

export interface ReplicaReport {
  readonly providerId: string;
  readonly origin: HeldKey['origin'];
  /** Whether this call made the copy (false: the provider already held the key). */
  readonly made: boolean;
}

export interface ReplicationReport {
  readonly key: providers.ProviderKey;
  readonly keyVersion: number;
  /** 3-byte key check value (hex), equal on every replica. */
  readonly keyCheckValue: string;
  readonly providers: readonly ReplicaReport[];
}

/** A replication that could not finish; what was done stays done, and a retry resumes it. */
export class ReplicationError extends ServiceError {
  constructor(message: string, cause?: unknown) {
    super({ message, problemType: 'conflict', cause });
  }
}

/**
 * Creates a customer master key and shares it among providers, never in plaintext: the key is registered on chain
 * as the caller (only an admin may), generated in the origin provider's token, wrapped there to each recipient's
 * P-256 key (the public key the recipient published as its governance member), and unwrapped inside each recipient's
 * token. Each provider then lists the key in its own on-chain profile, which is what makes it a candidate. Every
 * step is idempotent, so calling again after a failure finishes the job.
 */
export class KeyReplicator {
  readonly #providers: ProvidersLedger;
  readonly #governance: GovernanceLedger;
  readonly #transportOf: TransportOf;
  readonly #settleTimeoutMs: number;

  constructor(options: Readonly<KeyReplicatorOptions>) {
    this.#providers = new ProvidersLedger(options.reader);
    this.#governance = new GovernanceLedger(options.reader);
    this.#transportOf = options.transportOf;
    this.#settleTimeoutMs = options.settleTimeoutMs ?? 20_000;
  }

  /** `caller` is the identity the key is created as: the ledger decides whether it may. */
  async createReplicatedKey(
    caller: LedgerAccess,
    input: CreateReplicatedKeyInput,
  ): Promise<ReplicationReport> {
    const profiles = (await this.#providers.listProviders()).sort((a, b) =>
      a.providerId < b.providerId ? -1 : 1,
    );
    const byId = new Map(profiles.map((profile) => [profile.providerId, profile]));
    const originId = input.origin ?? profiles[0]?.providerId;
    const origin = originId === undefined ? undefined : byId.get(originId);
    if (!origin) {
      throw new ServiceError({
        message:
          originId === undefined ? 'no provider is registered' : `provider ${originId} is not registered`,
        problemType: 'not-found',
      });
    }
    const replicaIds =
      input.replicas ?? profiles.map((p) => p.providerId).filter((id) => id !== origin.providerId);
    const replicas = replicaIds
      .filter((id) => id !== origin.providerId)
      .map((id) => {
        const profile = byId.get(id);
        if (!profile) {
          throw new ServiceError({ message: `provider ${id} is not registered`, problemType: 'not-found' });
        }
        return profile;
      });

    // Registered only once the request is known to be servable: a refused request leaves the ledger as it was.
    const callerLedger = new ProvidersLedger(caller);
    if (!(await callerLedger.getKey(input.keyId))) {
      await callerLedger.createKey({
        keyId: input.keyId,
        ...(input.description === undefined ? {} : { description: input.description }),
      });
    }
    const originTransport = this.#transportOf(origin);
    const heldBefore = (await originTransport.listKeys()).some((key) => key.keyId === input.keyId);
    const made = await originTransport.createKey(input.keyId);
    const reports: ReplicaReport[] = [
      { providerId: origin.providerId, origin: made.origin, made: !heldBefore },
    ];
    const missing: ScoredProvider[] = [];
    for (const replica of replicas) {
      const held = (await this.#transportOf(replica).listKeys()).find((key) => key.keyId === input.keyId);
      if (held && held.keyCheckValue === made.keyCheckValue && held.keyVersion === made.keyVersion) {
        reports.push({ providerId: replica.providerId, origin: held.origin, made: false });
      } else if (held) {
        throw new ReplicationError(
          `provider ${replica.providerId} holds another key under the id ${input.keyId} (key check values differ)`,
        );
      } else {
        missing.push(replica);
      }
    }
    if (missing.length > 0) {
      const recipients = await Promise.all(
        missing.map(async (replica) => ({
          providerId: replica.providerId,
          publicKeyPem: await this.#wrappingKeyOf(replica),
        })),
      );
      const exported = await originTransport.exportKey(input.keyId, { recipients });
      for (const replica of missing) {
        const copy = exported.copies.find((c) => c.providerId === replica.providerId);
        if (!copy) {
          throw new ReplicationError(`provider ${origin.providerId} made no copy for ${replica.providerId}`);
        }
        const imported = await this.#transportOf(replica).importKey(input.keyId, {
          keyVersion: exported.keyVersion,
          keyCheckValue: exported.keyCheckValue,
          wrappedKey: copy.wrappedKey,
          ephemeralPublicKey: copy.ephemeralPublicKey,
          fromProviderId: origin.providerId,
        });
        reports.push({ providerId: replica.providerId, origin: imported.origin, made: true });
      }
    }
    await this.#settle(
      input.keyId,
      reports.map((r) => r.providerId),
    );
    const key = (await this.#providers.getKey(input.keyId)) as providers.ProviderKey;
    return { key, keyVersion: made.keyVersion, keyCheckValue: made.keyCheckValue, providers: reports };
  }

  /** The recipient's key-wrapping public key, as its owner published it on the ledger. */
  async #wrappingKeyOf(profile: ScoredProvider): Promise<string> {
    const member = await this.#governance.getMember(profile.owner);
    if (!member?.publicKey) {
      throw new ReplicationError(
        `provider ${profile.providerId} has not published a key-wrapping public key (is it running?)`,
      );
    }
    return member.publicKey;
  }

  /** Waits until the ledger lists the key in every replica's profile: only then is each a candidate. */
  async #settle(keyId: string, providerIds: readonly string[]): Promise<void> {
    const deadline = Date.now() + this.#settleTimeoutMs;
    for (;;) {
      const serving = new Set((await this.#providers.listProviders({ keyId })).map((p) => p.providerId));
      const pending = providerIds.filter((id) => !serving.has(id));
      if (pending.length === 0) {
        return;
      }
      if (Date.now() > deadline) {
        throw new ReplicationError(
          `key ${keyId} is held by ${pending.join(', ')} but not yet listed in their on-chain profiles`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
