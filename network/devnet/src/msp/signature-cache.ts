import { createHash } from 'node:crypto';

/**
 * Signatures this process has already made or checked, so the committer does not verify again what the
 * orderer verified a moment ago or what the devnet's own endorsers just signed. Keyed by the exact signer,
 * message and signature bytes: any change to any of them misses the cache and is verified in full.
 */
export class SignatureCache {
  readonly #entries = new Set<string>();
  readonly #limit: number;

  constructor(limit = 50_000) {
    this.#limit = limit;
  }

  static #key(signer: Uint8Array, message: Uint8Array, signature: Uint8Array): string {
    const digest = createHash('sha256').update(signer).update(message).digest('base64');
    return `${digest}:${Buffer.from(signature).toString('base64')}`;
  }

  remember(signer: Uint8Array, message: Uint8Array, signature: Uint8Array): void {
    const key = SignatureCache.#key(signer, message, signature);
    this.#entries.delete(key);
    this.#entries.add(key);
    while (this.#entries.size > this.#limit) {
      const oldest = this.#entries.values().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  has(signer: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    return this.#entries.has(SignatureCache.#key(signer, message, signature));
  }
}
