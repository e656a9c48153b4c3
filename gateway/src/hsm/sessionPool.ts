import * as pkcs11js from 'pkcs11js';

/**
 * Sessions of one logged-in token. PKCS#11 allows one active operation per session (a second C_SignInit on a
 * busy session fails with CKR_OPERATION_ACTIVE), so each operation leases a session of its own. Operations
 * are synchronous PKCS#11 calls (SoftHSM answers in well under a millisecond), so an Init and its operation
 * can never be interleaved by another caller on the same session.
 */
export class SessionPool {
  readonly #pkcs11: pkcs11js.PKCS11;
  readonly #slot: pkcs11js.Handle;
  readonly #idle: pkcs11js.Handle[] = [];
  readonly #all = new Set<pkcs11js.Handle>();
  readonly #maxIdle: number;
  #primary?: pkcs11js.Handle;

  constructor(pkcs11: pkcs11js.PKCS11, slot: pkcs11js.Handle, maxIdle: number) {
    this.#pkcs11 = pkcs11;
    this.#slot = slot;
    this.#maxIdle = maxIdle;
  }

  /** The first session; it stays open for the pool's life, so session objects made on it live as long. */
  open(): pkcs11js.Handle {
    const session = this.#openSession();
    this.#primary ??= session;
    this.#idle.push(session);
    return session;
  }

  #openSession(): pkcs11js.Handle {
    const session = this.#pkcs11.C_OpenSession(
      this.#slot,
      pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION,
    );
    this.#all.add(session);
    return session;
  }

  use<T>(operation: (session: pkcs11js.Handle) => T): T {
    const session = this.#idle.pop() ?? this.#openSession();
    try {
      return operation(session);
    } finally {
      if (session === this.#primary || this.#idle.length < this.#maxIdle) {
        this.#idle.push(session);
      } else {
        this.#all.delete(session);
        this.#pkcs11.C_CloseSession(session);
      }
    }
  }

  get size(): number {
    return this.#all.size;
  }

  closeAll(): void {
    for (const session of this.#all) {
      try {
        this.#pkcs11.C_CloseSession(session);
      } catch {
        // the library may already have dropped it
      }
    }
    this.#all.clear();
    this.#idle.length = 0;
  }
}
