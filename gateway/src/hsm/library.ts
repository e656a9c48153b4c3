import * as pkcs11js from 'pkcs11js';
import { ckrOf, HsmError } from './errors';

export const DEFAULT_SOFTHSM_LIBRARY = '/usr/lib/softhsm/libsofthsm2.so';

interface Loaded {
  readonly pkcs11: pkcs11js.PKCS11;
  users: number;
}

const loaded = new Map<string, Loaded>();

/**
 * The one owner of C_Initialize / C_Finalize per library per process. PKCS#11 library state is process-wide:
 * a second C_Initialize fails and any C_Finalize kills every session of every user, so callers share one
 * initialised module and the last release finalises it. CKF_OS_LOCKING_OK keeps SoftHSM's own locking on.
 */
export function acquireLibrary(path: string = DEFAULT_SOFTHSM_LIBRARY): pkcs11js.PKCS11 {
  const existing = loaded.get(path);
  if (existing) {
    existing.users += 1;
    return existing.pkcs11;
  }
  const pkcs11 = new pkcs11js.PKCS11();
  try {
    pkcs11.load(path);
  } catch (error) {
    throw new HsmError({
      message: `cannot load PKCS#11 library ${path}`,
      ckr: error instanceof Error ? error.message : undefined,
    });
  }
  try {
    pkcs11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (error) {
    if (ckrOf(error) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
      throw new HsmError({
        message: `cannot initialise PKCS#11 library ${path}`,
        ckr: ckrOf(error),
        cause: error,
      });
    }
  }
  loaded.set(path, { pkcs11, users: 1 });
  return pkcs11;
}

export function releaseLibrary(path: string = DEFAULT_SOFTHSM_LIBRARY): void {
  const entry = loaded.get(path);
  if (!entry) {
    return;
  }
  entry.users -= 1;
  if (entry.users === 0) {
    loaded.delete(path);
    try {
      entry.pkcs11.C_Finalize();
    } finally {
      entry.pkcs11.close();
    }
  }
}
