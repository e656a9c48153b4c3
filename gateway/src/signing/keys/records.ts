import * as pkcs11js from 'pkcs11js';
import type { HsmToken } from '../../hsm';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from './jwk';

/**
 * What the token keeps about a signing key besides the key pair: a CKO_DATA token object labelled by kid,
 * under this CKA_APPLICATION. It is written last when a key is made and destroyed last, so it is the commit
 * point: a pair without a record (a crash mid-generation) is not a signing key, and `list()` finds the
 * signing keys of a token without mistaking its other EC keys (wrapping keys, Fabric identities) for them.
 */
const APPLICATION = 'keyledger/signing-key/v1';

export interface KeyRecord {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  /** ISO 8601. */
  readonly createdAt: string;
  /** CKA_ID of both halves, hex: binds the record to its pair, not to whatever else shares the label. */
  readonly keyId: string;
}

export interface StoredRecord {
  readonly handle: pkcs11js.Handle;
  readonly record: KeyRecord;
}

export function writeRecord(token: HsmToken, record: KeyRecord): void {
  const value = Buffer.from(
    JSON.stringify({ alg: record.alg, createdAt: record.createdAt, keyId: record.keyId, kid: record.kid }),
  );
  token.use('signing key record', (pkcs11, session) =>
    pkcs11.C_CreateObject(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_DATA },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_LABEL, value: record.kid },
      { type: pkcs11js.CKA_APPLICATION, value: APPLICATION },
      { type: pkcs11js.CKA_VALUE, value },
    ]),
  );
}

/** The records of one kid (normally one), or of every signing key when kid is omitted. */
export function readRecords(token: HsmToken, kid?: string): StoredRecord[] {
  return token.use('signing key record lookup', (pkcs11, session) => {
    const template: pkcs11js.Template = [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_DATA },
      { type: pkcs11js.CKA_APPLICATION, value: APPLICATION },
    ];
    if (kid !== undefined) {
      template.push({ type: pkcs11js.CKA_LABEL, value: kid });
    }
    pkcs11.C_FindObjectsInit(session, template);
    const handles: pkcs11js.Handle[] = [];
    try {
      for (let batch = pkcs11.C_FindObjects(session, 64); batch.length > 0;) {
        handles.push(...batch);
        batch = pkcs11.C_FindObjects(session, 64);
      }
    } finally {
      pkcs11.C_FindObjectsFinal(session);
    }
    const found: StoredRecord[] = [];
    for (const handle of handles) {
      const [attribute] = pkcs11.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_VALUE }]);
      const record = parseRecord(attribute?.value);
      if (record !== undefined && (kid === undefined || record.kid === kid)) {
        found.push({ handle, record });
      }
    }
    return found;
  });
}

export function destroyRecord(token: HsmToken, stored: StoredRecord): void {
  token.use('signing key record destruction', (pkcs11, session) =>
    pkcs11.C_DestroyObject(session, stored.handle),
  );
}

/** A record this code did not write (or a damaged one) is not a signing key: skipped, never trusted. */
function parseRecord(value: unknown): KeyRecord | undefined {
  if (!Buffer.isBuffer(value)) {
    return undefined;
  }
  try {
    const parsed = JSON.parse(value.toString('utf8')) as Partial<Record<keyof KeyRecord, unknown>>;
    const { kid, alg, createdAt, keyId } = parsed;
    if (
      typeof kid === 'string' &&
      typeof createdAt === 'string' &&
      typeof keyId === 'string' &&
      SIGNING_ALGORITHMS.some((known) => known === alg)
    ) {
      return { kid, alg: alg as SigningAlgorithm, createdAt, keyId };
    }
  } catch {
    // not JSON: not ours
  }
  return undefined;
}
