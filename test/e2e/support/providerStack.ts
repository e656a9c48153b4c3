/**
 * Key providers for end-to-end tests: a devnet, an admin, an orchestrator member, and providers each running as
 * a process of its own (`keyledger provider start`, the built gateway) with its own SoftHSM token and data folder.
 *
 *   const net = await startProviderNet({ providers: [{ name: 'kp1', region: 'eu-west' }, …] });
 *   await net.replicateKey('orders');           // created on the first provider, wrapped to the others
 *   const kp1 = net.client('kp1');               // an mTLS client with the orchestrator's certificate
 *   await net.kill('kp1');                       // SIGKILL
 *   await net.stop();
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Devnet } from '@keyledger/devnet';
import type { FabricConnection } from '../../../gateway/src/fabric';
import { ensureMembers } from '../../../gateway/src/governance';
import { ProviderClient, type ClientTlsIdentity } from '../../../gateway/src/providers/client/providerClient';
import { ProvidersLedger, type ScoredProvider } from '../../../gateway/src/providers/ledger';
import {
  KeyReplicator,
  type CreateReplicatedKeyInput,
  type ReplicationReport,
} from '../../../gateway/src/providers/registry/replicate';
import { spawnProvider, type ProviderProcess } from '../../../gateway/src/stack/providerProcesses';
import { startMemberNet, type NetMember } from './memberNet';

export { CHAINCODE_DIR, CHAINCODE_NAME, type NetMember } from './memberNet';

export interface ProviderSpec {
  readonly name: string;
  readonly region: string;
}

export interface ProviderNet {
  readonly devnet: Devnet;
  readonly dataDir: string;
  readonly admin: NetMember;
  readonly orchestrator: NetMember;
  /** The orchestrator's TLS client identity (its Fabric certificate and key). */
  readonly orchestratorTls: ClientTlsIdentity;
  readonly providers: Map<string, ProviderProcess | undefined>;
  readonly members: Map<string, NetMember>;
  /** A ledger connection as `who` (closed by stop). */
  connectionAs(who: NetMember): FabricConnection;
  providersLedgerAs(who: NetMember): ProvidersLedger;
  profile(name: string): Promise<ScoredProvider>;
  /** An mTLS client of a provider, as the orchestrator (closed by stop). */
  client(name: string, identity?: ClientTlsIdentity): Promise<ProviderClient>;
  replicateKey(
    keyId: string,
    placement?: Pick<CreateReplicatedKeyInput, 'origin' | 'replicas'>,
  ): Promise<ReplicationReport>;
  startProvider(spec: ProviderSpec, allowFaultInjection?: boolean): Promise<ProviderProcess>;
  kill(name: string): Promise<void>;
  /** A client identity of an organisation, issued by its CA but not registered. */
  newIdentity(name: string): Promise<NetMember>;
  stop(): Promise<void>;
}

export async function startProviderNet(options: {
  readonly providers: readonly ProviderSpec[];
  readonly allowFaultInjection?: boolean;
}): Promise<ProviderNet> {
  const net = await startMemberNet({ prefix: 'keyledger-providers-' });
  const { devnet, dataDir, admin, adminGovernance, newIdentity, connectionAs } = net;
  const clients: ProviderClient[] = [];
  const providers = new Map<string, ProviderProcess | undefined>();
  const members = new Map<string, NetMember>();
  net.onStop(async () => {
    await Promise.all([...providers.values()].map((p) => p?.kill()));
    await Promise.all(clients.map((c) => c.close()));
  });
  const stop = (): Promise<void> => net.stop();
  try {
    const orchestrator = await newIdentity('orchestrator');
    await ensureMembers(
      adminGovernance,
      [{ name: 'orchestrator', mspId: orchestrator.files.mspId, fingerprint: orchestrator.fingerprint }],
      'orchestrator',
    );
    const orchestratorTls: ClientTlsIdentity = {
      certPem: orchestrator.files.certPem,
      keyPem: readFileSync(orchestrator.files.keyPath, 'utf8'),
    };
    const reader = new ProvidersLedger(connectionAs(admin));
    const profile = async (name: string): Promise<ScoredProvider> => {
      const found = (await reader.listProviders({ includeSuspended: true })).find(
        (p) => p.providerId === name,
      );
      if (!found) {
        throw new Error(`provider ${name} is not registered`);
      }
      return found;
    };
    const client = async (name: string, identity = orchestratorTls): Promise<ProviderClient> => {
      const made = new ProviderClient({ provider: await profile(name), identity });
      clients.push(made);
      return made;
    };
    const startProvider = async (
      spec: ProviderSpec,
      faults = options.allowFaultInjection,
    ): Promise<ProviderProcess> => {
      let who = members.get(spec.name);
      if (!who) {
        who = await newIdentity(spec.name);
        members.set(spec.name, who);
        await ensureMembers(
          adminGovernance,
          [{ name: spec.name, mspId: who.files.mspId, fingerprint: who.fingerprint }],
          'provider',
        );
      }
      const started = await spawnProvider({
        name: spec.name,
        region: spec.region,
        fabric: who.fabric,
        dataDir: join(dataDir, 'providers', spec.name),
        allowFaultInjection: faults ?? false,
      });
      providers.set(spec.name, started);
      return started;
    };
    await Promise.all(options.providers.map((spec) => startProvider(spec)));
    const adminAccess = connectionAs(admin);
    const replicator = new KeyReplicator({
      reader: adminAccess,
      transportOf: (p) => {
        const made = new ProviderClient({ provider: p, identity: orchestratorTls });
        clients.push(made);
        return made;
      },
    });
    return {
      devnet,
      dataDir,
      admin,
      orchestrator,
      orchestratorTls,
      providers,
      members,
      connectionAs,
      providersLedgerAs: (who) => new ProvidersLedger(connectionAs(who)),
      profile,
      client,
      replicateKey: (keyId, placement = {}) =>
        replicator.createReplicatedKey(adminAccess, { keyId, ...placement }),
      startProvider,
      kill: async (name) => {
        await providers.get(name)?.kill();
        providers.set(name, undefined);
      },
      newIdentity,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
