import { leaves } from '../../src/cli/help';
import { KEYLEDGER_COMMANDS } from '../../src/cli/commandTable';
import type { CliEntry } from '../../src/command';
import { cli } from './support';

function groups(entries: readonly CliEntry[], prefix = ''): string[] {
  return entries.flatMap((entry) => {
    const path = prefix === '' ? entry.name : `${prefix} ${entry.name}`;
    return entry.kind === 'group' ? [path, ...groups(entry.children, path)] : [];
  });
}

describe('keyledger: help and usage', () => {
  it('--help lists every command, the connection options and the exit codes, on stdout with 0', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const run = await cli(argv);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      for (const [path] of leaves(KEYLEDGER_COMMANDS)) {
        expect(run.stdout).toContain(`  ${path}`);
      }
      expect(run.stdout).toMatch(/exit codes:\n {2}0 {2}ok\n/);
      expect(run.stdout).toMatch(/ {2}8 {2}--wait timed out/);
      expect(run.stdout).toContain('--as NAME');
    }
  });

  it.each(leaves(KEYLEDGER_COMMANDS).map(([path]) => path))(
    '`%s --help` prints its usage with 0',
    async (path) => {
      const words = path.split(' ');
      const run = await cli([...words, '--help']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(new RegExp(`^usage: keyledger ${path}`));
      expect((await cli(['help', ...words])).stdout).toBe(run.stdout);
    },
  );

  it.each(groups(KEYLEDGER_COMMANDS))(
    'group `%s` lists its commands with --help (0), and without (2)',
    async (path) => {
      const words = path.split(' ');
      const help = await cli([...words, '--help']);
      expect(help).toMatchObject({ code: 0, stderr: '' });
      expect(help.stdout).toMatch(new RegExp(`^usage: keyledger ${path} <command>`));
      const bare = await cli(words);
      expect(bare).toMatchObject({ code: 2, stdout: '' });
      expect(bare.stderr).toContain(`keyledger ${path}: a command is missing`);
    },
  );

  it('an unknown command or option prints the usage on stderr with 2', async () => {
    for (const argv of [
      [],
      ['bogus'],
      ['queue', 'bogus'],
      ['--bogus'],
      ['queue', '--bogus'],
      ['help', 'bogus'],
    ]) {
      const run = await cli(argv);
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(run.stderr).toMatch(/usage: keyledger/);
    }
    const option = await cli(['queue', 'list', '--bogus']);
    expect(option).toMatchObject({ code: 2, stdout: '' });
    expect(option.stderr).toMatch(/^keyledger queue list: Unknown option '--bogus'/);
    expect(option.stderr).toContain('usage: keyledger queue list [options]');
  });

  it('--help wins over any other complaint', async () => {
    expect((await cli(['rotate', '--bogus', '--help'])).code).toBe(0);
    expect((await cli(['start', '--api-port', 'abc', '--help'])).code).toBe(0);
  });

  it("connection options before the command words count as the command's", async () => {
    const run = await cli(['--url', 'ftp://nowhere', 'whoami']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "--url must be an http:// or https:// URL such as http://127.0.0.1:8080, got 'ftp://nowhere'",
    );
  });

  it('keyledger start refuses a bad option before starting anything, naming it', async () => {
    const started = Date.now();
    const run = await cli(['start', '--api-port', 'abc']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^keyledger start: --api-port must be a port number from 0 to 65535/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await cli(['start', '--network', 'x'])).stderr).toContain('--network must be devnet or fabric');
    expect((await cli(['start', 'extra'])).stderr).toContain("unexpected argument 'extra'");
    expect((await cli(['start', '--json'])).stderr).toContain("Unknown option '--json'");
  });
});
