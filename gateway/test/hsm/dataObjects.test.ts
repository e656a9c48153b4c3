import {
  createDataObject,
  destroyDataObject,
  findDataObject,
  findDataObjects,
  readDataObject,
  type HsmToken,
} from '../../src/hsm';
import { newTestToken } from '../support/softhsm';

describe('token data objects', () => {
  let token: HsmToken;

  beforeAll(() => {
    token = newTestToken('data-objects');
  });

  afterAll(() => token.close());

  it('creates, finds by label and application, reads and destroys', () => {
    const made = createDataObject(token, {
      label: 'one',
      application: 'test-app',
      value: Buffer.from('abc'),
    });
    createDataObject(token, { label: 'two', application: 'test-app', value: Buffer.from([0, 1, 2]) });
    createDataObject(token, { label: 'one', application: 'other-app', value: Buffer.from('x') });

    expect(
      findDataObjects(token, { application: 'test-app' })
        .map((o) => o.label)
        .sort(),
    ).toEqual(['one', 'two']);
    const found = findDataObject(token, { label: 'one', application: 'test-app' });
    expect(found).toMatchObject({ label: 'one', application: 'test-app' });
    expect(readDataObject(token, found ?? made).toString()).toBe('abc');
    expect(findDataObjects(token, { label: 'one' })).toHaveLength(2);

    destroyDataObject(token, made);
    expect(findDataObject(token, { label: 'one', application: 'test-app' })).toBeUndefined();
    expect(findDataObjects(token, { application: 'other-app' })).toHaveLength(1);
  });

  it('keeps objects across a reopen of the token (CKA_TOKEN)', () => {
    createDataObject(token, { label: 'kept', application: 'persist', value: Buffer.from('still here') });
    const other = newTestToken('data-objects-other');
    try {
      expect(findDataObjects(other, { application: 'persist' })).toEqual([]);
    } finally {
      other.close();
    }
    const again = findDataObject(token, { label: 'kept', application: 'persist' });
    expect(again && readDataObject(token, again).toString()).toBe('still here');
  });

  it('reports what the token says about itself', () => {
    const info = token.info();
    expect(info.label).toBe(token.label);
    expect(info.serialNumber).toMatch(/\S/);
  });
});
