import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { HsmToken, type TokenOptions } from '../../hsm';
import { defaultLogger } from '../../logging';
import { caApp, normaliseFingerprint } from './caApp';
import { CertificateAuthority, type CertificateAuthorityOptions } from './certificateAuthority';

export const CA_PID_FILE = 'ca.pid';
const DAY_MS = 86_400_000;

export interface CaServerOptions extends Pick<
  CertificateAuthorityOptions,
  'certificateValidityMs' | 'crlValidityMs' | 'caValidityMs' | 'now'
> {
  /** The CA id (see {@link CertificateAuthorityOptions.name}). */
  readonly name: string;
  /** Its certificate, CRL, state and pid file. */
  readonly dataDir: string;
  /** The CA's own token; opened here and closed by stop(). */
  readonly token: TokenOptions;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** SHA-256 fingerprints (hex, with or without colons) of client certificates that may issue and revoke. */
  readonly authorizedClients?: readonly string[];
  /** Lifetime of the TLS server certificate made at each start (default 30 days). */
  readonly tlsValidityMs?: number;
  /** Default: pino JSON lines named `ca-<name>`. */
  readonly logger?: Logger;
}

/** A running CA service. */
export interface CaServer {
  readonly name: string;
  /** https://host:port */
  readonly url: string;
  /** The CA certificate (PEM): what relying parties pin, and the root of the service's TLS certificate. */
  readonly certificatePem: string;
  readonly ca: CertificateAuthority;
  /** Stops listening, drops open connections at once and closes the token. */
  stop(): Promise<void>;
}

/**
 * Runs one CA as an HTTPS service on its own token. Its TLS certificate is issued at each start by the CA itself to
 * a key made in memory for this process only, so a client that pins the CA certificate also authenticates the
 * transport, and no private key is ever written to the data folder (Node's TLS cannot sign a handshake with a
 * PKCS#11 key; the CA key itself stays in the token). CRLs are signed, so relying parties need not trust the
 * transport for revocation data, only for availability.
 */
export async function startCaServer(options: CaServerOptions): Promise<CaServer> {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? defaultLogger(`ca-${options.name}`);
  const token = HsmToken.open(options.token);
  let server: Server | undefined;
  try {
    const listening = createServer({ requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
    server = listening;
    // Listen first: the port (0 picks one) goes into what the CA issues (CRL distribution point, AIA).
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(options.port ?? 0, host, () => {
        listening.off('error', reject);
        resolve();
      });
    });
    const url = `https://${host}:${(listening.address() as AddressInfo).port}`;
    const ca = await CertificateAuthority.open({
      name: options.name,
      dataDir: options.dataDir,
      token,
      baseUrl: url,
      ...(options.certificateValidityMs !== undefined
        ? { certificateValidityMs: options.certificateValidityMs }
        : {}),
      ...(options.crlValidityMs !== undefined ? { crlValidityMs: options.crlValidityMs } : {}),
      ...(options.caValidityMs !== undefined ? { caValidityMs: options.caValidityMs } : {}),
      ...(options.now !== undefined ? { now: options.now } : {}),
    });
    const tlsKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const tlsCert = await ca.issueTlsCertificate(
      tlsKey.publicKey.export({ type: 'spki', format: 'der' }),
      [host, 'localhost'],
      options.tlsValidityMs ?? 30 * DAY_MS,
    );
    listening.setSecureContext({
      key: tlsKey.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      cert: `${tlsCert}\n${ca.certificatePem}\n`,
    });
    listening.keepAliveTimeout = 5_000;
    listening.on(
      'request',
      caApp({
        ca,
        authorizedClients: new Set((options.authorizedClients ?? []).map(normaliseFingerprint)),
        logger,
      }),
    );
    const pidFile = join(options.dataDir, CA_PID_FILE);
    writeFileSync(pidFile, `${process.pid}\n`);
    logger.info({ url, ...ca.status() }, 'certificate authority ready');
    let stopped: Promise<void> | undefined;
    return {
      name: options.name,
      url,
      certificatePem: ca.certificatePem,
      ca,
      stop: () =>
        (stopped ??= new Promise<void>((resolve) => {
          listening.close(() => resolve());
          listening.closeAllConnections();
        }).finally(() => {
          rmSync(pidFile, { force: true });
          token.close();
        })),
    };
  } catch (error) {
    server?.close();
    token.close();
    throw error;
  }
}
