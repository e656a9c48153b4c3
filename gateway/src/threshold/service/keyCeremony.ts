import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ServiceError } from '../../errors';
import { ThresholdOperationError } from '../errors';
import {
  MODULE_PATHS,
  type AcceptShareResponse,
  type CeremonyMember,
  type CeremonyResultResponse,
  type DkgRound1Response,
  type DkgRound2Response,
  type ForgetShareResponse,
  type PublicPackageWire,
  type RefreshDealResponse,
} from '../protocol/wire';
import type { ModuleCaller, ModuleSummary, OrchestratorLedger } from './ports';

export type CeremonyMode = 'dkg' | 'dealer';

export interface KeygenRequest {
  readonly keyId: string;
  /** Distributed key generation (default): no process ever holds the key. `dealer`: one module deals. */
  readonly mode?: CeremonyMode;
  /** The modules to hold shares (default: the n most trusted active modules). */
  readonly modules?: readonly string[];
  /** The dealer module (dealer mode; default: the most trusted participant). */
  readonly dealer?: string;
}

export interface CeremonyOutcome {
  readonly keyId: string;
  readonly epoch: number;
  readonly mode: CeremonyMode | 'refresh';
  readonly groupPublicKey: string;
  readonly t: number;
  readonly n: number;
  readonly participants: readonly CeremonyMember[];
  readonly ceremonyId: string;
  readonly durationMs: number;
  /** Old epochs each module deleted (refresh only). */
  readonly forgotten?: Readonly<Record<string, readonly number[]>>;
}

function refused(message: string): ServiceError {
  return new ServiceError({ message, problemType: 'conflict' });
}

function samePublic(a: PublicPackageWire, b: PublicPackageWire): boolean {
  const sorted = (record: Record<string, string>): string =>
    JSON.stringify(Object.entries(record).sort(([x], [y]) => Number(x) - Number(y)));
  return (
    JSON.stringify(a.commitments) === JSON.stringify(b.commitments) &&
    sorted(a.verifyingShares) === sorted(b.verifyingShares)
  );
}

/**
 * Runs key ceremonies for the orchestrator: the orchestrator relays only public packages (round-1 commitments,
 * the resulting public keys); every secret value goes module to module. The ledger is the arbiter: the
 * commitments are published there, each module accepts its share only when the ledger shows exactly the
 * commitments it computed, and acknowledges it there; old shares are deleted only after every acknowledgement.
 */
export class KeyCeremonies {
  readonly #modules: ModuleCaller;
  readonly #logger: Logger;

  constructor(modules: ModuleCaller, logger: Logger) {
    this.#modules = modules;
    this.#logger = logger;
  }

  async keygen(ledger: OrchestratorLedger, request: KeygenRequest): Promise<CeremonyOutcome> {
    const started = Date.now();
    const policy = await ledger.policy(request.keyId);
    if (policy === undefined) {
      throw new ServiceError({
        message: `key ${request.keyId} has no threshold policy on the ledger; set one first (t, n, minTrust)`,
        problemType: 'not-found',
      });
    }
    const existing = await ledger.latestCommitments(request.keyId);
    if (existing !== undefined) {
      throw refused(`key ${request.keyId} already has shares (epoch ${existing.epoch}); refresh it instead`);
    }
    const participants = await this.#participants(ledger, policy.n, policy.minTrust, request.modules);
    const ceremonyId = `kg-${randomUUID()}`;
    const mode = request.mode ?? 'dkg';
    const results =
      mode === 'dkg'
        ? await this.#dkg(ledger, ceremonyId, request.keyId, policy.t, participants)
        : await this.#dealer(ceremonyId, request.keyId, policy.t, participants, request.dealer);
    const pub = this.#agreed(results, participants);
    const epoch = 1;
    await ledger.publishCommitments({
      keyId: request.keyId,
      epoch,
      curve: 'ed25519',
      commitments: pub.commitments,
      shareIndices: participants.map((p) => p.shareIndex),
      verifyingShares: pub.verifyingShares,
      dealer: mode === 'dealer' ? (request.dealer ?? participants[0]?.moduleId) : undefined,
    });
    await this.#acceptAll(ledger, ceremonyId, request.keyId, epoch, participants);
    return {
      keyId: request.keyId,
      epoch,
      mode,
      groupPublicKey: pub.commitments[0] ?? '',
      t: policy.t,
      n: participants.length,
      participants,
      ceremonyId,
      durationMs: Date.now() - started,
    };
  }

