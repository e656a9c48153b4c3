import { resolve } from 'node:path';
import { LocalTokenStore, useSoftHsmDirectory } from '../hsm';

export interface HsmInitOptions {
  readonly dir: string;
  readonly labels: readonly string[];
}

export interface HsmInitResult {
  readonly confPath: string;
  readonly tokens: { label: string; created: boolean }[];
}

/** `keyledger hsm init`: a project-owned SoftHSM configuration and one token per node. */
export function hsmInit(options: HsmInitOptions): HsmInitResult {
  const dir = resolve(options.dir);
  const confPath = useSoftHsmDirectory(dir);
  const store = new LocalTokenStore(dir);
  const tokens = options.labels.map((label) => ({ label, created: store.ensure(label).created }));
  return { confPath, tokens };
}
