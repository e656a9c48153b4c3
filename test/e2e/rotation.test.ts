import { startStack, type Stack } from './support/stack';

jest.setTimeout(120_000);

describe('key rotation end to end (devnet + chaincode + SoftHSM)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('smoke: initial key reaches both front-ends', async () => {
    await stack.setPolicy({ queueId: 'smoke', rotationIntervalMs: 600_000, maxMessages: 1_000_000 });
    await stack.allOnVersion('smoke', 1);
    const sealed = await stack.frontends[0]!.encrypt('smoke', Buffer.from('hello'));
    expect(Buffer.from(await stack.frontends[1]!.decrypt('smoke', sealed.envelope)).toString()).toBe('hello');
  });
});
