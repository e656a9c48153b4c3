import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { HsmError } from './errors';
import type { HsmToken } from './token';

/** A key object in a token. `id` is CKA_ID; handles are valid for the token's lifetime in this process. */
export interface KeyRef {
  readonly handle: pkcs11js.Handle;
  readonly label: string;
  readonly id: Buffer;
}

export interface EcKeyPair {
  readonly privateKey: KeyRef;
  readonly publicKey: KeyRef;
  /** Uncompressed point 04‖X‖Y (65 bytes). */
  readonly publicPoint: Buffer;
}

export type KeyClass = 'secret' | 'private' | 'public';

const P256_OID = Buffer.from('06082a8648ce3d030107', 'hex');
const classes: Readonly<Record<KeyClass, number>> = {
  secret: pkcs11js.CKO_SECRET_KEY,
  private: pkcs11js.CKO_PRIVATE_KEY,
  public: pkcs11js.CKO_PUBLIC_KEY,
};

export interface AesKeyOptions {
  readonly label: string;
  readonly id?: Buffer;
  /** Token object (kept on disk) rather than session object. */
  readonly persistent?: boolean;
  /** Only keys that must be wrapped for distribution are extractable, and then only under a wrapping key. */
  readonly extractable?: boolean;
}

/** AES-256 key made in the token: sensitive always; extractable only when asked (for wrapping). */
export function generateAesKey(token: HsmToken, options: AesKeyOptions): KeyRef {
  const id = options.id ?? createHash('sha256').update(options.label).digest().subarray(0, 16);
  const handle = token.use('AES key generation', (pkcs11, session) =>
    pkcs11.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_LABEL, value: options.label },
      { type: pkcs11js.CKA_ID, value: id },
      { type: pkcs11js.CKA_TOKEN, value: options.persistent ?? false },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: options.extractable ?? false },
      { type: pkcs11js.CKA_ENCRYPT, value: true },
      { type: pkcs11js.CKA_DECRYPT, value: true },
    ]),
  );
  return { handle, label: options.label, id };
}

export interface EcKeyOptions {
  readonly label: string;
  readonly persistent?: boolean;
  /** ECDSA signing (default true). */
  readonly sign?: boolean;
  /** ECDH key agreement, for receiving wrapped keys (default false). */
  readonly derive?: boolean;
  /**
   * Set CKA_ID on both halves (default true) so the pair can be found again; a one-time key (an ephemeral ECDH
   * key destroyed after one wrap) skips the two extra attribute writes.
   */
  readonly assignId?: boolean;
}

/**
 * EC P-256 key pair; the private half is sensitive and never extractable. CKA_ID on both halves is Fabric's
 * SKI convention, SHA-256 of the uncompressed public point, so fabric tooling finds the key the same way.
 */
export function generateEcKeyPair(token: HsmToken, options: EcKeyOptions): EcKeyPair {
  return token.use('EC key generation', (pkcs11, session) => {
    const persistent = options.persistent ?? false;
    const pair = pkcs11.C_GenerateKeyPair(
      session,
      { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
      [
        { type: pkcs11js.CKA_EC_PARAMS, value: P256_OID },
        { type: pkcs11js.CKA_TOKEN, value: persistent },
        { type: pkcs11js.CKA_LABEL, value: options.label },
        { type: pkcs11js.CKA_VERIFY, value: options.sign ?? true },
      ],
      [
        { type: pkcs11js.CKA_TOKEN, value: persistent },
        { type: pkcs11js.CKA_LABEL, value: options.label },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_SIGN, value: options.sign ?? true },
        { type: pkcs11js.CKA_DERIVE, value: options.derive ?? false },
      ],
    );
    const publicPoint = readEcPoint(pkcs11, session, pair.publicKey);
    const assignId = options.assignId ?? true;
    const id = assignId ? createHash('sha256').update(publicPoint).digest() : Buffer.alloc(0);
    if (assignId) {
      for (const handle of [pair.publicKey, pair.privateKey]) {
        pkcs11.C_SetAttributeValue(session, handle, [{ type: pkcs11js.CKA_ID, value: id }]);
      }
    }
    return {
      privateKey: { handle: pair.privateKey, label: options.label, id },
      publicKey: { handle: pair.publicKey, label: options.label, id },
      publicPoint,
    };
  });
}

