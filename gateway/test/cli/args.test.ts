import {
  defineCommand,
  integerOption,
  parseCommandLine,
  requiredOption,
  UsageError,
  wantsHelp,
} from '../../src/command';

const command = defineCommand({
  name: 'set',
  summary: 'a test command',
  args: [
    { name: '<queue>', description: 'the queue id' },
    { name: 'EXTRA', required: false, description: 'an optional one' },
  ],
  options: {
    interval: { type: 'string', value: '<dur>', description: 'how often' },
    wait: { type: 'boolean', description: 'wait' },
  },
  api: true,
  run: () => undefined,
});
const json = { json: { type: 'boolean', description: 'json' } } as const;

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseCommandLine', () => {
  it('reads options anywhere, positionals in order, and the extra options of its kind', () => {
    const parsed = parseCommandLine(
      command,
      'queue policy set',
      ['--interval', '1h', 'orders', '--wait', '--json'],
      json,
    );
    expect(parsed.args).toEqual(['orders']);
    expect(parsed.options).toMatchObject({ interval: '1h', wait: true, json: true });
    expect(parseCommandLine(command, 'x', ['orders', 'more', '--interval=15m']).options['interval']).toBe(
      '15m',
    );
  });

  it('names an unknown option', () => {
    expect(usageMessage(() => parseCommandLine(command, 'x', ['orders', '--intervall', '1h']))).toMatch(
      /Unknown option '--intervall'/,
    );
  });

  it('refuses an extra option that only other commands take', () => {
    expect(usageMessage(() => parseCommandLine(command, 'x', ['orders', '--json']))).toMatch(/'--json'/);
  });

  it('names an option whose value is missing', () => {
    expect(usageMessage(() => parseCommandLine(command, 'x', ['orders', '--interval']))).toMatch(
      /--interval/,
    );
  });

  it('refuses a value for a boolean option', () => {
    expect(usageMessage(() => parseCommandLine(command, 'x', ['orders', '--wait=yes']))).toMatch(/--wait/);
  });

  it('names a missing argument and refuses one too many', () => {
    expect(usageMessage(() => parseCommandLine(command, 'x', ['--wait']))).toBe(
      'missing <queue>: the queue id',
    );
    expect(usageMessage(() => parseCommandLine(command, 'x', ['a', 'b', 'c']))).toBe(
      "unexpected argument 'c'",
    );
  });
});

describe('option values', () => {
  it('integerOption takes whole numbers within bounds only', () => {
    expect(integerOption(undefined, '--since')).toBeUndefined();
    expect(integerOption('0', '--since')).toBe(0);
    expect(integerOption('42', '--max-messages', { min: 1 })).toBe(42);
    for (const bad of ['', 'x', '1.5', '-1', '1e3', '0x10', '99999999999999999999']) {
      expect(usageMessage(() => integerOption(bad, '--since'))).toMatch(/^--since must be a whole number/);
    }
    expect(usageMessage(() => integerOption('0', '--version', { min: 1 }))).toMatch(/at least 1/);
    expect(usageMessage(() => integerOption('9', '--n', { min: 1, max: 5 }))).toMatch(/from 1 to 5/);
  });

  it('requiredOption names what is missing', () => {
    expect(requiredOption('x', '--reason')).toBe('x');
    expect(usageMessage(() => requiredOption(undefined, '--reason'))).toBe('--reason is required');
    expect(usageMessage(() => requiredOption('', '--reason'))).toBe('--reason is required');
  });

  it('wantsHelp sees --help and -h, but not after --', () => {
    expect(wantsHelp(['orders', '--help'])).toBe(true);
    expect(wantsHelp(['-h'])).toBe(true);
    expect(wantsHelp(['--', '--help'])).toBe(false);
    expect(wantsHelp(['--helpful'])).toBe(false);
  });
});
