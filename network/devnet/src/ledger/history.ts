import type { KeyModification } from './types';

/**
 * Key history (Fabric's history DB): every committed write of a valid transaction to a public key, deletes included.
 * Entries are appended in commit order and served newest first, as GetHistoryForKey does since Fabric 2.0.
 */
export class HistoryDB {
  readonly #entries = new Map<string, KeyModification[]>();

  add(ns: string, key: string, modification: KeyModification): void {
    const id = `${ns}\u0000${key}`;
    const list = this.#entries.get(id);
    if (list === undefined) {
      this.#entries.set(id, [modification]);
    } else {
      list.push(modification);
    }
  }

  getHistoryForKey(ns: string, key: string): KeyModification[] {
    const list = this.#entries.get(`${ns}\u0000${key}`);
    return list === undefined ? [] : list.slice().reverse();
  }
}
