/**
 * A whole KeyLedger rotation stack for end-to-end tests: a devnet with three organisations, the `keyledger`
 * chaincode deployed, governance bootstrapped, three validators (one per organisation) and two front-ends,
 * each with its own Fabric identity and its own SoftHSM token, running the real agents.
 *
 *   const stack = await startStack();            // validators and front-ends running
 *   await stack.setPolicy({ queueId: 'orders', rotationIntervalMs: 60_000, maxMessages: 1000 });
 *   await stack.frontends[0].waitForVersion('orders', 1);
 *   …
 *   await stack.stop();
 *
 * Tokens come from the run-owned SoftHSM directory of the jest global setup (never the system's). Logs of
 * every agent go to one in-memory capture (`stack.logs`), so tests can assert what was — and was not — logged.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { issueIdentity, startDevnet, type Devnet, type IdentityFiles } from '@keyledger/devnet';
import { pino, type Logger } from 'pino';
import { certificateFingerprint, FabricConnection, type FabricConfig } from '../../../gateway/src/fabric';
import {
  ensureBootstrapped,
  ensureMembers,
  ensureValidators,
  GovernanceLedger,
  type MemberSpec,
} from '../../../gateway/src/governance';
import { ensureToken, type TokenOptions } from '../../../gateway/src/hsm';
import { REDACT_PATHS } from '../../../gateway/src/logging';
import {
  FrontendNode,
  RotationLedger,
  ValidatorAgent,
  type FrontendNodeOptions,
  type KeyPolicy,
  type ValidatorAgentOptions,
} from '../../../gateway/src/rotation';

export const CHAINCODE_NAME = 'keyledger';
export const CHAINCODE_DIR = resolve(__dirname, '../../../chaincode');
const PIN = '24681357';
const SO_PIN = '13572468';

/** Every JSON log line the stack's agents wrote. */
export class LogCapture {
  readonly lines: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done): void => {
      const text = chunk.toString('utf8');
      this.lines.push(...text.split('\n').filter((line) => line.length > 0));
      if (process.env['KEYLEDGER_E2E_LOGS']) {
        process.stderr.write(text);
      }
      done();
    },
  });

  get text(): string {
    return this.lines.join('\n');
  }

  /** Parsed lines, optionally only those with this `msg`. */
  entries(msg?: string): Record<string, unknown>[] {
    return this.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => msg === undefined || entry['msg'] === msg);
  }
}

/** One participant's ledger identity and token. */
export interface Member {
  readonly name: string;
  readonly files: IdentityFiles;
  readonly fingerprint: string;
  readonly fabric: FabricConfig;
  readonly token: TokenOptions;
}

export interface StackOptions {
  /** Validators, one per organisation in turn (default 3). */
  readonly validators?: number;
  /** Front-ends, one per organisation in turn (default 2). */
  readonly frontends?: number;
  /** Start the agents (default true); otherwise call startValidator / startFrontend. */
  readonly startAgents?: boolean;
  readonly validatorOptions?: Partial<ValidatorAgentOptions>;
  readonly frontendOptions?: Partial<FrontendNodeOptions>;
  readonly logLevel?: string;
}

export interface PolicyInput {
  readonly queueId: string;
  readonly rotationIntervalMs: number;
  readonly maxMessages: number;
  readonly proposalTtlMs?: number;
  readonly retentionVersions?: number;
  readonly retentionMs?: number;
  /** Default 0 here (the policy's default is 60 s): these tests rotate back to back on purpose. */
  readonly minRotationIntervalMs?: number;
}

