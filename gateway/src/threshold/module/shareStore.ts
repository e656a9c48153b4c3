import { canonicalBytes } from '@keyledger/chaincode/protocol';
import type { Logger } from 'pino';
import {
  aesGcmDecrypt,
  aesGcmEncrypt,
  createDataObject,
  destroyDataObject,
  findDataObjects,
  findKey,
  generateAesKey,
  isGcmTagFailure,
  readDataObject,
  type HsmToken,
  type KeyRef,
} from '../../hsm';
import { ShareStoreError } from '../errors';

/** The label of the AES-256 key that seals a module's shares. */
export const SHARE_SEAL_LABEL = 'keyledger-module-share-seal';
/** CKA_APPLICATION of a sealed share's data object. */
export const SHARE_APPLICATION = 'keyledger-share';

const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** One share the store holds: its key, its epoch and the caller's non-secret metadata. */
export interface StoredShare {
  readonly keyId: string;
  readonly epoch: number;
  readonly meta: Readonly<Record<string, unknown>>;
}

/** The data object's value: the sealed share and its metadata (no plaintext). */
interface SealedRecord {
  readonly v: 1;
  readonly keyId: string;
  readonly epoch: number;
  readonly iv: string;
  /** Ciphertext followed by the 16-byte GCM tag, base64. */
  readonly ciphertext: string;
  readonly meta: Record<string, unknown>;
}

export function shareLabel(keyId: string, epoch: number): string {
  return `keyledger-share/${keyId}/${epoch}`;
}

/**
 * A module's shares, kept only in its token. Each share is encrypted inside the token with AES-256-GCM under the
 * seal key (sensitive, non-extractable), with AAD binding key id, epoch and module id, and the ciphertext is kept
 * as a private token data object labelled `keyledger-share/<keyId>/<epoch>`. A copied data object cannot be
 * opened for another key, epoch or module, and nothing leaves the token in the clear except what `open` returns —
 * which the caller wipes. No share is ever written to a file or logged.
 */
export class ShareStore {
  readonly moduleId: string;
  readonly #token: HsmToken;
  readonly #sealKey: KeyRef;

  private constructor(moduleId: string, token: HsmToken, sealKey: KeyRef) {
    this.moduleId = moduleId;
    this.#token = token;
    this.#sealKey = sealKey;
  }

  /** Opens the store, making the seal key on first start. */
  static open(token: HsmToken, moduleId: string, logger: Logger): ShareStore {
    let sealKey = findKey(token, { keyClass: 'secret', label: SHARE_SEAL_LABEL });
    if (!sealKey) {
      sealKey = generateAesKey(token, { label: SHARE_SEAL_LABEL, persistent: true, extractable: false });
      logger.info({ label: SHARE_SEAL_LABEL }, 'created the share-sealing key in the token');
    }
    return new ShareStore(moduleId, token, sealKey);
  }

  /** Seals a share, replacing one held for the same key and epoch (a repeated seal is harmless). */
  seal(keyId: string, epoch: number, share: Uint8Array, meta: object = {}): void {
    checkName(keyId, epoch);
    const sealed = aesGcmEncrypt(this.#token, this.#sealKey, share, this.#aad(keyId, epoch));
    const record: SealedRecord = {
      v: 1,
      keyId,
      epoch,
      iv: sealed.iv.toString('base64'),
      ciphertext: sealed.ciphertext.toString('base64'),
      meta: { ...meta },
    };
    const previous = this.#objects(keyId, epoch);
    createDataObject(this.#token, {
      label: shareLabel(keyId, epoch),
      application: SHARE_APPLICATION,
      value: Buffer.from(JSON.stringify(record), 'utf8'),
    });
    // The new object exists before the old goes: a crash in between leaves two equal shares, never none.
    previous.forEach((object) => destroyDataObject(this.#token, object));
  }

  /** The share in the clear, decrypted in the token. The caller wipes it (`fill(0)`) after use. */
  open(keyId: string, epoch: number): Buffer {
    checkName(keyId, epoch);
    const record = this.#record(keyId, epoch);
    if (!record) {
      throw new ShareStoreError({
        keyId,
        epoch,
        problemType: 'not-found',
        message: `no share of key ${keyId} epoch ${epoch} in this module`,
      });
    }
    try {
      return aesGcmDecrypt(
        this.#token,
        this.#sealKey,
        { iv: Buffer.from(record.iv, 'base64'), ciphertext: Buffer.from(record.ciphertext, 'base64') },
        this.#aad(keyId, epoch),
      );
    } catch (error) {
      if (isGcmTagFailure(error)) {
        throw new ShareStoreError({
          keyId,
          epoch,
          problemType: 'internal-error',
          message: `the sealed share of key ${keyId} epoch ${epoch} does not open: it was changed or moved`,
          cause: error,
        });
      }
      throw error;
    }
  }

  has(keyId: string, epoch: number): boolean {
    checkName(keyId, epoch);
    return this.#objects(keyId, epoch).length > 0;
  }

  /** Every share held, sorted by key id then epoch; metadata only. */
  list(): StoredShare[] {
    const shares = new Map<string, StoredShare>();
    for (const object of findDataObjects(this.#token, { application: SHARE_APPLICATION })) {
      const record = parseRecord(readDataObject(this.#token, object));
      if (record && object.label === shareLabel(record.keyId, record.epoch)) {
        shares.set(object.label, { keyId: record.keyId, epoch: record.epoch, meta: record.meta });
      }
    }
    return [...shares.values()].sort((a, b) =>
      a.keyId === b.keyId ? a.epoch - b.epoch : a.keyId < b.keyId ? -1 : 1,
    );
  }

  /** Destroys the share of a key and epoch; false when none was held. */
  remove(keyId: string, epoch: number): boolean {
    checkName(keyId, epoch);
    const objects = this.#objects(keyId, epoch);
    objects.forEach((object) => destroyDataObject(this.#token, object));
    return objects.length > 0;
  }

  #objects(keyId: string, epoch: number): ReturnType<typeof findDataObjects> {
    return findDataObjects(this.#token, { label: shareLabel(keyId, epoch), application: SHARE_APPLICATION });
  }

  #record(keyId: string, epoch: number): SealedRecord | undefined {
    for (const object of this.#objects(keyId, epoch)) {
      const record = parseRecord(readDataObject(this.#token, object));
      if (record && record.keyId === keyId && record.epoch === epoch) {
        return record;
      }
    }
    return undefined;
  }

  #aad(keyId: string, epoch: number): Uint8Array {
    return canonicalBytes({ keyId, epoch, moduleId: this.moduleId });
  }
}

function checkName(keyId: string, epoch: number): void {
  if (!KEY_ID.test(keyId) || !Number.isSafeInteger(epoch) || epoch < 0) {
    throw new ShareStoreError({
      keyId,
      epoch,
      problemType: 'invalid-request',
      message: 'a share is named by a key id (1-128 of A-Z a-z 0-9 . _ : -) and a non-negative integer epoch',
    });
  }
}

function parseRecord(value: Buffer): SealedRecord | undefined {
  try {
    const record = JSON.parse(value.toString('utf8')) as Partial<SealedRecord>;
    return record.v === 1 &&
      typeof record.keyId === 'string' &&
      typeof record.epoch === 'number' &&
      typeof record.iv === 'string' &&
      typeof record.ciphertext === 'string'
      ? (record as SealedRecord)
      : undefined;
  } catch {
    return undefined;
  }
}
