import { createPublicKey } from 'node:crypto';
import { ServiceError } from '../../errors';
import type { GovernanceLedger } from '../../governance';
import { p256PointFromPublicKey } from '../../hsm';
import type { EncryptionContext } from '../encryptionContext';
import type { ProvidersLedger } from '../ledger';
import type {
  DecryptResponse,
  EncryptResponse,
  ExportKeyRequest,
  ExportKeyResponse,
  GenerateDataKeyResponse,
  HeldKey,
  ImportKeyRequest,
  KeySpec,
  ProviderHealth,
  ReEncryptResponse,
} from '../wire';
import type { KeyOperations, UnwrappingKey } from './keyOperations';
import type { ProfileRegistrar } from './profileRegistrar';

export interface ProviderServiceOptions {
  readonly providerId: string;
  readonly region: string;
  readonly operations: KeyOperations;
  readonly unwrapping: UnwrappingKey;
  readonly providers: ProvidersLedger;
  readonly governance: GovernanceLedger;
  /** Lists a key in the provider's on-chain profile once it is held. */
  readonly registrar: Pick<ProfileRegistrar, 'addKey'>;
}

/**
 * What the provider's API does, between HTTP and the token: key operations as they are, and key management
 * with the ledger's say — a key is created or imported only when the ledger knows it, exported only to
 * providers whose published wrapping key is the one given, and listed in the on-chain profile once held.
 */
export class ProviderService {
  readonly providerId: string;
  readonly region: string;
  readonly #o: ProviderServiceOptions;

  constructor(options: ProviderServiceOptions) {
    this.providerId = options.providerId;
    this.region = options.region;
    this.#o = options;
  }

  health(): ProviderHealth {
    return { status: 'ok', providerId: this.providerId, region: this.region, keys: this.keyCount() };
  }

  keyCount(): number {
    return this.#o.operations.held().length;
  }

  generateDataKey(keyId: string, context: EncryptionContext, keySpec: KeySpec): GenerateDataKeyResponse {
    return this.#o.operations.generateDataKey(keyId, context, keySpec);
  }

  encrypt(keyId: string, plaintext: Buffer, context: EncryptionContext): EncryptResponse {
    return this.#o.operations.encrypt(keyId, plaintext, context);
  }

  decrypt(blob: Buffer, context: EncryptionContext): DecryptResponse {
    return this.#o.operations.decrypt(blob, context);
  }

  reEncrypt(
    blob: Buffer,
    sourceContext: EncryptionContext,
    destinationKeyId: string,
    destinationContext: EncryptionContext,
  ): ReEncryptResponse {
    return this.#o.operations.reEncrypt(blob, sourceContext, destinationKeyId, destinationContext);
  }

  /**
   * A lying answer for fault injection: the blob seals the real data key, the plaintext is another one. Only an
   * orchestrator that decrypts the blob elsewhere and compares notices — which is what it must do.
   */
  corrupt(answer: GenerateDataKeyResponse): GenerateDataKeyResponse {
    const bytes = Buffer.from(answer.plaintext, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    const lie = { ...answer, plaintext: bytes.toString('base64') };
    bytes.fill(0);
    return lie;
  }

  listKeys(): HeldKey[] {
    return this.#o.operations.held();
  }

  async createKey(keyId: string): Promise<HeldKey> {
    await this.#requireOnLedger(keyId);
    const held = this.#o.operations.create(keyId);
    await this.#o.registrar.addKey(keyId);
    return held;
  }

  async exportKey(keyId: string, request: ExportKeyRequest): Promise<ExportKeyResponse> {
    await this.#requireOnLedger(keyId);
    const recipients = await Promise.all(
      request.recipients.map(async (recipient) => {
        if (recipient.providerId === this.providerId) {
          throw new ServiceError({
            message: 'a provider does not export a key to itself',
            problemType: 'invalid-request',
          });
        }
        const profile = await this.#o.providers.getProvider(recipient.providerId);
        if (!profile || profile.status !== 'active') {
          throw new ServiceError({
            message: `recipient ${recipient.providerId} is not an active registered provider`,
            problemType: 'not-found',
          });
        }
        const member = await this.#o.governance.getMember(profile.owner);
        if (!member?.publicKey || member.publicKey.trim() !== recipient.publicKeyPem.trim()) {
          // A key is only ever wrapped to the key the ledger says the recipient holds.
          throw new ServiceError({
            message: `the wrapping key given for ${recipient.providerId} is not the one its owner published on the ledger`,
            problemType: 'conflict',
          });
        }
        return {
          providerId: recipient.providerId,
          point: p256PointFromPublicKey(createPublicKey(member.publicKey)),
        };
      }),
    );
    const { key, copies } = this.#o.operations.exportKey(keyId, recipients);
    return { keyId, keyVersion: key.keyVersion, keyCheckValue: key.keyCheckValue, copies };
  }

  async importKey(keyId: string, request: ImportKeyRequest): Promise<HeldKey> {
    await this.#requireOnLedger(keyId);
    const sender = await this.#o.providers.getProvider(request.fromProviderId);
    if (!sender) {
      throw new ServiceError({
        message: `sender ${request.fromProviderId} is not a registered provider`,
        problemType: 'not-found',
      });
    }
    const held = this.#o.operations.importKey(keyId, request, this.#o.unwrapping);
    await this.#o.registrar.addKey(keyId);
    return held;
  }

  async #requireOnLedger(keyId: string): Promise<void> {
    const key = await this.#o.providers.getKey(keyId);
    if (!key) {
      throw new ServiceError({
        message: `key ${keyId} is not registered on the ledger (an admin creates it first)`,
        problemType: 'not-found',
      });
    }
  }
}
