import { ledger as lp } from '@hyperledger/fabric-protos';
import { createHash } from 'node:crypto';
import type { Ledger } from '../../src/ledger';
import { SimulationError } from '../../src/ledger';
import { CC, cleanup, dec, enc, openLedger, put, sim, submit, tempDir } from './support/helpers';

const sha256 = (b: Uint8Array | string): Buffer => createHash('sha256').update(b).digest();

function decodeRwSet(
  bytes: Uint8Array,
): { ns: string; kv: lp.rwset.kvrwset.KVRWSet; colls: lp.rwset.CollectionHashedReadWriteSet[] }[] {
  return lp.rwset.TxReadWriteSet.deserializeBinary(bytes)
    .getNsRwsetList()
    .map((n) => ({
      ns: n.getNamespace(),
      kv: lp.rwset.kvrwset.KVRWSet.deserializeBinary(n.getRwset_asU8()),
      colls: n.getCollectionHashedRwsetList(),
    }));
}

describe('TxSimulator', () => {
  let dir: string;
  let ledger: Ledger;

  beforeEach(async () => {
    dir = tempDir();
    ledger = await openLedger(dir);
  });

  afterEach(async () => {
    await ledger.close();
    cleanup(dir);
  });

  it('has no read-your-writes: reads see committed state only', async () => {
    await put(ledger, { a: 'committed' });
    const tx = sim(ledger, (s) => {
      s.setState(CC, 'a', enc('new'));
      s.setState(CC, 'b', enc('new'));
      expect(dec(s.getState(CC, 'a'))).toBe('committed');
      expect(s.getState(CC, 'b')).toBeUndefined();
      expect(s.getStateRange(CC, '', '').results.map((r) => r.key)).toEqual(['a']);
    });
    const [ns] = decodeRwSet(tx.results.publicRwSet);
    expect(
      ns?.kv
        .getReadsList()
        .map((r) => [r.getKey(), r.getVersion()?.getBlockNum(), r.getVersion()?.getTxNum()]),
    ).toEqual([
      ['a', 1, 0],
      ['b', undefined, undefined],
    ]);
    expect(ns?.kv.getWritesList().map((w) => [w.getKey(), dec(w.getValue_asU8())])).toEqual([
      ['a', 'new'],
      ['b', 'new'],
    ]);
  });

  it('builds the rwset like rwset_builder.go: sorted namespaces and keys, last write wins, empty value = delete', () => {
    const tx = sim(ledger, (s) => {
      s.setState('zeta', 'k', enc('1'));
      s.setState('alpha', '\u{1F600}', enc('x'));
      s.setState('alpha', '\uFF5E', enc('y'));
      s.setState('alpha', 'b', enc('first'));
      s.setState('alpha', 'b', enc('second'));
      s.deleteState('alpha', 'a');
      s.getState('alpha', 'r2');
      s.getState('alpha', 'r1');
    });
    const rw = decodeRwSet(tx.results.publicRwSet);
    expect(lp.rwset.TxReadWriteSet.deserializeBinary(tx.results.publicRwSet).getDataModel()).toBe(
      lp.rwset.TxReadWriteSet.DataModel.KV,
    );
    expect(rw.map((n) => n.ns)).toEqual(['alpha', 'zeta']);
    const alpha = rw[0]?.kv as lp.rwset.kvrwset.KVRWSet;
    expect(alpha.getWritesList().map((w) => w.getKey())).toEqual(['a', 'b', '\uFF5E', '\u{1F600}']);
    expect(alpha.getWritesList()[0]?.getIsDelete()).toBe(true);
    expect(dec(alpha.getWritesList()[1]?.getValue_asU8())).toBe('second');
    expect(alpha.getReadsList().map((r) => r.getKey())).toEqual(['r1', 'r2']);
    expect(tx.results.privateRwSet).toBeUndefined();
  });

  it('ranges iterate in UTF-8 byte order, start inclusive, end exclusive, "" = unbounded', async () => {
    await put(ledger, { '\u{1F600}': '1', '\uFF5E': '2', a: '3', b: '4', c: '5' });
    sim(ledger, (s) => {
      expect(s.getStateRange(CC, '', '').results.map((r) => r.key)).toEqual([
        'a',
        'b',
        'c',
        '\uFF5E',
        '\u{1F600}',
      ]);
      expect(s.getStateRange(CC, 'b', '\u{1F600}').results.map((r) => r.key)).toEqual(['b', 'c', '\uFF5E']);
      expect(s.getStateRange(CC, '\uFF5F', '').results.map((r) => r.key)).toEqual(['\u{1F600}']);
    });
  });

  it('composite keys: partial-key ranges, and a "" start includes them (the shim substitutes \\x01 for simple keys)', async () => {
    const ck = (...parts: string[]): string => `\u0000${parts.join('\u0000')}\u0000`;
    await put(ledger, {
      [ck('asset', 'blue', '1')]: 'b1',
      [ck('asset', 'red', '1')]: 'r1',
      [ck('asset', 'red', '2')]: 'r2',
      [ck('owner', 'x')]: 'o',
      plain: 'p',
    });
    sim(ledger, (s) => {
      const prefix = ck('asset', 'red');
      const reds = s.getStateRange(CC, prefix, `${prefix}\u{10FFFF}`).results.map((r) => dec(r.value));
      expect(reds).toEqual(['r1', 'r2']);
      expect(s.getStateRange(CC, '\u0001', '').results.map((r) => r.key)).toEqual(['plain']);
      expect(s.getStateRange(CC, '', '').results).toHaveLength(5);
    });
  });

  it('records range queries for phantom validation (raw reads, exhausted flag, end key)', async () => {
    await put(ledger, { k1: '1', k2: '2', k3: '3' });
    const tx = sim(ledger, (s) => {
      s.getStateRange(CC, 'k1', 'k9');
      s.getStateRange(CC, 'k1', 'k9'); // same range: recorded once
      s.getStateRange(CC, 'x', 'y'); // empty
    });
    const rqis = decodeRwSet(tx.results.publicRwSet)[0]?.kv.getRangeQueriesInfoList() ?? [];
    expect(rqis).toHaveLength(2);
    expect([rqis[0]?.getStartKey(), rqis[0]?.getEndKey(), rqis[0]?.getItrExhausted()]).toEqual([
      'k1',
      'k9',
      true,
    ]);
    expect(
      rqis[0]
        ?.getRawReads()
        ?.getKvReadsList()
        .map((r) => r.getKey()),
    ).toEqual(['k1', 'k2', 'k3']);
    expect(rqis[1]?.hasRawReads()).toBe(false);
  });

  it('folds more than 50 range results into a merkle summary', async () => {
    const entries: Record<string, string> = {};
    for (let i = 0; i < 120; i++) entries[`m${String(i).padStart(3, '0')}`] = `${i}`;
    await put(ledger, entries);
    const tx = sim(ledger, (s) => expect(s.getStateRange(CC, 'm', 'n').results).toHaveLength(120));
    const rqi = decodeRwSet(tx.results.publicRwSet)[0]?.kv.getRangeQueriesInfoList()[0];
    expect(rqi?.hasRawReads()).toBe(false);
    expect(rqi?.getReadsMerkleHashes()?.getMaxDegree()).toBe(50);
    expect(rqi?.getReadsMerkleHashes()?.getMaxLevel()).toBe(1);
    expect(rqi?.getReadsMerkleHashes()?.getMaxLevelHashesList()).toHaveLength(3); // groups of 51: 51 + 51 + 18
  });

  describe('pagination (Fabric: only in read-only transactions)', () => {
    beforeEach(async () => {
      await put(ledger, { k1: '1', k2: '2', k3: '3', k4: '4', k5: '5' });
    });

    it('pages with the next key as bookmark, empty when done', () => {
      sim(ledger, (s) => {
        const p1 = s.getStateRange(CC, 'k1', '', 2);
        expect(p1.results.map((r) => r.key)).toEqual(['k1', 'k2']);
        expect(p1.bookmark).toBe('k3');
        const p2 = s.getStateRange(CC, 'k1', '', 2, p1.bookmark);
        expect(p2.results.map((r) => r.key)).toEqual(['k3', 'k4']);
        const p3 = s.getStateRange(CC, 'k1', '', 2, p2.bookmark);
        expect(p3.results.map((r) => r.key)).toEqual(['k5']);
        expect(p3.bookmark).toBe('');
        const exact = s.getStateRange(CC, 'k4', '', 2);
        expect(exact.results.map((r) => r.key)).toEqual(['k4', 'k5']);
        expect(exact.bookmark).toBe('');
      });
    });

    it('a full page records the range up to its last key, not exhausted', () => {
      const tx = sim(ledger, (s) => s.getStateRange(CC, 'k1', 'k9', 2));
      const rqi = decodeRwSet(tx.results.publicRwSet)[0]?.kv.getRangeQueriesInfoList()[0];
      expect([rqi?.getStartKey(), rqi?.getEndKey(), rqi?.getItrExhausted()]).toEqual(['k1', 'k2', false]);
    });

    it("refuses a paginated query after a write, and a write after a paginated query, with Fabric's messages", () => {
      sim(
        ledger,
        (s) => {
          s.setState(CC, 'x', enc('1'));
          expect(() => s.getStateRange(CC, '', '', 2)).toThrow(
            new SimulationError(
              'txid [w1]: unsuppored transaction. Paginated queries are supported only in a read-only transaction',
            ),
          );
          expect(() => s.executeQuery(CC, '{"selector":{}}', 2)).toThrow(SimulationError);
          expect(() => s.getStateRange(CC, '', '')).not.toThrow();
        },
        'w1',
      );
      sim(
        ledger,
        (s) => {
          s.getStateRange(CC, '', '', 0, 'k2');
          expect(() => s.setState(CC, 'x', enc('1'))).toThrow(
            'txid [p1]: unsuppored transaction. Transaction has already performed a paginated query. Writes are not allowed',
          );
          expect(() => s.setStateMetadata(CC, 'x', new Map())).toThrow(SimulationError);
        },
        'p1',
      );
    });
  });

  it('state metadata: read records a read, write is a KVMetadataWrite with sorted entries', async () => {
    const tx = sim(ledger, (s) => {
      expect(s.getStateMetadata(CC, 'k').size).toBe(0);
      s.setStateMetadata(
        CC,
        'k',
        new Map([
          ['VALIDATION_PARAMETER', enc('policy')],
          ['A', enc('a')],
        ]),
      );
    });
    const kv = decodeRwSet(tx.results.publicRwSet)[0]?.kv;
    expect(kv?.getReadsList().map((r) => r.getKey())).toEqual(['k']);
    const mw = kv?.getMetadataWritesList()[0];
    expect(mw?.getKey()).toBe('k');
    expect(mw?.getEntriesList().map((e) => e.getName())).toEqual(['A', 'VALIDATION_PARAMETER']);
  });

  it('private data: values only in the private rwset, hashes on the public one', () => {
    const tx = sim(ledger, (s) => {
      s.setPrivateData(CC, 'collB', 'secret', enc('v1'));
      s.setPrivateData(CC, 'collA', 'gone', enc(''));
      s.purgePrivateData(CC, 'collA', 'purged');
      expect(s.getPrivateData(CC, 'collA', 'nothing')).toBeUndefined();
      expect(s.getPrivateDataHash(CC, 'collA', 'nothing')).toBeUndefined();
    });
    const pub = decodeRwSet(tx.results.publicRwSet)[0];
    expect(pub?.kv.getWritesList()).toHaveLength(0);
    expect(pub?.colls.map((c) => c.getCollectionName())).toEqual(['collA', 'collB']);
    const pvt = lp.rwset.TxPvtReadWriteSet.deserializeBinary(tx.results.privateRwSet as Uint8Array);
    const colls = pvt.getNsPvtRwsetList()[0]?.getCollectionPvtRwsetList() ?? [];
    expect(colls.map((c) => c.getCollectionName())).toEqual(['collA', 'collB']);
    const collB = colls[1] as lp.rwset.CollectionPvtReadWriteSet;
    const hashedB = lp.rwset.kvrwset.HashedRWSet.deserializeBinary(
      pub?.colls[1]?.getHashedRwset_asU8() as Uint8Array,
    );
    const w = hashedB.getHashedWritesList()[0];
    expect(Buffer.from(w?.getKeyHash_asU8() ?? [])).toEqual(sha256('secret'));
    expect(Buffer.from(w?.getValueHash_asU8() ?? [])).toEqual(sha256(enc('v1')));
    expect(Buffer.from(pub?.colls[1]?.getPvtRwsetHash_asU8() ?? [])).toEqual(sha256(collB.getRwset_asU8()));
    expect(Buffer.from(tx.results.publicRwSet).includes(Buffer.from('secret'))).toBe(false);
    const hashedA = lp.rwset.kvrwset.HashedRWSet.deserializeBinary(
      pub?.colls[0]?.getHashedRwset_asU8() as Uint8Array,
    );
    const byKey = (k: string): lp.rwset.kvrwset.KVWriteHash | undefined =>
      hashedA.getHashedWritesList().find((x) => Buffer.from(x.getKeyHash_asU8()).equals(sha256(k)));
    const [gone, purged] = [byKey('gone'), byKey('purged')];
    expect([gone?.getIsDelete(), gone?.getIsPurge()]).toEqual([true, false]);
    expect([purged?.getIsDelete(), purged?.getIsPurge()]).toEqual([true, true]);
    // getPrivateData and getPrivateDataHash of the same key make one hashed read, with a nil version.
    expect(hashedA.getHashedReadsList()).toHaveLength(1);
    expect(hashedA.getHashedReadsList()[0]?.hasVersion()).toBe(false);
  });

  it('refuses private queries after a write and writes after a private query', () => {
    sim(
      ledger,
      (s) => {
        s.setState(CC, 'a', enc('1'));
        expect(() => s.getPrivateDataRange(CC, 'c', '', '')).toThrow(
          'txid [q1]: unsuppored transaction. Queries on pvt data is supported only in a read-only transaction',
        );
      },
      'q1',
    );
    sim(
      ledger,
      (s) => {
        s.executePrivateQuery(CC, 'c', '{"selector":{}}');
        expect(() => s.setPrivateData(CC, 'c', 'k', enc('v'))).toThrow(
          'txid [q2]: unsuppored transaction. Transaction has already performed queries on pvt data. Writes are not allowed',
        );
      },
      'q2',
    );
  });

  it('reads a consistent snapshot: blocks committed during a simulation stay invisible to it', async () => {
    await put(ledger, { a: 'a1', b: 'b1', '{': '{"n":1}' });
    const before = ledger.newSimulator('snap-1');
    const sameHeight = ledger.newSimulator('snap-2');
    expect(dec(before.getState(CC, 'a'))).toBe('a1');
    await submit(ledger, (s) => {
      s.setState(CC, 'a', enc('a2'));
      s.deleteState(CC, 'b');
      s.setState(CC, 'c', enc('c2'));
      s.setState(CC, '{', enc('{"n":2}'));
    });
    await put(ledger, { a: 'a3' });
    for (const s of [before, sameHeight]) {
      expect(dec(s.getState(CC, 'a'))).toBe('a1');
      expect(dec(s.getState(CC, 'b'))).toBe('b1');
      expect(s.getState(CC, 'c')).toBeUndefined();
      expect(s.getStateRange(CC, '', '').results.map((r) => [r.key, dec(r.value)])).toEqual([
        ['a', 'a1'],
        ['b', 'b1'],
        ['{', '{"n":1}'],
      ]);
      expect(s.executeQuery(CC, '{"selector":{"n":1}}').results.map((r) => r.key)).toEqual(['{']);
      expect(s.getHistoryForKey(CC, 'a').map((m) => dec(m.value))).toEqual(['a1']);
    }
    // Both see the same state, so both produce the same rwset (as two endorsing organisations must).
    expect(Buffer.from(before.done().publicRwSet)).toEqual(Buffer.from(sameHeight.done().publicRwSet));
    sim(ledger, (s) => {
      expect(dec(s.getState(CC, 'a'))).toBe('a3');
      expect(s.getState(CC, 'b')).toBeUndefined();
      expect(s.getHistoryForKey(CC, 'a').map((m) => dec(m.value))).toEqual(['a3', 'a2', 'a1']);
    });
  });

  it('done() ends the simulation', () => {
    const s = ledger.newSimulator('d1');
    s.done();
    expect(() => s.done()).toThrow(
      'this function should only be called once on a transaction simulator instance',
    );
    expect(() => s.getState(CC, 'a')).toThrow('this instance should not be used after calling Done()');
  });
});
