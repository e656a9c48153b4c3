import { MAX_SNAPSHOT_AGE, SnapshotLog, SnapshotView } from '../../src/ledger/snapshot';
import { StateDB, type VersionedValue } from '../../src/ledger/statedb';

const vv = (s: string, blockNum: number): VersionedValue => ({
  value: new TextEncoder().encode(s),
  version: { blockNum, txNum: 0 },
});

describe('SnapshotLog', () => {
  it('records undo entries only while a snapshot needs them and drops them on release', () => {
    const log = new SnapshotLog();
    expect(log.needsUndo(5)).toBe(false);
    const t = log.register(5);
    expect(log.needsUndo(4)).toBe(false);
    expect(log.needsUndo(5)).toBe(true);
    const old = vv('old', 3);
    log.record(5, 'ns', 'k', old);
    log.record(6, 'ns', 'k', vv('mid', 5));
    expect(log.lookup('ns', 'k', 5)?.value).toBe(old);
    expect(log.lookup('ns', 'k', 6)?.value?.version.blockNum).toBe(5);
    expect(log.lookup('ns', 'k', 7)).toBeUndefined();
    expect(log.changedKeys('ns')?.has('k')).toBe(true);
    log.release(t);
    log.release(t);
    expect(log.lookup('ns', 'k', 5)).toBeUndefined();
    expect(log.changedKeys('ns')).toBeUndefined();
  });

  it('expires snapshots that were never ended; their view then reads current state', () => {
    const db = new StateDB();
    db.namespaceForUpdate('ns').put('k', vv('new', 9));
    const log = new SnapshotLog();
    const t = log.register(1);
    log.record(2, 'ns', 'k', undefined);
    const view = new SnapshotView(db, log, t);
    expect(view.get('ns', 'k')).toBeUndefined();
    expect([...view.range('ns', '', '')]).toEqual([]);
    log.expire(1 + MAX_SNAPSHOT_AGE);
    expect(t.released).toBe(false);
    log.expire(2 + MAX_SNAPSHOT_AGE);
    expect(t.released).toBe(true);
    expect(view.get('ns', 'k')?.version.blockNum).toBe(9);
  });
});
