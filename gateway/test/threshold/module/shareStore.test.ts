import { pino } from 'pino';
import {
  createDataObject,
  destroyDataObject,
  findDataObject,
  findDataObjects,
  findKey,
  readDataObject,
  type HsmToken,
} from '../../../src/hsm';
import { ShareStoreError } from '../../../src/threshold';
import { SHARE_APPLICATION, SHARE_SEAL_LABEL, shareLabel, ShareStore } from '../../../src/threshold/module';
import { newTestToken } from '../../support/softhsm';
import * as pkcs11js from 'pkcs11js';

const logger = pino({ level: 'silent' });

/** CK_BBOOL attributes come back as one-byte buffers. */
function flag(attribute: { value?: unknown } | undefined): boolean {
  const value = attribute?.value;
  return Buffer.isBuffer(value) ? value[0] === 1 : value === true;
}

describe('ShareStore (shares sealed in the token)', () => {
  let token: HsmToken;
  let store: ShareStore;

  beforeAll(() => {
    token = newTestToken('share-store');
    store = ShareStore.open(token, 'm1', logger);
  });

  afterAll(() => token.close());

  it('makes a sensitive, non-extractable seal key once', () => {
    const key = findKey(token, { keyClass: 'secret', label: SHARE_SEAL_LABEL });
    expect(key).toBeDefined();
    const [sensitive, extractable, persistent] = token.use('test', (pkcs11, session) =>
      pkcs11.C_GetAttributeValue(session, key?.handle as Buffer, [
        { type: pkcs11js.CKA_SENSITIVE },
        { type: pkcs11js.CKA_EXTRACTABLE },
        { type: pkcs11js.CKA_TOKEN },
      ]),
    );
    expect([flag(sensitive), flag(extractable), flag(persistent)]).toEqual([true, false, true]);
    ShareStore.open(token, 'm1', logger);
    expect(findDataObjects(token, { application: SHARE_APPLICATION })).toHaveLength(0);
    expect(
      token.use('test', (pkcs11, session) => {
        pkcs11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_LABEL, value: SHARE_SEAL_LABEL }]);
        const found = pkcs11.C_FindObjects(session, 10);
        pkcs11.C_FindObjectsFinal(session);
        return found.length;
      }),
    ).toBe(1);
  });

  it('seals, lists, opens and removes; the ledger-visible object holds no plaintext', () => {
    const share = Buffer.from('0123456789abcdef0123456789abcdef');
    store.seal('orders', 1, share, { curve: 'ed25519', t: 2 });
    store.seal('orders', 2, Buffer.from('second epoch share bytes .......'), {});
    store.seal('invoices', 1, Buffer.from('another key share bytes ........'), {});

    expect(store.has('orders', 1)).toBe(true);
    expect(store.has('orders', 3)).toBe(false);
    expect(store.list()).toEqual([
      { keyId: 'invoices', epoch: 1, meta: {} },
      { keyId: 'orders', epoch: 1, meta: { curve: 'ed25519', t: 2 } },
      { keyId: 'orders', epoch: 2, meta: {} },
    ]);

    const object = findDataObject(token, { label: shareLabel('orders', 1), application: SHARE_APPLICATION });
    const stored = readDataObject(token, object as NonNullable<typeof object>);
    expect(stored.includes(share)).toBe(false);
    expect(stored.toString('utf8')).not.toContain(share.toString('base64'));
    const [privateFlag, tokenFlag] = token.use('test', (pkcs11, session) =>
      pkcs11.C_GetAttributeValue(session, object?.handle as Buffer, [
        { type: pkcs11js.CKA_PRIVATE },
        { type: pkcs11js.CKA_TOKEN },
      ]),
    );
    expect([flag(privateFlag), flag(tokenFlag)]).toEqual([true, true]);

    const opened = store.open('orders', 1);
    expect(opened.equals(share)).toBe(true);
    opened.fill(0);

    expect(store.remove('orders', 2)).toBe(true);
    expect(store.remove('orders', 2)).toBe(false);
    expect(store.has('orders', 2)).toBe(false);
    expect(() => store.open('orders', 2)).toThrow(ShareStoreError);
  });

  it('replaces a share sealed again for the same key and epoch', () => {
    store.seal('again', 5, Buffer.from('first version of the share.....'), { n: 1 });
    store.seal('again', 5, Buffer.from('second version of the share....'), { n: 2 });
    expect(findDataObjects(token, { label: shareLabel('again', 5) })).toHaveLength(1);
    expect(store.open('again', 5).toString()).toBe('second version of the share....');
    expect(store.list().find((s) => s.keyId === 'again')?.meta).toEqual({ n: 2 });
  });

  it('a sealed share moved to another key, epoch or module does not open (AAD)', () => {
    store.seal('moved', 1, Buffer.from('a share that must stay put......'), {});
    const source = findDataObject(token, { label: shareLabel('moved', 1) });
    const value = readDataObject(token, source as NonNullable<typeof source>);
    const record = JSON.parse(value.toString('utf8')) as Record<string, unknown>;
    createDataObject(token, {
      label: shareLabel('moved', 2),
      application: SHARE_APPLICATION,
      value: Buffer.from(JSON.stringify({ ...record, epoch: 2 })),
    });
    expect(() => store.open('moved', 2)).toThrow(/does not open/);

    const otherModule = ShareStore.open(token, 'm2', logger);
    expect(() => otherModule.open('moved', 1)).toThrow(/does not open/);
    expect(store.open('moved', 1).toString()).toBe('a share that must stay put......');
    const copy = findDataObject(token, { label: shareLabel('moved', 2) });
    destroyDataObject(token, copy as NonNullable<typeof copy>);
  });

  it('refuses names a label cannot carry', () => {
    expect(() => store.seal('a/b', 1, Buffer.from('x'), {})).toThrow(ShareStoreError);
    expect(() => store.seal('ok', -1, Buffer.from('x'), {})).toThrow(ShareStoreError);
    expect(() => store.has('ok', 1.5)).toThrow(ShareStoreError);
  });
});
