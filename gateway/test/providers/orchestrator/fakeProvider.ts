import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { assembleBlob, blobHeader, BLOB_IV_BYTES, parseBlob } from '../../../src/providers/blob';
import { contextBytes, type EncryptionContext } from '../../../src/providers/encryptionContext';
import {
  ProviderCallError,
  type CallOptions,
  type ProviderTransport,
} from '../../../src/providers/transport';
import type {
  DecryptRequest,
  DecryptResponse,
  EncryptRequest,
  EncryptResponse,
  GenerateDataKeyRequest,
  GenerateDataKeyResponse,
  HeldKey,
  ProviderHealth,
  ReEncryptRequest,
  ReEncryptResponse,
} from '../../../src/providers/wire';
import type { ManualClock } from './support';

/** CMKs shared by the fake providers (replicas of one key hold the same bytes). */
export class FakeKeys {
  readonly #keys = new Map<string, Buffer>();

  key(keyId: string): Buffer {
    let key = this.#keys.get(keyId);
    if (key === undefined) {
      key = randomBytes(32);
      this.#keys.set(keyId, key);
    }
    return key;
  }

  seal(keyId: string, plaintext: Buffer, context: EncryptionContext): Buffer {
    const header = blobHeader({ keyId, keyVersion: 1, iv: randomBytes(BLOB_IV_BYTES) });
    const cipher = createCipheriv(
      'aes-256-gcm',
      this.key(keyId),
      header.subarray(header.length - BLOB_IV_BYTES),
    );
    cipher.setAAD(Buffer.concat([header, contextBytes(context)]));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return assembleBlob(header, ciphertext, cipher.getAuthTag());
  }

  /** The plaintext, or undefined when the tag does not verify. */
  open(blob: Buffer, context: EncryptionContext): Buffer | undefined {
    const parsed = parseBlob(blob);
    const decipher = createDecipheriv('aes-256-gcm', this.key(parsed.keyId), parsed.iv);
    decipher.setAAD(Buffer.concat([parsed.header, contextBytes(context)]));
    decipher.setAuthTag(parsed.tag);
    try {
      return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]);
    } catch {
      return undefined;
    }
  }
}

export type FailMode = 'connection' | 'server' | 'timeout';

const ctx = (value: unknown): EncryptionContext => (value ?? {}) as EncryptionContext;

/**
 * An in-memory provider doing real AES-256-GCM in the blob format, with knobs:
 * - `latencyMs`: virtual latency, added to the shared manual clock (no real wait);
 * - `delayMs`: a real wait that honours the call's signal (for deadline tests);
 * - `fail`: throw a ProviderCallError of that kind;
 * - `byzantine`: generateDataKey returns a key that its blob does not decrypt to;
 * - `holds`: the keys it holds (others are refused `not-found`); undefined = all.
 */
export class FakeProvider implements ProviderTransport {
  readonly providerId: string;
  latencyMs = 0;
  delayMs = 0;
  fail: FailMode | undefined;
  byzantine = false;
  holds: Set<string> | undefined;
  readonly calls: string[] = [];
  /** The plaintexts (base64) of the data keys it handed out. */
  readonly handedOut: string[] = [];
  readonly #keys: FakeKeys;
  readonly #clock: ManualClock | undefined;

  constructor(providerId: string, keys: FakeKeys, clock?: ManualClock) {
    this.providerId = providerId;
    this.#keys = keys;
    this.#clock = clock;
  }

  async generateDataKey(
    request: GenerateDataKeyRequest,
    options?: CallOptions,
  ): Promise<GenerateDataKeyResponse> {
    await this.#enter('generateDataKey', request.keyId, options);
    const plaintext = randomBytes(request.keySpec === 'AES_128' ? 16 : 32);
    const sealed = this.byzantine ? randomBytes(plaintext.length) : plaintext;
    const blob = this.#keys.seal(request.keyId, sealed, ctx(request.encryptionContext));
    this.handedOut.push(plaintext.toString('base64'));
    return {
      ...this.#answer(request.keyId),
      plaintext: plaintext.toString('base64'),
      ciphertextBlob: blob.toString('base64'),
    };
  }

