import { LedgerError } from '../fabric';
import type { HsmToken } from '../hsm';
import type { HealthCheck, HealthFinding } from '../http';

export type HealthStatus = 'ok' | 'degraded' | 'fail';

export interface CheckResult {
  readonly status: HealthStatus;
  readonly durationMs: number;
  readonly detail?: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** `fail` if any check failed, else `degraded` if any is, else `ok`. */
export interface HealthReport {
  readonly status: HealthStatus;
  readonly checks: Record<string, CheckResult>;
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

function resultOf(finding: HealthFinding, durationMs: number): CheckResult {
  return {
    status: finding.status ?? 'ok',
    durationMs,
    ...(finding.detail === undefined ? {} : { detail: finding.detail }),
    ...(finding.data === undefined ? {} : { data: finding.data }),
  };
}

/** Runs every check concurrently, each bounded by `timeoutMs`. */
export async function runHealthChecks(
  checks: readonly HealthCheck[],
  timeoutMs: number,
): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (health): Promise<readonly [string, CheckResult]> => {
      const started = performance.now();
      const took = (): number => Math.round(performance.now() - started);
      let timer: NodeJS.Timeout | undefined;
      try {
        const finding = await Promise.race([
          Promise.resolve().then(() => health.check()),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [health.name, resultOf(finding ?? {}, took())];
      } catch (error) {
        return [health.name, { status: 'fail', durationMs: took(), detail: reasonOf(error) }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const report: HealthReport['checks'] = {};
  for (const [name, result] of results) {
    report[name] = result;
  }
  const statuses = new Set(results.map(([, result]) => result.status));
  const status: HealthStatus = statuses.has('fail') ? 'fail' : statuses.has('degraded') ? 'degraded' : 'ok';
  return { status, checks: report };
}
