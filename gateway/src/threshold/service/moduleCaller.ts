import type { LedgerPeerDirectory } from '../module/peers';
import type { PeerCallOptions } from '../protocol/ports';
import type { ModuleCaller } from './ports';

/**
 * Calls security modules by id through the directory of pinned mutual-TLS clients (which follows a module that
 * restarted on another endpoint).
 */
export class DirectoryModuleCaller implements ModuleCaller {
  readonly #directory: LedgerPeerDirectory;

  constructor(directory: LedgerPeerDirectory) {
    this.#directory = directory;
  }

  async call<T>(
    moduleId: string,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    options?: PeerCallOptions,
  ): Promise<T> {
    return (await this.#directory.client(moduleId)).call<T>(method, path, body, options);
  }

  close(): Promise<void> {
    return this.#directory.close();
  }
}
