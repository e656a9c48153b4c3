import { performance } from 'node:perf_hooks';
import { memberRef, type governance, type Member } from '@keyledger/chaincode/protocol';
import type { Logger } from 'pino';
import { LedgerError } from '../../fabric';
import type { GovernanceLedger, MemberRef } from '../../governance';
import {
  destroyKey,
  HsmError,
  keyCheckValue,
  unwrapKeyFromSender,
  type HsmToken,
  type KeyRef,
} from '../../hsm';
import { errorText } from '../../logging';
import {
  keyCheckValueOf,
  MemoryCipher,
  readSessionKey,
  sameKeyCheckValue,
  TokenCipher,
  type KeyResidence,
  type VersionCipher,
} from '../ciphers';
import type { RotationLedger } from '../ledger';
import type { CommittedRotationView, WrappedKeyView } from '../types';
import { wrapContext } from '../validatorAgent';
import { verifyCommit } from '../verify';
import type { Refusals } from './refusals';
import { findTokenKey, keyVersionLabel } from './tokenKeys';
import type { WrappingKey } from '../../participant';

/** Ledger reads shared by every version acquired in one catch-up (validators and quorum change rarely). */
export interface AcquireContext {
  validators?: Promise<Member[]>;
  quorum?: Promise<governance.QuorumView>;
}

/** A version that passed every check: its cipher, and the token copy when one exists already. */
export interface AcquiredKey {
  readonly cipher: VersionCipher;
  readonly tokenKey?: KeyRef;
  /** The node's own wrapped copy, from which a token copy can be made later without asking the ledger again. */
  readonly wrapped: WrappedKeyView;
  readonly approvals: number;
  readonly required: number;
  readonly ledgerMs: number;
}

export interface KeyAcquirerOptions {
  readonly identity: MemberRef;
  readonly token: HsmToken;
  readonly wrapping: WrappingKey;
  readonly residence: KeyResidence;
  readonly rotation: RotationLedger;
  readonly governance: GovernanceLedger;
  readonly refusals: Refusals;
  /** Count only signed approvals when verifying a commit. */
  readonly requireSignedApprovals: boolean;
  readonly logger: Logger;
}

/**
 * How a front-end takes a committed version into use: verify the commit itself from ledger data (a quorum of
 * distinct registered validators with valid signatures over the proposal digest), check that its own wrapped copy
 * is the one the proposal committed, unwrap it into the token, and compare the key check value with the ledger's
 * before anything uses the key. Any failure is a refusal ({@link Refusals}), never a key in use.
 */
export class KeyAcquirer {
  readonly #o: KeyAcquirerOptions;

  constructor(options: KeyAcquirerOptions) {
    this.#o = options;
  }

