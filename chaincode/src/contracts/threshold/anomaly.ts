import { exists, nextVersion, writeJson, type KeyLedgerContext } from '../../lib';
import { ConflictError, memberRef } from '../../protocol';
import type { SecurityModule, TrustCounters } from '../../protocol/threshold';
import { withAnomaly } from './score';
import { evidenceKey, moduleKey, writeTrustEvent } from './store';

export interface AnomalyReport {
  readonly kind: string;
  readonly severity: number;
  readonly evidenceDigest?: string;
  /** The ledger session the anomaly was observed in (late answer, coordinator timeout). */
  readonly sessionId?: string;
}

/**
 * Records one anomaly against a module: the counters and the decaying recent list on the module record, the trust
 * event behind them, and the evidence marker (evidence is accepted once per module). The one path for
 * `ReportAnomaly` and the anomalies a session close or expiry implies, so they all weigh on the score alike.
 * Emits no event: the calling transaction owns its single event. Returns the updated module.
 */
export async function recordAnomaly(
  ctx: KeyLedgerContext,
  module: SecurityModule,
  report: AnomalyReport,
  now: number,
): Promise<SecurityModule> {
  const marker =
    report.evidenceDigest === undefined
      ? undefined
      : evidenceKey(ctx, module.moduleId, report.evidenceDigest);
  if (marker !== undefined && (await exists(ctx, marker))) {
    throw new ConflictError(`this evidence was already reported for module ${module.moduleId}`);
  }
  const trust: TrustCounters = {
    ...module.trust,
    anomalies: module.trust.anomalies + 1,
    recentAnomalies: withAnomaly(module.trust.recentAnomalies, { at: now, severity: report.severity }, now),
  };
  const next = nextVersion(module, { trust }, now);
  if (marker !== undefined) {
    await writeJson(ctx, marker, { at: now, txId: ctx.txId, kind: 'anomaly' });
  }
  await writeTrustEvent(ctx, {
    moduleId: module.moduleId,
    kind: 'anomaly',
    at: now,
    txId: ctx.txId,
    reportedBy: memberRef(ctx.caller),
    anomalyKind: report.kind,
    severity: report.severity,
    evidenceDigest: report.evidenceDigest,
    sessionId: report.sessionId,
  });
  await writeJson(ctx, moduleKey(ctx, module.moduleId), next);
  return next;
}
