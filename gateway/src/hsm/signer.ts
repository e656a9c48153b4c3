import type { Signer } from '@hyperledger/fabric-gateway';
import { signDigest } from './ecdsa';
import type { KeyRef } from './keys';
import type { HsmToken } from './token';

/**
 * A fabric-gateway `Signer` whose key stays in the token. We use our own rather than fabric-gateway's
 * HSMSignerFactory because that factory calls C_Initialize without CKF_OS_LOCKING_OK and C_Finalize on
 * dispose — the latter would close every session of every other user of the library in this process — and it
 * signs on one shared session without a lock. Here each signature leases its own session from the token's pool.
 */
export function newHsmSigner(token: HsmToken, privateKey: KeyRef): Signer {
  return async (digest: Uint8Array): Promise<Uint8Array> => signDigest(token, privateKey, digest);
}
