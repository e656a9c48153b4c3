import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalTokenStore, useSoftHsmDirectory } from '../../hsm';
import { defaultLogger } from '../../logging';
import { startCaServer } from './caServer';

export interface CaStartOptions {
  readonly name: string;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly tokenLabel: string;
  /** PEM client certificates that may issue and revoke (the signing service's). */
  readonly authorizedClientFiles: readonly string[];
  readonly crlValidityMs?: number;
  readonly certificateValidityMs?: number;
}

/** The ready line a supervisor (or test) waits for: `ca NAME ready on URL`. */
export const CA_READY_LINE = /^ca (\S+) ready on (https:\/\/\S+)$/m;

/** Hex SHA-256 of a PEM certificate's DER, as the CA's allow-list holds it. */
function fingerprintOfFile(path: string): string {
  const certificate = new X509Certificate(readFileSync(path));
  return createHash('sha256').update(certificate.raw).digest('hex');
}

/**
 * Runs one CA until SIGINT/SIGTERM (`keyledger ca start`): its own SoftHSM token under `<data>/hsm` (created on
 * first start, PINs in `<data>/hsm/pins.json`, as a key provider's), its certificate, CRL and state in `<data>`.
 */
export async function runCaStart(options: CaStartOptions, out: (line: string) => void): Promise<void> {
  const dataDir = resolve(options.dataDir);
  const hsmDir = join(dataDir, 'hsm');
  useSoftHsmDirectory(hsmDir);
  const { credentials } = new LocalTokenStore(hsmDir).ensure(options.tokenLabel);
  const server = await startCaServer({
    name: options.name,
    dataDir,
    token: { label: credentials.label, pin: credentials.pin },
    host: options.host,
    port: options.port,
    authorizedClients: options.authorizedClientFiles.map((file) => fingerprintOfFile(resolve(file))),
    ...(options.crlValidityMs !== undefined ? { crlValidityMs: options.crlValidityMs } : {}),
    ...(options.certificateValidityMs !== undefined
      ? { certificateValidityMs: options.certificateValidityMs }
      : {}),
    logger: defaultLogger(`ca-${options.name}`),
  });
  out(`ca ${server.name} ready on ${server.url}`);
  await new Promise<void>((resolvePromise) => {
    const stop = (): void => {
      void server.stop().finally(resolvePromise);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
