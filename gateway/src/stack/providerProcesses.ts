import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FabricConfig } from '../fabric';
import { writeFileAtomic } from '../files';
import { spawnKeyledger, type KeyledgerProcess } from './childProcesses';

export { KEYLEDGER_BIN } from './childProcesses';

export interface ProviderProcessSpec {
  readonly name: string;
  readonly region: string;
  /** Its ledger identity, written to `<dataDir>/identity.json` for the process. */
  readonly fabric: FabricConfig;
  readonly dataDir: string;
  readonly port?: number;
  readonly allowFaultInjection?: boolean;
  /** Where its stdout and stderr go (default `<dataDir>/provider.log`). */
  readonly logFile?: string;
  /** Longest wait for "ready" (default 60 s). */
  readonly readyTimeoutMs?: number;
}

/** A provider running as a process of its own. */
export interface ProviderProcess extends KeyledgerProcess {
  readonly name: string;
}

const READY = /^provider (\S+) ready on (https:\/\/\S+)$/m;

/**
 * Starts `keyledger provider start` for one provider and resolves once it printed that it is ready (registered on
 * the ledger and listening), or rejects with the end of its output when it exits or takes too long.
 */
export async function spawnProvider(spec: ProviderProcessSpec): Promise<ProviderProcess> {
  const dataDir = resolve(spec.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const identityFile = join(dataDir, 'identity.json');
  writeFileAtomic(identityFile, `${JSON.stringify(spec.fabric, null, 2)}\n`);
  const started = await spawnKeyledger({
    what: `provider ${spec.name}`,
    args: [
      'provider',
      'start',
      '--name',
      spec.name,
      '--region',
      spec.region,
      '--identity',
      identityFile,
      '--data-dir',
      dataDir,
      '--port',
      String(spec.port ?? 0),
      ...(spec.allowFaultInjection ? ['--allow-fault-injection'] : []),
    ],
    ready: READY,
    logFile: spec.logFile ?? join(dataDir, 'provider.log'),
    ...(spec.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: spec.readyTimeoutMs }),
  });
  return { name: spec.name, ...started };
}
