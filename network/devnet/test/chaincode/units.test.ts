import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ledger, peer } from '@hyperledger/fabric-protos';
import { computePackageId, QUERY_BATCH_SIZE, TOTAL_QUERY_LIMIT } from '../../src/chaincode';
import {
  messageTypeName,
  parseChaincodeName,
  stateRequestFailure,
  newMessage,
  MessageType,
} from '../../src/chaincode/messages';
import { QueryIterators } from '../../src/chaincode/query-iterators';

function kv(key: string): Uint8Array {
  const result = new ledger.queryresult.KV();
  result.setKey(key);
  return result.serializeBinary();
}

const decode = (bytes: Uint8Array): peer.QueryResponse => peer.QueryResponse.deserializeBinary(bytes);

describe('query iterators', () => {
  it('answers a small result set in one batch without has_more and forgets it', () => {
    const iterators = new QueryIterators();
    const response = decode(iterators.open([kv('a'), kv('b')]));
    expect(response.getResultsList()).toHaveLength(2);
    expect(response.getHasMore()).toBe(false);
    expect(iterators.size).toBe(0);
    expect(() => iterators.next(response.getId())).toThrow('query iterator not found');
  });

  it('sets has_more only when a further result exists (exactly 100 results → one batch, no empty follow-up)', () => {
    const iterators = new QueryIterators();
    const exact = decode(iterators.open(Array.from({ length: QUERY_BATCH_SIZE }, (_, i) => kv(`k${i}`))));
    expect(exact.getResultsList()).toHaveLength(QUERY_BATCH_SIZE);
    expect(exact.getHasMore()).toBe(false);
    const more = decode(iterators.open(Array.from({ length: QUERY_BATCH_SIZE + 1 }, (_, i) => kv(`k${i}`))));
    expect(more.getHasMore()).toBe(true);
    const rest = decode(iterators.next(more.getId()));
    expect(rest.getResultsList()).toHaveLength(1);
    expect(rest.getHasMore()).toBe(false);
  });

  it('caps non-paginated results at the total query limit', () => {
    const iterators = new QueryIterators();
    const results = Array.from({ length: TOTAL_QUERY_LIMIT + 5 }, () => kv('k'));
    let response = decode(iterators.open(results));
    let count = response.getResultsList().length;
    while (response.getHasMore()) {
      response = decode(iterators.next(response.getId()));
      count += response.getResultsList().length;
    }
    expect(count).toBe(TOTAL_QUERY_LIMIT);
  });

  it('answers a page at once with metadata, closes always succeed, clear drops everything', () => {
    const iterators = new QueryIterators();
    const page = decode(iterators.page([kv('a')], 'b'));
    expect(page.getHasMore()).toBe(false);
    const metadata = peer.QueryResponseMetadata.deserializeBinary(page.getMetadata_asU8());
    expect([metadata.getFetchedRecordsCount(), metadata.getBookmark()]).toEqual([1, 'b']);
    expect(decode(iterators.close('unknown')).getId()).toBe('unknown');
    iterators.open(Array.from({ length: 150 }, () => kv('k')));
    expect(iterators.size).toBe(1);
    iterators.clear();
    expect(iterators.size).toBe(0);
  });
});

describe('message helpers', () => {
  it('parses name[:version][/channel] as Fabric does', () => {
    expect(parseChaincodeName('basic')).toEqual({ name: 'basic', channelId: undefined });
    expect(parseChaincodeName('basic:1.0')).toEqual({ name: 'basic', version: '1.0', channelId: undefined });
    expect(parseChaincodeName('basic:abc:def/ch2')).toEqual({
      name: 'basic',
      version: 'abc:def',
      channelId: 'ch2',
    });
    expect(parseChaincodeName('basic/ch2')).toEqual({ name: 'basic', channelId: 'ch2' });
  });

  it("names message types and wraps failures in Fabric's format", () => {
    expect(messageTypeName(MessageType.GET_STATE_BY_RANGE)).toBe('GET_STATE_BY_RANGE');
    expect(messageTypeName(77)).toBe('UNKNOWN(77)');
    const request = newMessage(MessageType.GET_STATE, { txid: 'tx1', channelId: 'ch' });
    expect(stateRequestFailure(request, 'boom')).toBe('GET_STATE failed: transaction ID: tx1: boom');
  });
});

describe('package ids', () => {
  let folder: string;

  beforeEach(async () => {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-pkgid-'));
    await fs.writeFile(path.join(folder, 'package.json'), '{"main":"index.js"}');
    await fs.writeFile(path.join(folder, 'index.js'), 'module.exports = {};');
  });

  afterEach(async () => {
    await fs.rm(folder, { recursive: true, force: true });
  });

  it('is label:sha256 of the folder, stable, changed by code, not by node_modules', async () => {
    const first = await computePackageId('cc', folder);
    expect(first).toMatch(/^cc:[0-9a-f]{64}$/);
    expect(await computePackageId('cc', folder)).toBe(first);
    await fs.mkdir(path.join(folder, 'node_modules', 'dep'), { recursive: true });
    await fs.writeFile(path.join(folder, 'node_modules', 'dep', 'x.js'), 'x');
    expect(await computePackageId('cc', folder)).toBe(first);
    await fs.writeFile(path.join(folder, 'index.js'), 'module.exports = { changed: true };');
    expect(await computePackageId('cc', folder)).not.toBe(first);
  });
});
