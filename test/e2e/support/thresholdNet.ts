import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { writeFileAtomic } from '../../../gateway/src/files';
import { spawnKeyledger, type KeyledgerProcess } from '../../../gateway/src/stack/childProcesses';
import { ThresholdLedger, type ModuleClientIdentity } from '../../../gateway/src/threshold';
import { CustodyLedger } from '../../../gateway/src/threshold/custodyLedger';
import { LedgerPeerDirectory } from '../../../gateway/src/threshold/module/peers';
import { DirectoryModuleCaller } from '../../../gateway/src/threshold/service/moduleCaller';
import { ThresholdService } from '../../../gateway/src/threshold/service/thresholdService';
import { MODULE_PATHS } from '../../../gateway/src/threshold/protocol/wire';
import { startMemberNet, type MemberNet, type NetMember } from './memberNet';

const READY = /^module (\S+) ready on (https:\/\/\S+)$/m;

export interface ThresholdNet {
  readonly net: MemberNet;
  readonly orchestrator: NetMember;
  /** The TrustDomain as the admin (policies, commitments) — the ceremonies' ledger. */
  readonly adminLedger: CustodyLedger;
  /** The TrustDomain as the orchestrator (sessions). */
  readonly orchestratorLedger: CustodyLedger;
  readonly modulesLedger: ThresholdLedger;
  readonly service: ThresholdService;
  readonly caller: DirectoryModuleCaller;
  readonly processes: Map<string, KeyledgerProcess>;
  startModule(name: string, index: number): Promise<KeyledgerProcess>;
  stopModule(name: string): Promise<void>;
  setFaults(name: string, misbehave: readonly string[]): Promise<void>;
  logFiles(): string[];
  stop(): Promise<void>;
}

/** A devnet with an orchestrator member and security-module processes (`keyledger module start`, own tokens). */
export async function startThresholdNet(prefix: string): Promise<ThresholdNet> {
  const net = await startMemberNet({ prefix });
  const processes = new Map<string, KeyledgerProcess>();
  const members = new Map<string, NetMember>();
  const logs: string[] = [];
  const orchestrator = await net.addMember('orchestrator', 'orchestrator');
  const tls: ModuleClientIdentity = {
    certPem: orchestrator.files.certPem,
    keyPem: readFileSync(orchestrator.files.keyPath, 'utf8'),
  };
  const orchestratorConnection = net.connectionAs(orchestrator);
  const modulesLedger = new ThresholdLedger(orchestratorConnection);
  const directory = new LedgerPeerDirectory(modulesLedger, tls, { ttlMs: 1_000 });
  const caller = new DirectoryModuleCaller(directory);
  const service = new ThresholdService({ modules: caller, logger: pino({ level: 'silent' }) });
  net.onStop(async () => {
    await Promise.all([...processes.values()].map((p) => p.kill()));
    await caller.close();
  });

  const startModule = async (name: string, index: number): Promise<KeyledgerProcess> => {
    let who = members.get(name);
    if (!who) {
      who = await net.addMember(name, 'module');
      members.set(name, who);
    }
    const dataDir = join(net.dataDir, 'modules', name);
    const identityFile = join(dataDir, 'identity.json');
    writeFileAtomic(identityFile, `${JSON.stringify(who.fabric, null, 2)}\n`);
    const logFile = join(dataDir, 'module.log');
    logs.push(logFile);
    const started = await spawnKeyledger({
      what: `module ${name}`,
      args: [
        'module',
        'start',
        '--name',
        name,
        '--index',
        String(index),
        '--identity',
        identityFile,
        '--data-dir',
        dataDir,
        '--attestation-interval',
        '3600',
        '--allow-fault-injection',
      ],
      ready: READY,
      logFile,
    });
    processes.set(name, started);
    return started;
  };

  return {
    net,
    orchestrator,
    adminLedger: new CustodyLedger(net.connectionAs(net.admin)),
    orchestratorLedger: new CustodyLedger(orchestratorConnection),
    modulesLedger,
    service,
    caller,
    processes,
    startModule,
    async stopModule(name: string): Promise<void> {
      await processes.get(name)?.kill();
      processes.delete(name);
    },
    async setFaults(name: string, misbehave: readonly string[]): Promise<void> {
      await caller.call(name, 'POST', MODULE_PATHS.faults, { misbehave });
    },
    logFiles: () => [...logs],
    stop: () => net.stop(),
  };
}
