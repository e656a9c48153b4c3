import { randomBytes } from 'node:crypto';
import { ServiceError } from '../../errors';
import {
  aesGcmDecrypt,
  aesGcmEncrypt,
  HsmError,
  isGcmTagFailure,
  wrapKeyForRecipient,
  type KeyRef,
} from '../../hsm';
import { assembleBlob, BLOB_IV_BYTES, BLOB_TAG_BYTES, blobHeader, parseBlob } from '../blob';
import { contextBytes, type EncryptionContext } from '../encryptionContext';
import type {
  DecryptResponse,
  EncryptResponse,
  GenerateDataKeyResponse,
  HeldKey,
  ImportKeyRequest,
  KeySpec,
  ReEncryptResponse,
  WrappedCopy,
} from '../wire';
import type { CmkStore, StoredKey } from './cmkStore';

const DATA_KEY_BYTES: Readonly<Record<KeySpec, number>> = { AES_256: 32, AES_128: 16 };

/** The KDF context of a replica's wrap: binds the copy to the key, its version and both providers. */
export function replicaWrapContext(keyId: string, keyVersion: number, from: string, to: string): Buffer {
  return Buffer.from(`keyledger/cmk-replica/v1\u0000${keyId}\u0000${keyVersion}\u0000${from}\u0000${to}`);
}

/** A key this provider does not hold: it says so and never guesses. */
export class KeyNotHeldError extends ServiceError {
  constructor(providerId: string, keyId: string, keyVersion?: number) {
    super({
      message: `provider ${providerId} does not hold key ${keyId}${keyVersion === undefined ? '' : ` version ${keyVersion}`}`,
      problemType: 'not-found',
      extensions: { providerId, keyId },
    });
  }
}

/** A blob that does not decrypt under its key and the given context. Never quotes the blob. */
export class InvalidCiphertextError extends ServiceError {
  constructor(providerId: string, keyId: string, cause?: unknown) {
    super({
      message: `the ciphertext does not decrypt under key ${keyId} with this encryption context (wrong context, or the blob was changed)`,
      problemType: 'invalid-ciphertext',
      extensions: { providerId, keyId },
      cause,
    });
  }
}

/** A stored key as the API describes it: without its token handle. */
function describeHeld(key: StoredKey): HeldKey {
  return {
    keyId: key.keyId,
    keyVersion: key.keyVersion,
    keyCheckValue: key.keyCheckValue,
    origin: key.origin,
  };
}

/** What the server needs from its key-wrapping key to receive replicas. */
export interface UnwrappingKey {
  readonly privateKey: KeyRef;
  readonly point: Buffer;
}

/**
 * The KMS operations of one provider over its CMK store. Every plaintext this makes or sees (data keys, decrypted
 * data) is returned as base64 for the answer and its buffer is zeroed before returning; nothing is logged.
 */
export class KeyOperations {
  readonly providerId: string;
  readonly #store: CmkStore;
  readonly #token: Parameters<typeof aesGcmEncrypt>[0];

  constructor(providerId: string, store: CmkStore, token: Parameters<typeof aesGcmEncrypt>[0]) {
    this.providerId = providerId;
    this.#store = store;
    this.#token = token;
  }

  generateDataKey(keyId: string, context: EncryptionContext, keySpec: KeySpec): GenerateDataKeyResponse {
    const dataKey = this.#store.random(DATA_KEY_BYTES[keySpec]);
    try {
      const sealed = this.#seal(this.#held(keyId), dataKey, context);
      return { ...sealed, plaintext: dataKey.toString('base64') };
    } finally {
      dataKey.fill(0);
    }
  }

  encrypt(keyId: string, plaintext: Buffer, context: EncryptionContext): EncryptResponse {
    try {
      return this.#seal(this.#held(keyId), plaintext, context);
    } finally {
      plaintext.fill(0);
    }
  }

  decrypt(blob: Buffer, context: EncryptionContext): DecryptResponse {
    const { key, plaintext } = this.#open(blob, context);
    try {
      return {
        providerId: this.providerId,
        keyId: key.keyId,
        keyVersion: key.keyVersion,
        plaintext: plaintext.toString('base64'),
      };
    } finally {
      plaintext.fill(0);
    }
  }

  reEncrypt(
    blob: Buffer,
    sourceContext: EncryptionContext,
    destinationKeyId: string,
    destinationContext: EncryptionContext,
  ): ReEncryptResponse {
    const destination = this.#held(destinationKeyId);
    const { plaintext } = this.#open(blob, sourceContext);
    try {
      return this.#seal(destination, plaintext, destinationContext);
    } finally {
      plaintext.fill(0);
    }
  }

