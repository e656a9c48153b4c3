import type { DKG_Round1, DKG_Secret, FrostPublic, FrostSecret } from '@noble/curves/abstract/frost.js';
import { copyBytes, fromHex, toHex } from './bytes';
import { ThresholdRefusalError } from '../errors';
import {
  applyRefresh,
  blameDkgShare,
  dealRefresh,
  frost,
  identifierOf,
  ledgerForm,
  publicPackage,
  refreshPublic,
  verifyRefreshDelta,
  wipe,
} from '../math';
import type { ProtocolContext } from './ports';
import type { SessionGuard } from './sessionGuard';
import {
  MODULE_PATHS,
  type AcceptShareRequest,
  type AcceptShareResponse,
  type CeremonyMember,
  type CeremonyResultResponse,
  type DealerDeliverRequest,
  type DeliverRequest,
  type DkgRound1Request,
  type DkgRound1Response,
  type DkgRound2Request,
  type DkgRound2Response,
  type ForgetShareRequest,
  type ForgetShareResponse,
  type PublicPackageWire,
  type RefreshDealRequest,
  type RefreshDealResponse,
  type RefreshFinishRequest,
} from './wire';

const CEREMONY_TTL_MS = 10 * 60_000;
const MAX_CEREMONIES = 64;
const DELIVERY_TIMEOUT_MS = 5_000;

interface Ceremony {
  readonly kind: 'dkg' | 'dealer' | 'refresh';
  readonly keyId: string;
  readonly t: number;
  readonly participants: readonly CeremonyMember[];
  readonly startedAt: number;
  /** Secret values received from other modules, by sender. */
  readonly received: Map<string, Uint8Array>;
  dkg?: DKG_Secret;
  round1?: Map<string, DKG_Round1>;
  fromEpoch?: number;
  /** The key this ceremony produced, waiting for the ledger's commitments before it is sealed. */
  result?: { secret: FrostSecret; public: FrostPublic };
}

function corrupt(scalar: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(scalar);
  copy[0] = (copy[0] ?? 0) ^ 0x01;
  return copy;
}

function sameWire(a: PublicPackageWire, b: PublicPackageWire): boolean {
  const keys = (record: Record<string, string>): string =>
    JSON.stringify(
      Object.keys(record)
        .sort()
        .map((key) => [key, record[key]]),
    );
  return (
    JSON.stringify(a.commitments) === JSON.stringify(b.commitments) &&
    keys(a.verifyingShares) === keys(b.verifyingShares)
  );
}

/**
 * One module's side of the key ceremonies: distributed key generation (FROST/Pedersen DKG through
 * @noble/curves), a dealer ceremony, proactive refresh (zero-secret polynomials), and the custody steps around
 * them — accept a share only once the ledger's commitments match it, forget old epochs only once the ledger shows
 * every module acknowledged the new one. Secret values go module to module; the orchestrator only sees public
 * packages. A ceremony's secrets live in memory until they are sealed into the token or the ceremony expires.
 */
export class CeremonyParticipant {
  readonly #context: ProtocolContext;
  readonly #guard: SessionGuard;
  readonly #ceremonies = new Map<string, Ceremony>();
  /** Values that arrived before this module began the ceremony (peers run the same step concurrently). */
  readonly #early = new Map<string, { at: number; values: Map<string, Uint8Array> }>();

  constructor(context: ProtocolContext, guard: SessionGuard) {
    this.#context = context;
    this.#guard = guard;
  }

  get #identifier(): string {
    return identifierOf(this.#context.shareIndex);
  }

