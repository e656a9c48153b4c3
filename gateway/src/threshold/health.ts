import type { LedgerAccess } from '../fabric';
import type { HealthCheck, HealthFinding } from '../http';
import { CustodyLedger } from './custodyLedger';

export interface ThresholdHealthOptions {
  /** The gateway's own ledger access (the orchestrator's identity), to list the modules with. */
  readonly ledger: LedgerAccess;
}

/**
 * The security modules as the ledger sees them: how many are active, quarantined, and their scores. Whether
 * enough of them clear each key's minTrust would need every policy read; this reports the counts only, and is
 * degraded only when no module is active (nothing could sign).
 */
export function thresholdHealthCheck(options: ThresholdHealthOptions): HealthCheck {
  const custody = new CustodyLedger(options.ledger);
  return {
    name: 'threshold',
    async check(): Promise<HealthFinding> {
      const modules = await custody.moduleViews(0);
      const active = modules.filter((module) => module.status === 'active');
      const data = {
        modules: modules.length,
        active: active.length,
        quarantined: modules.length - active.length,
        scores: Object.fromEntries(active.map((module) => [module.moduleId, module.score])),
      };
      return active.length === 0 && modules.length > 0
        ? { status: 'degraded', detail: 'no security module is active: threshold keys cannot sign', data }
        : { status: 'ok', data };
    },
  };
}