  held(): HeldKey[] {
    return this.#store.list().map(describeHeld);
  }

  create(keyId: string): HeldKey {
    return describeHeld(this.#store.create(keyId));
  }

  /** Wraps a key made here to each recipient's P-256 public point (checked against the ledger by the caller). */
  exportKey(
    keyId: string,
    recipients: readonly { readonly providerId: string; readonly point: Buffer }[],
  ): { key: StoredKey; copies: WrappedCopy[] } {
    const key = this.#held(keyId);
    if (key.origin !== 'created') {
      throw new ServiceError({
        message: `provider ${this.providerId} holds a replica of ${keyId}: only its origin can share it`,
        problemType: 'conflict',
      });
    }
    const copies = recipients.map((recipient) => {
      const wrapped = wrapKeyForRecipient(
        this.#token,
        key.ref,
        recipient.point,
        replicaWrapContext(keyId, key.keyVersion, this.providerId, recipient.providerId),
      );
      return {
        providerId: recipient.providerId,
        wrappedKey: wrapped.wrappedKey.toString('base64'),
        ephemeralPublicKey: wrapped.ephemeralPublicKey.toString('base64'),
      };
    });
    return { key, copies };
  }

  importKey(keyId: string, request: ImportKeyRequest, unwrapping: UnwrappingKey): HeldKey {
    const held = this.#store.get(keyId);
    if (held) {
      if (held.keyCheckValue !== request.keyCheckValue || held.keyVersion !== request.keyVersion) {
        throw new ServiceError({
          message: `provider ${this.providerId} already holds another key under the id ${keyId}`,
          problemType: 'conflict',
        });
      }
      return describeHeld(held);
    }
    try {
      const imported = this.#store.import(
        keyId,
        request.keyVersion,
        request.keyCheckValue,
        unwrapping,
        {
          wrappedKey: Buffer.from(request.wrappedKey, 'base64'),
          ephemeralPublicKey: Buffer.from(request.ephemeralPublicKey, 'base64'),
        },
        replicaWrapContext(keyId, request.keyVersion, request.fromProviderId, this.providerId),
      );
      return describeHeld(imported);
    } catch (error) {
      if (error instanceof HsmError) {
        throw new ServiceError({
          message: `the wrapped copy of ${keyId} was not made for provider ${this.providerId} by ${request.fromProviderId} (the key wrap does not verify)`,
          problemType: 'invalid-ciphertext',
          cause: error,
        });
      }
      throw error;
    }
  }

  #held(keyId: string, keyVersion?: number): StoredKey {
    const key = this.#store.get(keyId);
    if (!key || (keyVersion !== undefined && key.keyVersion !== keyVersion)) {
      throw new KeyNotHeldError(this.providerId, keyId, keyVersion);
    }
    return key;
  }

  #seal(key: StoredKey, plaintext: Buffer, context: EncryptionContext): EncryptResponse {
    const iv = randomBytes(BLOB_IV_BYTES);
    const header = blobHeader({ keyId: key.keyId, keyVersion: key.keyVersion, iv });
    const sealed = aesGcmEncrypt(
      this.#token,
      key.ref,
      plaintext,
      Buffer.concat([header, contextBytes(context)]),
      iv,
    );
    const ciphertext = sealed.ciphertext.subarray(0, sealed.ciphertext.length - BLOB_TAG_BYTES);
    const tag = sealed.ciphertext.subarray(sealed.ciphertext.length - BLOB_TAG_BYTES);
    return {
      providerId: this.providerId,
      keyId: key.keyId,
      keyVersion: key.keyVersion,
      ciphertextBlob: assembleBlob(header, ciphertext, tag).toString('base64'),
    };
  }

  #open(blob: Buffer, context: EncryptionContext): { key: StoredKey; plaintext: Buffer } {
    const parsed = parseBlob(blob);
    const key = this.#held(parsed.keyId, parsed.keyVersion);
    try {
      const plaintext = aesGcmDecrypt(
        this.#token,
        key.ref,
        { iv: parsed.iv, ciphertext: Buffer.concat([parsed.ciphertext, parsed.tag]) },
        Buffer.concat([parsed.header, contextBytes(context)]),
      );
      return { key, plaintext };
    } catch (error) {
      if (isGcmTagFailure(error)) {
        throw new InvalidCiphertextError(this.providerId, key.keyId, error);
      }
      throw error;
    }
  }
}
