import { formatDuration, parseDuration, UsageError } from '../../src/command';

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
    ['500ms', 500],
    ['1h30m', 5_400_000],
    ['1d12h', 129_600_000],
    ['0', 0],
    ['0s', 0],
    [' 2m ', 120_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text, '--interval')).toBe(ms);
  });

  it.each(['60', '1.5h', '', 'h', '-1s', '1w', '1 h', '1h-5m', '10sec'])(
    'refuses %p, naming the option',
    (text) => {
      expect(() => parseDuration(text, '--interval')).toThrow(UsageError);
      expect(() => parseDuration(text, '--interval')).toThrow(/^--interval must be a duration such as 90s/);
    },
  );

  it('refuses a duration beyond the safe integers', () => {
    expect(() => parseDuration('99999999999999999d', '--retention')).toThrow(/--retention is too long/);
  });

  it.each([
    [0, '0'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    [604_800_000, '7d'],
    [1_500, '1s500ms'],
  ])('formats %d ms as %s, which parses back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text, '--x')).toBe(ms);
  });
});
