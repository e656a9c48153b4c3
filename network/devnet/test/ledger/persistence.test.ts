import * as fs from 'node:fs';
import * as path from 'node:path';
import { fork } from 'node:child_process';
import { common, peer } from '@hyperledger/fabric-protos';
import { Ledger, LedgerError } from '../../src/ledger';
import { buildEndorserTxEnvelope, commitEnvelopes } from '../../src/ledger/testing';
import { CC, CHANNEL, cleanup, dec, enc, openLedger, put, sim, submit, tempDir } from './support/helpers';

const { VALID, MVCC_READ_CONFLICT } = peer.TxValidationCode;

/** Offsets of the records in a record file: [start, end) per record. */
function recordBounds(file: string): [number, number][] {
  const buf = fs.readFileSync(file);
  const bounds: [number, number][] = [];
  for (let pos = 0; pos + 8 <= buf.length;) {
    const end = pos + 8 + buf.readUInt32BE(pos);
    bounds.push([pos, end]);
    pos = end;
  }
  return bounds;
}

/** Commits a mix of everything the ledger persists; returns a snapshot to compare after reopening. */
async function populate(ledger: Ledger): Promise<void> {
  await put(ledger, { a: '1', b: '2', '\u0000idx\u0000a\u0000': '' + 'x' });
  const pvt = sim(ledger, (s) => {
    s.setPrivateData(CC, 'coll', 'secret', enc('hidden'));
    s.setState(CC, 'c', enc('3'));
  });
  await commitEnvelopes(ledger, [pvt.envelope], {
    privateData: new Map([[pvt.txId, pvt.results.privateRwSet as Uint8Array]]),
  });
  expect(
    await submit(ledger, (s) => s.setStateMetadata(CC, 'a', new Map([['VALIDATION_PARAMETER', enc('p')]]))),
  ).toBe(VALID);
  expect(await submit(ledger, (s) => s.deleteState(CC, 'b'))).toBe(VALID);
  const stale = sim(
    ledger,
    (s) => {
      s.getState(CC, 'a');
      s.setState(CC, 'a', enc('stale'));
    },
    'stale-tx',
  );
  await put(ledger, { a: '4' });
  expect((await commitEnvelopes(ledger, [stale.envelope])).codes).toEqual([MVCC_READ_CONFLICT]);
}

function expectPopulated(ledger: Ledger): void {
  sim(ledger, (s) => {
    expect(dec(s.getState(CC, 'a'))).toBe('4');
    expect(s.getState(CC, 'b')).toBeUndefined();
    expect(dec(s.getState(CC, 'c'))).toBe('3');
    expect(dec(s.getPrivateData(CC, 'coll', 'secret'))).toBe('hidden');
    expect(s.getStateRange(CC, '', '').results.map((r) => r.key)).toEqual([
      '\u0000idx\u0000a\u0000',
      'a',
      'c',
    ]);
    expect(s.getHistoryForKey(CC, 'b').map((m) => m.isDelete)).toEqual([true, false]);
    expect(s.getHistoryForKey(CC, 'a').map((m) => dec(m.value))).toEqual(['4', '1']);
  });
  expect(dec(ledger.getCommittedStateMetadata(CC, 'a').get('VALIDATION_PARAMETER'))).toBe('p');
  expect(ledger.findTransaction('stale-tx')?.validationCode).toBe(MVCC_READ_CONFLICT);
}

