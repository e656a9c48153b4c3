import type { KeyModification } from './types';

/**
 * Key history (Fabric's history DB): every committed write of a valid transaction to a public key, deletes included.
 * Entries are appended in commit order and served newest first, as GetHistoryForKey does since Fabric 2.0.
 */
export class HistoryDB {
  readonly #entries = new Map<string, { blockNum: number; modification: KeyModification }[]>();

  add(ns: string, key: string, blockNum: number, modification: KeyModification): void {
    const id = `${ns}\u0000${key}`;
    const list = this.#entries.get(id);
    if (list === undefined) {
      this.#entries.set(id, [{ blockNum, modification }]);
    } else {
      list.push({ blockNum, modification });
    }
  }

  /** History newest first, limited to blocks below `height` (a simulation's snapshot) when given. */
  getHistoryForKey(ns: string, key: string, height = Infinity): KeyModification[] {
    const list = this.#entries.get(`${ns}\u0000${key}`);
    const out: KeyModification[] = [];
    if (list === undefined) return out;
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i] as { blockNum: number; modification: KeyModification };
      if (e.blockNum < height) out.push(e.modification);
    }
    return out;
  }
}
