import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli';
import { processStartTime } from '../../src/process';
import { FIXTURE_CHAINCODE, startTestNetwork } from '../conformance/support';
import { CLI, captureIo, finished, printed, spawnTs } from './support/io';

jest.setTimeout(120_000);

const COMMANDS = ['start', 'deploy', 'status', 'stop'] as const;

describe('devnet CLI', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-cli-'));
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it.each(COMMANDS)('`devnet %s --help` prints its usage and exits 0', async (command) => {
    const out = captureIo(dir);
    expect(await main([command, '--help'], out.io)).toBe(0);
    expect(out.stdout()).toMatch(new RegExp(`^Usage: devnet ${command}`));
    expect(out.stdout()).toContain('--data DIR');
    expect(out.stderr()).toBe('');
    const short = captureIo(dir);
    expect(await main([command, '-h'], short.io)).toBe(0);
    expect(short.stdout()).toBe(out.stdout());
  });

  it.each(COMMANDS)('`devnet %s --no-such-option` prints the usage and exits 2', async (command) => {
    const out = captureIo(dir);
    expect(await main([command, '--no-such-option'], out.io)).toBe(2);
    expect(out.stderr()).toContain(`devnet ${command}: unknown option --no-such-option`);
    expect(out.stderr()).toContain(`Usage: devnet ${command}`);
    expect(out.stdout()).toBe('');
  });

  it('`devnet --help` exits 0; no command or an unknown one exits 2 with the overview', async () => {
    const help = captureIo(dir);
    expect(await main(['--help'], help.io)).toBe(0);
    expect(help.stdout()).toContain('Usage: devnet <command>');
    const none = captureIo(dir);
    expect(await main([], none.io)).toBe(2);
    const unknown = captureIo(dir);
    expect(await main(['frobnicate'], unknown.io)).toBe(2);
    expect(unknown.stderr()).toContain("devnet: unknown command 'frobnicate'");
  });

  it('looks in .keyledger/devnet by default, where the KeyLedger stack keeps its devnet', async () => {
    const out = captureIo(dir);
    expect(await main(['status'], out.io)).toBe(1);
    expect(out.stdout()).toBe(`devnet is not running (data ${path.join(dir, '.keyledger', 'devnet')})\n`);
    const env = captureIo(dir, { DEVNET_DATA: 'elsewhere' });
    await main(['status'], env.io);
    expect(env.stdout()).toContain(`(data ${path.join(dir, 'elsewhere')})`);
    const flag = captureIo(dir, { DEVNET_DATA: 'elsewhere' });
    await main(['status', '--data', 'given'], flag.io);
    expect(flag.stdout()).toContain(`(data ${path.join(dir, 'given')})`);
  });

  it('`devnet stop` does not signal a live process that only shares the pid of its pid file', async () => {
    const stranger: ChildProcess = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const pid = stranger.pid as number;
      const startTime = processStartTime(pid) as string;
      expect(startTime).toMatch(/^\d+$/);
      // the devnet that wrote this file started at another time than the process that has its pid now
      await fs.writeFile(
        path.join(dir, 'devnet.pid.json'),
        JSON.stringify({
          pid,
          startTime: String(Number(startTime) + 1),
          endpoint: '127.0.0.1:1',
          port: 1,
          adminPort: 1,
        }),
      );
      const out = captureIo(dir);
      expect(await main(['stop', '--data', dir], out.io)).toBe(0);
      expect(out.stdout()).toContain(`pid ${pid} is now another process`);
      expect(out.stdout()).toContain('not signalled, removed the stale pid file');
      expect(stranger.exitCode).toBeNull();
      expect(stranger.signalCode).toBeNull();
      expect(() => process.kill(pid, 0)).not.toThrow();
      await expect(fs.access(path.join(dir, 'devnet.pid.json'))).rejects.toThrow();

      const status = captureIo(dir);
      expect(await main(['status', '--data', dir], status.io)).toBe(1);
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('says that it stopped the program the devnet ran in, and `devnet status` names it', async () => {
    const owner = spawnTs(path.resolve(__dirname, 'support', 'owned-devnet.ts'), [dir]);
    const exited = finished(owner);
    try {
      await printed(owner, 'ready');
      // Once seen under a loaded CI machine: `status` right after "ready" answered "not running" (the answer is
      // kept in the failure message); it is asked again for up to 5 s before the test gives up.
      let status = captureIo(dir);
      let code = await main(['status', '--data', dir], status.io);
      for (let tries = 0; code !== 0 && tries < 20; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        status = captureIo(dir);
        code = await main(['status', '--data', dir], status.io);
      }
      expect({ code, stdout: code === 0 ? '' : status.stdout() }).toEqual({ code: 0, stdout: '' });
      expect(JSON.parse(status.stdout())).toMatchObject({
        pid: owner.pid,
        owner: { name: 'KeyLedger stack', includes: 'ledger, agents and API' },
      });

      const stopped = captureIo(dir);
      expect(await main(['stop', '--data', dir], stopped.io)).toBe(0);
      expect(stopped.stdout()).toBe(
        `stopped the KeyLedger stack (pid ${owner.pid}): ledger, agents and API\n`,
      );
      expect((await exited).code).toBe(0);
    } finally {
      // A failed assertion must not leave the owner running: jest would wait for it forever.
      owner.kill('SIGKILL');
    }
  });

  it('prints only a clear error, naming the port and how to change it, when the port is in use', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const result = await finished(
        spawnTs(CLI, ['start', '--data', dir, '--port', String(port), '--orgs', '1']),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `devnet start: port ${port} on 127.0.0.1 is in use: choose another with --port (the \`port\` option of startDevnet), or stop what listens there\n`,
      );
    } finally {
      taken.close();
    }
  });

  it('`devnet deploy` of an unchanged package says so and keeps the sequence', async () => {
    const network = await startTestNetwork({ dataDir: dir });
    try {
      const out = captureIo(dir);
      expect(await main(['deploy', 'conformance', FIXTURE_CHAINCODE, '--data', dir], out.io)).toBe(0);
      expect(out.stdout()).toMatch(
        /^✔ conformance unchanged \(sequence 1, policy MAJORITY\): same package, kept its definition in \d+ ms/,
      );
    } finally {
      await network.close();
    }
  });
});
