import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { PhaseResult } from './load';

const REGISTER = path.resolve(
  __dirname,
  '..',
  '..',
  '..',
  'network',
  'devnet',
  'test',
  'devnet',
  'ts-register.js',
);
const MAIN = path.join(__dirname, 'loadClientMain.ts');

/** What the load-generating process needs to connect as an organisation's user. */
export interface LoadClientSetup {
  readonly endpoint: string;
  readonly tlsCaCertPem: string;
  readonly mspId: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly channelId: string;
  readonly chaincode: string;
}

export interface LoadJob {
  readonly kind: 'submit' | 'evaluate';
  readonly concurrency: number;
  readonly total: number;
  readonly maxMs: number;
  /** Keys written are `<prefix>-<i>`, so phases do not conflict. */
  readonly prefix: string;
}

export type LoadClientRequest = { readonly setup: LoadClientSetup } | { readonly job: LoadJob } | 'close';
export type LoadClientReply =
  { readonly ready: true } | { readonly result: PhaseResult } | { readonly error: string };

/**
 * A fabric-gateway client in its own process: its CPU does not hide in the devnet's, and /proc reports it
 * separately. One job at a time.
 */
export class LoadClient {
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess) {
    this.#child = child;
  }

  static async start(setup: LoadClientSetup): Promise<LoadClient> {
    const child = fork(MAIN, [], {
      execArgv: ['-r', REGISTER],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const client = new LoadClient(child);
    await client.#request({ setup });
    return client;
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  async run(job: LoadJob): Promise<PhaseResult> {
    const reply = await this.#request({ job });
    if (!('result' in reply)) throw new Error('load client answered without a result');
    return reply.result;
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.send('close');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  #request(request: LoadClientRequest): Promise<LoadClientReply> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`load client exited (${code})`));
      this.#child.once('exit', onExit);
      this.#child.once('message', (reply: LoadClientReply) => {
        this.#child.off('exit', onExit);
        if ('error' in reply) reject(new Error(`load client: ${reply.error}`));
        else resolve(reply);
      });
      this.#child.send(request);
    });
  }
}
