import type { FollowOptions, ParticipantOptions } from '../../participant';
import type { KeyResidence } from '../ciphers';

/** A front-end follows RotationCommitted, KeyCompromised and KeyPolicySet events ({@link FollowOptions}). */
export interface FrontendNodeOptions extends ParticipantOptions, FollowOptions {
  /** Label of the node's P-256 key-wrapping (ECDH) key pair in its token (default 'keyledger-frontend-wrapping'). */
  readonly wrappingKeyLabel?: string;
  /** Fallback poll of the ledger in case events are missed (default 10 s). */
  readonly pollIntervalMs?: number;
  /** Catch up from ledger state on start (default true). */
  readonly syncOnStart?: boolean;
  /**
   * 'memory' (default): message keys are used from process memory (Node KeyObject) — the fast path.
   * 'hsm': every message is encrypted inside the token; keys never leave it. Either way the token keeps a
   * persistent, non-extractable copy of each retained version.
   */
  readonly keyResidence?: KeyResidence;
  readonly volume?: {
    /** Report at least this often (default 5 s). */
    readonly flushIntervalMs?: number;
    /** Report as soon as this many messages are unreported (default 1000). */
    readonly flushEveryMessages?: number;
    /**
     * File where counts are reserved before use, so a crash never undercounts the AES-GCM usage limit (default:
     * none — counts in memory only, and a crash loses what was not reported yet).
     */
    readonly journalPath?: string;
    /** Messages reserved at a time in the journal (default 1000): a crash overcounts by less than this. */
    readonly reserveBlock?: number;
  };
  /** Only these queues (default: every queue on the ledger). */
  readonly queues?: readonly string[];
  /** Count only signed approvals when verifying a commit (default true). */
  readonly requireSignedApprovals?: boolean;
  /** Decrypt messages under compromised versions still within retention (default true). */
  readonly decryptCompromised?: boolean;
  /**
   * Report a committed version whose key check value does not match what this node unwrapped as
   * compromised, so the validators replace it (default true). Front-ends cannot reject a commit; this is
   * how they get a bad key replaced.
   */
  readonly reportRefusals?: boolean;
}

export interface FrontendNodeMetrics {
  encrypted: number;
  decrypted: number;
  decryptFailures: number;
  versionsActivated: number;
  versionsRefused: number;
  versionsDestroyed: number;
  syncs: number;
  syncFailures: number;
  eventsHandled: number;
  lastEventBlock: bigint | undefined;
  volume: { reports: number; failures: number; unreported: number };
}

/** When a version became usable here, for propagation figures. */
export interface Activation {
  readonly queueId: string;
  readonly version: number;
  /** Ledger commit time (transaction timestamp). */
  readonly committedAt: number;
  /** Local time this node started holding it. */
  readonly activatedAt: number;
}

/** The label of a front-end's key-wrapping key pair in its token. */
export const DEFAULT_WRAPPING_LABEL = 'keyledger-frontend-wrapping';
