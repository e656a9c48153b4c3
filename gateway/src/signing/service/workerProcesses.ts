import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { JobFailure } from '../queue';
import type { SigningPlan } from './tokenBatch';
import type { ChildMessage, ParentMessage, WorkerInit } from './workerProtocol';

/** The built child entry, from gateway/src or gateway/dist alike. */
const WORKER_ENTRY = resolve(__dirname, '../../../dist/signing/service/signingWorkerProcess.js');
/** A grant not reported over within this long is over anyway (a child that froze or died mid-store). */
const GRANT_MS = 2_000;

export interface WorkerProcessesOptions {
  readonly count: number;
  readonly init: Omit<WorkerInit, 'type' | 'name'>;
  readonly name: string;
  /** The key to sign with now (throws a JobFailure when there is none). */
  readonly plan: () => Promise<SigningPlan>;
  readonly stillActive: (kid: string) => boolean;
  readonly logger?: Logger;
}

interface Grant {
  readonly kid: string;
  readonly timer: NodeJS.Timeout;
}

/**
 * Signing workers in processes of their own, on the same queue file and token: the service answers their
 * questions (which key, may these tokens go out) so that the key lifecycle stays in one place. A release is a
 * grant the service counts until the child has stored the batch, so that `drain(kid)` can wait until no token of
 * a withdrawn key can still be stored.
 */
export class WorkerProcesses {
  readonly #options: WorkerProcessesOptions;
  readonly #children = new Set<ChildProcess>();
  readonly #grants = new Map<string, Grant>();
  readonly #drained = new Set<() => void>();
  #stopping = false;

  private constructor(options: WorkerProcessesOptions) {
    this.#options = options;
  }

  static async start(options: WorkerProcessesOptions): Promise<WorkerProcesses> {
    const processes = new WorkerProcesses(options);
    try {
      await Promise.all(Array.from({ length: options.count }, (_, i) => processes.#spawn(i)));
      return processes;
    } catch (error) {
      await processes.stop();
      throw error;
    }
  }

  /** Resolves once no batch of `kid` granted a release is still being stored. */
  drain(kid: string): Promise<void> {
    const busy = (): boolean => [...this.#grants.values()].some((grant) => grant.kid === kid);
    if (!busy()) return Promise.resolve();
    return new Promise((resolveDrain) => {
      const check = (): void => {
        if (!busy()) {
          this.#drained.delete(check);
          resolveDrain();
        }
      };
      this.#drained.add(check);
    });
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(
      [...this.#children].map(
        (child) =>
          new Promise<void>((resolveStop) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
            const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(kill);
              resolveStop();
            });
            if (child.connected) child.send({ type: 'stop' } satisfies ParentMessage);
            else child.kill('SIGTERM');
          }),
      ),
    );
    for (const grant of this.#grants.values()) clearTimeout(grant.timer);
    this.#grants.clear();
    this.#notifyDrained();
  }

  #spawn(index: number): Promise<void> {
    const child = fork(WORKER_ENTRY, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#children.add(child);
    const name = `${this.#options.name}/p${index}`;
    const reply = (message: ParentMessage): void => {
      if (child.connected) child.send(message);
    };
    return new Promise((resolveReady, reject) => {
      child.on('message', (message: ChildMessage) => {
        switch (message.type) {
          case 'ready':
            resolveReady();
            break;
          case 'failed':
            reject(new Error(`signing worker process ${name} did not start: ${message.message}`));
            break;
          case 'ask-plan':
            this.#options.plan().then(
              (plan) => reply({ type: 'plan', id: message.id, plan }),
              (error: unknown) => {
                const failure = error as Partial<JobFailure>;
                reply({
                  type: 'refused',
                  id: message.id,
                  code: failure.jobError?.code ?? 'key-unavailable',
                  message: failure.jobError?.message ?? 'no active signing key',
                });
              },
            );
            break;
          case 'ask-release': {
            const granted = this.#options.stillActive(message.kid);
            if (granted) this.#grant(`${child.pid ?? index}:${message.id}`, message.kid);
            reply({ type: 'release', id: message.id, granted });
            break;
          }
          case 'released':
            this.#endGrant(`${child.pid ?? index}:${message.id}`);
            break;
        }
      });
      child.once('exit', (code, signal) => {
        this.#children.delete(child);
        // Its grants are over: whatever it had not stored is not stored.
        for (const [key] of [...this.#grants].filter(([key]) => key.startsWith(`${child.pid ?? index}:`))) {
          this.#endGrant(key);
        }
        reject(new Error(`signing worker process ${name} exited (${signal ?? code}) before it was ready`));
        if (!this.#stopping) {
          this.#options.logger?.warn(
            { worker: name, code, signal },
            'signing worker process exited; restarting',
          );
          setTimeout(() => {
            if (!this.#stopping) this.#spawn(index).catch(() => undefined);
          }, 1_000).unref();
        }
      });
      child.send({ type: 'init', name, ...this.#options.init } satisfies ParentMessage);
    });
  }

  #grant(key: string, kid: string): void {
    const timer = setTimeout(() => this.#endGrant(key), GRANT_MS);
    timer.unref();
    this.#grants.set(key, { kid, timer });
  }

  #endGrant(key: string): void {
    const grant = this.#grants.get(key);
    if (grant === undefined) return;
    clearTimeout(grant.timer);
    this.#grants.delete(key);
    this.#notifyDrained();
  }

  #notifyDrained(): void {
    for (const check of [...this.#drained]) check();
  }
}
