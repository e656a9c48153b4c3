import { PROVIDERS, type providers } from '@keyledger/chaincode/protocol';
import { ContractClient, LedgerError, type LedgerAccess } from '../fabric';

/** A provider as ListProviders returns it: the profile with its score now. */
export interface ScoredProvider extends providers.ProviderProfile {
  /** 0..10 000 (basis points). */
  readonly score: number;
  readonly components: Readonly<Record<string, number>>;
}

/** GetProvider's answer. */
export interface ProviderDetail {
  readonly provider: providers.ProviderProfile;
  readonly score: number;
  readonly components: Readonly<Record<string, number>>;
  readonly stats: providers.ProviderStats;
  readonly recent: readonly providers.ReputationEntry[];
  readonly asOf: number;
}

export interface ProviderFilter {
  readonly keyId?: string;
  readonly algorithm?: string;
  readonly region?: string;
  readonly includeSuspended?: boolean;
}

export interface RegisterProviderInput {
  readonly providerId: string;
  readonly endpoint: string;
  /** The provider's X.509 certificate (its TLS certificate, pinned by orchestrators) — or only its public key. */
  readonly certificatePem?: string;
  readonly publicKeyPem?: string;
  readonly algorithms: readonly string[];
  readonly keyIds?: readonly string[];
  readonly region: string;
  readonly auditLinks?: readonly string[];
}

export type UpdateProviderInput = Partial<Omit<RegisterProviderInput, 'providerId'>> & {
  readonly providerId: string;
  readonly expectedVersion?: number;
};

/** One provider call's outcome, as the orchestrator observes it. */
export interface OutcomeInput {
  readonly providerId: string;
  readonly success: boolean;
  readonly latencyMs: number;
  readonly at: number;
}

/** What RecordOutcomes takes: single outcomes, or tallies of many calls in one reputation window. */
export type ReportedOutcome = OutcomeInput | providers.OutcomeTally;

/** Typed calls of the KeyProviders contract. */
export class ProvidersLedger {
  readonly #contract: ContractClient<typeof PROVIDERS>;

  constructor(access: LedgerAccess) {
    this.#contract = new ContractClient(access, PROVIDERS);
  }

  async listProviders(filter: ProviderFilter = {}): Promise<ScoredProvider[]> {
    const answer = await this.#contract.evaluate<{ providers: ScoredProvider[] }>(
      'ListProviders',
      Object.keys(filter).length === 0 ? '' : JSON.stringify(filter),
    );
    return answer.providers;
  }

  /** The provider, or undefined when it is not registered. */
  async getProvider(providerId: string): Promise<providers.ProviderProfile | undefined> {
    try {
      return (
        await this.#contract.evaluate<{ provider: providers.ProviderProfile }>('GetProvider', providerId, '0')
      ).provider;
    } catch (error) {
      if (error instanceof LedgerError && error.kind === 'NOT_FOUND') {
        return undefined;
      }
      throw error;
    }
  }

  /** The profile with its score now, its counters and its newest `recent` outcomes; undefined when unknown. */
  async getProviderDetail(providerId: string, recent = 10): Promise<ProviderDetail | undefined> {
    try {
      return await this.#contract.evaluate<ProviderDetail>('GetProvider', providerId, String(recent));
    } catch (error) {
      if (error instanceof LedgerError && error.kind === 'NOT_FOUND') {
        return undefined;
      }
      throw error;
    }
  }

  getScore(
    providerId: string,
  ): Promise<{ providerId: string; score: number; successCount: number; failureCount: number }> {
    return this.#contract.evaluate('GetScore', providerId);
  }

  registerProvider(input: RegisterProviderInput): Promise<providers.ProviderProfile> {
    return this.#contract.submit('RegisterProvider', JSON.stringify(input));
  }

  updateProvider(input: UpdateProviderInput): Promise<providers.ProviderProfile> {
    return this.#contract.submit('UpdateProvider', JSON.stringify(input));
  }

  // ------------------------------------------------------------------ the CMK registry and its grants

  createKey(input: {
    readonly keyId: string;
    readonly description?: string;
  }): Promise<providers.ProviderKey> {
    return this.#contract.submit('CreateKey', JSON.stringify(input));
  }

  /** The key record, or undefined when no such key was created. */
  async getKey(keyId: string): Promise<providers.ProviderKey | undefined> {
    try {
      return await this.#contract.evaluate<providers.ProviderKey>('GetKey', keyId);
    } catch (error) {
      if (error instanceof LedgerError && error.kind === 'NOT_FOUND') {
        return undefined;
      }
      throw error;
    }
  }

  /** Every key in id order, with the time of the ledger's answer. */
  listKeys(): Promise<providers.KeyList> {
    return this.#contract.evaluate<providers.KeyList>('ListKeys');
  }

  grantKeyUse(input: {
    readonly keyId: string;
    readonly mspId: string;
    readonly fingerprint: string;
    readonly operations: readonly providers.KeyOperation[];
    readonly name?: string;
  }): Promise<providers.KeyGrantChange> {
    return this.#contract.submit('GrantKeyUse', JSON.stringify(input));
  }

  revokeKeyGrant(input: {
    readonly keyId: string;
    readonly mspId: string;
    readonly fingerprint: string;
  }): Promise<providers.KeyGrantChange> {
    return this.#contract.submit('RevokeKeyGrant', JSON.stringify(input));
  }

  disableKey(keyId: string, reason: string): Promise<providers.KeyChange> {
    return this.#contract.submit('DisableKey', JSON.stringify({ keyId, reason }));
  }

  enableKey(keyId: string): Promise<providers.KeyChange> {
    return this.#contract.submit('EnableKey', keyId);
  }

  /**
   * Whether the identity this ledger access signs as may run `operation` with the key: the ledger decides (grants,
   * key status). Resolves when allowed; a FORBIDDEN or NOT_FOUND LedgerError says why not.
   */
  authorizeKeyUse(keyId: string, operation: providers.KeyOperation): Promise<providers.KeyAuthorization> {
    return this.#contract.evaluate('AuthorizeKeyUse', keyId, operation);
  }

  /** One outcome batch; a batch id already recorded is a CONFLICT (the batch was counted once already). */
  recordOutcomes(batchId: string, outcomes: readonly ReportedOutcome[]): Promise<unknown> {
    return this.#contract.submit('RecordOutcomes', JSON.stringify({ batchId, outcomes }));
  }
}
