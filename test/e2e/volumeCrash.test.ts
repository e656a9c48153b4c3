/**
 * Message volume survives kill -9: a front-end node in its own process seals messages and is killed before it
 * reports any; restarted on the same journal, it reports at least everything it sealed (and at most a reserve block
 * more), so the maxMessages cap — the AES-GCM usage limit — is never undercounted.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { startStack, type Stack } from './support/stack';
import { eventually } from './support/eventually';

jest.setTimeout(180_000);

const SEALED = 2_500;
const RESERVE_BLOCK = 1_000;

describe('message volume across kill -9 of a front-end', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('counts every message sealed before the kill', async () => {
    await stack.setPolicy({ queueId: 'crash', rotationIntervalMs: 86_400_000, maxMessages: 1_000_000 });
    await stack.allOnVersion('crash', 1);
    await stack.stopFrontend(0);
    const who = stack.frontendMembers[0]!;
    const journalPath = join(stack.dataDir, `${who.name}.volume.json`);
    const child = spawn(
      process.execPath,
      [
        resolve(__dirname, 'support/frontendChild.js'),
        JSON.stringify({
          name: who.name,
          fabric: who.fabric,
          token: who.token,
          startBlock: String(stack.devnet.status().height),
          journalPath,
          queueId: 'crash',
          messages: SEALED,
        }),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await new Promise<void>((resolvePromise, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes(`sealed ${SEALED}`)) {
          resolvePromise();
        }
      });
      child.once('exit', (code) =>
        reject(new Error(`child exited (${String(code)}) before sealing: ${stderr}`)),
      );
    });
    const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
    process.kill(child.pid as number, 'SIGKILL');
    await exited;
    expect((await stack.admin.ledger.isRotationDue('crash')).messages).toBe(0);

    await stack.startFrontend(0, { volume: { journalPath, flushIntervalMs: 200, flushEveryMessages: 100 } });
    const counted = await eventually('the recovered volume on the ledger', async () => {
      const { messages } = await stack.admin.ledger.isRotationDue('crash');
      return messages >= SEALED ? messages : undefined;
    });
    expect(counted).toBeGreaterThanOrEqual(SEALED);
    expect(counted).toBeLessThan(SEALED + RESERVE_BLOCK);
  });
});
