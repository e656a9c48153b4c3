import { common, peer } from '@hyperledger/fabric-protos';
import { validationCodeName } from '../blocks/blockinfo';
import type { CommitNotifier } from './notifier';
import type { BlockFactory, CommitterLedger, ConflictInfo } from './ports';
import type { MemoryTransientStore } from './transientstore';
import { validateTransactions, type ValidatorContext } from './validator';

/** What the devnet knows about a committed transaction's validation (exposed by `devnet.transactionDetail`). */
export interface TransactionDetail {
  readonly txId: string;
  readonly blockNumber: number;
  readonly txIndex: number;
  readonly code: number;
  readonly codeName: string;
  /** Why it is invalid: a committer check or the conflicting key and versions. */
  readonly reason?: string;
  readonly conflict?: ConflictInfo;
}

export interface CommitterOptions {
  readonly ledger: CommitterLedger;
  readonly blocks: BlockFactory;
  readonly validator: ValidatorContext;
  readonly notifier: CommitNotifier;
  readonly transientStore: MemoryTransientStore;
  /** Receives one line per invalid transaction. */
  readonly log?: (line: string) => void;
  /** How many transaction details to remember. */
  readonly detailLimit?: number;
}

/** Describes a conflict the way a developer wants to read it: which key, which versions. */
export function describeConflict(conflict: ConflictInfo): string {
  const read = conflict.readVersion ?? 'nil (key absent)';
  const committed = conflict.committedVersion ?? 'nil (key deleted)';
  return `${conflict.kind} conflict on key [${conflict.key}] in namespace [${conflict.namespace}]: read version ${read}, committed version ${committed}`;
}

/**
 * Turns a batch of ordered envelopes into a committed block (Fabric's committer): builds and chains the
 * block, runs the per-transaction checks, hands the block to the ledger for MVCC/phantom validation and
 * durable commit, records why transactions failed, then notifies waiting clients and event streams.
 */
export class Committer {
  readonly #options: CommitterOptions;
  readonly #details = new Map<string, TransactionDetail>();

  constructor(options: CommitterOptions) {
    this.#options = options;
  }

  transactionDetail(txId: string): TransactionDetail | undefined {
    return this.#details.get(txId);
  }

  async commit(envelopes: Uint8Array[]): Promise<common.Block> {
    const { ledger, notifier } = this.#options;
    const blockNumber = ledger.height;
    const block = this.#options.blocks.newBlock(blockNumber, ledger.lastBlockHash, envelopes);
    const checks = validateTransactions(this.#options.validator, envelopes);
    const privateData = new Map<number, Uint8Array>();
    checks.forEach((check, index) => {
      const pvt = this.#options.transientStore.take(check.txId);
      if (pvt && check.code === peer.TxValidationCode.VALID) privateData.set(index, pvt);
    });
    const outcome = await ledger.commitBlock(
      block,
      checks.map((c) => c.code),
      privateData,
    );
    setTransactionsFilter(block, outcome.codes);
    const transactions = checks.map((check, index) => {
      const code = outcome.codes[index] ?? check.code;
      const conflict = outcome.conflicts.get(index);
      const reason = conflict ? describeConflict(conflict) : check.reason;
      this.#remember({
        txId: check.txId,
        blockNumber,
        txIndex: index,
        code,
        codeName: validationCodeName(code),
        ...(reason !== undefined && code !== peer.TxValidationCode.VALID ? { reason } : {}),
        ...(conflict ? { conflict } : {}),
      });
      if (code !== peer.TxValidationCode.VALID) {
        this.#options.log?.(
          `block ${blockNumber} tx ${index} ${check.txId} invalid: ${validationCodeName(code)}${reason ? ` — ${reason}` : ''}`,
        );
      }
      return { txId: check.txId, code };
    });
    notifier.blockCommitted(block, transactions);
    return block;
  }

  #remember(detail: TransactionDetail): void {
    if (!detail.txId) return;
    this.#details.set(detail.txId, detail);
    const limit = this.#options.detailLimit ?? 100_000;
    while (this.#details.size > limit) {
      const oldest = this.#details.keys().next();
      if (oldest.done) break;
      this.#details.delete(oldest.value);
    }
  }
}

/** Writes the final codes into the block's TRANSACTIONS_FILTER metadata (one byte per transaction). */
export function setTransactionsFilter(block: common.Block, codes: readonly number[]): void {
  const metadata = block.getMetadata() ?? new common.BlockMetadata();
  const list = metadata.getMetadataList_asU8().slice();
  while (list.length < 5) list.push(new Uint8Array());
  list[common.BlockMetadataIndex.TRANSACTIONS_FILTER] = Uint8Array.from(codes);
  metadata.setMetadataList(list);
  block.setMetadata(metadata);
}