/** CKA_EC_POINT is a DER OCTET STRING (04 41 ‖ 04‖X‖Y); strip the wrapper. */
function readEcPoint(pkcs11: pkcs11js.PKCS11, session: pkcs11js.Handle, publicKey: pkcs11js.Handle): Buffer {
  const [attribute] = pkcs11.C_GetAttributeValue(session, publicKey, [{ type: pkcs11js.CKA_EC_POINT }]);
  const value = attribute?.value;
  if (!Buffer.isBuffer(value) || value.length < 65) {
    throw new HsmError({ message: 'token returned no EC point' });
  }
  return Buffer.from(value.subarray(value.length - 65));
}

export function ecPublicPoint(token: HsmToken, publicKey: KeyRef): Buffer {
  return token.use('reading EC point', (pkcs11, session) => readEcPoint(pkcs11, session, publicKey.handle));
}

export interface KeyQuery {
  readonly keyClass: KeyClass;
  readonly label?: string;
  readonly id?: Buffer;
}

export function findKeys(token: HsmToken, query: KeyQuery): KeyRef[] {
  return token.use('key lookup', (pkcs11, session) => {
    const template: pkcs11js.Template = [{ type: pkcs11js.CKA_CLASS, value: classes[query.keyClass] }];
    if (query.label !== undefined) {
      template.push({ type: pkcs11js.CKA_LABEL, value: query.label });
    }
    if (query.id !== undefined) {
      template.push({ type: pkcs11js.CKA_ID, value: query.id });
    }
    pkcs11.C_FindObjectsInit(session, template);
    try {
      const handles: pkcs11js.Handle[] = [];
      for (
        let batch = pkcs11.C_FindObjects(session, 32);
        batch.length > 0;
        batch = pkcs11.C_FindObjects(session, 32)
      ) {
        handles.push(...batch);
      }
      return handles.map((handle) => {
        const [label, id] = pkcs11.C_GetAttributeValue(session, handle, [
          { type: pkcs11js.CKA_LABEL },
          { type: pkcs11js.CKA_ID },
        ]);
        return {
          handle,
          label: String(label?.value ?? ''),
          id: Buffer.from((id?.value as Buffer | undefined) ?? []),
        };
      });
    } finally {
      pkcs11.C_FindObjectsFinal(session);
    }
  });
}

export function findKey(token: HsmToken, query: KeyQuery): KeyRef | undefined {
  return findKeys(token, query)[0];
}

export function destroyKey(token: HsmToken, key: KeyRef): void {
  token.use('key destruction', (pkcs11, session) => pkcs11.C_DestroyObject(session, key.handle));
}

/** The public point as a Node KeyObject (for verification, SPKI PEM or JWK export). */
export function p256PublicKeyFromPoint(point: Uint8Array): KeyObject {
  if (point.length !== 65 || point[0] !== 0x04) {
    throw new HsmError({ message: 'expected an uncompressed P-256 point (65 bytes, 0x04 prefix)' });
  }
  const x = Buffer.from(point.subarray(1, 33)).toString('base64url');
  const y = Buffer.from(point.subarray(33, 65)).toString('base64url');
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
}

/** The uncompressed point of a P-256 public key given as PEM/DER SPKI or KeyObject. */
export function p256PointFromPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) {
    throw new HsmError({ message: 'expected a P-256 public key' });
  }
  return Buffer.concat([
    Buffer.from([0x04]),
    Buffer.from(jwk.x, 'base64url'),
    Buffer.from(jwk.y, 'base64url'),
  ]);
}
