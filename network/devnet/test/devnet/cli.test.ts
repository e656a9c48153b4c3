import { parseArgs } from '../../src/cli';
import { resolveOptions } from '../../src/config';

describe('devnet CLI arguments and options', () => {
  it('parses positional arguments, --flag value, --flag=value and boolean flags', () => {
    const args = parseArgs(
      ['deploy', 'cc', './path', '--policy', 'ANY', '--inspect', '--data=/tmp/x'],
      new Set(['inspect']),
    );
    expect(args.positional).toEqual(['deploy', 'cc', './path']);
    expect(args.flags.get('policy')).toBe('ANY');
    expect(args.flags.get('inspect')).toBe(true);
    expect(args.flags.get('data')).toBe('/tmp/x');
    expect(() => parseArgs(['--port'], new Set())).toThrow('--port needs a value');
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
