import type { SigningPlan } from './tokenBatch';

/** What the service sends a worker process once it is up: where the queue is, which token to sign in. */
export interface WorkerInit {
  readonly type: 'init';
  readonly name: string;
  readonly dataDir: string;
  /** Over the IPC channel only: never on the command line or in the environment, where others could read it. */
  readonly token: { readonly label: string; readonly pin: string };
  readonly claimBatch: number;
  readonly leaseMs?: number;
  readonly durability?: 'full' | 'normal';
}

export type ParentMessage =
  | WorkerInit
  | { readonly type: 'stop' }
  | { readonly type: 'plan'; readonly id: number; readonly plan: SigningPlan }
  | { readonly type: 'release'; readonly id: number; readonly granted: boolean }
  | { readonly type: 'refused'; readonly id: number; readonly code: string; readonly message: string };

export type ChildMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'ask-plan'; readonly id: number }
  | { readonly type: 'ask-release'; readonly id: number; readonly kid: string }
  /** The batch a release was granted for is stored (or was dropped): the grant is over. */
  | { readonly type: 'released'; readonly id: number }
  | { readonly type: 'failed'; readonly message: string };
