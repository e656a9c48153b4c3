import { Info, Transaction } from 'fabric-contract-api';
import {
  KeyLedgerContract,
  KeyLedgerContext,
  result,
  readJson,
  writeJson,
  pageByPartialKey,
} from '../../src/lib';
import { ChaincodeHarness } from '../support/harness';
import { IdentityFactory, type TestIdentity } from '../support/identities';

/** A contract that exists only to prove the mock honours Fabric's rules. */
@Info({ title: 'Probe', description: 'mock-stub conformance probe' })
class ProbeContract extends KeyLedgerContract {
  constructor() {
    super('Probe');
  }

  @Transaction()
  async Put(ctx: KeyLedgerContext, key: string, value: string): Promise<string> {
    await writeJson(ctx, key, { value });
    return result({ readBack: (await readJson(ctx, key)) ?? null });
  }

  @Transaction()
  async PutComposite(ctx: KeyLedgerContext, type: string, attr: string): Promise<string> {
    await writeJson(ctx, ctx.stub.createCompositeKey(type, [attr]), { attr });
    return result({});
  }

  @Transaction(false)
  async Keys(ctx: KeyLedgerContext, type: string): Promise<string> {
    const keys: string[] = [];
    for await (const entry of ctx.stub.getStateByPartialCompositeKey(type, [])) {
      keys.push(ctx.stub.splitCompositeKey(entry.key).attributes[0] ?? '');
    }
    return result(keys);
  }

  @Transaction(false)
  async Page(ctx: KeyLedgerContext, type: string, size: string, bookmark: string): Promise<string> {
    return result(await pageByPartialKey(ctx, 'member', [type].filter(Boolean), Number(size), bookmark));
  }

  @Transaction()
  async WriteThenPage(ctx: KeyLedgerContext): Promise<string> {
    await writeJson(ctx, 'x', { x: 1 });
    return result(await pageByPartialKey(ctx, 'member', [], 10, ''));
  }

  @Transaction()
  async Fail(ctx: KeyLedgerContext): Promise<string> {
    await writeJson(ctx, 'partial', { x: 1 });
    throw new Error('boom');
  }

  @Transaction()
  async TwoEvents(ctx: KeyLedgerContext): Promise<string> {
    ctx.claimEvent('A');
    ctx.claimEvent('B');
    return result({});
  }

  @Transaction(false)
  async Whoami(ctx: KeyLedgerContext): Promise<string> {
    return result({ ...ctx.caller, roles: [...(await ctx.roles())] });
  }

  async helperWithoutDecorator(): Promise<string> {
    return 'should not be callable';
  }
}

describe('mock stub and harness', () => {
  let harness: ChaincodeHarness;
  let alice: TestIdentity;
  let bob: TestIdentity;

  beforeAll(async () => {
    const factory = new IdentityFactory();
    alice = await factory.create('alice', 'Org1MSP');
    bob = await factory.create('bob', 'Org2MSP', { 'keyledger.roles': 'frontend,admin,bogus' });
  });

  beforeEach(() => {
    harness = new ChaincodeHarness([ProbeContract]);
  });

  it('does not let a transaction read its own writes', async () => {
    const first = await harness.submit(alice, 'Probe:Put', 'k', 'v1');
    expect(first.value).toEqual({ readBack: null });
    const second = await harness.submit(alice, 'Probe:Put', 'k', 'v2');
    expect(second.value).toEqual({ readBack: { value: 'v1' } });
  });

  it('orders keys as UTF-8 bytes, not UTF-16 code units', async () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (4 bytes, F0 …) in UTF-8, but after it in UTF-16.
    for (const attr of ['\u{1F600}', '\uFF5E', 'a']) {
      await harness.submit(alice, 'Probe:PutComposite', 't', attr);
    }
    const { value } = await harness.evaluate<string[]>(alice, 'Probe:Keys', 't');
    expect(value).toEqual(['a', '\uFF5E', '\u{1F600}']);
  });

  it('refuses paginated queries after a write, and commits nothing on failure', async () => {
    await expect(harness.submit(alice, 'Probe:WriteThenPage')).rejects.toThrow(
      /paginated query is not supported/,
    );
    await expect(harness.submit(alice, 'Probe:Fail')).rejects.toThrow('boom');
    expect(harness.ledger.keys()).toEqual([]);
  });

  it('paginates with a bookmark', async () => {
    const page = await harness.evaluate<{ items: unknown[]; bookmark: string }>(
      alice,
      'Probe:Page',
      '',
      '5',
      '',
    );
    expect(page.value).toEqual({ items: [], bookmark: '' });
  });

  it('routes only decorated transactions', async () => {
    await expect(harness.evaluate(alice, 'Probe:helperWithoutDecorator')).rejects.toThrow(
      '[INVALID_ARGUMENT] function helperWithoutDecorator does not exist in contract Probe',
    );
  });

  it('allows one event per transaction', async () => {
    await expect(harness.submit(alice, 'Probe:TwoEvents')).rejects.toThrow(/one event/);
  });

  it('identifies the caller and takes only non-governance roles from certificate attributes', async () => {
    const { value } = await harness.evaluate<Record<string, unknown>>(bob, 'Probe:Whoami');
    expect(value).toMatchObject({ mspId: 'Org2MSP', fingerprint: bob.fingerprint, roles: ['frontend'] });
    expect(String(value['id'])).toMatch(/^x509::\/CN=bob/);
  });
});
