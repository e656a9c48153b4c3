import { ledger as lp } from '@hyperledger/fabric-protos';
import type { Ledger, TxSimulator } from '../../src/ledger';
import { SimulationError } from '../../src/ledger';
import { CC, cleanup, dec, enc, openLedger, put, sim, tempDir } from './support/helpers';

const docs: Record<string, unknown> = {
  a1: { type: 'asset', color: 'blue', size: 5, owner: { name: 'tom', org: 'Org1' }, tags: ['x', 'y'] },
  a2: { type: 'asset', color: 'red', size: 10, owner: { name: 'ann', org: 'Org2' }, tags: ['y'] },
  a3: { type: 'asset', color: 'green', size: 15, owner: { name: 'bob', org: 'Org1' }, tags: [] },
  a4: { type: 'asset', color: 'red', size: 20, owner: { name: 'eve', org: 'Org3' } },
  a5: { type: 'asset', color: 'blue', size: '7', owner: { name: 'Zed', org: 'Org2' }, flag: null },
  o1: { type: 'owner', name: 'tom' },
};

describe('rich queries (Mango subset)', () => {
  let dir: string;
  let ledger: Ledger;

  beforeAll(async () => {
    dir = tempDir();
    ledger = await openLedger(dir);
    await put(ledger, {
      ...Object.fromEntries(Object.entries(docs).map(([k, v]) => [k, JSON.stringify(v)])),
      binary: 'not json',
      arr: '[1,2]',
    });
  });

  afterAll(async () => {
    await ledger.close();
    cleanup(dir);
  });

  const keys = (selector: unknown, extra: Record<string, unknown> = {}): string[] => {
    let out: string[] = [];
    sim(ledger, (s: TxSimulator) => {
      out = s.executeQuery(CC, JSON.stringify({ selector, ...extra })).results.map((r) => r.key);
    });
    return out;
  };

  it('implicit and explicit $eq, $ne', () => {
    expect(keys({ color: 'red' })).toEqual(['a2', 'a4']);
    expect(keys({ color: { $eq: 'blue' } })).toEqual(['a1', 'a5']);
    expect(keys({ type: 'asset', color: { $ne: 'red' } })).toEqual(['a1', 'a3', 'a5']);
  });

  it('$gt $gte $lt $lte use CouchDB collation (numbers < strings)', () => {
    expect(keys({ size: { $gt: 10 } })).toEqual(['a3', 'a4', 'a5']);
    expect(keys({ size: { $gte: 10, $lt: 20 } })).toEqual(['a2', 'a3']);
    expect(keys({ size: { $lte: 5 } })).toEqual(['a1']);
    expect(keys({ size: { $gt: 100, $lt: 'z' } })).toEqual(['a5']);
  });

  it('$in, $nin, $exists, $type, $size, $all, $elemMatch, $mod, $regex', () => {
    expect(keys({ color: { $in: ['green', 'blue'] } })).toEqual(['a1', 'a3', 'a5']);
    expect(keys({ tags: { $in: ['x'] } })).toEqual(['a1']);
    expect(keys({ type: 'asset', color: { $nin: ['red', 'blue'] } })).toEqual(['a3']);
    expect(keys({ tags: { $exists: false }, type: 'asset' })).toEqual(['a4', 'a5']);
    expect(keys({ flag: { $exists: true } })).toEqual(['a5']);
    expect(keys({ size: { $type: 'string' } })).toEqual(['a5']);
    expect(keys({ tags: { $size: 2 } })).toEqual(['a1']);
    expect(keys({ tags: { $all: ['y', 'x'] } })).toEqual(['a1']);
    expect(keys({ tags: { $elemMatch: { $eq: 'y' } } })).toEqual(['a1', 'a2']);
    expect(keys({ size: { $mod: [10, 0] } })).toEqual(['a2', 'a4']);
    expect(keys({ 'owner.name': { $regex: '^[a-e]' } })).toEqual(['a2', 'a3', 'a4']);
  });

  it('$and, $or, $nor, $not and nested fields (dotted or as sub-objects)', () => {
    expect(keys({ $or: [{ color: 'green' }, { 'owner.org': 'Org3' }] })).toEqual(['a3', 'a4']);
    expect(keys({ $and: [{ type: 'asset' }, { 'owner.org': 'Org1' }] })).toEqual(['a1', 'a3']);
    expect(keys({ owner: { org: 'Org2' } })).toEqual(['a2', 'a5']);
    expect(keys({ type: 'asset', $nor: [{ color: 'red' }, { color: 'blue' }] })).toEqual(['a3']);
    expect(keys({ type: 'asset', $not: { color: 'red' } })).toEqual(['a1', 'a3', 'a5']);
    expect(keys({ color: { $not: { $eq: 'red' } } })).toEqual(['a1', 'a3', 'a5']);
  });

  it('a missing field matches nothing but $exists: false; non-JSON and non-object values are skipped', () => {
    expect(keys({ color: { $ne: 'red' } })).toEqual(['a1', 'a3', 'a5']);
    expect(keys({})).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'o1']);
  });

  it('sort asc/desc (documents without the sort field are left out), limit, skip, fields', () => {
    expect(keys({ type: 'asset' }, { sort: [{ 'owner.name': 'asc' }] })).toEqual([
      'a5',
      'a2',
      'a3',
      'a4',
      'a1',
    ]);
    expect(keys({ type: 'asset' }, { sort: [{ color: 'desc' }] })).toEqual(['a4', 'a2', 'a3', 'a5', 'a1']);
    expect(keys({ type: 'asset' }, { sort: ['color', 'size'] })).toEqual(['a1', 'a5', 'a3', 'a2', 'a4']);
    expect(keys({}, { sort: [{ size: 'asc' }] })).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(keys({ type: 'asset' }, { limit: 2 })).toEqual(['a1', 'a2']);
    expect(keys({ type: 'asset' }, { skip: 3 })).toEqual(['a4', 'a5']);
    sim(ledger, (s) => {
      const [row] = s.executeQuery(
        CC,
        JSON.stringify({ selector: { color: 'green' }, fields: ['color', 'owner.name'] }),
      ).results;
      expect(JSON.parse(dec(row?.value) as string)).toEqual({ color: 'green', owner: { name: 'bob' } });
    });
  });

  it('paginates with bookmarks (empty when done) and ignores limit like Fabric', () => {
    sim(ledger, (s) => {
      const q = JSON.stringify({ selector: { type: 'asset' }, sort: [{ size: 'desc' }], limit: 1 });
      const p1 = s.executeQuery(CC, q, 2);
      expect(p1.results.map((r) => r.key)).toEqual(['a5', 'a4']);
      expect(p1.bookmark).not.toBe('');
      const p2 = s.executeQuery(CC, q, 2, p1.bookmark);
      expect(p2.results.map((r) => r.key)).toEqual(['a3', 'a2']);
      const p3 = s.executeQuery(CC, q, 2, p2.bookmark);
      expect(p3.results.map((r) => r.key)).toEqual(['a1']);
      expect(p3.bookmark).toBe('');
      expect(() => s.executeQuery(CC, q, 2, 'garbage!')).toThrow(SimulationError);
    });
  });

  it('records query results in the read set (MVCC-checked, no phantom check)', () => {
    const tx = sim(ledger, (s) => s.executeQuery(CC, JSON.stringify({ selector: { color: 'red' } })));
    const kv = lp.rwset.kvrwset.KVRWSet.deserializeBinary(
      lp.rwset.TxReadWriteSet.deserializeBinary(tx.results.publicRwSet)
        .getNsRwsetList()[0]
        ?.getRwset_asU8() as Uint8Array,
    );
    expect(kv.getReadsList().map((r) => r.getKey())).toEqual(['a2', 'a4']);
    expect(kv.getRangeQueriesInfoList()).toHaveLength(0);
  });

  it('rejects malformed queries', () => {
    sim(ledger, (s) => {
      expect(() => s.executeQuery(CC, 'not json')).toThrow('invalid rich query: query is not valid JSON');
      expect(() => s.executeQuery(CC, '{"sort":[]}')).toThrow('missing required key: selector');
      expect(() => s.executeQuery(CC, '{"selector":{"a":{"$bogus":1}}}')).toThrow('unknown operator $bogus');
      expect(() => s.executeQuery(CC, '{"selector":{"a":{"$in":1}}}')).toThrow('$in requires an array');
      expect(() => s.executeQuery(CC, '{"selector":{},"sort":[{"a":"up"}]}')).toThrow('sort direction');
    });
    expect(enc).toBeDefined();
  });
});