export interface Stack {
  readonly devnet: Devnet;
  readonly dataDir: string;
  /** `<data>/connection.json`, for anything that reads a connection file. */
  readonly connectionFile: string;
  readonly logs: LogCapture;
  readonly logger: Logger;
  /** The bootstrap admin (Org1 admin) on the ledger. */
  readonly admin: {
    readonly ledger: RotationLedger;
    readonly governance: GovernanceLedger;
    readonly fabric: FabricConfig;
  };
  readonly validatorMembers: readonly Member[];
  readonly frontendMembers: readonly Member[];
  /** Running agents by index (undefined while stopped). */
  readonly validators: (ValidatorAgent | undefined)[];
  readonly frontends: (FrontendNode | undefined)[];
  /** A Fabric config for any devnet identity. */
  fabricConfig(files: IdentityFiles): FabricConfig;
  /** A ledger client acting as `member` (for tests that play a byzantine or confused participant). */
  ledgerAs(member: Member | IdentityFiles): RotationLedger;
  /** The Governance contract as `member`. */
  governanceAs(member: Member | IdentityFiles): GovernanceLedger;
  /** A fresh client identity of an organisation, issued by its CA but not registered. */
  newIdentity(org: number, name: string): Promise<IdentityFiles>;
  setPolicy(policy: PolicyInput): Promise<KeyPolicy>;
  startValidator(index: number, overrides?: Partial<ValidatorAgentOptions>): Promise<ValidatorAgent>;
  stopValidator(index: number): Promise<void>;
  startFrontend(index: number, overrides?: Partial<FrontendNodeOptions>): Promise<FrontendNode>;
  stopFrontend(index: number): Promise<void>;
  /** Waits until every running front-end's current version of the queue is at least `version`. */
  allOnVersion(queueId: string, version: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const validatorCount = options.validators ?? 3;
  const frontendCount = options.frontends ?? 2;
  const dataDir = mkdtempSync(join(tmpdir(), 'keyledger-e2e-'));
  const logs = new LogCapture();
  const logger = pino(
    {
      level: options.logLevel ?? process.env['KEYLEDGER_E2E_LOG_LEVEL'] ?? 'debug',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    logs.stream,
  );
  const devnet = await startDevnet({ dataDir, port: 0, orgs: 3, batchTimeoutMs: 50 });
  const connections: FabricConnection[] = [];
  const run = randomBytes(3).toString('hex');

  const fabricConfig = (files: IdentityFiles): FabricConfig => ({
    endpoint: devnet.endpoint,
    tlsRootCertPath: devnet.material.tls.caCertPath,
    hostnameOverride: 'localhost',
    channel: devnet.channelId,
    chaincode: CHAINCODE_NAME,
    mspId: files.mspId,
    certPath: files.certPath,
    keyPath: files.keyPath,
  });
  const connectionOf = (who: Member | IdentityFiles): FabricConnection => {
    const files = 'files' in who ? who.files : who;
    const connection = FabricConnection.open(fabricConfig(files));
    connections.push(connection);
    return connection;
  };
  const ledgerAs = (who: Member | IdentityFiles): RotationLedger => new RotationLedger(connectionOf(who));
  const governanceAs = (who: Member | IdentityFiles): GovernanceLedger =>
    new GovernanceLedger(connectionOf(who));
  const orgOf = (index: number): NonNullable<Devnet['material']['orgs'][number]> => {
    const org = devnet.material.orgs[index % devnet.material.orgs.length];
    if (!org) {
      throw new Error('devnet has no organisations');
    }
    return org;
  };
  const member = async (name: string, index: number): Promise<Member> => {
    const files = await issueIdentity(orgOf(index), name, 'client');
    const label = `${name}-${run}`.slice(0, 32);
    ensureToken({ label, pin: PIN, soPin: SO_PIN });
    return {
      name,
      files,
      fingerprint: certificateFingerprint(files.certPem),
      fabric: fabricConfig(files),
      token: { label, pin: PIN },
    };
  };

  try {
    await devnet.deploy(CHAINCODE_NAME, CHAINCODE_DIR);
    const adminFabric = fabricConfig(devnet.identity(1, 'admin'));
    const adminLedger = ledgerAs(devnet.identity(1, 'admin'));
    const adminGovernance = governanceAs(devnet.identity(1, 'admin'));
    await ensureBootstrapped(adminGovernance);

    const validatorMembers: Member[] = [];
    for (let i = 0; i < validatorCount; i += 1) {
      validatorMembers.push(await member(`validator${i + 1}`, i));
    }
    const frontendMembers: Member[] = [];
    for (let i = 0; i < frontendCount; i += 1) {
      frontendMembers.push(await member(`frontend${i + 1}`, i));
    }
    const spec = (who: Member): MemberSpec => ({
      name: who.name,
      mspId: who.files.mspId,
      fingerprint: who.fingerprint,
    });
    const byName = new Map(validatorMembers.map((who) => [who.name, who]));
    await ensureValidators(adminGovernance, validatorMembers.map(spec), (seated) =>
      governanceAs(byName.get(seated.name) as Member),
    );
    await ensureMembers(adminGovernance, frontendMembers.map(spec), 'frontend');

    const validators: (ValidatorAgent | undefined)[] = validatorMembers.map(() => undefined);
    const frontends: (FrontendNode | undefined)[] = frontendMembers.map(() => undefined);

    const startValidator = async (
      index: number,
      overrides: Partial<ValidatorAgentOptions> = {},
    ): Promise<ValidatorAgent> => {
      const who = validatorMembers[index];
      if (!who || validators[index]) {
        throw new Error(`validator ${index} does not exist or is running`);
      }
      const agent = await ValidatorAgent.start({
        name: who.name,
        // Follow events from the current tip (the agents catch up on state first). Explicit, because the
        // devnet does not accept fabric-gateway's default "next commit" start position yet.
        startBlock: BigInt(devnet.status().height),
        fabric: who.fabric,
        token: who.token,
        logger,
        pollIntervalMs: 500,
        proposeJitterMs: 100,
        ...options.validatorOptions,
        ...overrides,
      });
      validators[index] = agent;
      return agent;
    };
    const stopValidator = async (index: number): Promise<void> => {
      const agent = validators[index];
      validators[index] = undefined;
      await agent?.stop();
    };
    const startFrontend = async (
      index: number,
      overrides: Partial<FrontendNodeOptions> = {},
    ): Promise<FrontendNode> => {
      const who = frontendMembers[index];
      if (!who || frontends[index]) {
        throw new Error(`front-end ${index} does not exist or is running`);
      }
      const node = await FrontendNode.start({
        name: who.name,
        // Follow events from the current tip (the agents catch up on state first). Explicit, because the
        // devnet does not accept fabric-gateway's default "next commit" start position yet.
        startBlock: BigInt(devnet.status().height),
        fabric: who.fabric,
        token: who.token,
        logger,
        pollIntervalMs: 2_000,
        checkpointPath: join(dataDir, `${who.name}.checkpoint.json`),
        volume: { flushIntervalMs: 500, flushEveryMessages: 100 },
        ...options.frontendOptions,
        ...overrides,
      });
      frontends[index] = node;
      return node;
    };
    const stopFrontend = async (index: number): Promise<void> => {
      const node = frontends[index];
      frontends[index] = undefined;
      await node?.stop();
    };

    if (options.startAgents ?? true) {
      // Front-ends first: they publish their key-wrapping keys, which validators need to wrap for them.
      for (let i = 0; i < frontendMembers.length; i += 1) {
        await startFrontend(i);
      }
      for (let i = 0; i < validatorMembers.length; i += 1) {
        await startValidator(i);
      }
    }

    let stopped: Promise<void> | undefined;
    const stack: Stack = {
      devnet,
      dataDir,
      connectionFile: join(dataDir, 'connection.json'),
      logs,
      logger,
      admin: { ledger: adminLedger, governance: adminGovernance, fabric: adminFabric },
      validatorMembers,
      frontendMembers,
      validators,
      frontends,
      fabricConfig,
      ledgerAs,
      governanceAs,
      newIdentity: (org, name) => issueIdentity(orgOf(org - 1), name, 'client'),
      setPolicy: async (policy) =>
        (await adminLedger.setKeyPolicy({ algorithm: 'AES-256-GCM', minRotationIntervalMs: 0, ...policy }))
          .policy,
      startValidator,
      stopValidator,
      startFrontend,
      stopFrontend,
      allOnVersion: async (queueId, version, timeoutMs = 30_000) => {
        await Promise.all(
          frontends
            .filter((node) => node !== undefined)
            .map((node) => node.waitForVersion(queueId, version, timeoutMs)),
        );
      },
      stop: () => {
        stopped ??= (async () => {
          await Promise.all(validators.map((_, i) => stopValidator(i)));
          await Promise.all(frontends.map((_, i) => stopFrontend(i)));
          for (const connection of connections) {
            connection.close();
          }
          await devnet.stop();
          rmSync(dataDir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
    return stack;
  } catch (error) {
    for (const connection of connections) {
      connection.close();
    }
    await devnet.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
