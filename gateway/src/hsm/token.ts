import { createHash, timingSafeEqual } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { ckrOf, HsmError, wrapHsmError } from './errors';
import { acquireLibrary, DEFAULT_SOFTHSM_LIBRARY, releaseLibrary } from './library';
import { SessionPool } from './sessionPool';

export interface TokenOptions {
  readonly label: string;
  readonly pin: string;
  readonly libraryPath?: string;
  /** Sessions kept open between operations (default 4). */
  readonly maxIdleSessions?: number;
}

/** What a token says about itself (C_GetTokenInfo). */
export interface TokenInfo {
  readonly label: string;
  readonly serialNumber: string;
  readonly manufacturerId: string;
  readonly model: string;
}

/** Finds a slot by token label (PKCS#11 pads labels to 32 bytes with blanks). Slot ids move; labels don't. */
export function findSlotByLabel(pkcs11: pkcs11js.PKCS11, label: string): pkcs11js.Handle | undefined {
  return pkcs11.C_GetSlotList(true).find((slot) => pkcs11.C_GetTokenInfo(slot).label.trim() === label);
}

/**
 * PKCS#11 login is per application, not per session: once any part of the process is logged in, a second
 * C_Login answers CKR_USER_ALREADY_LOGGED_IN whatever PIN it was given. Remember a digest of the PIN that
 * logged in so a later open with a wrong PIN is still refused.
 */
const loginDigests = new Map<string, Buffer>();

function pinDigest(libraryPath: string, label: string, pin: string): Buffer {
  return createHash('sha256').update(`${libraryPath}\u0000${label}\u0000${pin}`).digest();
}

/** One logged-in token with a pool of sessions. Every HSM operation goes through {@link HsmToken.use}. */
export class HsmToken {
  readonly label: string;
  readonly #pkcs11: pkcs11js.PKCS11;
  readonly #libraryPath: string;
  readonly #pool: SessionPool;
  readonly #slot: pkcs11js.Handle;
  #closed = false;

  private constructor(
    label: string,
    pkcs11: pkcs11js.PKCS11,
    libraryPath: string,
    pool: SessionPool,
    slot: pkcs11js.Handle,
  ) {
    this.label = label;
    this.#pkcs11 = pkcs11;
    this.#libraryPath = libraryPath;
    this.#pool = pool;
    this.#slot = slot;
  }

  static open(options: TokenOptions): HsmToken {
    const libraryPath = options.libraryPath ?? DEFAULT_SOFTHSM_LIBRARY;
    const pkcs11 = acquireLibrary(libraryPath);
    try {
      const slot = findSlotByLabel(pkcs11, options.label);
      if (slot === undefined) {
        throw new HsmError({ message: `no token labelled ${options.label}` });
      }
      const pool = new SessionPool(pkcs11, slot, options.maxIdleSessions ?? 4);
      const session = pool.open();
      const digest = pinDigest(libraryPath, options.label, options.pin);
      const loginKey = `${libraryPath}\u0000${options.label}`;
      try {
        pkcs11.C_Login(session, pkcs11js.CKU_USER, options.pin);
        loginDigests.set(loginKey, digest);
      } catch (error) {
        const known = loginDigests.get(loginKey);
        const samePin = known !== undefined && timingSafeEqual(known, digest);
        if (ckrOf(error) !== 'CKR_USER_ALREADY_LOGGED_IN' || !samePin) {
          pool.closeAll();
          throw new HsmError({
            message: `login to token ${options.label} failed`,
            ckr: ckrOf(error) === 'CKR_USER_ALREADY_LOGGED_IN' ? 'CKR_PIN_INCORRECT' : ckrOf(error),
            cause: error,
          });
        }
      }
      return new HsmToken(options.label, pkcs11, libraryPath, pool, slot);
    } catch (error) {
      releaseLibrary(libraryPath);
      throw wrapHsmError(`opening token ${options.label}`, error);
    }
  }

  /** Runs one synchronous PKCS#11 operation on a session of its own. */
  use<T>(action: string, operation: (pkcs11: pkcs11js.PKCS11, session: pkcs11js.Handle) => T): T {
    if (this.#closed) {
      throw new HsmError({ message: `token ${this.label} is closed` });
    }
    try {
      return this.#pool.use((session) => operation(this.#pkcs11, session));
    } catch (error) {
      throw wrapHsmError(action, error);
    }
  }

  /** C_GetTokenInfo, blank padding trimmed: what the token says it is (SoftHSM makes a serial per token). */
  info(): TokenInfo {
    if (this.#closed) {
      throw new HsmError({ message: `token ${this.label} is closed` });
    }
    try {
      const info = this.#pkcs11.C_GetTokenInfo(this.#slot);
      return {
        label: info.label.trim(),
        serialNumber: info.serialNumber.trim(),
        manufacturerId: info.manufacturerID.trim(),
        model: info.model.trim(),
      };
    } catch (error) {
      throw wrapHsmError('reading token info', error);
    }
  }

  get sessionCount(): number {
    return this.#pool.size;
  }

  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#pool.closeAll();
    releaseLibrary(this.#libraryPath);
  }
}
