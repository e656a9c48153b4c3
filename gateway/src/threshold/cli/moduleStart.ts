import { join, resolve } from 'node:path';
import { readFabricConfigFile } from '../../fabric';
import { LocalTokenStore, useSoftHsmDirectory } from '../../hsm';
import { defaultLogger } from '../../logging';
import type { Misbehaviour } from '../module/context';
import { ModuleServer } from '../module/moduleServer';

export interface ModuleStartOptions {
  readonly name: string;
  readonly shareIndex: number;
  readonly identityFile: string;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly tokenLabel: string;
  readonly allowFaultInjection: boolean;
  readonly misbehave: readonly Misbehaviour[];
  readonly attestationIntervalMs?: number;
}

/**
 * Runs one security module until SIGINT/SIGTERM: its own SoftHSM token (created on first start, PINs in
 * `<data>/hsm/pins.json`), its TLS identity and attested.json in `<data>`, and the Fabric identity of the file.
 */
export async function runModuleStart(
  options: ModuleStartOptions,
  out: (line: string) => void,
): Promise<void> {
  const dataDir = resolve(options.dataDir);
  const fabric = readFabricConfigFile(resolve(options.identityFile));
  const hsmDir = join(dataDir, 'hsm');
  useSoftHsmDirectory(hsmDir);
  const { credentials } = new LocalTokenStore(hsmDir).ensure(options.tokenLabel);
  const server = await ModuleServer.start({
    name: options.name,
    shareIndex: options.shareIndex,
    fabric,
    token: { label: credentials.label, pin: credentials.pin },
    dataDir,
    host: options.host,
    port: options.port,
    allowFaultInjection: options.allowFaultInjection,
    misbehave: options.misbehave,
    ...(options.attestationIntervalMs === undefined
      ? {}
      : { attestationIntervalMs: options.attestationIntervalMs }),
    logger: defaultLogger(options.name),
  });
  out(`module ${server.moduleId} ready on ${server.url}`);
  out(`pid ${process.pid} (${join(dataDir, 'module.pid')})`);
  await new Promise<void>((resolvePromise) => {
    const stop = (): void => {
      void server.stop().finally(resolvePromise);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
