import { parseArgs } from '../../src/cli';
import { resolveOptions } from '../../src/network/config';

describe('devnet CLI arguments and options', () => {
  const spec = {
    flags: { policy: 'value', inspect: 'optional', data: 'value', plaintext: 'boolean' },
  } as const;

  it('parses positional arguments, --flag value, --flag=value and flags without a value', () => {
    const args = parseArgs(['deploy', 'cc', './path', '--policy', 'ANY', '--inspect', '--data=/tmp/x'], spec);
    expect(args.positional).toEqual(['deploy', 'cc', './path']);
    expect(args.flags.get('policy')).toBe('ANY');
    expect(args.flags.get('inspect')).toBe(true);
    expect(args.flags.get('data')).toBe('/tmp/x');
    expect(parseArgs(['--inspect=9300'], spec).flags.get('inspect')).toBe('9300');
  });

  it('refuses unknown options and flags that need a value or take none', () => {
    expect(() => parseArgs(['--policy'], spec)).toThrow('--policy needs a value');
    expect(() => parseArgs(['--bogus'], spec)).toThrow('unknown option --bogus');
    expect(() => parseArgs(['--bogus=1'], spec)).toThrow('unknown option --bogus');
    expect(() => parseArgs(['-x'], spec)).toThrow('unknown option -x');
    expect(() => parseArgs(['--plaintext=yes'], spec)).toThrow('--plaintext takes no value');
  });

  it('fills defaults and rejects bad options', () => {
    const options = resolveOptions({ dataDir: '/tmp/devnet-x' });
    expect(options).toMatchObject({
      orgs: 3,
      port: 7051,
      channelId: 'mychannel',
      cutWhenIdle: true,
      plaintext: false,
    });
    expect(() => resolveOptions({ orgs: 0 })).toThrow(/orgs/);
    expect(() => resolveOptions({ batchSize: 0 })).toThrow(/batch size/);
  });
});
