import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOptionsFrom } from '../../src/cli/startOptions';
import { UsageError } from '../../src/command';

describe('keyledger start options', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'keyledger-start-options-'));
  const connection = join(cwd, 'connection.json');
  writeFileSync(connection, '{}');
  writeFileSync(join(cwd, 'a-file'), '');
  mkdirSync(join(cwd, 'network/test-network'), { recursive: true });

  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  const message = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      return (error as UsageError).message;
    }
    throw new Error('expected a UsageError');
  };

  it('defaults to the devnet on 7051 and the API on 8080 in .keyledger', () => {
    expect(startOptionsFrom({}, {}, cwd)).toEqual({
      dataDir: join(cwd, '.keyledger'),
      network: 'devnet',
      devnetPort: 7051,
      apiPort: 8080,
    });
    expect(startOptionsFrom({ port: '0', 'api-port': '65535', data: 'x/y' }, {}, cwd)).toMatchObject({
      devnetPort: 0,
      apiPort: 65535,
      dataDir: join(cwd, 'x/y'),
    });
  });

  it.each(['abc', '-1', '65536', '80.5', '', '1e3', ' 80'])('refuses --api-port %p, naming it', (value) => {
    expect(message(() => startOptionsFrom({ 'api-port': value }, {}, cwd))).toMatch(
      /^--api-port must be a port number from 0 to 65535/,
    );
    expect(message(() => startOptionsFrom({ port: value }, {}, cwd))).toMatch(
      /^--port must be a port number/,
    );
  });

  it('refuses the same port twice, an unknown network, and options of the other network', () => {
    expect(message(() => startOptionsFrom({ port: '9000', 'api-port': '9000' }, {}, cwd))).toMatch(
      /--port and --api-port are both 9000/,
    );
    expect(message(() => startOptionsFrom({ network: 'fabirc' }, {}, cwd))).toBe(
      "--network must be devnet or fabric, got 'fabirc'",
    );
    expect(message(() => startOptionsFrom({ connection }, {}, cwd))).toMatch(
      /^--connection is for --network fabric/,
    );
    expect(message(() => startOptionsFrom({ network: 'fabric', connection, port: '7051' }, {}, cwd))).toMatch(
      /^--port is the devnet's port/,
    );
  });

  it('needs an existing connection file for fabric, from --connection or KEYLEDGER_CONNECTION', () => {
    expect(startOptionsFrom({ network: 'fabric', connection: 'connection.json' }, {}, cwd)).toEqual({
      dataDir: join(cwd, '.keyledger'),
      network: 'fabric',
      connectionFile: connection,
      apiPort: 8080,
    });
    expect(startOptionsFrom({}, { KEYLEDGER_CONNECTION: connection }, cwd)).toMatchObject({
      network: 'fabric',
    });
    expect(message(() => startOptionsFrom({ network: 'fabric', connection: 'nope.json' }, {}, cwd))).toMatch(
      /^--connection: no connection file at .*nope\.json$/,
    );
    expect(
      message(() => startOptionsFrom({}, { KEYLEDGER_CONNECTION: join(cwd, 'gone.json') }, cwd)),
    ).toMatch(/^KEYLEDGER_CONNECTION: no connection file/);
    expect(message(() => startOptionsFrom({ network: 'fabric' }, {}, cwd))).toMatch(
      /no connection file at .*network\/test-network\/connection\.json: bring up network\/test-network first/,
    );
    expect(message(() => startOptionsFrom({ network: 'fabric', connection: '.' }, {}, cwd))).toMatch(
      /^--connection/,
    );
  });

  it('needs a data folder that is, or can be, a directory', () => {
    expect(message(() => startOptionsFrom({ data: 'a-file' }, {}, cwd))).toMatch(
      /^--data .*a-file: is a file/,
    );
    expect(message(() => startOptionsFrom({ data: 'a-file/sub' }, {}, cwd))).toMatch(
      /^--data .*a-file\/sub: .*a-file is a file/,
    );
    expect(message(() => startOptionsFrom({ data: '' }, {}, cwd))).toBe('--data must name a directory');
  });
});
