import type { GovernanceLedger } from '../../governance';
import { MemberGate, type MemberGateOptions } from '../../participant';

export type OrchestratorGateOptions = MemberGateOptions;

/**
 * Who may call a provider: the holders of a certificate whose SHA-256 fingerprint is an active governance member
 * with the `orchestrator` role (a {@link MemberGate} for that one role).
 */
export class OrchestratorGate extends MemberGate {
  constructor(governance: GovernanceLedger, options: OrchestratorGateOptions = {}) {
    super(governance, ['orchestrator'], options);
  }
}
