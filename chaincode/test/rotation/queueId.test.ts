import { idSchema, queueIdSchema } from '../../src/lib';
import { isQueueId, QUEUE_ID_MAX_LENGTH, QUEUE_ID_PATTERN, QUEUE_ID_RULE } from '../../src/protocol';
import { commitVersion, policyJson, proposalJson, QUEUE, world, type World } from './fixtures';

const ACCEPTED = [
  'orders',
  'a',
  '0',
  'Orders-EU_2',
  'billing.eu.v2',
  'a-',
  'a_',
  'q.1',
  'x'.repeat(QUEUE_ID_MAX_LENGTH),
];

const REFUSED: [string, string][] = [
  ['x/../y', 'traversal'],
  ['a/b', 'a path separator'],
  ['.', 'the current directory'],
  ['..', 'the parent directory'],
  ['', 'empty'],
  ['x'.repeat(QUEUE_ID_MAX_LENGTH + 1), 'too long'],
  ['ördér', 'non-ASCII letters'],
  ['ｏrders', 'a full-width look-alike'],
  ['orders\u200b', 'a zero-width space'],
  ['a..b', "a '..' run"],
  ['orders.', "a trailing '.'"],
  ['.orders', "a leading '.' (hidden file)"],
  ['-orders', "a leading '-' (read as an option)"],
  ['_orders', "a leading '_'"],
  ['a:b', "':'"],
  ['a@b', "'@'"],
  ['a b', 'a space'],
  ['orders\n', 'a trailing newline'],
  ['a\u0000b', 'U+0000 (the composite-key separator)'],
  ['a\\b', 'a backslash'],
  ['%2e%2e', 'percent-encoding'],
  ['orders*', "a broker wildcard '*'"],
  ['orders>', "a broker wildcard '>'"],
  ['a#b', "'#'"],
];

describe('queue ids', () => {
  it.each(ACCEPTED)('accepts %j', (id) => {
    expect(isQueueId(id)).toBe(true);
    expect(queueIdSchema.safeParse(id).success).toBe(true);
  });

  it.each(REFUSED)('refuses %j (%s)', (id) => {
    expect(isQueueId(id)).toBe(false);
    expect(QUEUE_ID_PATTERN.test(id)).toBe(false);
    expect(queueIdSchema.safeParse(id).success).toBe(false);
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 7, ['orders'], { id: 'orders' }]) {
      expect(isQueueId(value)).toBe(false);
    }
  });

  it('leaves room for the longest key id the agents derive from it', () => {
    const longest = `${'x'.repeat(QUEUE_ID_MAX_LENGTH)}.v${Number.MAX_SAFE_INTEGER}.${'f'.repeat(16)}`;
    expect(idSchema.safeParse(longest).success).toBe(true);
  });

  it('keeps other ids as they were (key ids may still hold / : @)', () => {
    expect(idSchema.safeParse('tenant/a:b@c').success).toBe(true);
  });
});

describe('KeyRotation refuses bad queue ids in every function that takes one', () => {
  let w: World;
  const BAD = 'x/../y';

  beforeAll(async () => {
    w = await world(3);
    await commitVersion(w, 1);
  });

  it.each<[string, (bad: string) => string[]]>([
    ['SetKeyPolicy', (bad) => [policyJson({ queueId: bad })]],
    ['ProposeRotation', (bad) => [proposalJson(w.frontends, { queueId: bad, version: 2 })]],
    ['ReportCompromise', (bad) => [JSON.stringify({ queueId: bad, version: 1, reason: 'leak' })]],
    [
      'ReportMessageVolume',
      (bad) => [
        JSON.stringify({
          queueId: bad,
          version: 1,
          count: 1,
          windowStart: Date.UTC(2026, 0, 1),
          windowEnd: Date.UTC(2026, 0, 1),
        }),
      ],
    ],
  ])('%s (submit) answers INVALID_ARGUMENT and changes nothing', async (fn, args) => {
    const who = {
      SetKeyPolicy: w.admin,
      ProposeRotation: w.val1,
      ReportCompromise: w.fe1,
      ReportMessageVolume: w.fe1,
    }[fn];
    for (const bad of [BAD, 'a/b', '..', '']) {
      const message = await w.harness.expectRejected(
        who!,
        `KeyRotation:${fn}`,
        args(bad),
        'INVALID_ARGUMENT',
      );
      expect(message).toContain(`queueId: ${QUEUE_ID_RULE}`);
    }
  });

  it.each<[string, string[]]>([
    ['GetKeyPolicy', []],
    ['IsRotationDue', []],
    ['GetPendingRotation', []],
    ['GetActiveKey', []],
    ['GetWrappedKey', ['1']],
    ['GetRotationsSince', ['0']],
    ['GetKeyHistory', []],
  ])('%s (evaluate) answers INVALID_ARGUMENT', async (fn, rest) => {
    for (const bad of [BAD, 'a/b', '.', 'x'.repeat(65)]) {
      await expect(w.harness.evaluate(w.fe1, `KeyRotation:${fn}`, bad, ...rest)).rejects.toThrow(
        `[INVALID_ARGUMENT] invalid queue id: (value): ${QUEUE_ID_RULE}`,
      );
    }
    // The same function with a good id works (the fixture's queue has version 1).
    await expect(w.harness.evaluate(w.fe1, `KeyRotation:${fn}`, QUEUE, ...rest)).resolves.toBeDefined();
  });

  it('creates a queue whose id uses every allowed kind of character', async () => {
    const id = 'Billing.EU-1_v2';
    const set = await w.harness.submit<{ created: boolean }>(
      w.admin,
      'KeyRotation:SetKeyPolicy',
      policyJson({ queueId: id }),
    );
    expect(set.value.created).toBe(true);
    expect((await w.harness.evaluate(w.fe1, 'KeyRotation:IsRotationDue', id)).value).toMatchObject({
      queueId: id,
    });
  });
});
