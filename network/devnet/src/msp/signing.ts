import { createPrivateKey, type KeyObject } from 'node:crypto';
import { msp } from '@hyperledger/fabric-protos';
import { signMessage } from './ecdsa';
import type { IdentityFiles } from './material';
import type { SigningIdentity } from './types';

/** `msp.SerializedIdentity{mspid, id_bytes = certificate PEM}` — the creator/endorser bytes Fabric uses. */
export function serializeIdentity(mspId: string, certPem: string): Uint8Array {
  const identity = new msp.SerializedIdentity();
  identity.setMspid(mspId);
  identity.setIdBytes(Buffer.from(certPem, 'utf8'));
  return identity.serializeBinary();
}

class FileSigningIdentity implements SigningIdentity {
  readonly mspId: string;
  readonly certPem: string;
  readonly #key: KeyObject;
  readonly #serialized: Uint8Array;

  constructor(files: IdentityFiles) {
    this.mspId = files.mspId;
    this.certPem = files.certPem;
    this.#key = createPrivateKey(files.keyPem);
    this.#serialized = serializeIdentity(files.mspId, files.certPem);
  }

  serialize(): Uint8Array {
    return this.#serialized.slice();
  }

  sign(message: Uint8Array): Uint8Array {
    return signMessage(this.#key, message);
  }
}

/**
 * A signing identity over an identity's certificate and PKCS#8 key. `sign` hashes with SHA-256 and
 * returns a DER, low-S ECDSA signature, as Fabric's BCCSP signer does.
 */
export function signingIdentityFrom(files: IdentityFiles): SigningIdentity {
  return new FileSigningIdentity(files);
}
