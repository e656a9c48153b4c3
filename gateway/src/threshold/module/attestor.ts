import type { Logger } from 'pino';
import { LedgerError } from '../../fabric';
import { errorText } from '../../logging';
import type { ThresholdLedger } from '../ledger';
import { attestationStatement, signAttestation, type SoftwareMeasurement } from './attestation';
import type { ModuleIdentity } from './context';
import { readAttestedState, tokenSwapEvidence, writeAttestedState } from './tamperRecord';

export interface AttestorOptions {
  readonly moduleId: string;
  readonly ledger: ThresholdLedger;
  readonly identity: ModuleIdentity;
  readonly measurement: SoftwareMeasurement;
  readonly dataDir: string;
  readonly logger: Logger;
  /** Between attestations (default 10 min). */
  readonly intervalMs?: number;
}

/**
 * Keeps the module's software attestation fresh on the ledger: nonce from the ledger, statement, signature by the
 * module key, SubmitAttestation — on start and then every interval (errors logged, never thrown from the timer).
 * On start it also compares the token serial with the one of its last start and reports a swap as tamper evidence.
 */
export class Attestor {
  readonly #options: AttestorOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #lastAttestedAt: number | undefined;

  constructor(options: AttestorOptions) {
    this.#options = options;
  }

  get lastAttestedAt(): number | undefined {
    return this.#lastAttestedAt;
  }

  /**
   * Reports a token swap since the last start, if any, then remembers this start. Needs the module on the ledger
   * (only its owner may report); a report the ledger already has is not repeated.
   */
  async checkTamper(): Promise<'first-start' | 'unchanged' | 'reported'> {
    const { moduleId, measurement, dataDir, ledger, logger } = this.#options;
    const previous = readAttestedState(dataDir);
    let outcome: 'first-start' | 'unchanged' | 'reported' = previous ? 'unchanged' : 'first-start';
    if (previous && previous.tokenSerial !== measurement.tokenSerial) {
      const evidenceDigest = tokenSwapEvidence(previous.tokenSerial, measurement.tokenSerial);
      try {
        await ledger.reportTamper({
          moduleId,
          evidenceDigest,
          description: `token serial changed since the last start (${previous.tokenSerial} -> ${measurement.tokenSerial})`,
        });
      } catch (error) {
        if (!(error instanceof LedgerError && error.kind === 'CONFLICT')) {
          throw error;
        }
      }
      logger.warn({ evidenceDigest }, 'reported a token swap as tamper evidence');
      outcome = 'reported';
    }
    if (previous && previous.codeDigest !== measurement.codeDigest) {
      logger.info(
        { before: previous.codeDigest, now: measurement.codeDigest },
        'the module code changed since the last start; the attestation carries the new digest',
      );
    }
    writeAttestedState(dataDir, {
      moduleId,
      tokenSerial: measurement.tokenSerial,
      codeDigest: measurement.codeDigest,
      startedAt: Date.now(),
    });
    return outcome;
  }

  /** One attestation now (concurrent calls share it). */
  attest(): Promise<void> {
    this.#running ??= this.#attestOnce().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Attests every interval from now on; the timer does not keep the process alive. */
  schedule(): void {
    const { intervalMs = 10 * 60_000, logger } = this.#options;
    this.#timer = setInterval(() => {
      this.attest().catch((error: unknown) =>
        logger.error({ error: errorText(error) }, 'periodic attestation failed'),
      );
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  async #attestOnce(): Promise<void> {
    const { moduleId, ledger, identity, measurement, logger } = this.#options;
    const nonce = await ledger.issueAttestationNonce(moduleId);
    const statement = attestationStatement(nonce, measurement);
    await ledger.submitAttestation(signAttestation(moduleId, statement, identity));
    this.#lastAttestedAt = statement.issuedAt;
    logger.info({ codeDigest: measurement.codeDigest.slice(0, 16) }, 'attestation accepted');
  }
}