  /**
   * Proactive refresh: every holder adds a zero-secret polynomial's values to the shares, so the group key stays
   * and the old shares stop fitting the new commitments. Every holder must take part: one left out would keep
   * only an old share.
   */
  async refresh(ledger: OrchestratorLedger, keyId: string): Promise<CeremonyOutcome> {
    const started = Date.now();
    const current = await ledger.latestCommitments(keyId);
    if (current === undefined) {
      throw new ServiceError({ message: `key ${keyId} has no shares to refresh`, problemType: 'not-found' });
    }
    const indices = current.shareIndices ?? [];
    const all = await ledger.modules(0);
    const participants = indices.map((index) => {
      const module = all.find((m) => m.shareIndex === index);
      if (module === undefined) {
        throw refused(`no registered module holds share index ${index} of ${keyId}`);
      }
      return { moduleId: module.moduleId, shareIndex: index };
    });
    const ceremonyId = `rf-${randomUUID()}`;
    const dealt = await this.#everyone(participants, (moduleId) =>
      this.#modules.call<RefreshDealResponse>(moduleId, 'POST', MODULE_PATHS.refreshDeal, {
        ceremonyId,
        keyId,
        fromEpoch: current.epoch,
        participants,
      }),
    );
    const undelivered = [...new Set(dealt.flatMap((answer) => answer.undelivered))];
    if (undelivered.length > 0) {
      throw new ThresholdOperationError({
        message: `refresh deltas could not reach ${undelivered.join(', ')}`,
        unreachable: undelivered,
      });
    }
    const commitments = Object.fromEntries(dealt.map((answer) => [answer.moduleId, answer.commitments]));
    const finished = await this.#everyone(participants, (moduleId) =>
      this.#modules.call<CeremonyResultResponse>(moduleId, 'POST', MODULE_PATHS.refreshFinish, {
        ceremonyId,
        dealt: commitments,
      }),
    );
    await this.#blame(ledger, finished, 'bad-refresh-delta');
    const pub = this.#agreed(finished, participants);
    if (pub.commitments[0] !== current.commitments[0]) {
      throw refused('the refreshed commitments would change the group public key');
    }
    const epoch = current.epoch + 1;
    await ledger.publishCommitments({
      keyId,
      epoch,
      curve: 'ed25519',
      commitments: pub.commitments,
      shareIndices: indices,
      verifyingShares: pub.verifyingShares,
      refreshOf: current.epoch,
    });
    await this.#acceptAll(ledger, ceremonyId, keyId, epoch, participants);
    const forgotten = await this.forget(keyId, epoch, participants);
    return {
      keyId,
      epoch,
      mode: 'refresh',
      groupPublicKey: pub.commitments[0] ?? '',
      t: current.t,
      n: participants.length,
      participants,
      ceremonyId,
      durationMs: Date.now() - started,
      forgotten,
    };
  }

  /** Asks every holder to delete its shares of epochs before `keepFrom` (each checks the ledger's acknowledgements). */
  async forget(
    keyId: string,
    keepFrom: number,
    participants: readonly CeremonyMember[],
  ): Promise<Record<string, number[]>> {
    const answers = await Promise.allSettled(
      participants.map((p) =>
        this.#modules.call<ForgetShareResponse>(p.moduleId, 'POST', MODULE_PATHS.forgetShare, {
          keyId,
          keepFrom,
        }),
      ),
    );
    const forgotten: Record<string, number[]> = {};
    answers.forEach((answer, i) => {
      const moduleId = participants[i]?.moduleId ?? '?';
      if (answer.status === 'fulfilled') {
        forgotten[moduleId] = answer.value.forgotten;
      } else {
        this.#logger.warn({ err: answer.reason, moduleId, keyId }, 'old share not forgotten yet');
      }
    });
    return forgotten;
  }

  async #dkg(
    ledger: OrchestratorLedger,
    ceremonyId: string,
    keyId: string,
    t: number,
    participants: readonly CeremonyMember[],
  ): Promise<CeremonyResultResponse[]> {
    const round1 = await this.#everyone(participants, (moduleId) =>
      this.#modules.call<DkgRound1Response>(moduleId, 'POST', MODULE_PATHS.dkgRound1, {
        ceremonyId,
        keyId,
        t,
        participants,
      }),
    );
    const round2 = await this.#everyone(participants, (moduleId) =>
      this.#modules.call<DkgRound2Response>(moduleId, 'POST', MODULE_PATHS.dkgRound2, { ceremonyId, round1 }),
    );
    const undelivered = [...new Set(round2.flatMap((answer) => answer.undelivered))];
    if (undelivered.length > 0) {
      throw new ThresholdOperationError({
        message: `DKG shares could not reach ${undelivered.join(', ')}`,
        unreachable: undelivered,
      });
    }
    const round3 = await this.#everyone(participants, (moduleId) =>
      this.#modules.call<CeremonyResultResponse>(moduleId, 'POST', MODULE_PATHS.dkgRound3, { ceremonyId }),
    );
    await this.#blame(ledger, round3, 'bad-secret-share');
    return round3;
  }

  async #dealer(
    ceremonyId: string,
    keyId: string,
    t: number,
    participants: readonly CeremonyMember[],
    dealer: string | undefined,
  ): Promise<CeremonyResultResponse[]> {
    const dealerId = dealer ?? participants[0]?.moduleId ?? '';
    if (!participants.some((p) => p.moduleId === dealerId)) {
      throw new ServiceError({
        message: `dealer ${dealerId} must be one of the participants`,
        problemType: 'invalid-request',
      });
    }
    const dealt = await this.#modules.call<CeremonyResultResponse & { undelivered: string[] }>(
      dealerId,
      'POST',
      MODULE_PATHS.dealerDeal,
      { ceremonyId, keyId, t, participants },
    );
    if (dealt.undelivered.length > 0) {
      throw new ThresholdOperationError({
        message: `dealt shares could not reach ${dealt.undelivered.join(', ')}`,
        unreachable: dealt.undelivered,
      });
    }
    return participants.map((p) => ({ ...dealt, moduleId: p.moduleId }));
  }

  /** Names on the ledger the senders that modules blamed for values that failed their commitment checks. */
  async #blame(
    ledger: OrchestratorLedger,
    results: readonly CeremonyResultResponse[],
    kind: string,
  ): Promise<void> {
    const blamed = [...new Set(results.flatMap((result) => result.blamed))].sort();
    if (blamed.length === 0) {
      return;
    }
    for (const moduleId of blamed) {
      await ledger.reportAnomaly({ moduleId, kind, severity: 5 }).catch((error: unknown) => {
        this.#logger.error({ err: error, moduleId }, 'anomaly not reported');
      });
    }
    throw new ThresholdOperationError({
      message: `the ceremony was aborted: ${blamed.join(', ')} sent values that do not match their commitments (reported on the ledger)`,
      cheaters: blamed,
    });
  }

  #agreed(
    results: readonly CeremonyResultResponse[],
    participants: readonly CeremonyMember[],
  ): PublicPackageWire {
    const [first] = results;
    if (first?.public === undefined || results.length !== participants.length) {
      throw refused('not every participant computed the key');
    }
    for (const result of results) {
      if (result.public === undefined || !samePublic(result.public, first.public)) {
        throw refused(`module ${result.moduleId} computed different commitments; the ceremony is void`);
      }
    }
    return first.public;
  }

  async #acceptAll(
    ledger: OrchestratorLedger,
    ceremonyId: string,
    keyId: string,
    epoch: number,
    participants: readonly CeremonyMember[],
  ): Promise<void> {
    await this.#everyone(participants, (moduleId) =>
      this.#modules.call<AcceptShareResponse>(moduleId, 'POST', MODULE_PATHS.acceptShare, {
        ceremonyId,
        keyId,
        epoch,
      }),
    );
    const acks = await ledger.shareAcknowledgements(keyId, epoch);
    if (!acks.complete) {
      throw refused(
        `epoch ${epoch} of ${keyId} is acknowledged by ${acks.acknowledged.length} of ${acks.expected.length} modules`,
      );
    }
  }

  async #participants(
    ledger: OrchestratorLedger,
    n: number,
    minTrust: number,
    named: readonly string[] | undefined,
  ): Promise<CeremonyMember[]> {
    const trusted = (await ledger.modules(minTrust)).filter((m) => m.status === 'active');
    let chosen: ModuleSummary[];
    if (named !== undefined) {
      chosen = named.map((moduleId) => {
        const module = trusted.find((m) => m.moduleId === moduleId);
        if (module === undefined) {
          throw refused(`module ${moduleId} is not an active module with trust ≥ ${minTrust}`);
        }
        return module;
      });
      if (chosen.length !== n) {
        throw new ServiceError({
          message: `the policy needs n = ${n} modules; ${chosen.length} were named`,
          problemType: 'invalid-request',
        });
      }
    } else {
      if (trusted.length < n) {
        throw refused(
          `the policy needs n = ${n} modules; only ${trusted.length} are active with trust ≥ ${minTrust}`,
        );
      }
      chosen = [...trusted].sort((a, b) => b.score - a.score || a.shareIndex - b.shareIndex).slice(0, n);
    }
    return chosen
      .map((m) => ({ moduleId: m.moduleId, shareIndex: m.shareIndex }))
      .sort((a, b) => a.shareIndex - b.shareIndex);
  }

  async #everyone<T>(
    participants: readonly CeremonyMember[],
    ask: (moduleId: string) => Promise<T>,
  ): Promise<T[]> {
    const answers = await Promise.allSettled(participants.map((p) => ask(p.moduleId)));
    const failed = answers
      .map((answer, i) =>
        answer.status === 'rejected'
          ? { moduleId: participants[i]?.moduleId ?? '?', reason: answer.reason as unknown }
          : undefined,
      )
      .filter((entry): entry is { moduleId: string; reason: unknown } => entry !== undefined);
    if (failed.length > 0) {
      for (const entry of failed) {
        this.#logger.warn({ err: entry.reason, moduleId: entry.moduleId }, 'ceremony step failed');
      }
      const firstReason = failed[0]?.reason;
      throw new ThresholdOperationError({
        message: `the ceremony step failed at ${failed.map((entry) => entry.moduleId).join(', ')}: ${firstReason instanceof Error ? firstReason.message : String(firstReason)}`,
        unreachable: failed.map((entry) => entry.moduleId),
        cause: firstReason,
      });
    }
    return answers.map((answer) => (answer as PromiseFulfilledResult<T>).value);
  }
}
