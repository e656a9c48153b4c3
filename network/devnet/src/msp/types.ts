import type { X509Certificate } from 'node:crypto';

/** Fabric NodeOU classification of a certificate. */
export type NodeRole = 'client' | 'peer' | 'admin' | 'orderer';

/** A deserialised, validated identity (creator of a proposal or an endorser). */
export interface Identity {
  readonly mspId: string;
  readonly certPem: string;
  readonly certificate: X509Certificate;
  /** NodeOU role from the certificate's OU, if any. */
  readonly role?: NodeRole;
  /** `msp.SerializedIdentity{mspid, id_bytes}` bytes, exactly as received. */
  readonly serialized: Uint8Array;
}

/** An identity that can sign: SHA-256 then ECDSA P-256, DER, low-S — as Fabric's BCCSP does. */
export interface SigningIdentity {
  readonly mspId: string;
  readonly certPem: string;
  serialize(): Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** Thrown for identities or signatures that do not validate; `message` says why. */
export class MspError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MspError';
  }
}

/** The channel's MSPs: one root CA per organisation. */
export interface MspManager {
  readonly mspIds: readonly string[];
  /** Parses SerializedIdentity bytes and validates the certificate chain and validity period. Throws MspError. */
  deserializeIdentity(serialized: Uint8Array): Identity;
  /** Verifies a DER ECDSA signature over SHA-256(message); high-S signatures are rejected, as in Fabric. */
  verify(identity: Identity, message: Uint8Array, signature: Uint8Array): boolean;
}
