import { LedgerError } from '../fabric';
import type { HsmToken } from '../hsm';
import type { HealthCheck } from '../http';

export interface HealthReport {
  readonly status: 'ok' | 'fail';
  readonly checks: Record<string, { status: 'ok' | 'fail'; durationMs: number; detail?: string }>;
}

/**
 * The ledger answers: `probe` (an evaluate) reaches the peer and the chaincode. A chaincode refusal
 * (FORBIDDEN, NOT_FOUND, …) still proves reachability; UNAVAILABLE and FAILED do not.
 */
export function ledgerReachableCheck(name: string, probe: () => Promise<unknown>): HealthCheck {
  return {
    name,
    async check() {
      try {
        await probe();
      } catch (error) {
        if (error instanceof LedgerError && error.kind !== 'UNAVAILABLE' && error.kind !== 'FAILED') {
          return;
        }
        throw error;
      }
    },
  };
}

/** An HSM token can run an operation: opens (or reuses) a session and reads its info. */
export function hsmTokenCheck(name: string, token: Pick<HsmToken, 'use'>): HealthCheck {
  return {
    name,
    check() {
      token.use('health check', (pkcs11, session) => pkcs11.C_GetSessionInfo(session));
    },
  };
}

function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Runs every check concurrently, each bounded by `timeoutMs`. */
export async function runHealthChecks(
  checks: readonly HealthCheck[],
  timeoutMs: number,
): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (health) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(() => health.check()),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [
          health.name,
          { status: 'ok' as const, durationMs: Math.round(performance.now() - started) },
        ] as const;
      } catch (error) {
        return [
          health.name,
          {
            status: 'fail' as const,
            durationMs: Math.round(performance.now() - started),
            detail: reasonOf(error),
          },
        ] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const report: HealthReport['checks'] = {};
  for (const [name, result] of results) {
    report[name] = result;
  }
  return { status: results.every(([, result]) => result.status === 'ok') ? 'ok' : 'fail', checks: report };
}
