import type { ApiResponse } from '../../client';
import { parseDuration, UsageError, WaitIncompleteError, type IncompleteWait } from '../../command';
import { DEFAULT_WAIT_MS, MAX_WAIT_MS, WAIT_HEADER } from '../routes/wait';

/** `--wait` and `--wait-timeout`, for commands whose effect completes after the API answers. */
export const WAIT_OPTIONS = {
  wait: {
    type: 'boolean',
    description:
      'answer once the key version is committed and loaded by every front-end node of the gateway (exit 8 if not)',
  },
  'wait-timeout': {
    type: 'string',
    value: '<dur>',
    description: `longest --wait (default ${DEFAULT_WAIT_MS / 1000}s, at most ${MAX_WAIT_MS / 1000}s)`,
  },
} as const;

export interface WaitRequest {
  readonly query: Readonly<Record<string, string | number | undefined>>;
  /** The client's own timeout: the server's wait plus a margin for the answer to arrive. */
  readonly timeoutMs: number | undefined;
}

const ANSWER_MARGIN_MS = 15_000;

export function waitRequest(options: Readonly<{ wait?: boolean; 'wait-timeout'?: string }>): WaitRequest {
  const timeout = options['wait-timeout'];
  if (!options.wait) {
    if (timeout !== undefined) {
      throw new UsageError({ message: '--wait-timeout needs --wait' });
    }
    return { query: {}, timeoutMs: undefined };
  }
  const waitMs = timeout === undefined ? undefined : parseDuration(timeout, '--wait-timeout');
  if (waitMs !== undefined && (waitMs < 1 || waitMs > MAX_WAIT_MS)) {
    throw new UsageError({
      message: `--wait-timeout must be from 1ms to ${MAX_WAIT_MS / 1000}s, got '${timeout}'`,
    });
  }
  return {
    query: { wait: 'committed', waitTimeoutMs: waitMs },
    timeoutMs: (waitMs ?? DEFAULT_WAIT_MS) + ANSWER_MARGIN_MS,
  };
}

/** How the server says a `?wait=committed` ended; undefined when no wait was asked for. */
export function waitOutcome(response: ApiResponse<unknown>, waited: WaitRequest): string | undefined {
  return waited.query['wait'] === undefined
    ? undefined
    : (response.headers[WAIT_HEADER.toLowerCase()] ?? 'unknown');
}

/** Throws the exit-8 error when a wait ended any other way than committed. */
export function requireCommitted(outcome: string | undefined, what: string): void {
  if (outcome === undefined || outcome === 'committed') {
    return;
  }
  const known: readonly IncompleteWait[] = ['rejected', 'expired', 'timeout'];
  const ended = known.find((name) => name === outcome) ?? 'unknown';
  const because =
    ended === 'timeout'
      ? 'the wait timed out before it was committed and loaded by every front-end node (it may still commit)'
      : ended === 'unknown'
        ? `the gateway did not say how the wait ended (${WAIT_HEADER}: ${outcome})`
        : `the proposal was ${ended} without committing`;
  throw new WaitIncompleteError({ message: `${what}: ${because}`, outcome: ended });
}
