import { join, resolve } from 'node:path';
import { readFabricConfigFile } from '../../fabric';
import { LocalTokenStore, useSoftHsmDirectory } from '../../hsm';
import { defaultLogger } from '../../logging';
import { ProviderServer } from '../provider/providerServer';

export interface ProviderStartOptions {
  readonly name: string;
  readonly region: string;
  readonly identityFile: string;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly tokenLabel: string;
  readonly allowFaultInjection: boolean;
}

/**
 * Runs one key provider until SIGINT/SIGTERM: its own SoftHSM token (created on first start, PINs in
 * `<data>/hsm/pins.json`), its TLS identity in `<data>`, and the Fabric identity of the identity file.
 */
export async function runProviderStart(
  options: ProviderStartOptions,
  out: (line: string) => void,
): Promise<void> {
  const dataDir = resolve(options.dataDir);
  const fabric = readFabricConfigFile(resolve(options.identityFile));
  const hsmDir = join(dataDir, 'hsm');
  useSoftHsmDirectory(hsmDir);
  const { credentials } = new LocalTokenStore(hsmDir).ensure(options.tokenLabel);
  const server = await ProviderServer.start({
    name: options.name,
    region: options.region,
    fabric,
    token: { label: credentials.label, pin: credentials.pin },
    dataDir,
    host: options.host,
    port: options.port,
    allowFaultInjection: options.allowFaultInjection,
    logger: defaultLogger(options.name),
  });
  out(`provider ${server.providerId} ready on ${server.url}`);
  await new Promise<void>((resolvePromise) => {
    const stop = (): void => {
      void server.stop().finally(resolvePromise);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
