/**
 * The built `keyledger` command against the real stack (startLocalStack: devnet, chaincode, agents, REST API):
 * a user's session run as child processes, exactly as a shell would run them — credentials from the profile
 * the stack wrote, binary data through stdin and stdout, exit codes that mean something.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { walkThrough } from '../../gateway/src/cli/walkThrough';
import { acceptsPolicyField } from '../../gateway/src/rotation/cli';
import { startLocalStack, type LocalStack } from '../../gateway/src/stack';

const ROOT = resolve(__dirname, '../..');
const KEYLEDGER = join(ROOT, 'gateway/dist/cli/keyledger.js');

interface Run {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly text: string;
  readonly stderr: string;
}

describe('the keyledger command on a running stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyledger-cli-'));
  let stack: LocalStack | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    if (!existsSync(KEYLEDGER)) {
      throw new Error(`${KEYLEDGER} is missing: build first (npx tsc -b)`);
    }
    stack = await startLocalStack({
      dataDir,
      network: 'devnet',
      devnetPort: 0,
      apiPort: 0,
      tokenLabelPrefix: 'cli-',
    });
    // Only the profile says where the API is and who we are; nothing of the test's own environment leaks in.
    env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('KEYLEDGER_')));
    env['KEYLEDGER_PROFILE'] = stack.profilePath;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Runs the built command as a child process (asynchronously: the stack runs in this process). */
  function keyledger(
    args: readonly string[],
    options: { stdin?: Buffer; env?: NodeJS.ProcessEnv } = {},
  ): Promise<Run> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, [KEYLEDGER, ...args], {
        cwd: ROOT,
        env: { ...env, ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('error', reject);
      child.on('close', (code) => {
        const stdout = Buffer.concat(out);
        resolvePromise({
          code,
          stdout,
          text: stdout.toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        });
      });
      child.stdin.end(options.stdin ?? Buffer.alloc(0));
    });
  }

  async function ok(
    args: readonly string[],
    options: { stdin?: Buffer; env?: NodeJS.ProcessEnv } = {},
  ): Promise<Run> {
    const run = await keyledger(args, options);
    if (run.code !== 0) {
      throw new Error(`keyledger ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
    }
    return run;
  }

  it('runs a session: policy, encrypt/decrypt, rotate, history, proposals, tokens and errors', async () => {
    const tokens = stack?.participants.map((p) => p.apiToken) ?? [];

    const me = await ok(['whoami']);
    expect(me.text).toMatch(/^name +admin$/m);
    expect(me.text).toMatch(/^roles +admin$/m);

    // A rotation follows the first key at once: allowed only without a minimum interval, where the API has one.
    const minInterval = acceptsPolicyField('minRotationIntervalMs') ? ['--min-interval', '0'] : [];
    const policy = ['--interval', '1h', '--max-messages', '1000', ...minInterval, '--wait'];
    const created = await ok(['queue', 'policy', 'set', 'orders', ...policy]);
    expect(created.text).toBe(
      'queue orders created: rotate every 1h or after 1000 messages; its key is committed and loaded by every front-end node\n',
    );
    const queues = await ok(['queue', 'list']);
    expect(queues.text).toMatch(/^QUEUE +VERSION +INTERVAL +MAX MESSAGES +RETENTION +UPDATED$/m);
    expect(queues.text).toMatch(/^orders +1 +1h +1000 +2 versions, 7d +\d{4}-/m);

    // Binary in through stdin, the envelope out on stdout; the envelope in through stdin, the same bytes out.
    const message = Buffer.concat([randomBytes(3000), Buffer.from([0, 10, 13, 255])]);
    const sealed = await ok(['encrypt', 'orders', '--as', 'frontend1'], { stdin: message });
    const envelope = sealed.text.trim();
    expect(envelope).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const opened = await ok(['decrypt', 'orders', '--as', 'frontend1'], { stdin: sealed.stdout });
    expect(opened.stdout.equals(message)).toBe(true);

    const rotated = await ok(['rotate', 'orders', '--as', 'validator2', '--wait']);
    expect(rotated.text).toMatch(
      /^queue orders key version 2 committed and loaded by every front-end node \(proposal \w+\)\n$/,
    );
    const history = await ok(['history', 'orders']);
    expect(history.text).toMatch(/^1 +orders\.v1\.\w+ +\w+ +schedule +.+ +2\/2 +no$/m);
    expect(history.text).toMatch(/^2 +orders\.v2\.\w+ +\w+ +manual +.+ +2\/2 +no$/m);
    const since = JSON.parse((await ok(['history', 'orders', '--since', '1', '--json'])).text) as {
      rotations: { version: number }[];
    };
    expect(since.rotations.map((rotation) => rotation.version)).toEqual([2]);

    // The old envelope still opens (retention), through the other front-end too, as an argument this time.
    const old = await ok(['decrypt', 'orders', envelope], { env: { KEYLEDGER_AS: 'frontend2' } });
    expect(old.stdout.equals(message)).toBe(true);

    expect((await ok(['proposals', 'list'])).text).toBe('no open proposals\n');

    // A token made for frontend1 works until it is revoked; then it is refused (exit 4).
    const issued = await ok([
      'token',
      'create',
      '--identity',
      'frontend1',
      '--label',
      'e2e',
      '--expires',
      '1h',
    ]);
    const token = issued.text.trim();
    expect(token).toMatch(/^kl_/);
    const id = /^token ([0-9a-f]{16}) for frontend1/.exec(issued.stderr)?.[1] ?? '';
    expect((await ok(['token', 'list'])).text).toMatch(new RegExp(`^${id} +frontend1 +active .* e2e$`, 'm'));
    expect((await ok(['whoami'], { env: { KEYLEDGER_TOKEN: token } })).text).toMatch(/^name +frontend1$/m);
    expect((await ok(['token', 'revoke', id])).text).toMatch(
      new RegExp(`^token ${id} of frontend1 revoked at `),
    );
    const refused = await keyledger(['whoami'], { env: { KEYLEDGER_TOKEN: token } });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/the bearer token is not valid/);

    // Bad input (6), unknown queue (3), a caller without the role (4): each with the server's explanation.
    const garbage = await keyledger(['decrypt', 'orders', '--as', 'frontend1'], {
      stdin: Buffer.from('AAAA\n'),
    });
    expect(garbage.code).toBe(6);
    expect(garbage.stderr).toMatch(/^keyledger decrypt: envelope too short/);
    const invalid = await keyledger([
      'queue',
      'policy',
      'set',
      'orders',
      '--interval',
      '1h',
      '--max-messages',
      '0',
    ]);
    expect(invalid.code).toBe(6);
    expect(invalid.stderr).toMatch(/--max-messages \(body\.maxMessages\): /);
    const unknown = await keyledger(['queue', 'key', 'nope']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/^keyledger queue key: queue nope has no key policy/);
    const forbidden = await keyledger(['rotate', 'orders']);
    expect(forbidden.code).toBe(4);
    expect(forbidden.stderr).toMatch(/--as NAME acts as another participant of the profile/);

    // --json is the API's JSON.
    const listed = JSON.parse((await ok(['queue', 'list', '--json'])).text) as {
      items: { queueId: string; activeVersion: number }[];
    };
    expect(listed.items).toEqual([expect.objectContaining({ queueId: 'orders', activeVersion: 2 })]);

    // No profile token ever reached an error message.
    for (const run of [refused, garbage, invalid, unknown, forbidden]) {
      for (const secret of [...tokens, token]) {
        expect(run.stderr).not.toContain(secret);
      }
    }
  }, 60_000);

  it("runs npm start's printed walk-through as printed, pasted into a shell at the repository root", async () => {
    const lines = walkThrough(stack as LocalStack);
    const pasted = lines.slice(1, lines.indexOf('')).map((line) => line.replace(/^ {2}/, ''));
    expect(pasted.join('\n')).toMatch(/--wait/);
    const shell = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (done, reject) => {
        // Offline: should `npx keyledger` ever miss the workspace's bin, it must fail here, not fetch a package.
        const child = spawn('bash', ['-c', pasted.join('\n')], {
          cwd: ROOT,
          env: { ...env, KEYLEDGER_PROFILE: '', npm_config_offline: 'true' },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        child.on('error', reject);
        child.on('close', (code) => done({ code, stdout, stderr }));
      },
    );
    expect(shell.code).toBe(0);
    expect(shell.stdout).toMatch(
      /^queue orders (created|updated): rotate every 1h or after 100000 messages/m,
    );
    expect(shell.stdout).toMatch(/^version +\d+$/m);
    expect(shell.stdout).toMatch(/committed and loaded by every front-end node \(proposal \w+\)$/m);
    expect(shell.stdout.match(/^hello$/gm)).toHaveLength(2);
    expect(shell.stdout).toMatch(/^exit code 6$/m);
    expect(shell.stderr).toMatch(/--max-messages \(body\.maxMessages\)/);
    // Key providers: the data key decrypts back to its 32 bytes, stderr says who served it, and with kp1 killed
    // every one of the ten requests still succeeds.
    expect(shell.stdout).toMatch(/^ *32$/m);
    expect(shell.stderr).toMatch(/served by kp\d \(/);
    expect(shell.stdout).not.toMatch(/^failed$/m);
    expect(shell.stdout).toMatch(/^provider +kp1$/m);
    // Signing: the request is done, its token verifies (CA and CRL), the key is revoked and the service rotates;
    // the old token is then refused with its reason and exit code 6, and the new one verifies with another kid.
    expect(shell.stdout).toMatch(/^state +done$/m);
    const verdicts = [...shell.stdout.matchAll(/^valid +(yes|no.*)$/gm)].map((match) => match[1]);
    expect(verdicts.slice(0, 3)).toEqual(['yes', 'no: compromise-time-unknown', 'yes']);
    expect(shell.stdout).toMatch(/^validated by +ca1$/m);
    expect(shell.stdout).toMatch(/^revoked +\S+ \(keyCompromise\)$/m);
    const kids = [...shell.stdout.matchAll(/^kid +(\S+)$/gm)].map((match) => match[1]);
    const rotatedTo = /^now signing with +(\S+)$/m.exec(shell.stdout)?.[1];
    expect(rotatedTo).toBeDefined();
    expect(kids.at(-1)).toBe(rotatedTo);
    expect(kids[0]).not.toBe(rotatedTo);
    expect(shell.stdout.match(/^exit code 6$/gm)).toHaveLength(3);
    expect(shell.stderr).toMatch(/the token is not valid: compromise-time-unknown/);
    // Device shards: device3 provisioned, its signature valid for epoch 1; after the rotation epoch 1 is refused
    // for signing, the old signature still valid for when it was made, and epoch 1's 4 shards collected.
    expect(shell.stdout).toMatch(/^device3 +provisioned +1$/m);
    expect(verdicts.slice(3)).toEqual(['yes', 'yes']);
    expect(shell.stdout.match(/^valid at signing +yes$/gm)).toHaveLength(2);
    expect(shell.stdout).toMatch(/^epoch now +invalidated \(superseded/m);
    expect(shell.stderr).toMatch(
      /device device3 refused: epoch 1 of device device3 was invalidated .*\(epoch-invalidated\)/,
    );
    expect(shell.stdout).toMatch(/^shards deleted +4$/m);
    expect(shell.stdout).toMatch(/^1 +invalidated \(superseded\) .* 4 shards$/m);
    // Threshold custody: four signatures verify with plain Ed25519 — with m1 paused, with m5 cheating (named,
    // its score down), after a refresh under the same group key.
    expect(shell.stdout.match(/^valid: Ed25519 under custody's group public key/gm)).toHaveLength(4);
    expect(shell.stderr).toMatch(/signed in session \S+ \(epoch 1, .*cheaters m5\)/);
    expect(shell.stdout).toMatch(/^key custody refreshed \(epoch 2\)$/m);
    expect(shell.stderr).toMatch(/signed in session \S+ \(epoch 2, /);
  }, 180_000);
});
