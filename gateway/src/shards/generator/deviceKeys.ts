import {
  destroyKey,
  findKey,
  findKeys,
  generateHmacKey,
  hkdfExpand,
  hmacKeyCheckValue,
  importSecretKey,
  wrapKeyForRecipient,
  type HsmToken,
  type KeyRef,
} from '../../hsm';
import { deviceKeyInfo, deviceKeyWrapContext } from '../derivation';
import type { EnrollmentInput } from '../ledger';

export const MASTER_KEY_LABEL = 'keyledger-shards/master';
const DEVICE_KEY_PREFIX = 'keyledger-shards/kdev/';

/** The generator's fleet master key: made in its token on first start, sensitive and never extractable. */
export function loadMasterKey(token: HsmToken): { key: KeyRef; created: boolean } {
  const existing = findKey(token, { keyClass: 'secret', label: MASTER_KEY_LABEL });
  if (existing) {
    return { key: existing, created: false };
  }
  return { key: generateHmacKey(token, { label: MASTER_KEY_LABEL, persistent: true }), created: true };
}

function deviceKeyLabel(deviceId: string): string {
  return `${DEVICE_KEY_PREFIX}${deviceId}`;
}

/**
 * The per-device keys K_dev the generator holds, one token object each: what it seals a device's shards
 * with, and what revocation destroys. K_dev = HKDF-Expand(M, "keyledger/device" ‖ 0 ‖ deviceId, 32) is an
 * HMAC output, so it passes through this process once — imported straight back into the token and zeroed.
 */
export class DeviceKeys {
  readonly #token: HsmToken;
  readonly #master: KeyRef;
  /**
   * Every K_dev of the token by device id, read once: a PKCS#11 search by label walks every object of the token
   * (≈ 37 µs each on SoftHSM), so a lookup at a fleet of a thousand devices cost 37 ms. The generator adds and
   * destroys its device keys through this map, so it stays true.
   */
  readonly #keys: Map<string, KeyRef>;

  constructor(token: HsmToken, master: KeyRef) {
    this.#token = token;
    this.#master = master;
    this.#keys = new Map(
      findKeys(token, { keyClass: 'secret' })
        .filter((key) => key.label.startsWith(DEVICE_KEY_PREFIX))
        .map((key) => [key.label.slice(DEVICE_KEY_PREFIX.length), key]),
    );
  }

  /**
   * The device's K_dev in the token, or undefined when it was never made or was destroyed. A device this
   * instance has not seen (made by another process on the same token since it started) is searched for once.
   */
  find(deviceId: string): KeyRef | undefined {
    const known = this.#keys.get(deviceId);
    if (known) {
      return known;
    }
    const found = findKey(this.#token, { keyClass: 'secret', label: deviceKeyLabel(deviceId) });
    if (found) {
      this.#keys.set(deviceId, found);
    }
    return found;
  }

  /** Ids of every device whose K_dev the token holds. */
  deviceIds(): string[] {
    return [...this.#keys.keys()].sort();
  }

  /**
   * Derives K_dev, keeps it as a non-extractable token object and wraps it to the device's P-256 public point
   * from a short-lived extractable session copy (the stored key is never extractable). Deterministic: a retry
   * after a crash derives the same K_dev and reuses the stored object.
   */
  provision(deviceId: string, devicePoint: Buffer): { key: KeyRef; enrollment: EnrollmentInput } {
    const value = hkdfExpand(this.#token, this.#master, deviceKeyInfo(deviceId), 32);
    let wrapCopy: KeyRef | undefined;
    try {
      // The map only: a new device is the usual case here, and a token search per provision is what cost most.
      const key =
        this.#keys.get(deviceId) ??
        importSecretKey(this.#token, value, {
          label: deviceKeyLabel(deviceId),
          kind: 'hmac',
          persistent: true,
        });
      this.#keys.set(deviceId, key);
      wrapCopy = importSecretKey(this.#token, value, {
        label: 'keyledger-shards/kdev-wrap',
        kind: 'hmac',
        extractable: true,
      });
      const wrapped = wrapKeyForRecipient(this.#token, wrapCopy, devicePoint, deviceKeyWrapContext(deviceId));
      return {
        key,
        enrollment: {
          devicePublicKey: devicePoint.toString('base64url'),
          ephemeralPublicKey: wrapped.ephemeralPublicKey.toString('base64url'),
          wrappedKey: wrapped.wrappedKey.toString('base64url'),
          keyCheckValue: hmacKeyCheckValue(this.#token, key),
        },
      };
    } finally {
      value.fill(0);
      if (wrapCopy) {
        destroyKey(this.#token, wrapCopy);
      }
    }
  }

  /** Destroys the device's K_dev: the generator can never seal a shard for it again. */
  destroy(deviceId: string): boolean {
    const key = this.find(deviceId);
    this.#keys.delete(deviceId);
    if (!key) {
      return false;
    }
    destroyKey(this.#token, key);
    return true;
  }
}
