import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { FabricConnection, type FabricConfig } from '../fabric';
import { ensureMembers, type GovernanceLedger } from '../governance';
import { HsmToken, type TokenCredentials } from '../hsm';
import { CaValidator, type TrustedCa } from '../signing/ca';
import { CA_READY_LINE } from '../signing/ca/caStart';
import { KeyCertification, SigningService } from '../signing/service';
import { closers } from './closers';
import { spawnKeyledger, type KeyledgerProcess } from './childProcesses';

/** The CAs of `npm start`: two, so that validation can fail over when one is stopped. */
export const STACK_CA_NAMES = ['ca1', 'ca2'] as const;
/** The signing service's issuer id (the tokens' iss, its scope on the ledger). */
export const STACK_SIGNING_SERVICE_ID = 'keyledger-signer';
/** The stack's signing key rotates daily: the next key is published an hour before it becomes active. */
export const STACK_SIGNING_ROTATION = { every: 'daily' } as const;

/** A CA of the stack: a process of its own. */
export interface StackCa {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  readonly dataDir: string;
  readonly logFile: string;
  readonly process: KeyledgerProcess;
}

export interface StackSigning {
  readonly service: SigningService;
  readonly validator: CaValidator;
  readonly cas: readonly StackCa[];
  stop(): Promise<void>;
}

export interface StackSigningOptions {
  readonly admin: GovernanceLedger;
  /** The service's member (role signer): its ledger identity, also its client certificate at the CAs. */
  readonly signer: { readonly name: string; readonly fabric: FabricConfig; readonly fingerprint: string };
  /** The service's SoftHSM token: its signing keys are made and kept there. */
  readonly token: TokenCredentials;
  readonly dataDir: string;
  readonly logger: Logger;
}

async function spawnCa(name: string, dataDir: string, clientCertPath: string): Promise<StackCa> {
  const caDir = join(dataDir, 'cas', name);
  const started = await spawnKeyledger({
    what: `ca ${name}`,
    args: ['ca', 'start', '--name', name, '--data-dir', caDir, '--authorized-client', clientCertPath],
    ready: CA_READY_LINE,
    logFile: join(dataDir, 'logs', `${name}.log`),
  });
  return {
    name,
    url: started.url,
    pid: started.pid,
    dataDir: caDir,
    logFile: started.logFile,
    process: started,
  };
}

/**
 * The signing capability of the stack: the signer's member, two CA processes (each its own SoftHSM token), the
 * validator over them and the signing service with its durable queue in `<data>/signing`. The first start makes
 * and certifies its key; a later one takes the active key up again.
 */
export async function startStackSigning(options: StackSigningOptions): Promise<StackSigning> {
  const { signer, dataDir, logger } = options;
  await ensureMembers(
    options.admin,
    [{ name: signer.name, mspId: signer.fabric.mspId, fingerprint: signer.fingerprint }],
    'signer',
  );
  const closing = closers(logger, 'the signing service');
  const stop = (): Promise<void> => closing.stop();

  try {
    const started = await Promise.allSettled(
      STACK_CA_NAMES.map((name) => spawnCa(name, dataDir, signer.fabric.certPath)),
    );
    for (const result of started) {
      if (result.status === 'fulfilled') closing.push(() => result.value.process.stop());
    }
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const cas = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const keyPath = signer.fabric.keyPath;
    if (keyPath === undefined) {
      throw new Error(
        `the signer identity needs a PEM key file: it is also its client certificate at the CAs`,
      );
    }
    const clientTls = {
      certPem: readFileSync(signer.fabric.certPath, 'utf8'),
      keyPem: readFileSync(keyPath, 'utf8'),
    };
    const trusted: TrustedCa[] = cas.map((ca) => ({
      id: ca.name,
      baseUrl: ca.url,
      certificatePem: readFileSync(join(ca.dataDir, 'ca.pem'), 'utf8'),
      clientTls,
    }));
    const validator = new CaValidator({ cas: trusted });
    await validator.start();
    closing.push(() => validator.stop());
    const token = HsmToken.open({ label: options.token.label, pin: options.token.pin });
    closing.push(() => token.close());
    const connection = FabricConnection.open(signer.fabric);
    closing.push(() => connection.close());
    const signingDir = join(dataDir, 'signing');
    const service = await SigningService.start({
      dataDir: signingDir,
      token,
      ledger: connection,
      serviceId: STACK_SIGNING_SERVICE_ID,
      certification: new KeyCertification({
        validator,
        caIds: cas.map((ca) => ca.name),
        dir: join(signingDir, 'certificates'),
        logger,
      }),
      workers: 4,
      claimBatch: 50,
      rotation: STACK_SIGNING_ROTATION,
      // A revocation by anyone on the ledger (an admin's CLI) makes the service rotate at once.
      events: { network: connection.network, chaincode: signer.fabric.chaincode },
      logger,
    });
    closing.push(() => service.stop());
    for (const ca of cas) {
      logger.info({ ca: ca.name, url: ca.url, pid: ca.pid }, 'certificate authority started');
    }
    return { service, validator, cas, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
