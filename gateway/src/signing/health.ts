import type { HealthCheck, HealthFinding } from '../http';
import type { CaValidator } from './ca';
import type { SigningService } from './service';

export interface SigningHealthOptions {
  /** A queued request older than this means the queue is backing up (default 5 s). */
  readonly backlogMs?: number;
}

/**
 * The signing service's health: down (503) when it cannot sign at all — the queue unreadable, no active key
 * and none being made — and degraded (200, saying so) when it signs but a CA is down or requests wait too long.
 */
export function signingHealthCheck(
  service: SigningService,
  validator: CaValidator,
  options: SigningHealthOptions = {},
): HealthCheck {
  const backlogMs = options.backlogMs ?? 5_000;
  return {
    name: 'signing',
    check(): HealthFinding {
      const queue = service.queue.stats();
      const active = service.keys.peek();
      const rotating = active === undefined && service.keys.rotating();
      const cas = validator.health();
      const data = {
        queue,
        activeKid: active?.kid ?? null,
        rotating,
        schedule: service.keys.schedule() ?? null,
        cas: cas.map(({ caId, state, lastCheckedAt, lastError }) => ({
          caId,
          state,
          ...(lastCheckedAt === undefined ? {} : { lastCheckedAt }),
          ...(lastError === undefined ? {} : { lastError }),
        })),
      };
      if (active === undefined && !rotating) {
        throw new Error('the signing service has no active key and is not making one');
      }
      const problems: string[] = [];
      if (rotating) problems.push('the signing key is being rotated');
      const down = cas.filter((ca) => ca.state === 'unhealthy').map((ca) => ca.caId);
      if (down.length > 0) {
        problems.push(
          `CA ${down.join(', ')} unreachable${down.length === cas.length ? ' (all of them)' : ''}`,
        );
      }
      if (queue.oldestQueuedAgeMs !== undefined && queue.oldestQueuedAgeMs > backlogMs) {
        problems.push(`the oldest queued request has waited ${queue.oldestQueuedAgeMs} ms`);
      }
      return problems.length === 0
        ? { status: 'ok', data }
        : { status: 'degraded', detail: problems.join('; '), data };
    },
  };
}
