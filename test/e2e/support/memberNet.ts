/**
 * A devnet with the chaincode deployed, governance bootstrapped by Org1's admin, and a way to add members with a
 * role: the ground every capability's end-to-end test stands on.
 *   const net = await startMemberNet();
 *   const signer = await net.addMember('signer', 'signer');
 *   const ledger = net.connectionAs(signer);
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '@keyledger/chaincode/protocol';
import { issueIdentity, startDevnet, type Devnet, type IdentityFiles } from '@keyledger/devnet';
import { certificateFingerprint, FabricConnection, type FabricConfig } from '../../../gateway/src/fabric';
import { ensureBootstrapped, ensureMembers, GovernanceLedger } from '../../../gateway/src/governance';

export const CHAINCODE_NAME = 'keyledger';
export const CHAINCODE_DIR = join(__dirname, '../../../chaincode');

export interface NetMember {
  readonly name: string;
  readonly files: IdentityFiles;
  readonly fabric: FabricConfig;
  readonly fingerprint: string;
}

export interface MemberNet {
  readonly devnet: Devnet;
  /** A temporary directory removed by stop(). */
  readonly dataDir: string;
  readonly admin: NetMember;
  readonly adminGovernance: GovernanceLedger;
  /** A client identity of an organisation (round robin), issued by its CA but not registered. */
  newIdentity(name: string): Promise<NetMember>;
  /** A new identity registered as an active member with `role`. */
  addMember(name: string, role: Role): Promise<NetMember>;
  /** A gateway connection as `who`, closed by stop(). */
  connectionAs(who: NetMember): FabricConnection;
  /** Runs before the devnet stops (processes of the test's own). */
  onStop(cleanup: () => Promise<void> | void): void;
  stop(): Promise<void>;
}

export async function startMemberNet(
  options: { readonly orgs?: number; readonly prefix?: string } = {},
): Promise<MemberNet> {
  const dataDir = mkdtempSync(join(tmpdir(), options.prefix ?? 'keyledger-net-'));
  const devnet = await startDevnet({
    dataDir: join(dataDir, 'devnet'),
    port: 0,
    orgs: options.orgs ?? 3,
    batchTimeoutMs: 50,
  });
  const connections: FabricConnection[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  const run = randomBytes(3).toString('hex');
  const asMember = (name: string, files: IdentityFiles): NetMember => ({
    name,
    files,
    fabric: {
      endpoint: devnet.endpoint,
      tlsRootCertPath: devnet.material.tls.caCertPath,
      hostnameOverride: 'localhost',
      channel: devnet.channelId,
      chaincode: CHAINCODE_NAME,
      mspId: files.mspId,
      certPath: files.certPath,
      keyPath: files.keyPath,
    },
    fingerprint: certificateFingerprint(files.certPem),
  });
  let orgIndex = 0;
  const newIdentity = async (name: string): Promise<NetMember> => {
    const org = devnet.material.orgs[orgIndex++ % devnet.material.orgs.length];
    if (!org) {
      throw new Error('devnet has no organisations');
    }
    return asMember(name, await issueIdentity(org, `${name}-${run}`, 'client'));
  };
  const connectionAs = (who: NetMember): FabricConnection => {
    const connection = FabricConnection.open(who.fabric);
    connections.push(connection);
    return connection;
  };
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      await Promise.resolve(cleanup()).catch(() => undefined);
    }
    connections.forEach((connection) => connection.close());
    await devnet.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await devnet.deploy(CHAINCODE_NAME, CHAINCODE_DIR);
    const admin = asMember('admin', devnet.identity(1, 'admin'));
    const adminGovernance = new GovernanceLedger(connectionAs(admin));
    await ensureBootstrapped(adminGovernance);
    return {
      devnet,
      dataDir,
      admin,
      adminGovernance,
      newIdentity,
      async addMember(name: string, role: Role): Promise<NetMember> {
        const who = await newIdentity(name);
        await ensureMembers(
          adminGovernance,
          [{ name, mspId: who.files.mspId, fingerprint: who.fingerprint }],
          role,
        );
        return who;
      },
      connectionAs,
      onStop: (cleanup) => cleanups.push(cleanup),
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
