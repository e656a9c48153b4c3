/**
 * A signing worker in a process of its own (forked by SigningService with `workerProcesses`): it claims jobs from
 * the same queue file, signs them in the same token with the key the service says is active, and releases a
 * batch only when the service grants it (the key was not withdrawn meanwhile). Its own event loop and core: a
 * second process is how signing uses a second CPU.
 */
import { HsmToken } from '../../hsm';
import { HsmJwsSigner, SigningKeyStore } from '../keys';
import { JobFailure, SigningQueue, startQueueWorkers, type QueueWorkers } from '../queue';
import { signClaimedBatch, type SigningPlan } from './tokenBatch';
import type { ChildMessage, ParentMessage, WorkerInit } from './workerProtocol';

type Answer = Extract<ParentMessage, { id: number }>;

const pending = new Map<number, (answer: Answer) => void>();
let nextId = 0;

function send(message: ChildMessage): void {
  process.send?.(message);
}

function ask(message: { type: 'ask-plan' } | { type: 'ask-release'; kid: string }): Promise<Answer> {
  const id = (nextId += 1);
  return new Promise((resolve) => {
    pending.set(id, resolve);
    send({ ...message, id });
  });
}

async function plan(): Promise<SigningPlan> {
  const answer = await ask({ type: 'ask-plan' });
  if (answer.type === 'plan') return answer.plan;
  const refusal = answer.type === 'refused' ? answer : { code: 'key-unavailable', message: 'no plan' };
  throw new JobFailure({ code: refusal.code, message: refusal.message, retryable: true });
}

async function mayRelease(kid: string): Promise<boolean> {
  const answer = await ask({ type: 'ask-release', kid });
  if (answer.type !== 'release') return false;
  if (answer.granted) {
    // After this turn the worker pool has stored the batch (completeBatch runs synchronously once the handler's
    // promise settles): then the grant is over.
    setImmediate(() => send({ type: 'released', id: answer.id }));
  }
  return answer.granted;
}

function start(init: WorkerInit): { workers: QueueWorkers; close(): void } {
  const token = HsmToken.open(init.token);
  const signer = new HsmJwsSigner({ keys: new SigningKeyStore({ token }) });
  const queue = SigningQueue.open({
    dataDir: init.dataDir,
    ...(init.durability === undefined ? {} : { durability: init.durability }),
  });
  const workers = startQueueWorkers({
    queue,
    name: init.name,
    claimBatch: init.claimBatch,
    ...(init.leaseMs === undefined ? {} : { leaseMs: init.leaseMs }),
    batchHandler: (jobs) => signClaimedBatch(jobs, signer, { plan, mayRelease }),
  });
  return {
    workers,
    close: () => {
      queue.close();
      token.close();
    },
  };
}

let running: ReturnType<typeof start> | undefined;

async function stop(code: number): Promise<never> {
  try {
    await running?.workers.stop();
    running?.close();
  } finally {
    process.exit(code);
  }
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'init') {
    try {
      running = start(message);
      send({ type: 'ready' });
    } catch (error) {
      send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    }
  } else if (message.type === 'stop') {
    void stop(0);
  } else {
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  }
});
// The service is gone (crashed, killed): nothing grants releases any more, so nothing signed is released; the
// jobs this process holds return to the queue when their leases expire.
process.on('disconnect', () => {
  for (const [id, resolve] of pending) {
    resolve({ type: 'refused', id, code: 'key-unavailable', message: 'the signing service is gone' });
  }
  pending.clear();
  void stop(0);
});
