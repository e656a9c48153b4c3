/**
 * The `keyledger shards` and `keyledger device` commands end to end: the built command as child processes
 * against the shards REST API (devnet, SoftHSM) for the generator's side, and against the ledger directly for
 * the device's own side (its directory, its own SoftHSM token, its member identity with role device).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eventually } from './support/eventually';
import type { NetMember } from './support/memberNet';
import { startShardsApiNet, type ShardsApiNet } from './support/shardsApiNet';

jest.setTimeout(180_000);

const ROOT = resolve(__dirname, '../..');
const KEYLEDGER = join(ROOT, 'gateway/dist/cli/keyledger.js');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe('keyledger shards / device (devnet, SoftHSM)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyledger-shards-cli-'));
  const deviceDir = join(dir, 'device');
  let api: ShardsApiNet;
  let member: NetMember;
  let publicKey = '';

  function envFor(as: string | undefined): NodeJS.ProcessEnv {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('KEYLEDGER_')),
    );
    return as === undefined
      ? env
      : { ...env, KEYLEDGER_URL: api.server.url, KEYLEDGER_TOKEN: api.tokenOf(as) };
  }

  function spawned(args: readonly string[], as?: string): ChildProcessWithoutNullStreams {
    return spawn(process.execPath, [KEYLEDGER, ...args], { cwd: dir, env: envFor(as), stdio: 'pipe' });
  }

  function keyledger(args: readonly string[], as?: string): Promise<Run> {
    return new Promise((done, reject) => {
      const child = spawned(args, as);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('error', reject);
      child.on('close', (code) =>
        done({
          code,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        }),
      );
      child.stdin.end();
    });
  }

  async function ok(args: readonly string[], as?: string): Promise<string> {
    const run = await keyledger(args, as);
    if (run.code !== 0) throw new Error(`keyledger ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
    return run.stdout;
  }

  beforeAll(async () => {
    if (!existsSync(KEYLEDGER)) throw new Error(`${KEYLEDGER} is missing: build first (npx tsc -b)`);
    api = await startShardsApiNet('keyledger-shards-cli-', []);
    member = await api.fixture.net.addMember('cli-dev', 'device');
    writeFileSync(join(dir, 'identity.json'), JSON.stringify(member.fabric));
  }, 180_000);

  afterAll(async () => {
    await api?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('device init makes the directory and token and prints the public key; again, the same key', async () => {
    publicKey = (
      await ok([
        'device',
        'init',
        '--device-id',
        'cli-dev',
        '--identity',
        'identity.json',
        '--data-dir',
        'device',
      ])
    ).trim();
    expect(publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect(existsSync(join(deviceDir, 'device.json'))).toBe(true);
    const again = await ok([
      'device',
      'init',
      '--device-id',
      'cli-dev',
      '--identity',
      'identity.json',
      '--data-dir',
      'device',
    ]);
    expect(again.trim()).toBe(publicKey);
    expect((await ok(['device', 'key', '--device', 'device'])).trim()).toBe(publicKey);
    const other = await keyledger([
      'device',
      'init',
      '--device-id',
      'other',
      '--identity',
      'identity.json',
      '--data-dir',
      'device',
    ]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/is device cli-dev's/);
  });

  it('shards provision, device sign, device verify, device status, shards devices and device', async () => {
    const owner = `${member.fabric.mspId}:${member.fingerprint}`;
    const provisioned = await ok(
      ['shards', 'provision', 'cli-dev', '--public-key', publicKey, '--owner', owner, '--n', '3'],
      'provider',
    );
    expect(provisioned).toMatch(/device cli-dev provisioned \(epoch 1\)/);
    expect(
      await ok(
        ['shards', 'provision', 'cli-dev', '--public-key', publicKey, '--owner', owner, '--n', '3'],
        'provider',
      ),
    ).toMatch(/already provisioned \(epoch 1\); nothing changed/);
    const bad = await keyledger(
      ['shards', 'provision', 'cli-x', '--public-key', 'AAAA', '--n', '3'],
      'provider',
    );
    expect(bad.code).toBe(6);
    expect(bad.stderr).toMatch(/--public-key \(body\.devicePublicKey\): must be an uncompressed P-256 point/);
    const denied = await keyledger(['shards', 'rotate', 'cli-dev'], 'signer');
    expect(denied.code).toBe(4);

    const signed = await ok(['device', 'sign', '--device', 'device', '--message', 'hello fleet']);
    expect(signed.trim().split('\n')).toHaveLength(1);
    const signature = JSON.parse(signed);
    expect(signature).toMatchObject({ deviceId: 'cli-dev', epoch: 1, algorithm: 'Ed25519' });
    writeFileSync(join(dir, 'sig.json'), signed);

    const verified = await ok(
      ['device', 'verify', '--signature', 'sig.json', '--message', 'hello fleet'],
      'auditor',
    );
    expect(verified).toMatch(/valid\s+yes/);
    expect(verified).toMatch(/reported uses\s+1 \(the last one is this message\)/);
    const tampered = await keyledger(
      ['device', 'verify', '--signature', 'sig.json', '--message', 'hello fleeT'],
      'auditor',
    );
    expect(tampered.code).toBe(6);
    expect(tampered.stdout).toMatch(/valid\s+no: message-mismatch/);

    const status = await ok(['device', 'status', '--device', 'device']);
    expect(status).toMatch(/enrolled\s+yes/);
    expect(status).toMatch(/active epoch\s+1/);
    expect(status).toMatch(/uses\s+1, last/);

    expect(await ok(['shards', 'devices'], 'auditor')).toMatch(/cli-dev\s+1\s+1 /);
    const view = JSON.parse(await ok(['shards', 'device', 'cli-dev', '--json'], 'admin'));
    expect(view).toMatchObject({ head: { deviceId: 'cli-dev', activeEpoch: 1 }, activeUse: { uses: 1 } });
    expect(await ok(['shards', 'device', 'cli-dev'], 'admin')).toMatch(/EPOCH\s+STATUS/);
  });

  it('device start picks up each epoch; shards rotate and collect', async () => {
    const agent = spawned(['device', 'start', '--device', 'device', '--poll', '1s']);
    let out = '';
    agent.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    try {
      await eventually(
        'the device ready with epoch 1',
        () => (/device cli-dev ready \(epoch 1\)/.test(out) ? true : undefined),
        30_000,
      );
      expect(await ok(['shards', 'rotate', 'cli-dev', '--n', '2'], 'provider')).toMatch(/epoch\s+2/);
      await eventually(
        'the device to pick up epoch 2',
        () => (/device cli-dev picked up epoch 2/.test(out) ? true : undefined),
        30_000,
      );
    } finally {
      const closed = new Promise<number | null>((done) => agent.on('close', done));
      agent.kill('SIGINT');
      expect(await closed).toBe(0);
    }
    expect(await ok(['shards', 'collect', 'cli-dev', '--retention', '0'], 'provider')).toMatch(
      /shards deleted\s+3/,
    );
    expect((await keyledger(['shards', 'collect', 'cli-dev', '--retention', 'soon'], 'provider')).code).toBe(
      2,
    );
  });

  it('provision-batch prints a table and exits 6 when a device failed', async () => {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const anotherKey = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(jwk.x as string, 'base64url'),
      Buffer.from(jwk.y as string, 'base64url'),
    ]).toString('base64url');
    const lines = [
      { deviceId: 'cli-batch-1', devicePublicKey: publicKey },
      // cli-dev is provisioned already, with another key: a 409 for that item only.
      { deviceId: 'cli-dev', devicePublicKey: anotherKey },
    ].map((item) => JSON.stringify(item));
    writeFileSync(join(dir, 'batch.jsonl'), `${lines.join('\n')}\n`);
    const run = await keyledger(['shards', 'provision-batch', '--file', 'batch.jsonl'], 'provider');
    expect(run.code).toBe(6);
    expect(run.stdout).toMatch(/cli-batch-1\s+provisioned/);
    expect(run.stdout).toMatch(/1 provisioned, 0 already provisioned, 1 failed/);
  });

  it('shards revoke destroys K_dev; the device then refuses to sign (exit 6, with the reason)', async () => {
    expect(await ok(['shards', 'revoke', 'cli-dev', '--reason', 'lost in transit'], 'admin')).toMatch(
      /K_dev destroyed\s+yes/,
    );
    const refused = await keyledger(['device', 'sign', '--device', 'device', '--message', 'after']);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/refused: .*\(device-revoked\)/);
  });
});
