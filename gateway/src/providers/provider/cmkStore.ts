import * as pkcs11js from 'pkcs11js';
import { ServiceError } from '../../errors';
import {
  destroyKey,
  findKeys,
  generateAesKey,
  keyCheckValue,
  unwrapKeyFromSender,
  type HsmToken,
  type KeyRef,
  type WrappedKey,
} from '../../hsm';
import type { HeldKey } from '../wire';

const LABEL = /^cmk\/(.+)\/v(\d+)$/;

/** The token label of a CMK version: key ids cannot hold `/`, so it parses back unambiguously. */
export function cmkLabel(keyId: string, version: number): string {
  return `cmk/${keyId}/v${version}`;
}

/** A CMK in this provider's token. */
export interface StoredKey extends HeldKey {
  readonly ref: KeyRef;
}

/**
 * The customer master keys of one provider, kept as persistent objects in its own token. A key made here is
 * sensitive (its value can never be read) and extractable only so it can be wrapped to another provider's
 * public key for replication; a replica unwrapped here is sensitive and non-extractable, so a key never travels
 * further than one hop from its origin. One version per key id: this capability does not rotate CMKs.
 */
export class CmkStore {
  readonly #token: HsmToken;
  readonly #keys = new Map<string, StoredKey>();

  constructor(token: HsmToken) {
    this.#token = token;
    for (const ref of findKeys(token, { keyClass: 'secret' })) {
      const match = LABEL.exec(ref.label);
      if (!match) {
        continue;
      }
      const keyId = match[1] as string;
      const keyVersion = Number(match[2]);
      const known = this.#keys.get(keyId);
      if (known && known.keyVersion >= keyVersion) {
        continue;
      }
      this.#keys.set(keyId, this.#describe(ref, keyId, keyVersion));
    }
  }

  get(keyId: string): StoredKey | undefined {
    return this.#keys.get(keyId);
  }

  list(): StoredKey[] {
    return [...this.#keys.values()].sort((a, b) => (a.keyId < b.keyId ? -1 : 1));
  }

  /** Generates version 1 of a key in the token; answers the existing key when it is held already. */
  create(keyId: string): StoredKey {
    const held = this.#keys.get(keyId);
    if (held) {
      return held;
    }
    const ref = generateAesKey(this.#token, {
      label: cmkLabel(keyId, 1),
      persistent: true,
      extractable: true,
    });
    const stored = this.#describe(ref, keyId, 1);
    this.#keys.set(keyId, stored);
    return stored;
  }

  /**
   * Unwraps a replica into the token and checks it is the key the origin named (its key check value); a copy
   * that does not match is destroyed and refused.
   */
  import(
    keyId: string,
    keyVersion: number,
    expectedKcv: string,
    unwrap: { readonly privateKey: KeyRef; readonly point: Buffer },
    wrapped: WrappedKey,
    context: Uint8Array,
  ): StoredKey {
    const ref = unwrapKeyFromSender(this.#token, unwrap.privateKey, wrapped, {
      label: cmkLabel(keyId, keyVersion),
      persistent: true,
      recipientPoint: unwrap.point,
      context,
    });
    const stored = this.#describe(ref, keyId, keyVersion);
    if (stored.keyCheckValue !== expectedKcv) {
      destroyKey(this.#token, ref);
      throw new KeyCheckMismatch(keyId);
    }
    this.#keys.set(keyId, stored);
    return stored;
  }

  /** Random bytes from the token's generator (data keys are made where the CMKs live). */
  random(length: number): Buffer {
    return this.#token.use('random generation', (pkcs11, session) =>
      Buffer.from(pkcs11.C_GenerateRandom(session, Buffer.alloc(length))),
    );
  }

  #describe(ref: KeyRef, keyId: string, keyVersion: number): StoredKey {
    const extractable = this.#token.use('reading key attributes', (pkcs11, session) => {
      const [attribute] = pkcs11.C_GetAttributeValue(session, ref.handle, [
        { type: pkcs11js.CKA_EXTRACTABLE },
      ]);
      const value = attribute?.value;
      return Buffer.isBuffer(value) && value[0] === 1;
    });
    return {
      keyId,
      keyVersion,
      keyCheckValue: keyCheckValue(this.#token, ref),
      origin: extractable ? 'created' : 'imported',
      ref,
    };
  }
}

/** An unwrapped replica whose key check value is not the origin's: another key, or a corrupted copy. */
export class KeyCheckMismatch extends ServiceError {
  constructor(keyId: string) {
    super({
      message: `the unwrapped copy of ${keyId} does not match the origin's key check value`,
      problemType: 'invalid-ciphertext',
    });
  }
}
