import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pkcs11js from 'pkcs11js';
import { ckrOf, HsmError } from './errors';
import { acquireLibrary, DEFAULT_SOFTHSM_LIBRARY, releaseLibrary } from './library';
import { findSlotByLabel } from './token';

/**
 * Writes a project-owned SoftHSM configuration (token directory inside `dir`) and points SOFTHSM2_CONF at it,
 * so nothing ever touches the system's tokens. SoftHSM reads the variable when the library is initialised:
 * call this before the first token is opened in the process.
 */
export function useSoftHsmDirectory(dir: string): string {
  const tokenDir = join(dir, 'tokens');
  mkdirSync(tokenDir, { recursive: true, mode: 0o700 });
  const confPath = join(dir, 'softhsm2.conf');
  writeFileSync(
    confPath,
    [
      `directories.tokendir = ${tokenDir}`,
      'objectstore.backend = file',
      'log.level = ERROR',
      'slots.removable = false',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  process.env['SOFTHSM2_CONF'] = confPath;
  return confPath;
}

export interface TokenSpec {
  readonly label: string;
  readonly pin: string;
  readonly soPin: string;
  readonly libraryPath?: string;
}

/**
 * Initialises a token on a free slot unless one with that label exists. Done through PKCS#11 in this process
 * rather than `softhsm2-util`, because a SoftHSM library already initialised in a process never sees tokens
 * that another process creates afterwards.
 */
export function ensureToken(spec: TokenSpec): 'created' | 'existing' {
  if (spec.label.length === 0 || spec.label.length > 32) {
    throw new HsmError({ message: 'token label must be 1-32 characters' });
  }
  const libraryPath = spec.libraryPath ?? DEFAULT_SOFTHSM_LIBRARY;
  const pkcs11 = acquireLibrary(libraryPath);
  try {
    if (findSlotByLabel(pkcs11, spec.label) !== undefined) {
      return 'existing';
    }
    const free = pkcs11
      .C_GetSlotList(true)
      .find((slot) => (pkcs11.C_GetTokenInfo(slot).flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0);
    if (free === undefined) {
      throw new HsmError({ message: 'no free slot to initialise a token on' });
    }
    pkcs11.C_InitToken(free, spec.soPin, spec.label.padEnd(32, ' '));
    const session = pkcs11.C_OpenSession(free, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      pkcs11.C_Login(session, pkcs11js.CKU_SO, spec.soPin);
      pkcs11.C_InitPIN(session, spec.pin);
      pkcs11.C_Logout(session);
    } finally {
      pkcs11.C_CloseSession(session);
    }
    return 'created';
  } catch (error) {
    throw error instanceof HsmError
      ? error
      : new HsmError({ message: `initialising token ${spec.label} failed`, ckr: ckrOf(error), cause: error });
  } finally {
    releaseLibrary(libraryPath);
  }
}
