import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { FabricConnection, type FabricConfig } from '../fabric';
import { writeFileAtomic } from '../files';
import { ensureMembers, type GovernanceLedger } from '../governance';
import { ThresholdLedger } from '../threshold';
import { CustodyLedger } from '../threshold/custodyLedger';
import { LedgerPeerDirectory } from '../threshold/module/peers';
import { DirectoryModuleCaller } from '../threshold/service/moduleCaller';
import { ThresholdService } from '../threshold/service/thresholdService';
import { spawnKeyledger, type KeyledgerProcess } from './childProcesses';

/** The stack's security modules: ids, member names, share indices 1..5. */
export const STACK_MODULE_NAMES = ['m1', 'm2', 'm3', 'm4', 'm5'] as const;
/** The module the walk-through makes cheat: the only one started with fault injection allowed. */
export const STACK_DEMO_CHEATER = 'm5';
/** The stack's threshold key: 3-of-5 by DKG, modules needing a trust score of at least 300. */
export const STACK_CUSTODY_KEY = 'custody';
export const STACK_CUSTODY_POLICY = { t: 3, n: 5, minTrust: 300 } as const;

const READY = /^module (\S+) ready on (https:\/\/\S+)$/m;

export interface StackMember {
  readonly name: string;
  readonly fabric: FabricConfig;
  readonly fingerprint: string;
}

export interface StackThresholdOptions {
  readonly admin: GovernanceLedger;
  /** The admin's own connection (policy and commitments are the admin's to publish). */
  readonly adminConnection: FabricConnection;
  /** The orchestrator: it opens sessions and calls the modules over mutual TLS with its member certificate. */
  readonly orchestrator: StackMember;
  /** One member (role module) per security module. */
  readonly modules: readonly StackMember[];
  readonly dataDir: string;
  readonly logger: Logger;
}

export interface StackModuleProcess extends KeyledgerProcess {
  readonly name: string;
  readonly pidFile: string;
}

export interface StackThreshold {
  readonly service: ThresholdService;
  readonly modules: readonly StackModuleProcess[];
  readonly keyId: string;
  readonly groupPublicKey: string;
  /** Whether this start ran the key ceremony (a later start finds the shares in the modules' tokens). */
  readonly generated: boolean;
  stop(): Promise<void>;
}

async function spawnModule(who: StackMember, index: number, dataDir: string): Promise<StackModuleProcess> {
  const dir = resolve(dataDir, 'modules', who.name);
  const identityFile = join(dir, 'identity.json');
  writeFileAtomic(identityFile, `${JSON.stringify(who.fabric, null, 2)}\n`);
  const started = await spawnKeyledger({
    what: `module ${who.name}`,
    args: [
      'module',
      'start',
      '--name',
      who.name,
      '--index',
      String(index),
      '--identity',
      identityFile,
      '--data-dir',
      dir,
      ...(who.name === STACK_DEMO_CHEATER ? ['--allow-fault-injection'] : []),
    ],
    ready: READY,
    logFile: join(dir, 'module.log'),
  });
  return { name: who.name, pidFile: join(dir, 'module.pid'), ...started };
}

/**
 * Threshold custody in the stack: five security modules as processes of their own (own SoftHSM tokens, mutual
 * TLS, self-registered and software-attested), the key `custody` shared 3-of-5 by distributed key generation on
 * the first start, and the orchestrator's service that the REST API signs, refreshes and reconstructs through.
 */
export async function startStackThreshold(options: StackThresholdOptions): Promise<StackThreshold> {
  await ensureMembers(
    options.admin,
    options.modules.map((who) => ({ name: who.name, mspId: who.fabric.mspId, fingerprint: who.fingerprint })),
    'module',
  );
  const started: StackModuleProcess[] = [];
  const orchestratorConnection = FabricConnection.open(options.orchestrator.fabric);
  const directory = new LedgerPeerDirectory(new ThresholdLedger(orchestratorConnection), {
    certPem: readFileSync(options.orchestrator.fabric.certPath, 'utf8'),
    keyPem: readFileSync(options.orchestrator.fabric.keyPath ?? '', 'utf8'),
  });
  const caller = new DirectoryModuleCaller(directory);
  const stop = async (): Promise<void> => {
    // The walk-through pauses a module with SIGSTOP; a paused process would never act on SIGTERM.
    for (const module of started) {
      try {
        process.kill(module.pid, 'SIGCONT');
      } catch {
        // Already gone.
      }
    }
    await Promise.all(started.map((module) => module.stop()));
    await caller.close();
    orchestratorConnection.close();
  };
  try {
    started.push(
      ...(await Promise.all(options.modules.map((who, i) => spawnModule(who, i + 1, options.dataDir)))),
    );
    const service = new ThresholdService({ modules: caller, logger: options.logger });
    const admin = new CustodyLedger(options.adminConnection);
    let current = await admin.latestCommitments(STACK_CUSTODY_KEY);
    const generated = current === undefined;
    if (current === undefined) {
      await admin.setPolicy({ keyId: STACK_CUSTODY_KEY, ...STACK_CUSTODY_POLICY });
      await service.keygen(admin, { keyId: STACK_CUSTODY_KEY, mode: 'dkg' });
      current = await admin.commitments(STACK_CUSTODY_KEY);
    }
    return {
      service,
      modules: started,
      keyId: STACK_CUSTODY_KEY,
      groupPublicKey: current.commitments[0] ?? '',
      generated,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
