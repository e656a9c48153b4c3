import { ledger, peer } from '@hyperledger/fabric-protos';
import { mismatchMessage, payloadDifferences } from '../../src/endorser/compare';

function prp(writes: Record<string, string>, reads: Record<string, number> = {}): Uint8Array {
  const kv = new ledger.rwset.kvrwset.KVRWSet();
  kv.setReadsList(
    Object.entries(reads).map(([key, block]) => {
      const read = new ledger.rwset.kvrwset.KVRead();
      read.setKey(key);
      const version = new ledger.rwset.kvrwset.Version();
      version.setBlockNum(block);
      read.setVersion(version);
      return read;
    }),
  );
  kv.setWritesList(
    Object.entries(writes).map(([key, value]) => {
      const write = new ledger.rwset.kvrwset.KVWrite();
      write.setKey(key);
      write.setValue(Buffer.from(value));
      return write;
    }),
  );
  const ns = new ledger.rwset.NsReadWriteSet();
  ns.setNamespace('cc');
  ns.setRwset(kv.serializeBinary());
  const txrw = new ledger.rwset.TxReadWriteSet();
  txrw.setNsRwsetList([ns]);
  const action = new peer.ChaincodeAction();
  action.setResults(txrw.serializeBinary());
  const payload = new peer.ProposalResponsePayload();
  payload.setExtension$(action.serializeBinary());
  return payload.serializeBinary();
}

describe('payloadDifferences', () => {
  it('names the keys whose written values or read versions differ', () => {
    const diffs = payloadDifferences(
      prp({ a: '1', b: '2' }, { r: 1 }),
      prp({ a: '1', b: '3', c: 'x' }, { r: 2 }),
    );
    expect(diffs).toEqual([
      { kind: 'read version mismatch', namespace: 'cc', key: 'r' },
      { kind: 'write value mismatch', namespace: 'cc', key: 'b' },
      { kind: 'extraneous write', namespace: 'cc', key: 'c' },
    ]);
    expect(mismatchMessage(diffs)).toContain('ProposalResponsePayloads do not match');
    expect(mismatchMessage(diffs)).toContain('key [b]');
  });

  it('finds nothing for identical payloads', () => {
    expect(payloadDifferences(prp({ a: '1' }), prp({ a: '1' }))).toEqual([]);
  });
});
