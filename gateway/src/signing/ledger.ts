import { SIGNING, type signing } from '@keyledger/chaincode/protocol';
import { ContractClient, LedgerError, type LedgerAccess } from '../fabric';

/** What RegisterSigningKey takes (the contract validates it again). */
export interface RegisterSigningKeyInput {
  readonly kid: string;
  readonly publicJwk: signing.PublicJwk;
  readonly issuerCaIds: readonly string[];
  readonly notBefore: number;
  readonly algorithm: signing.SigningAlgorithm;
  /** false: published (verify-only) until ActivateSigningKey. */
  readonly activate?: boolean;
  readonly serviceId?: string;
  readonly graceMs?: number;
}

export interface RevokeSigningKeyInput {
  readonly kid: string;
  readonly reason: signing.RevocationReason;
  readonly compromisedAt?: number;
}

/** Typed calls of the SigningKeys contract; an optional argument goes as '' (the contract's convention). */
export class SigningLedger {
  readonly #contract: ContractClient<typeof SIGNING>;

  constructor(access: LedgerAccess) {
    this.#contract = new ContractClient(access, SIGNING);
  }

  register(input: RegisterSigningKeyInput): Promise<signing.SigningKeyRecord> {
    return this.#contract.submit('RegisterSigningKey', JSON.stringify(input));
  }

  /** published → active; retires the service's active key in the same transaction. */
  activate(kid: string, expectedActiveKid?: string): Promise<signing.SigningKeyRecord> {
    return this.#contract.submit('ActivateSigningKey', kid, expectedActiveKid ?? '');
  }

  retire(kid: string, graceMs?: number): Promise<signing.SigningKeyRecord> {
    return this.#contract.submit('RetireSigningKey', kid, graceMs === undefined ? '' : String(graceMs));
  }

  revoke(input: RevokeSigningKeyInput): Promise<signing.SigningKeyRecord> {
    return this.#contract.submit(
      'RevokeSigningKey',
      input.kid,
      input.reason,
      input.compromisedAt === undefined ? '' : String(input.compromisedAt),
    );
  }

  /** The record, or undefined when no key has this kid. */
  async get(kid: string): Promise<signing.SigningKeyRecord | undefined> {
    try {
      return await this.#contract.evaluate<signing.SigningKeyRecord>('GetSigningKey', kid);
    } catch (error) {
      if (error instanceof LedgerError && error.kind === 'NOT_FOUND') {
        return undefined;
      }
      throw error;
    }
  }

  statusAt(kid: string, issuedAtMs: number): Promise<signing.SigningKeyStatusAt> {
    return this.#contract.evaluate('GetSigningKeyStatusAt', kid, String(issuedAtMs));
  }

  /** Every key with this status (or all), following the pages. */
  async list(status?: signing.SigningKeyStatus): Promise<signing.SigningKeyRecord[]> {
    const all: signing.SigningKeyRecord[] = [];
    let bookmark = '';
    for (;;) {
      const page = await this.#contract.evaluate<{ items: signing.SigningKeyRecord[]; bookmark: string }>(
        'ListSigningKeys',
        status ?? '',
        '500',
        bookmark,
      );
      all.push(...page.items);
      if (page.bookmark === '' || page.items.length === 0) {
        return all;
      }
      bookmark = page.bookmark;
    }
  }

  jwks(): Promise<signing.Jwks> {
    return this.#contract.evaluate('GetJwks');
  }
}
