import { join } from 'node:path';
import type { Logger } from 'pino';
import type { FabricConfig, FabricConnection } from '../fabric';
import { ensureMembers, type GovernanceLedger, type MemberSpec } from '../governance';
import { ProvidersLedger } from '../providers/ledger';
import type { KeyReplicator } from '../providers/registry/replicate';
import { spawnProvider, type ProviderProcess } from './providerProcesses';

/** A provider of the local stack: its name, region and ledger identity. */
export interface StackProviderSpec {
  readonly name: string;
  readonly region: string;
  readonly fabric: FabricConfig;
  readonly fingerprint: string;
}

/** The providers of `npm start`: two in one region, one in another, so proximity shows. */
export const STACK_PROVIDER_REGIONS: readonly (readonly [string, string])[] = [
  ['kp1', 'eu-west'],
  ['kp2', 'eu-west'],
  ['kp3', 'us-east'],
];

/** The key the stack creates and replicates to every provider, for the walk-through. */
export const DEMO_KEY_ID = 'demo';

/** Registers the providers' members (role provider) and starts each as a process of its own, in parallel. */
export async function startStackProviders(options: {
  readonly admin: GovernanceLedger;
  readonly providers: readonly StackProviderSpec[];
  readonly dataDir: string;
  readonly logger: Logger;
}): Promise<ProviderProcess[]> {
  const specs: MemberSpec[] = options.providers.map((p) => ({
    name: p.name,
    mspId: p.fabric.mspId,
    fingerprint: p.fingerprint,
  }));
  await ensureMembers(options.admin, specs, 'provider');
  const started = await Promise.allSettled(
    options.providers.map((p) =>
      spawnProvider({
        name: p.name,
        region: p.region,
        fabric: p.fabric,
        dataDir: join(options.dataDir, 'providers', p.name),
        logFile: join(options.dataDir, 'logs', `${p.name}.log`),
      }),
    ),
  );
  const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(running.map((p) => p.stop()));
    throw failed.reason;
  }
  for (const p of running) {
    options.logger.info({ provider: p.name, url: p.url, pid: p.pid }, 'key provider started');
  }
  return running;
}

/** Creates the demo key on every provider (idempotent) and lets `grantees` use it for every operation. */
export async function ensureDemoKey(options: {
  readonly replicator: KeyReplicator;
  readonly admin: FabricConnection;
  readonly grantees: readonly MemberSpec[];
}): Promise<{ keyCheckValue: string; providers: string[] }> {
  const report = await options.replicator.createReplicatedKey(options.admin, {
    keyId: DEMO_KEY_ID,
    description: 'created by npm start for the walk-through',
  });
  const ledger = new ProvidersLedger(options.admin);
  for (const grantee of options.grantees) {
    await ledger.grantKeyUse({
      keyId: DEMO_KEY_ID,
      mspId: grantee.mspId,
      fingerprint: grantee.fingerprint,
      operations: ['Decrypt', 'Encrypt', 'GenerateDataKey', 'ReEncrypt'],
      name: grantee.name,
    });
  }
  return { keyCheckValue: report.keyCheckValue, providers: report.providers.map((p) => p.providerId) };
}
