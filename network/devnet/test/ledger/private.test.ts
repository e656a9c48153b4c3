import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { peer } from '@hyperledger/fabric-protos';
import type { Ledger } from '../../src/ledger';
import { commitEnvelopes } from '../../src/ledger/testing';
import { CC, cleanup, dec, enc, openLedger, sim, tempDir } from './support/helpers';

const { VALID, MVCC_READ_CONFLICT } = peer.TxValidationCode;
const sha256 = (b: Uint8Array | string): Buffer => createHash('sha256').update(b).digest();

describe('private data collections', () => {
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

  async function writePrivate(
    entries: Record<string, string>,
    options: { withPrivateData?: boolean; coll?: string } = {},
  ): Promise<number> {
    const tx = sim(ledger, (s) => {
      for (const [k, v] of Object.entries(entries))
        s.setPrivateData(CC, options.coll ?? 'secrets', k, enc(v));
    });
    const privateData =
      options.withPrivateData === false
        ? new Map()
        : new Map([[tx.txId, tx.results.privateRwSet as Uint8Array]]);
    return (await commitEnvelopes(ledger, [tx.envelope], { privateData })).codes[0] as number;
  }

  it('keeps values in the private store and only hashes on the public ledger', async () => {
    expect(await writePrivate({ card: 'plaintext-4111' })).toBe(VALID);
    sim(ledger, (s) => {
      expect(dec(s.getPrivateData(CC, 'secrets', 'card'))).toBe('plaintext-4111');
      expect(Buffer.from(s.getPrivateDataHash(CC, 'secrets', 'card') ?? [])).toEqual(
        sha256(enc('plaintext-4111')),
      );
      expect(s.getState(CC, 'card')).toBeUndefined();
      expect(s.getPrivateData(CC, 'other', 'card')).toBeUndefined();
    });
    const needle = Buffer.from('plaintext-4111');
    expect(Buffer.from(ledger.getBlockBytes(1) ?? []).includes(needle)).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'blocks.dat')).includes(needle)).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'pvtdata.dat')).includes(needle)).toBe(true);
  });

  it('commits the hashes without private data; reading the value then fails as in Fabric', async () => {
    expect(await writePrivate({ k: 'v1' })).toBe(VALID); // block 1
    expect(await writePrivate({ k: 'v2' }, { withPrivateData: false })).toBe(VALID); // block 2
    sim(ledger, (s) => {
      expect(Buffer.from(s.getPrivateDataHash(CC, 'secrets', 'k') ?? [])).toEqual(sha256(enc('v2')));
      expect(() => s.getPrivateData(CC, 'secrets', 'k')).toThrow(
        'private data matching public hash version is not available. Public hash version = {BlockNum: 2, TxNum: 0}, Private data version = {BlockNum: 1, TxNum: 0}',
      );
    });
  });

  it('ignores private data that does not match the committed hash', async () => {
    const tx = sim(ledger, (s) => s.setPrivateData(CC, 'secrets', 'k', enc('real')));
    const forged = sim(ledger, (s) => s.setPrivateData(CC, 'secrets', 'k', enc('forged')));
    const outcome = await commitEnvelopes(ledger, [tx.envelope], {
      privateData: new Map([[tx.txId, forged.results.privateRwSet as Uint8Array]]),
    });
    expect(outcome.codes).toEqual([VALID]);
    sim(ledger, (s) => {
      expect(() => s.getPrivateData(CC, 'secrets', 'k')).toThrow(
        'private data matching public hash version is not available',
      );
      expect(Buffer.from(s.getPrivateDataHash(CC, 'secrets', 'k') ?? [])).toEqual(sha256(enc('real')));
    });
  });

  it('accepts private data keyed by transaction index too', async () => {
    const tx = sim(ledger, (s) => s.setPrivateData(CC, 'secrets', 'k', enc('by-index')));
    await commitEnvelopes(ledger, [tx.envelope], {
      privateData: new Map([[0, tx.results.privateRwSet as Uint8Array]]),
    });
    sim(ledger, (s) => expect(dec(s.getPrivateData(CC, 'secrets', 'k'))).toBe('by-index'));
  });

  it('hashed reads are MVCC-checked', async () => {
    await writePrivate({ k: 'v1' });
    const reader = sim(ledger, (s) => {
      s.getPrivateData(CC, 'secrets', 'k');
      s.setState(CC, 'derived', enc('x'));
    });
    await writePrivate({ k: 'v2' });
    const outcome = await commitEnvelopes(ledger, [reader.envelope]);
    expect(outcome.codes).toEqual([MVCC_READ_CONFLICT]);
    expect(outcome.conflicts.get(0)).toBe(
      `MVCC_READ_CONFLICT: private key (hash ${sha256('k').toString('hex')}) in collection secrets of namespace basic read at version 1:0, committed version is 2:0`,
    );
  });

  it('deletes and purges remove the value and the hash', async () => {
    await writePrivate({ a: '1', b: '2' });
    const del = sim(ledger, (s) => {
      s.deletePrivateData(CC, 'secrets', 'a');
      s.purgePrivateData(CC, 'secrets', 'b');
    });
    await commitEnvelopes(ledger, [del.envelope], {
      privateData: new Map([[del.txId, del.results.privateRwSet as Uint8Array]]),
    });
    sim(ledger, (s) => {
      expect(s.getPrivateData(CC, 'secrets', 'a')).toBeUndefined();
      expect(s.getPrivateDataHash(CC, 'secrets', 'a')).toBeUndefined();
      expect(s.getPrivateData(CC, 'secrets', 'b')).toBeUndefined();
    });
  });

  it('private range and rich queries read the private values', async () => {
    await writePrivate({ k1: '{"n":1}', k2: '{"n":2}', k3: 'not json' });
    sim(ledger, (s) => {
      expect(s.getPrivateDataRange(CC, 'secrets', 'k1', 'k3').results.map((r) => r.key)).toEqual([
        'k1',
        'k2',
      ]);
      expect(
        s.executePrivateQuery(CC, 'secrets', '{"selector":{"n":{"$gt":1}}}').results.map((r) => r.key),
      ).toEqual(['k2']);
    });
  });

  it('private metadata lives with the hash; a metadata-only update keeps the value readable', async () => {
    await writePrivate({ k: 'v' });
    const md = sim(ledger, (s) =>
      s.setPrivateDataMetadata(CC, 'secrets', 'k', new Map([['VALIDATION_PARAMETER', enc('p')]])),
    );
    await commitEnvelopes(ledger, [md.envelope], {
      privateData: new Map([[md.txId, md.results.privateRwSet as Uint8Array]]),
    });
    sim(ledger, (s) => {
      expect(dec(s.getPrivateDataMetadata(CC, 'secrets', 'k').get('VALIDATION_PARAMETER'))).toBe('p');
      expect(dec(s.getPrivateData(CC, 'secrets', 'k'))).toBe('v');
    });
    expect(
      dec(
        ledger.getCommittedPrivateDataMetadataByHash(CC, 'secrets', sha256('k')).get('VALIDATION_PARAMETER'),
      ),
    ).toBe('p');
  });
});
