import * as pkcs11js from 'pkcs11js';
import { HsmError } from './errors';
import type { HsmToken } from './token';

/** A data object (CKO_DATA) in a token; the handle is valid for the token's lifetime in this process. */
export interface DataObjectRef {
  readonly handle: pkcs11js.Handle;
  readonly label: string;
  readonly application: string;
}

export interface DataObjectSpec {
  readonly label: string;
  /** CKA_APPLICATION: the kind of data, so that one owner lists its own objects. */
  readonly application: string;
  readonly value: Uint8Array;
  /** CKA_PRIVATE: readable only after login (default true). */
  readonly private?: boolean;
}

export interface DataObjectQuery {
  readonly label?: string;
  readonly application?: string;
}

/**
 * Stores bytes as a persistent data object (CKA_TOKEN true). A data object is not a key: the token does not
 * protect its value beyond CKA_PRIVATE (login required), so only what is already encrypted, or not secret, goes
 * in one.
 */
export function createDataObject(token: HsmToken, spec: DataObjectSpec): DataObjectRef {
  const handle = token.use('data object creation', (pkcs11, session) =>
    pkcs11.C_CreateObject(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_DATA },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: spec.private ?? true },
      { type: pkcs11js.CKA_MODIFIABLE, value: false },
      { type: pkcs11js.CKA_LABEL, value: spec.label },
      { type: pkcs11js.CKA_APPLICATION, value: spec.application },
      { type: pkcs11js.CKA_VALUE, value: Buffer.from(spec.value) },
    ]),
  );
  return { handle, label: spec.label, application: spec.application };
}

export function findDataObjects(token: HsmToken, query: DataObjectQuery = {}): DataObjectRef[] {
  return token.use('data object lookup', (pkcs11, session) => {
    const template: pkcs11js.Template = [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_DATA }];
    if (query.label !== undefined) {
      template.push({ type: pkcs11js.CKA_LABEL, value: query.label });
    }
    if (query.application !== undefined) {
      template.push({ type: pkcs11js.CKA_APPLICATION, value: query.application });
    }
    pkcs11.C_FindObjectsInit(session, template);
    const handles: pkcs11js.Handle[] = [];
    try {
      for (
        let batch = pkcs11.C_FindObjects(session, 64);
        batch.length > 0;
        batch = pkcs11.C_FindObjects(session, 64)
      ) {
        handles.push(...batch);
      }
    } finally {
      pkcs11.C_FindObjectsFinal(session);
    }
    return handles.map((handle) => {
      const [label, application] = pkcs11.C_GetAttributeValue(session, handle, [
        { type: pkcs11js.CKA_LABEL },
        { type: pkcs11js.CKA_APPLICATION },
      ]);
      return {
        handle,
        label: Buffer.isBuffer(label?.value) ? label.value.toString('utf8') : String(label?.value ?? ''),
        application: Buffer.isBuffer(application?.value)
          ? application.value.toString('utf8')
          : String(application?.value ?? ''),
      };
    });
  });
}

export function findDataObject(token: HsmToken, query: DataObjectQuery): DataObjectRef | undefined {
  return findDataObjects(token, query)[0];
}

/** CKA_VALUE of a data object. */
export function readDataObject(token: HsmToken, object: DataObjectRef): Buffer {
  return token.use('data object read', (pkcs11, session) => {
    const [attribute] = pkcs11.C_GetAttributeValue(session, object.handle, [{ type: pkcs11js.CKA_VALUE }]);
    const value = attribute?.value;
    if (!Buffer.isBuffer(value)) {
      throw new HsmError({ message: `data object ${object.label} has no value` });
    }
    return value;
  });
}

export function destroyDataObject(token: HsmToken, object: DataObjectRef): void {
  token.use('data object destruction', (pkcs11, session) => pkcs11.C_DestroyObject(session, object.handle));
}