  /** The version's cipher when it passed every check; undefined when it was refused. */
  async acquire(
    rotation: CommittedRotationView,
    newestCommitted: number,
    context: AcquireContext,
  ): Promise<AcquiredKey | undefined> {
    const { rotation: ledger, governance, refusals } = this.#o;
    const { queueId, version } = rotation;
    const started = performance.now();
    context.validators ??= governance.listValidators();
    context.quorum ??= governance.getQuorum();
    // One round trip for everything: the own wrapped copy is fetched alongside, but used only once the commit
    // has verified.
    const [validators, quorum, proposal, own] = await Promise.all([
      context.validators,
      context.quorum,
      ledger.getRotation(rotation.proposalId),
      ledger.getWrappedKey(queueId, version).catch((error: unknown) => {
        if (error instanceof LedgerError && error.kind === 'NOT_FOUND') {
          return null;
        }
        throw error;
      }),
    ]);
    const ledgerMs = Math.round(performance.now() - started);
    const verdict = verifyCommit({
      rotation,
      proposal,
      validators,
      requiredApprovals: quorum.required,
      requireSignatures: this.#o.requireSignedApprovals,
    });
    if (!verdict.valid) {
      // Not permanent (the validator set may change), but when it is the queue's newest version, the
      // validators are asked to replace it: front-ends cannot reject a commit, only refuse to use it.
      refusals.refuse(rotation, `commit does not verify: ${verdict.problems.join('; ')}`, false);
      if (rotation.version === newestCommitted && !rotation.compromised) {
        await refusals.report(rotation, 'the commit does not verify from ledger data');
      }
      return undefined;
    }
    if (own === null) {
      refusals.refuse(rotation, 'this node is not a recipient of the version (registered later?)', true);
      return undefined;
    }
    const mine = proposal.wrappedKeys.find((entry) => memberRef(entry) === memberRef(this.#o.identity));
    if (
      own.keyId !== rotation.keyId ||
      own.keyCheckValue !== rotation.keyCheckValue ||
      mine === undefined ||
      mine.wrappedKey !== own.wrappedKey ||
      mine.ephemeralPublicKey !== own.ephemeralPublicKey ||
      own.ephemeralPublicKey === undefined
    ) {
      refusals.refuse(rotation, 'the wrapped copy does not match the committed proposal', true);
      return undefined;
    }
    const unwrapped = await this.#unwrapChecked(rotation, own);
    return unwrapped === undefined
      ? undefined
      : { ...unwrapped, wrapped: own, approvals: verdict.approvals, required: verdict.required, ledgerMs };
  }

  /**
   * The durable copy a restart resumes from, for a version activated from memory: an earlier run's, or unwrapped
   * now (the same wrapped key, checked again, so it is the key just activated).
   */
  persistTokenCopy(rotation: CommittedRotationView, own: WrappedKeyView): KeyRef | undefined {
    const { token, logger } = this.#o;
    const label = keyVersionLabel(rotation.queueId, rotation.version);
    try {
      let persisted = findTokenKey(token, label, rotation.keyCheckValue);
      if (persisted === undefined) {
        persisted = this.#unwrap(own, { label, persistent: true, readable: false });
        if (!sameKeyCheckValue(keyCheckValue(token, persisted), rotation.keyCheckValue)) {
          destroyKey(token, persisted);
          throw new HsmError({ message: 'the token copy does not match the key check value' });
        }
      }
      return persisted;
    } catch (error) {
      logger.warn(
        { queueId: rotation.queueId, version: rotation.version, error: errorText(error) },
        'keeping a token copy of the key version failed',
      );
      return undefined;
    }
  }

  #unwrap(own: WrappedKeyView, target: { label: string; persistent: boolean; readable: boolean }): KeyRef {
    const { token, wrapping } = this.#o;
    return unwrapKeyFromSender(
      token,
      wrapping.privateKey,
      {
        ephemeralPublicKey: Buffer.from(own.ephemeralPublicKey ?? '', 'base64'),
        wrappedKey: Buffer.from(own.wrappedKey, 'base64'),
      },
      {
        recipientPoint: wrapping.point,
        context: wrapContext(own.queueId, own.version, own.keyId),
        ...target,
      },
    );
  }

  /** Unwraps and checks the key check value; a key that does not unwrap or differs is refused and reported. */
  async #unwrapChecked(
    rotation: CommittedRotationView,
    own: WrappedKeyView,
  ): Promise<{ cipher: VersionCipher; tokenKey?: KeyRef } | undefined> {
    const { token, refusals } = this.#o;
    const label = keyVersionLabel(rotation.queueId, rotation.version);
    try {
      if (this.#o.residence === 'memory') {
        // A short-lived readable session copy, read once into a KeyObject and destroyed. The persistent
        // token copy (for restarts) is written after activation: token objects are slow to create.
        const session = this.#unwrap(own, { label: `${label}#memory`, persistent: false, readable: true });
        let key;
        try {
          key = readSessionKey(token, session);
        } finally {
          destroyKey(token, session);
        }
        const kcv = keyCheckValueOf(key);
        if (!sameKeyCheckValue(kcv, rotation.keyCheckValue)) {
          return await this.#refuseBadKey(rotation, kcv);
        }
        return { cipher: new MemoryCipher(key) };
      }
      let tokenKey = findTokenKey(token, label, rotation.keyCheckValue);
      if (tokenKey === undefined) {
        tokenKey = this.#unwrap(own, { label, persistent: true, readable: false });
        const kcv = keyCheckValue(token, tokenKey);
        if (!sameKeyCheckValue(kcv, rotation.keyCheckValue)) {
          destroyKey(token, tokenKey);
          return await this.#refuseBadKey(rotation, kcv);
        }
      }
      return { cipher: new TokenCipher(token, tokenKey), tokenKey };
    } catch (error) {
      if (error instanceof HsmError) {
        refusals.refuse(
          rotation,
          `the wrapped key does not unwrap for this node (${error.ckr ?? 'HSM error'})`,
          true,
        );
        await refusals.report(rotation, 'wrapped key does not unwrap');
        return undefined;
      }
      throw error;
    }
  }

  async #refuseBadKey(rotation: CommittedRotationView, unwrappedKcv: string): Promise<undefined> {
    this.#o.refusals.refuse(
      rotation,
      `key check value mismatch: the unwrapped key has ${unwrappedKcv}, the ledger says ${rotation.keyCheckValue}`,
      true,
    );
    await this.#o.refusals.report(rotation, 'unwrapped key does not match the committed key check value');
    return undefined;
  }
}