describe('persistence and recovery', () => {
  let dir: string;

  beforeEach(() => {
    dir = tempDir();
  });

  afterEach(() => {
    cleanup(dir);
  });

  it('reopens with every block, state value, history entry, tx index entry and private value', async () => {
    const ledger = await openLedger(dir);
    await populate(ledger);
    const height = ledger.height;
    const hash = Buffer.from(ledger.lastBlockHash);
    const blocks = Array.from({ length: height }, (_, i) =>
      Buffer.from(ledger.getBlockBytes(i) as Uint8Array),
    );
    await ledger.close();

    const reopened = await Ledger.open(dir, { channelId: CHANNEL });
    try {
      expect(reopened.height).toBe(height);
      expect(Buffer.from(reopened.lastBlockHash)).toEqual(hash);
      for (let i = 0; i < height; i++)
        expect(Buffer.from(reopened.getBlockBytes(i) as Uint8Array)).toEqual(blocks[i]);
      expectPopulated(reopened);
      // and it keeps going
      await put(reopened, { d: '5' });
      expect(reopened.height).toBe(height + 1);
    } finally {
      await reopened.close();
    }
  });

  it('truncates a torn tail (garbage or a partial record) and keeps every complete block', async () => {
    const ledger = await openLedger(dir);
    await populate(ledger);
    const height = ledger.height;
    await ledger.close();
    const file = path.join(dir, 'blocks.dat');
    const goodSize = fs.statSync(file).size;

    fs.appendFileSync(file, Buffer.from([0x00, 0x00, 0x10, 0x00, 0xde, 0xad])); // garbage: a header promising 4 KiB
    let reopened = await Ledger.open(dir, { channelId: CHANNEL });
    expect(reopened.height).toBe(height);
    expectPopulated(reopened);
    await reopened.close();
    expect(fs.statSync(file).size).toBe(goodSize);

    // A partial copy of the last record, as a crash in the middle of an append leaves it.
    const [start, end] = recordBounds(file)[height - 1] as [number, number];
    fs.appendFileSync(file, fs.readFileSync(file).subarray(start, start + Math.floor((end - start) / 2)));
    reopened = await Ledger.open(dir, { channelId: CHANNEL });
    expect(reopened.height).toBe(height);
    expectPopulated(reopened);
    await put(reopened, { after: 'recovery' });
    await reopened.close();
    reopened = await Ledger.open(dir, { channelId: CHANNEL });
    expect(reopened.height).toBe(height + 1);
    sim(reopened, (s) => expect(dec(s.getState(CC, 'after'))).toBe('recovery'));
    await reopened.close();
  });

  it('drops a corrupt final block (checksum mismatch) and the state it wrote', async () => {
    const ledger = await openLedger(dir);
    await put(ledger, { k: 'one' });
    await put(ledger, { k: 'two' });
    await ledger.close();
    const file = path.join(dir, 'blocks.dat');
    const buf = fs.readFileSync(file);
    buf.writeUInt8((buf.readUInt8(buf.length - 3) ^ 0xff) & 0xff, buf.length - 3);
    fs.writeFileSync(file, buf);
    const reopened = await Ledger.open(dir, { channelId: CHANNEL });
    expect(reopened.height).toBe(2);
    sim(reopened, (s) => {
      expect(dec(s.getState(CC, 'k'))).toBe('one');
      expect(s.getHistoryForKey(CC, 'k')).toHaveLength(1);
    });
    await reopened.close();
  });

  it('drops private data whose block never reached the block store', async () => {
    const ledger = await openLedger(dir);
    const tx = sim(ledger, (s) => s.setPrivateData(CC, 'coll', 'p', enc('lost')));
    await commitEnvelopes(ledger, [tx.envelope], {
      privateData: new Map([[tx.txId, tx.results.privateRwSet as Uint8Array]]),
    });
    await ledger.close();
    // Crash between the private data fsync and the block append: cut the block off again.
    const blocks = path.join(dir, 'blocks.dat');
    const [start] = recordBounds(blocks)[1] as [number, number];
    fs.truncateSync(blocks, start);
    const pvtFile = path.join(dir, 'pvtdata.dat');
    expect(fs.statSync(pvtFile).size).toBeGreaterThan(0);

    const reopened = await Ledger.open(dir, { channelId: CHANNEL });
    expect(reopened.height).toBe(1);
    expect(fs.statSync(pvtFile).size).toBe(0);
    const again = sim(reopened, (s) => s.setPrivateData(CC, 'coll', 'p', enc('kept')));
    await commitEnvelopes(reopened, [again.envelope], {
      privateData: new Map([[again.txId, again.results.privateRwSet as Uint8Array]]),
    });
    await reopened.close();
    const third = await Ledger.open(dir, { channelId: CHANNEL });
    sim(third, (s) => expect(dec(s.getPrivateData(CC, 'coll', 'p'))).toBe('kept'));
    await third.close();
  });

  it('refuses a data folder of another channel', async () => {
    const ledger = await openLedger(dir);
    await ledger.close();
    await expect(Ledger.open(dir, { channelId: 'other' })).rejects.toThrow(LedgerError);
  });

  it('keeps the block as handed over except for the transactions filter', async () => {
    const ledger = await openLedger(dir);
    const env = buildEndorserTxEnvelope({ channelId: CHANNEL, txId: 'f1', rwset: new Uint8Array() });
    await commitEnvelopes(ledger, [env]);
    const block = ledger.getBlock(1) as common.Block;
    expect(Buffer.from(block.getData()?.getDataList_asU8()[0] ?? [])).toEqual(Buffer.from(env));
    await ledger.close();
  });

  it('survives kill -9 of a committing process: everything reported committed is there after restart', async () => {
    const child = fork(path.join(__dirname, 'support', 'crash-child.ts'), [dir], {
      execArgv: ['-r', path.join(__dirname, '..', 'devnet', 'ts-register.js')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const reported = await new Promise<number>((resolve, reject) => {
      let last = 0;
      child.on('message', (m: { committed?: number; error?: string }) => {
        if (m.error !== undefined) reject(new Error(m.error));
        if (m.committed !== undefined) {
          last = m.committed;
          if (last >= 25) child.kill('SIGKILL');
        }
      });
      child.on('exit', () => resolve(last));
      child.on('error', reject);
    });
    expect(reported).toBeGreaterThanOrEqual(25);

    const ledger = await Ledger.open(dir, { channelId: 'crashchannel' });
    try {
      const height = ledger.height;
      expect(height).toBeGreaterThanOrEqual(reported);
      sim(ledger, (s) => {
        for (let n = 1; n < height; n++) {
          expect(dec(s.getState('cc', `k${n}`))).toBe(String(n));
          if (n % 3 === 0) expect(dec(s.getPrivateData('cc', 'coll', `p${n}`))).toBe(`secret${n}`);
          expect(ledger.findTransaction(`crash-${n}`)).toMatchObject({ blockNum: n, validationCode: VALID });
        }
        expect(dec(s.getState('cc', 'counter'))).toBe(String(height - 1));
        const history = s.getHistoryForKey('cc', 'counter');
        expect(history).toHaveLength(height - 1);
        expect(history[0]?.timestampMillis).toBe((height - 1) * 1000);
      });
      await put(ledger, { resumed: 'yes' });
    } finally {
      await ledger.close();
    }
  }, 60_000);
});
