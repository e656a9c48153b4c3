import { common, peer } from '@hyperledger/fabric-protos';
import type { CommitOutcome, Ledger } from '../../src/ledger';
import type { SimulatedTx } from '../../src/ledger/testing';
import { LedgerError, TxValidationCode, txValidationCodeName } from '../../src/ledger';
import { buildBlock, buildEndorserTxEnvelope, commitEnvelopes } from '../../src/ledger/testing';
import { CC, cleanup, dec, enc, nextTxId, openLedger, put, sim, submit, tempDir } from './support/helpers';

const { VALID, MVCC_READ_CONFLICT, PHANTOM_READ_CONFLICT, DUPLICATE_TXID, ENDORSEMENT_POLICY_FAILURE } =
  peer.TxValidationCode;

describe('commitBlock validation', () => {
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

  const readModifyWrite = (key: string, value: string): SimulatedTx =>
    sim(ledger, (s) => {
      s.getState(CC, key);
      s.setState(CC, key, enc(value));
    });

  it("exports Fabric's TxValidationCode names", () => {
    expect(TxValidationCode['MVCC_READ_CONFLICT']).toBe(11);
    expect(TxValidationCode['VALID']).toBe(0);
    expect(txValidationCodeName(12)).toBe('PHANTOM_READ_CONFLICT');
    expect(txValidationCodeName(254)).toBe('NOT_VALIDATED');
  });

  it('two read-modify-writes of one key in a block: the second is an MVCC_READ_CONFLICT naming key and versions', async () => {
    await put(ledger, { asset1: 'v0' }); // block 1, tx 0
    const t1 = readModifyWrite('asset1', 'v1');
    const t2 = readModifyWrite('asset1', 'v2');
    const outcome = await commitEnvelopes(ledger, [t1.envelope, t2.envelope]); // block 2
    expect(outcome.codes).toEqual([VALID, MVCC_READ_CONFLICT]);
    expect(outcome.conflicts.get(1)).toBe(
      'MVCC_READ_CONFLICT: key asset1 in namespace basic read at version 1:0, committed version is 2:0 (written by an earlier transaction in this block)',
    );
    expect(outcome.details.get(1)).toMatchObject({
      kind: 'mvcc',
      namespace: CC,
      key: 'asset1',
      readVersion: '1:0',
      committedVersion: '2:0',
    });
    sim(ledger, (s) => expect(dec(s.getState(CC, 'asset1'))).toBe('v1'));
  });

  it('a read that went stale across blocks is an MVCC_READ_CONFLICT', async () => {
    await put(ledger, { asset1: 'v0' }); // block 1
    const stale = readModifyWrite('asset1', 'late');
    await put(ledger, { asset1: 'v1' }); // block 2
    const outcome = await commitEnvelopes(ledger, [stale.envelope]);
    expect(outcome.codes).toEqual([MVCC_READ_CONFLICT]);
    expect(outcome.conflicts.get(0)).toBe(
      'MVCC_READ_CONFLICT: key asset1 in namespace basic read at version 1:0, committed version is 2:0',
    );
    const missing = sim(ledger, (s) => {
      s.getState(CC, 'new');
      s.setState(CC, 'new', enc('x'));
    });
    await put(ledger, { new: 'first' });
    const o2 = await commitEnvelopes(ledger, [missing.envelope]);
    expect(o2.conflicts.get(0)).toBe(
      'MVCC_READ_CONFLICT: key new in namespace basic read at version nil, committed version is 4:0',
    );
    expect(o2.details.get(0)?.readVersion).toBeUndefined();
  });

  it('blind writes do not conflict', async () => {
    const a = sim(ledger, (s) => s.setState(CC, 'k', enc('a')));
    const b = sim(ledger, (s) => s.setState(CC, 'k', enc('b')));
    expect((await commitEnvelopes(ledger, [a.envelope, b.envelope])).codes).toEqual([VALID, VALID]);
    sim(ledger, (s) => expect(dec(s.getState(CC, 'k'))).toBe('b'));
  });

  it('phantom reads: an insert into a scanned range invalidates the scan', async () => {
    await put(ledger, { k1: '1', k3: '3' });
    const scan = sim(ledger, (s) => {
      expect(s.getStateRange(CC, 'k', 'l').results).toHaveLength(2);
      s.setState(CC, 'summary', enc('2'));
    });
    const insert = sim(ledger, (s) => s.setState(CC, 'k2', enc('2')));
    const outcome = await commitEnvelopes(ledger, [insert.envelope, scan.envelope]);
    expect(outcome.codes).toEqual([VALID, PHANTOM_READ_CONFLICT]);
    expect(outcome.conflicts.get(1)).toBe(
      'PHANTOM_READ_CONFLICT: range query [k, l) in namespace basic: key k2 was inserted',
    );
  });

  it('phantom reads: a delete or an update inside the range, across blocks', async () => {
    await put(ledger, { k1: '1', k2: '2' });
    const scanA = sim(ledger, (s) => s.getStateRange(CC, 'k', 'l'));
    const scanB = sim(ledger, (s) => s.getStateRange(CC, 'k', 'l'));
    const scanC = sim(ledger, (s) => s.getStateRange(CC, 'k', 'l'));
    expect(await submit(ledger, (s) => s.deleteState(CC, 'k1'))).toBe(VALID);
    const o = await commitEnvelopes(ledger, [scanA.envelope]);
    expect(o.codes).toEqual([PHANTOM_READ_CONFLICT]);
    expect(o.conflicts.get(0)).toContain('key k1 read at version 1:0 no longer exists');
    await put(ledger, { k2: 'changed' });
    const o2 = await commitEnvelopes(ledger, [scanB.envelope, scanC.envelope]);
    expect(o2.codes).toEqual([PHANTOM_READ_CONFLICT, PHANTOM_READ_CONFLICT]);
    // Writes outside the range do not matter.
    const scanD = sim(ledger, (s) => s.getStateRange(CC, 'k', 'l'));
    await put(ledger, { z: 'outside', j: 'outside' });
    expect((await commitEnvelopes(ledger, [scanD.envelope])).codes).toEqual([VALID]);
  });

  it('phantom reads over merkle-summarised ranges (more than 50 results)', async () => {
    const entries: Record<string, string> = {};
    for (let i = 0; i < 130; i++) entries[`m${String(i).padStart(3, '0')}`] = `${i}`;
    await put(ledger, entries);
    const unchanged = sim(ledger, (s) => s.getStateRange(CC, 'm', 'n'));
    expect((await commitEnvelopes(ledger, [unchanged.envelope])).codes).toEqual([VALID]);
    const scan = sim(ledger, (s) => s.getStateRange(CC, 'm', 'n'));
    await put(ledger, { m064: 'changed' });
    const o = await commitEnvelopes(ledger, [scan.envelope]);
    expect(o.codes).toEqual([PHANTOM_READ_CONFLICT]);
    expect(o.conflicts.get(0)).toContain('merkle summary mismatch');
  });

  it('a not-exhausted paginated range is validated up to its last key only', async () => {
    await put(ledger, { k1: '1', k2: '2', k3: '3' });
    const page = sim(ledger, (s) => expect(s.getStateRange(CC, 'k1', '', 2).bookmark).toBe('k3'));
    await put(ledger, { k4: 'beyond the page' });
    expect((await commitEnvelopes(ledger, [page.envelope])).codes).toEqual([VALID]);
    const page2 = sim(ledger, (s) => s.getStateRange(CC, 'k1', '', 2));
    await put(ledger, { k2: 'inside the page' });
    expect((await commitEnvelopes(ledger, [page2.envelope])).codes).toEqual([PHANTOM_READ_CONFLICT]);
  });

  it('duplicate tx ids: already committed, or twice in one block', async () => {
    const t = sim(ledger, (s) => s.setState(CC, 'a', enc('1')), 'dup-1');
    expect((await commitEnvelopes(ledger, [t.envelope])).codes).toEqual([VALID]);
    const again = await commitEnvelopes(ledger, [t.envelope]);
    expect(again.codes).toEqual([DUPLICATE_TXID]);
    expect(again.conflicts.get(0)).toBe(
      'DUPLICATE_TXID: transaction ID dup-1 was already committed in block 1 (transaction 0)',
    );
    const u = sim(ledger, (s) => s.setState(CC, 'b', enc('1')), 'dup-2');
    const twice = await commitEnvelopes(ledger, [u.envelope, u.envelope]);
    expect(twice.codes).toEqual([VALID, DUPLICATE_TXID]);
    expect(twice.conflicts.get(1)).toBe(
      'DUPLICATE_TXID: transaction ID dup-2 already appears in this block (transaction 0)',
    );
    expect(ledger.findTransaction('dup-1')).toMatchObject({ blockNum: 1, txNum: 0, validationCode: VALID });
  });

  it("keeps the committer's pre-codes, sets TRANSACTIONS_FILTER and indexes every tx id", async () => {
    const bad = sim(ledger, (s) => s.setState(CC, 'x', enc('never')), 'policy-fail');
    const good = sim(ledger, (s) => s.setState(CC, 'y', enc('ok')), 'fine');
    const outcome = await commitEnvelopes(ledger, [bad.envelope, good.envelope], {
      preCodes: [ENDORSEMENT_POLICY_FAILURE, VALID],
    });
    expect(outcome.codes).toEqual([ENDORSEMENT_POLICY_FAILURE, VALID]);
    expect(outcome.conflicts.size).toBe(0);
    const stored = ledger.getBlock(1) as common.Block;
    expect(
      Array.from(
        stored.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? [],
      ),
    ).toEqual([ENDORSEMENT_POLICY_FAILURE, VALID]);
    expect(stored.getMetadata()?.getMetadataList()).toHaveLength(5);
    expect(ledger.findTransaction('policy-fail')).toEqual({
      blockNum: 1,
      blockNumber: 1,
      txNum: 0,
      validationCode: ENDORSEMENT_POLICY_FAILURE,
    });
    expect(ledger.findTransaction('fine')?.txNum).toBe(1);
    expect(ledger.findTransaction('nope')).toBeUndefined();
    sim(ledger, (s) => {
      expect(s.getState(CC, 'x')).toBeUndefined();
      expect(dec(s.getState(CC, 'y'))).toBe('ok');
    });
  });

  it('chains blocks: refuses wrong numbers, broken hashes and code count mismatches', async () => {
    expect(ledger.height).toBe(1);
    expect(ledger.lastBlockHash).toHaveLength(32);
    const env = buildEndorserTxEnvelope({
      channelId: ledger.channelId,
      txId: nextTxId(),
      rwset: new Uint8Array(),
    });
    await expect(ledger.commitBlock(buildBlock(5, ledger.lastBlockHash, [env]), [VALID])).rejects.toThrow(
      LedgerError,
    );
    await expect(ledger.commitBlock(buildBlock(1, new Uint8Array(32), [env]), [VALID])).rejects.toThrow(
      'previous hash',
    );
    await expect(ledger.commitBlock(buildBlock(1, ledger.lastBlockHash, [env]), [])).rejects.toThrow(
      'validation codes',
    );
    const tampered = buildBlock(1, ledger.lastBlockHash, [env]);
    tampered.getHeader()?.setDataHash(new Uint8Array(32));
    await expect(ledger.commitBlock(tampered, [VALID])).rejects.toThrow('data hash');
    expect(ledger.height).toBe(1);
    expect((await ledger.commitBlock(buildBlock(1, ledger.lastBlockHash, [env]), [VALID])).codes).toEqual([
      VALID,
    ]);
    expect(ledger.height).toBe(2);
  });

  it('history: newest first, with tx ids, timestamps and deletes', async () => {
    const write = (txId: string, ts: number, body: Parameters<typeof sim>[1]): Promise<CommitOutcome> =>
      commitEnvelopes(ledger, [
        buildEndorserTxEnvelope({
          channelId: ledger.channelId,
          txId,
          timestampMillis: ts,
          rwset: sim(ledger, body).results.publicRwSet,
        }),
      ]);
    await write('h1', 1_000, (s) => s.setState(CC, 'k', enc('one')));
    await write('h2', 2_500, (s) => s.setState(CC, 'k', enc('two')));
    await write('h3', 3_000, (s) => s.deleteState(CC, 'k'));
    await write('h4', 4_000, (s) => s.setState(CC, 'k', enc('four')));
    // An invalid transaction leaves no history.
    const stale = sim(ledger, (s) => {
      s.getState(CC, 'k');
      s.setState(CC, 'k', enc('stale'));
    });
    await put(ledger, { k: 'five' });
    await commitEnvelopes(ledger, [stale.envelope]);
    sim(ledger, (s) => {
      const h = s.getHistoryForKey(CC, 'k');
      expect(h.map((m) => [m.txId, dec(m.value), m.isDelete])).toEqual([
        [expect.any(String), 'five', false],
        ['h4', 'four', false],
        ['h3', '', true],
        ['h2', 'two', false],
        ['h1', 'one', false],
      ]);
      expect(h.slice(1).map((m) => m.timestampMillis)).toEqual([4_000, 3_000, 2_500, 1_000]);
      expect(s.getHistoryForKey(CC, 'never')).toEqual([]);
    });
  });

  it('state metadata: committed with the value, kept on value writes, dropped with deletes, ignored for missing keys', async () => {
    const policy = enc('signature-policy');
    expect(
      await submit(ledger, (s) =>
        s.setStateMetadata(CC, 'ghost', new Map([['VALIDATION_PARAMETER', policy]])),
      ),
    ).toBe(VALID);
    expect(ledger.getCommittedStateMetadata(CC, 'ghost').size).toBe(0);
    sim(ledger, (s) => expect(s.getState(CC, 'ghost')).toBeUndefined());

    await put(ledger, { k: 'v1' });
    expect(
      await submit(ledger, (s) => s.setStateMetadata(CC, 'k', new Map([['VALIDATION_PARAMETER', policy]]))),
    ).toBe(VALID);
    expect(dec(ledger.getCommittedStateMetadata(CC, 'k').get('VALIDATION_PARAMETER'))).toBe(
      'signature-policy',
    );
    // A metadata-only write keeps the value (and gives the key a new version: see the next test).
    sim(ledger, (s) => {
      expect(dec(s.getState(CC, 'k'))).toBe('v1');
      expect(dec(s.getStateMetadata(CC, 'k').get('VALIDATION_PARAMETER'))).toBe('signature-policy');
    });
    await put(ledger, { k: 'v2' });
    expect(ledger.getCommittedStateMetadata(CC, 'k').size).toBe(1);
    expect(await submit(ledger, (s) => s.setStateMetadata(CC, 'k', new Map()))).toBe(VALID);
    expect(ledger.getCommittedStateMetadata(CC, 'k').size).toBe(0);
    expect(
      await submit(ledger, (s) => s.setStateMetadata(CC, 'k', new Map([['VALIDATION_PARAMETER', policy]]))),
    ).toBe(VALID);
    expect(await submit(ledger, (s) => s.deleteState(CC, 'k'))).toBe(VALID);
    expect(ledger.getCommittedStateMetadata(CC, 'k').size).toBe(0);
  });

  it('a metadata-only write moves the version: a concurrent reader conflicts', async () => {
    await put(ledger, { k: 'v' });
    const reader = readModifyWrite('k', 'x');
    expect(await submit(ledger, (s) => s.setStateMetadata(CC, 'k', new Map([['A', enc('1')]])))).toBe(VALID);
    expect((await commitEnvelopes(ledger, [reader.envelope])).codes).toEqual([MVCC_READ_CONFLICT]);
  });
});