  dkgRound1(request: DkgRound1Request): DkgRound1Response {
    this.#requireMember(request.participants);
    const created = this.#create(request.ceremonyId, 'dkg', request.keyId, request.t, request.participants);
    const { public: round1, secret } = frost.DKG.round1(this.#identifier, {
      min: request.t,
      max: request.participants.length,
    });
    created.dkg = secret;
    return {
      moduleId: this.#context.moduleId,
      package: {
        identifier: round1.identifier,
        commitment: round1.commitment.map(toHex),
        proofOfKnowledge: toHex(round1.proofOfKnowledge),
      },
    };
  }

  async dkgRound2(request: DkgRound2Request): Promise<DkgRound2Response> {
    const ceremony = this.#ceremony(request.ceremonyId, 'dkg');
    if (ceremony.dkg === undefined || ceremony.round1 !== undefined) {
      throw this.#state(request.ceremonyId, 'round 2 was already run or round 1 never was');
    }
    const others = request.round1.filter((entry) => entry.moduleId !== this.#context.moduleId);
    const round1 = new Map<string, DKG_Round1>();
    for (const entry of others) {
      const participant = ceremony.participants.find((p) => p.moduleId === entry.moduleId);
      if (participant === undefined || entry.package.identifier !== identifierOf(participant.shareIndex)) {
        throw this.#state(
          request.ceremonyId,
          `round 1 package of ${entry.moduleId} does not match its share index`,
        );
      }
      round1.set(entry.moduleId, {
        identifier: entry.package.identifier,
        commitment: entry.package.commitment.map(fromHex),
        proofOfKnowledge: fromHex(entry.package.proofOfKnowledge),
      });
    }
    if (round1.size !== ceremony.participants.length - 1) {
      throw this.#state(request.ceremonyId, 'round 2 needs the round 1 package of every other participant');
    }
    ceremony.round1 = round1;
    const packages = frost.DKG.round2(ceremony.dkg, [...round1.values()]);
    const values = new Map<string, Uint8Array>();
    for (const participant of ceremony.participants) {
      const outgoing = packages[identifierOf(participant.shareIndex)];
      if (outgoing !== undefined) {
        values.set(participant.moduleId, outgoing.signingShare);
      }
    }
    const result = await this.#deliverAll(request.ceremonyId, MODULE_PATHS.dkgDeliver, values);
    return { moduleId: this.#context.moduleId, ...result };
  }

  /** A secret value from another participant of a ceremony (DKG share or refresh delta). The first one counts. */
  receive(request: DeliverRequest): { accepted: boolean } {
    const ceremony = this.#ceremonies.get(request.ceremonyId);
    if (ceremony === undefined) {
      this.#sweep();
      if (!this.#early.has(request.ceremonyId) && this.#early.size >= MAX_CEREMONIES) {
        throw this.#state(request.ceremonyId, 'too many values for ceremonies this module has not begun');
      }
      const early = this.#early.get(request.ceremonyId) ?? { at: Date.now(), values: new Map() };
      this.#early.set(request.ceremonyId, early);
      if (early.values.has(request.from) || early.values.size >= 255) {
        return { accepted: false };
      }
      early.values.set(request.from, fromHex(request.value));
      return { accepted: true };
    }
    if (!ceremony.participants.some((p) => p.moduleId === request.from)) {
      throw this.#state(request.ceremonyId, `${request.from} is not a participant`);
    }
    if (ceremony.received.has(request.from)) {
      return { accepted: false };
    }
    ceremony.received.set(request.from, fromHex(request.value));
    return { accepted: true };
  }

  dkgRound3(ceremonyId: string): CeremonyResultResponse {
    const ceremony = this.#ceremony(ceremonyId, 'dkg');
    if (ceremony.dkg === undefined || ceremony.round1 === undefined) {
      throw this.#state(ceremonyId, 'round 3 needs rounds 1 and 2 first');
    }
    const blamed: string[] = [];
    const round2: { identifier: string; signingShare: Uint8Array }[] = [];
    for (const [moduleId, round1] of ceremony.round1) {
      const value = ceremony.received.get(moduleId);
      if (value === undefined || !blameDkgShare(round1, this.#context.shareIndex, value)) {
        blamed.push(moduleId);
      } else {
        round2.push({ identifier: round1.identifier, signingShare: value });
      }
    }
    if (blamed.length > 0) {
      this.#drop(ceremonyId);
      return { moduleId: this.#context.moduleId, blamed: blamed.sort() };
    }
    const key = frost.DKG.round3(ceremony.dkg, [...ceremony.round1.values()], round2);
    frost.DKG.clean(ceremony.dkg);
    ceremony.dkg = undefined;
    round2.forEach((entry) => wipe(entry.signingShare));
    ceremony.result = { secret: key.secret, public: key.public };
    return { moduleId: this.#context.moduleId, public: ledgerForm(key.public), blamed: [] };
  }

  /** The dealer ceremony: this module deals, delivers each share to its holder, keeps its own and wipes the rest. */
  async deal(request: DkgRound1Request): Promise<CeremonyResultResponse & { undelivered: string[] }> {
    this.#requireMember(request.participants);
    const ceremony = this.#create(
      request.ceremonyId,
      'dealer',
      request.keyId,
      request.t,
      request.participants,
    );
    const identifiers = request.participants.map((p) => identifierOf(p.shareIndex));
    const dealt = frost.trustedDealer({ min: request.t, max: request.participants.length }, identifiers);
    const wirePublic = ledgerForm(dealt.public);
    const undelivered: string[] = [];
    try {
      await Promise.all(
        request.participants.map(async (participant) => {
          const share = dealt.secretShares[identifierOf(participant.shareIndex)];
          if (share === undefined) {
            return;
          }
          if (participant.moduleId === this.#context.moduleId) {
            ceremony.result = {
              secret: { ...share, signingShare: Uint8Array.from(share.signingShare) },
              public: dealt.public,
            };
            return;
          }
          try {
            const peer = await this.#context.peers.client(participant.moduleId);
            await peer.call(
              'POST',
              MODULE_PATHS.dealerDeliver,
              {
                ceremonyId: request.ceremonyId,
                keyId: request.keyId,
                t: request.t,
                public: wirePublic,
                value: toHex(this.#maybeCorrupt(share.signingShare)),
              } satisfies DealerDeliverRequest,
              { timeoutMs: DELIVERY_TIMEOUT_MS },
            );
          } catch (error) {
            this.#context.logger.warn({ err: error, to: participant.moduleId }, 'dealer share not delivered');
            undelivered.push(participant.moduleId);
          }
        }),
      );
    } finally {
      Object.values(dealt.secretShares).forEach((share) => wipe(share.signingShare));
    }
    return {
      moduleId: this.#context.moduleId,
      public: wirePublic,
      blamed: [],
      undelivered: undelivered.sort(),
    };
  }

  /** A share from the dealer, checked against the dealer's commitments before it is kept. */
  receiveDealt(request: DealerDeliverRequest, fromModuleId: string): CeremonyResultResponse {
    const pub = publicPackage({
      t: request.t,
      n: Object.keys(request.public.verifyingShares).length,
      ...request.public,
    });
    const secret: FrostSecret = { identifier: this.#identifier, signingShare: fromHex(request.value) };
    try {
      frost.validateSecret(secret, pub);
    } catch {
      wipe(secret.signingShare);
      return { moduleId: this.#context.moduleId, blamed: [fromModuleId] };
    }
    const participants = Object.keys(request.public.verifyingShares).map((index) => ({
      moduleId: index === String(this.#context.shareIndex) ? this.#context.moduleId : `index-${index}`,
      shareIndex: Number(index),
    }));
    const ceremony = this.#create(request.ceremonyId, 'dealer', request.keyId, request.t, participants);
    ceremony.result = { secret, public: pub };
    return { moduleId: this.#context.moduleId, public: request.public, blamed: [] };
  }

  /** Seals the ceremony's share into the token once the ledger's commitments for `epoch` are exactly its own. */
  async accept(request: AcceptShareRequest): Promise<AcceptShareResponse> {
    const ceremony = this.#ceremonies.get(request.ceremonyId);
    if (ceremony?.result === undefined || ceremony.keyId !== request.keyId) {
      throw this.#state(request.ceremonyId, 'no share of this ceremony waits to be accepted');
    }
    const onLedger = await this.#guard.commitments(request.keyId, request.epoch);
    const ledgerWire = {
      commitments: onLedger.commitments,
      verifyingShares: { ...(onLedger.verifyingShares ?? {}) },
    };
    if (!sameWire(ledgerWire, ledgerForm(ceremony.result.public))) {
      throw new ThresholdRefusalError({
        code: 'commitment-mismatch',
        message: `the ledger's commitments for ${request.keyId} epoch ${request.epoch} are not the ones this ceremony produced`,
      });
    }
    const pub = publicPackage({ t: onLedger.t, n: onLedger.n, ...ledgerWire });
    frost.validateSecret(ceremony.result.secret, pub);
    this.#context.shares.seal(request.keyId, request.epoch, ceremony.result.secret.signingShare, {
      ceremonyId: request.ceremonyId,
      kind: ceremony.kind,
      groupPublicKey: onLedger.commitments[0],
    });
    this.#drop(request.ceremonyId);
    await this.#context.ledger.acknowledgeShare({
      keyId: request.keyId,
      epoch: request.epoch,
      moduleId: this.#context.moduleId,
    });
    return {
      moduleId: this.#context.moduleId,
      keyId: request.keyId,
      epoch: request.epoch,
      acknowledged: true,
    };
  }

  /**
   * Deletes this module's shares of epochs below `keepFrom` — only when the ledger shows every holder of
   * `keepFrom` acknowledged its new share (forget after everyone has the new one, never before).
   */
  async forget(request: ForgetShareRequest): Promise<ForgetShareResponse> {
    const acks = await this.#context.ledger.shareAcknowledgements(request.keyId, request.keepFrom);
    if (!acks.complete) {
      throw new ThresholdRefusalError({
        code: 'not-acknowledged',
        message: `epoch ${request.keepFrom} of ${request.keyId} is acknowledged by ${acks.acknowledged.length} of ${acks.expected.length} modules; old shares are kept until all have`,
      });
    }
    const held = this.#context.shares.list().filter((entry) => entry.keyId === request.keyId);
    const forgotten: number[] = [];
    const kept: number[] = [];
    for (const { epoch } of held) {
      if (epoch < request.keepFrom && !this.#context.faults.misbehave.has('old-epoch-share')) {
        this.#context.shares.remove(request.keyId, epoch);
        forgotten.push(epoch);
      } else {
        kept.push(epoch);
      }
    }
    return {
      moduleId: this.#context.moduleId,
      forgotten: forgotten.sort((a, b) => a - b),
      kept: kept.sort((a, b) => a - b),
    };
  }

  async refreshDeal(request: RefreshDealRequest): Promise<RefreshDealResponse> {
    this.#requireMember(request.participants);
    if (!this.#context.shares.has(request.keyId, request.fromEpoch)) {
      throw new ThresholdRefusalError({
        code: 'no-share',
        message: `module ${this.#context.moduleId} holds no share of ${request.keyId} epoch ${request.fromEpoch}`,
      });
    }
    const current = await this.#guard.commitments(request.keyId, request.fromEpoch);
    const ceremony = this.#create(
      request.ceremonyId,
      'refresh',
      request.keyId,
      current.t,
      request.participants,
    );
    ceremony.fromEpoch = request.fromEpoch;
    const { commitments, deltas } = dealRefresh(
      current.t,
      request.participants.map((p) => p.shareIndex),
    );
    const values = new Map<string, Uint8Array>();
    for (const participant of request.participants) {
      const delta = deltas[String(participant.shareIndex)];
      if (delta === undefined) {
        continue;
      }
      if (participant.moduleId === this.#context.moduleId) {
        ceremony.received.set(participant.moduleId, delta);
      } else {
        values.set(participant.moduleId, delta);
      }
    }
    const { undelivered } = await this.#deliverAll(request.ceremonyId, MODULE_PATHS.refreshDeliver, values);
    return { moduleId: this.#context.moduleId, commitments, undelivered };
  }

  async refreshFinish(request: RefreshFinishRequest): Promise<CeremonyResultResponse> {
    const ceremony = this.#ceremony(request.ceremonyId, 'refresh');
    const fromEpoch = ceremony.fromEpoch ?? 0;
    const blamed: string[] = [];
    const deltas: Uint8Array[] = [];
    for (const participant of ceremony.participants) {
      const dealt = request.dealt[participant.moduleId];
      const delta = ceremony.received.get(participant.moduleId);
      if (
        dealt === undefined ||
        delta === undefined ||
        !verifyRefreshDelta(dealt, this.#context.shareIndex, delta)
      ) {
        blamed.push(participant.moduleId);
      } else {
        deltas.push(delta);
      }
    }
    if (blamed.length > 0) {
      this.#drop(request.ceremonyId);
      return { moduleId: this.#context.moduleId, blamed: blamed.sort() };
    }
    const current = await this.#guard.commitments(ceremony.keyId, fromEpoch);
    const oldPublic = publicPackage({
      t: current.t,
      n: current.n,
      commitments: current.commitments,
      verifyingShares: { ...(current.verifyingShares ?? {}) },
    });
    const opened = this.#context.shares.open(ceremony.keyId, fromEpoch);
    const share = copyBytes(opened);
    wipe(opened);
    try {
      const refreshed = applyRefresh({ identifier: this.#identifier, signingShare: share }, deltas);
      const newPublic = refreshPublic(oldPublic, Object.values(request.dealt));
      frost.validateSecret(refreshed, newPublic);
      ceremony.result = { secret: refreshed, public: newPublic };
      return { moduleId: this.#context.moduleId, public: ledgerForm(newPublic), blamed: [] };
    } finally {
      wipe(share, ...deltas);
    }
  }

  #maybeCorrupt(value: Uint8Array): Uint8Array {
    return this.#context.faults.misbehave.has('bad-secret-share') ? corrupt(value) : value;
  }

  async #deliverAll(
    ceremonyId: string,
    path: string,
    values: ReadonlyMap<string, Uint8Array>,
  ): Promise<{ delivered: string[]; undelivered: string[] }> {
    const delivered: string[] = [];
    const undelivered: string[] = [];
    await Promise.all(
      [...values].map(async ([moduleId, value]) => {
        try {
          const peer = await this.#context.peers.client(moduleId);
          await peer.call(
            'POST',
            path,
            {
              ceremonyId,
              from: this.#context.moduleId,
              value: toHex(this.#maybeCorrupt(value)),
            } satisfies DeliverRequest,
            { timeoutMs: DELIVERY_TIMEOUT_MS },
          );
          delivered.push(moduleId);
        } catch (error) {
          this.#context.logger.warn({ err: error, to: moduleId, ceremonyId }, 'secret value not delivered');
          undelivered.push(moduleId);
        } finally {
          wipe(value);
        }
      }),
    );
    return { delivered: delivered.sort(), undelivered: undelivered.sort() };
  }

  #requireMember(participants: readonly CeremonyMember[]): void {
    const me = participants.find((p) => p.moduleId === this.#context.moduleId);
    if (me === undefined || me.shareIndex !== this.#context.shareIndex) {
      throw new ThresholdRefusalError({
        code: 'not-eligible',
        message: `module ${this.#context.moduleId} (share index ${this.#context.shareIndex}) is not a participant as listed`,
      });
    }
    const indices = new Set(participants.map((p) => p.shareIndex));
    const ids = new Set(participants.map((p) => p.moduleId));
    if (indices.size !== participants.length || ids.size !== participants.length) {
      throw this.#state('-', 'participants must have distinct module ids and share indices');
    }
  }

  #create(
    ceremonyId: string,
    kind: Ceremony['kind'],
    keyId: string,
    t: number,
    participants: readonly CeremonyMember[],
  ): Ceremony {
    this.#sweep();
    if (this.#ceremonies.has(ceremonyId) && kind !== 'dealer') {
      throw this.#state(ceremonyId, 'this ceremony id was already used');
    }
    if (this.#ceremonies.size >= MAX_CEREMONIES) {
      throw this.#state(ceremonyId, `at most ${MAX_CEREMONIES} ceremonies may run at once`);
    }
    const existing = this.#ceremonies.get(ceremonyId);
    const ceremony: Ceremony = existing ?? {
      kind,
      keyId,
      t,
      participants,
      startedAt: Date.now(),
      received: new Map(),
    };
    this.#ceremonies.set(ceremonyId, ceremony);
    const early = this.#early.get(ceremonyId);
    this.#early.delete(ceremonyId);
    for (const [from, value] of early?.values ?? []) {
      if (participants.some((p) => p.moduleId === from) && !ceremony.received.has(from)) {
        ceremony.received.set(from, value);
      } else {
        wipe(value);
      }
    }
    return ceremony;
  }

  #ceremony(ceremonyId: string, kind: Ceremony['kind']): Ceremony {
    const ceremony = this.#ceremonies.get(ceremonyId);
    if (ceremony === undefined || ceremony.kind !== kind) {
      throw this.#state(ceremonyId, `no ${kind} ceremony with this id`);
    }
    return ceremony;
  }

  #drop(ceremonyId: string): void {
    const ceremony = this.#ceremonies.get(ceremonyId);
    if (ceremony === undefined) {
      return;
    }
    ceremony.received.forEach((value) => wipe(value));
    if (ceremony.dkg !== undefined) {
      frost.DKG.clean(ceremony.dkg);
    }
    if (ceremony.result !== undefined) {
      wipe(ceremony.result.secret.signingShare);
    }
    this.#ceremonies.delete(ceremonyId);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, ceremony] of this.#ceremonies) {
      if (now - ceremony.startedAt > CEREMONY_TTL_MS) {
        this.#drop(id);
      }
    }
    for (const [id, early] of this.#early) {
      if (now - early.at > CEREMONY_TTL_MS) {
        early.values.forEach((value) => wipe(value));
        this.#early.delete(id);
      }
    }
  }

  #state(ceremonyId: string, why: string): ThresholdRefusalError {
    return new ThresholdRefusalError({ code: 'ceremony-state', message: `ceremony ${ceremonyId}: ${why}` });
  }
}