  async encrypt(request: EncryptRequest, options?: CallOptions): Promise<EncryptResponse> {
    await this.#enter('encrypt', request.keyId, options);
    const blob = this.#keys.seal(
      request.keyId,
      Buffer.from(request.plaintext, 'base64'),
      ctx(request.encryptionContext),
    );
    return { ...this.#answer(request.keyId), ciphertextBlob: blob.toString('base64') };
  }

  async decrypt(request: DecryptRequest, options?: CallOptions): Promise<DecryptResponse> {
    const blob = Buffer.from(request.ciphertextBlob, 'base64');
    const keyId = parseBlob(blob).keyId;
    await this.#enter('decrypt', keyId, options);
    const plaintext = this.#open(blob, ctx(request.encryptionContext));
    return { ...this.#answer(keyId), plaintext: plaintext.toString('base64') };
  }

  async reEncrypt(request: ReEncryptRequest, options?: CallOptions): Promise<ReEncryptResponse> {
    const blob = Buffer.from(request.ciphertextBlob, 'base64');
    const source = parseBlob(blob).keyId;
    await this.#enter('reEncrypt', source, options);
    this.#holdOrRefuse(request.destinationKeyId);
    const plaintext = this.#open(blob, ctx(request.sourceEncryptionContext));
    const sealed = this.#keys.seal(
      request.destinationKeyId,
      plaintext,
      ctx(request.destinationEncryptionContext),
    );
    plaintext.fill(0);
    return { ...this.#answer(request.destinationKeyId), ciphertextBlob: sealed.toString('base64') };
  }

  async health(): Promise<ProviderHealth> {
    return {
      status: this.fail === undefined ? 'ok' : 'fail',
      providerId: this.providerId,
      region: 'eu-west',
      keys: 0,
    };
  }

  async listKeys(): Promise<HeldKey[]> {
    return [];
  }

  createKey(): Promise<HeldKey> {
    return Promise.reject(new Error('not implemented by the fake'));
  }

  exportKey(): Promise<never> {
    return Promise.reject(new Error('not implemented by the fake'));
  }

  importKey(): Promise<HeldKey> {
    return Promise.reject(new Error('not implemented by the fake'));
  }

  async close(): Promise<void> {
    // nothing to release
  }

  #answer(keyId: string): { providerId: string; keyId: string; keyVersion: number } {
    return { providerId: this.providerId, keyId, keyVersion: 1 };
  }

  #open(blob: Buffer, context: EncryptionContext): Buffer {
    const plaintext = this.#keys.open(blob, context);
    if (plaintext === undefined) {
      throw new ProviderCallError({
        providerId: this.providerId,
        kind: 'refused',
        providerProblem: 'invalid-ciphertext',
        status: 422,
        message: 'the blob does not decrypt under this key and context',
      });
    }
    return plaintext;
  }

  #holdOrRefuse(keyId: string): void {
    if (this.holds !== undefined && !this.holds.has(keyId)) {
      throw new ProviderCallError({
        providerId: this.providerId,
        kind: 'refused',
        providerProblem: 'not-found',
        status: 404,
        message: `does not hold ${keyId}`,
      });
    }
  }

  async #enter(operation: string, keyId: string, options: CallOptions | undefined): Promise<void> {
    this.calls.push(operation);
    this.#clock?.advance(this.latencyMs);
    if (this.delayMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const signal = options?.signal;
        const timer = setTimeout(resolve, this.delayMs);
        signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            reject(
              new ProviderCallError({ providerId: this.providerId, kind: 'timeout', message: 'aborted' }),
            );
          },
          { once: true },
        );
      });
    }
    if (this.fail !== undefined) {
      throw new ProviderCallError({
        providerId: this.providerId,
        kind: this.fail,
        status: this.fail === 'server' ? 503 : undefined,
        message: `${this.fail} failure`,
      });
    }
    this.#holdOrRefuse(keyId);
  }
}
