import type { Logger } from 'pino';
import type { EscrowBlob } from '../math/escrow';
import { MODULE_PATHS, type ReconstructOperation } from '../protocol/wire';
import { BreakGlass, type BreakGlassOutcome } from './breakGlass';
import { KeyCeremonies, type CeremonyOutcome, type KeygenRequest } from './keyCeremony';
import type { ModuleCaller, OrchestratorLedger } from './ports';
import { ThresholdSigning, type SignOutcome, type SignRequest } from './thresholdSigning';

export interface ThresholdServiceOptions {
  /** The security modules, called over mutual TLS with the orchestrator's certificate. */
  readonly modules: ModuleCaller;
  readonly logger: Logger;
}

/**
 * Threshold key custody as a client uses it. Every method acts on the ledger as the ledger access it is given
 * (the caller's own identity, so the chaincode checks the caller's role), and on the modules as the
 * orchestrator; the modules in turn check the ledger before they act.
 */
export class ThresholdService {
  readonly #ceremonies: KeyCeremonies;
  readonly #signing: ThresholdSigning;
  readonly #breakGlass: BreakGlass;
  readonly #modules: ModuleCaller;

  constructor(options: ThresholdServiceOptions) {
    this.#ceremonies = new KeyCeremonies(options.modules, options.logger);
    this.#signing = new ThresholdSigning(options.modules, options.logger);
    this.#breakGlass = new BreakGlass(options.modules);
    this.#modules = options.modules;
  }

  /** Sets what a module started with --allow-fault-injection does wrong (demonstrations and tests). */
  async setModuleFaults(moduleId: string, misbehave: readonly string[]): Promise<string[]> {
    const answer = await this.#modules.call<{ misbehave: string[] }>(moduleId, 'POST', MODULE_PATHS.faults, {
      misbehave,
    });
    return answer.misbehave;
  }

  keygen(ledger: OrchestratorLedger, request: KeygenRequest): Promise<CeremonyOutcome> {
    return this.#ceremonies.keygen(ledger, request);
  }

  refresh(ledger: OrchestratorLedger, keyId: string): Promise<CeremonyOutcome> {
    return this.#ceremonies.refresh(ledger, keyId);
  }

  sign(ledger: OrchestratorLedger, request: SignRequest): Promise<SignOutcome> {
    return this.#signing.sign(ledger, request);
  }

  escrow(
    ledger: OrchestratorLedger,
    keyId: string,
    secret: Uint8Array,
    context: string,
  ): Promise<EscrowBlob> {
    return this.#breakGlass.escrow(ledger, keyId, secret, context);
  }

  /** Opens an escrow in a reconstruction session: the secret is rebuilt at the coordinator for this call only. */
  unwrap(
    ledger: OrchestratorLedger,
    keyId: string,
    escrow: EscrowBlob,
    context: string,
  ): Promise<BreakGlassOutcome> {
    const operation: ReconstructOperation = { kind: 'unwrap', context, escrow };
    return this.#breakGlass.run(ledger, keyId, operation, 'unwrap');
  }

  /** A per-epoch symmetric key, HKDF-derived from the group secret in a reconstruction session. */
  deriveKey(
    ledger: OrchestratorLedger,
    keyId: string,
    purpose: string,
    epoch: number,
  ): Promise<BreakGlassOutcome> {
    return this.#breakGlass.run(ledger, keyId, { kind: 'derive-key', purpose, epoch }, 'derive-key');
  }
}

export type { BreakGlassOutcome, CeremonyOutcome, KeygenRequest, SignOutcome, SignRequest };
