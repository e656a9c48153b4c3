import { POLICY, startHarness, type Harness } from './harness';

describe('field messages in the API’s own words', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });

  afterAll(async () => {
    await h.close();
  });

  it.each([
    [{ maxMessages: 0 }, 'body.maxMessages', 'must be at least 1'],
    [{ maxMessages: 1.5 }, 'body.maxMessages', 'must be an integer'],
    [{ maxMessages: 'ten' }, 'body.maxMessages', 'must be a number'],
    [{ rotationIntervalMs: 10 }, 'body.rotationIntervalMs', 'must be at least 1000'],
    [{ algorithm: 'DES' }, 'body.algorithm', 'must be "AES-256-GCM"'],
  ])('%j → %s %s', async (change, path, message) => {
    const reply = await h.request('PUT', '/v1/queues/q1/policy', {
      as: 'admin',
      body: { ...POLICY, ...change },
    });
    expect(reply.status).toBe(400);
    expect(reply.json.errors).toEqual([{ path, message }]);
  });
});
