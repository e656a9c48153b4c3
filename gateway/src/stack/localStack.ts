import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Devnet } from '@keyledger/devnet';
import { pino, type Logger } from 'pino';
import {
  ApiTokenStore,
  createApp,
  fabricIdentityResolver,
  ledgerReachableCheck,
  startApiServer,
  tokenApi,
  tokenStoreResolver,
  type ApiServer,
} from '../api';
import { writeProfile } from '../client';
import {
  certificateFingerprint,
  configFromConnectionFile,
  FabricConnection,
  readConnectionFile,
  type FabricConfig,
} from '../fabric';
import {
  ensureBootstrapped,
  ensureMembers,
  ensureValidators,
  governanceApi,
  GovernanceLedger,
  type MemberSpec,
} from '../governance';
import { LocalTokenStore, useSoftHsmDirectory, type TokenCredentials } from '../hsm';
import { REDACT_PATHS } from '../logging';
import { FrontendNode, rotationApi, ValidatorAgent, type FrontendNodeOptions } from '../rotation';
import { OrchestratorNode } from '../providers/orchestratorNode';
import { providersApi } from '../providers/api';
import { bootstrapTokens } from './apiTokens';
import { DEMO_KEY_ID, ensureDemoKey, STACK_PROVIDER_REGIONS, startStackProviders } from './keyProviders';
import { assertPortFree, portError } from './ports';
import { STACK_SIGNING_SERVICE_ID, startStackSigning } from './signingStack';
import {
  STACK_DEVICE_NAMES,
  STACK_SHARD_GENERATOR,
  STACK_SHARD_POLICY,
  STACK_SPARE_DEVICE,
  startStackShards,
} from './shardsStack';
import {
  STACK_CUSTODY_POLICY,
  STACK_DEMO_CHEATER,
  STACK_MODULE_NAMES,
  startStackThreshold,
  type StackThreshold,
} from './thresholdStack';
import { thresholdApi } from '../threshold/api';
import { shardsApi } from '../shards/api';
import { signingApi } from '../signing/api';
import { CA_PID_FILE } from '../signing/ca/caServer';

export const CHAINCODE_NAME = 'keyledger';
/** The chaincode package folder (gateway/dist/stack → repository root → chaincode). */
export const CHAINCODE_DIR = resolve(__dirname, '../../../chaincode');

export interface LocalStackOptions {
  /** Everything lives here: HSM tokens, devnet ledger, agent checkpoints, API tokens, logs. */
  readonly dataDir: string;
  /** 'devnet' starts the embedded ledger; 'fabric' uses a real network's connection file. */
  readonly network: 'devnet' | 'fabric';
  readonly connectionFile?: string;
  readonly devnetPort?: number;
  readonly apiPort?: number;
  readonly validators?: number;
  readonly frontends?: number;
  readonly progress?: (line: string) => void;
  /**
   * Prepended to every participant's token label (default none). SoftHSM reads its token directory once per
   * process: several stacks in one process (tests) share it, and need labels of their own.
   */
  readonly tokenLabelPrefix?: string;
}

export interface StackParticipant {
  readonly name: string;
  readonly role: 'admin' | 'validator' | 'frontend' | 'signer';
  readonly mspId: string;
  readonly apiToken: string;
}

/** A key provider of the stack: a process of its own. */
export interface StackProvider {
  readonly name: string;
  readonly region: string;
  readonly url: string;
  readonly pid: number;
  /** `kill -9 $(cat <pidFile>)` simulates a crash. */
  readonly pidFile: string;
  readonly logFile: string;
}

/** A CA of the signing service: a process of its own. */
export interface StackCaProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** `kill $(cat <pidFile>)` stops it, to see validation fail over. */
  readonly pidFile: string;
  readonly logFile: string;
}

export interface LocalStack {
  readonly apiUrl: string;
  readonly ledgerEndpoint: string;
  readonly connectionFile: string;
  readonly logFile: string;
  /** The CLI profile (API URL and each participant's token, mode 0600). */
  readonly profilePath: string;
  /** The embedded ledger, when the stack runs on the devnet. */
  readonly devnet?: Devnet;
  readonly participants: readonly StackParticipant[];
  readonly providers: readonly StackProvider[];
  /** The CMK created and replicated for the walk-through. */
  readonly demoKeyId: string;
  /** The signing service's CAs: processes of their own. */
  readonly cas: readonly StackCaProcess[];
  /** The signing service's issuer id (its tokens' iss). */
  readonly signingServiceId: string;
  /** The simulated devices and their directories (`keyledger device … --device DIR`). */
  readonly devices: readonly { readonly deviceId: string; readonly dir: string }[];
  /** A device prepared for the walk-through to provision. */
  readonly spareDevice?: { readonly deviceId: string; readonly dir: string };
  /** Threshold custody (on the devnet): the key, and the security-module processes. */
  readonly threshold?: {
    readonly keyId: string;
    readonly groupPublicKey: string;
    /** The module started with fault injection allowed, for the walk-through's cheater. */
    readonly cheater: string;
    readonly modules: readonly {
      readonly name: string;
      readonly url: string;
      readonly pid: number;
      readonly pidFile: string;
      readonly logFile: string;
    }[];
  };
  stop(): Promise<void>;
}

interface Identity {
  readonly name: string;
  readonly fabric: FabricConfig;
  readonly fingerprint: string;
}

const STEPS = 10;

/**
 * Brings up KeyLedger on one machine: SoftHSM tokens, the ledger (embedded devnet, or a real Fabric network
 * by its connection file), governance with three validators and two front-ends, their agents, and the REST
 * API. Every step is idempotent, so a second start reuses the data folder and only starts processes.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dataDir = resolve(options.dataDir);
  const progress = options.progress ?? ((): void => undefined);
  const step = (n: number, text: string): void => progress(`[${n}/${STEPS}] ${text}`);
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const logFile = join(dataDir, 'logs', 'keyledger.log');
  const logger: Logger = pino(
    { level: 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    pino.destination({ dest: logFile, sync: false, mkdir: true }),
  );
  const validatorCount = options.validators ?? 3;
  const frontendCount = options.frontends ?? 2;
  const closers: (() => Promise<void> | void)[] = [];
  const stop = async (): Promise<void> => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        logger.warn({ err: error }, 'error while stopping');
      }
    }
    closers.length = 0;
    logger.flush();
  };

  try {
    // Ports first: nothing is started on a machine where the stack could not finish starting.
    await assertPortFree(options.apiPort ?? 8080, '--api-port');
    if (options.network === 'devnet') {
      await assertPortFree(options.devnetPort ?? 7051, '--port');
    }
    step(1, 'HSM tokens (SoftHSM, project-owned configuration)');
    const hsmDir = join(dataDir, 'hsm');
    useSoftHsmDirectory(hsmDir);
    const tokens = new LocalTokenStore(hsmDir);
    const tokenOf = (name: string): TokenCredentials =>
      tokens.ensure(`${options.tokenLabelPrefix ?? ''}${name}`).credentials;
    const names = {
      validators: Array.from({ length: validatorCount }, (_, i) => `validator${i + 1}`),
      frontends: Array.from({ length: frontendCount }, (_, i) => `frontend${i + 1}`),
    };
    [...names.validators, ...names.frontends].forEach((name) => tokenOf(name));
    progress(`      ${hsmDir} (${tokens.labels().length} tokens)`);

    let admin: Identity;
    let validators: Identity[];
    let frontends: Identity[];
    let orchestratorIdentity: Identity;
    let providerIdentities: Identity[];
    let signerIdentity: Identity;
    let generatorIdentity: Identity;
    let deviceIdentities: Identity[];
    let spareDeviceIdentity: Identity;
    let moduleIdentities: Identity[];
    let connectionFile: string;
    let ledgerEndpoint: string;
    let startBlock: (() => bigint) | undefined;
    let embedded: Devnet | undefined;
    if (options.network === 'devnet') {
      step(2, 'ledger: embedded devnet (3 organisations) and the keyledger chaincode');
      // Loaded only here: a stack on a real Fabric network never loads the devnet.
      const { issueIdentity, startDevnet } = await import('@keyledger/devnet');
      const devnet: Devnet = await startDevnet({
        dataDir: join(dataDir, 'devnet'),
        port: options.devnetPort ?? 7051,
        orgs: 3,
        channelId: 'keyledger',
        // The devnet runs inside this process: `devnet stop` / `devnet status` name the whole stack.
        owner: { name: 'KeyLedger stack', includes: 'ledger, agents and API' },
        progress: (line) => progress(`      ${line}`),
      });
      closers.push(() => devnet.stop());
      embedded = devnet;
      const deployed = await devnet.deploy(CHAINCODE_NAME, CHAINCODE_DIR);
      progress(
        `      chaincode ${CHAINCODE_NAME} ${deployed.changed ? `deployed (sequence ${deployed.sequence})` : `unchanged (sequence ${deployed.sequence})`}`,
      );
      connectionFile = join(devnet.dataDir, 'connection.json');
      ledgerEndpoint = devnet.endpoint;
      startBlock = () => BigInt(devnet.status().height);
      const config = (files: { mspId: string; certPath: string; keyPath: string }): FabricConfig => ({
        endpoint: devnet.endpoint,
        tlsRootCertPath: devnet.material.tls.caCertPath,
        hostnameOverride: 'localhost',
        channel: devnet.channelId,
        chaincode: CHAINCODE_NAME,
        mspId: files.mspId,
        certPath: files.certPath,
        keyPath: files.keyPath,
      });
      const identity = async (name: string, index: number): Promise<Identity> => {
        const org = devnet.material.orgs[index % devnet.material.orgs.length];
        if (!org) {
          throw new Error('devnet has no organisations');
        }
        const files = await issueIdentity(org, name, 'client');
        return { name, fabric: config(files), fingerprint: certificateFingerprint(files.certPem) };
      };
      const adminFiles = devnet.identity(1, 'admin');
      admin = {
        name: 'admin',
        fabric: config(adminFiles),
        fingerprint: certificateFingerprint(adminFiles.certPem),
      };
      validators = await Promise.all(names.validators.map((name, i) => identity(name, i)));
      frontends = await Promise.all(names.frontends.map((name, i) => identity(name, i)));
      orchestratorIdentity = await identity('orchestrator', 0);
      providerIdentities = await Promise.all(STACK_PROVIDER_REGIONS.map(([name], i) => identity(name, i)));
      signerIdentity = await identity('signer', 1);
      generatorIdentity = await identity(STACK_SHARD_GENERATOR, 0);
      deviceIdentities = await Promise.all(STACK_DEVICE_NAMES.map((name, i) => identity(name, i + 1)));
      spareDeviceIdentity = await identity(STACK_SPARE_DEVICE, 0);
      moduleIdentities = await Promise.all(STACK_MODULE_NAMES.map((name, i) => identity(name, i)));
    } else {
      step(2, 'ledger: Hyperledger Fabric network from its connection file');
      connectionFile = resolve(options.connectionFile ?? 'network/test-network/connection.json');
      if (!existsSync(connectionFile)) {
        throw new Error(
          `no connection file at ${connectionFile}: run network/test-network/network.sh up createChannel deployCC`,
        );
      }
      const file = readConnectionFile(connectionFile);
      const fromFile = (name: string, mspId: string, role: 'admin' | 'user'): Identity => {
        const fabric = configFromConnectionFile(file, { mspId, role });
        return { name, fabric, fingerprint: certificateFingerprint(readFileSync(fabric.certPath, 'utf8')) };
      };
      const orgs = file.orgs.map((org) => org.mspId);
      const orgAt = (i: number): string => orgs[i % orgs.length] as string;
      ledgerEndpoint = file.endpoint;
      // A test network has one user and one admin per organisation: validators act as the users, front-ends
      // as the admins of the first organisations (the ledger roles, not the certificates, decide what they may do).
      admin = fromFile('admin', orgAt(0), 'admin');
      validators = names.validators.map((name, i) => fromFile(name, orgAt(i), 'user'));
      frontends = names.frontends.map((name, i) => fromFile(name, orgAt(i), 'admin'));
      // The admin also orchestrates, and providers act as the organisations' users (as validators do): a member
      // may hold several roles, and none of these publishes a key-wrapping key twice.
      orchestratorIdentity = { ...admin, name: 'orchestrator' };
      providerIdentities = STACK_PROVIDER_REGIONS.map(([name], i) => ({
        ...fromFile(name, orgAt(i), 'user'),
        name,
      }));
      signerIdentity = { ...fromFile('signer', orgAt(2), 'admin'), name: 'signer' };
      // The generator acts as the first organisation's user (a provider, like the key providers); each device
      // as another organisation's user, so that the two devices are two identities.
      generatorIdentity = {
        ...fromFile(STACK_SHARD_GENERATOR, orgAt(0), 'user'),
        name: STACK_SHARD_GENERATOR,
      };
      deviceIdentities = STACK_DEVICE_NAMES.map((name, i) => ({
        ...fromFile(name, orgAt(i + 1), 'user'),
        name,
      }));
      spareDeviceIdentity = { ...fromFile(STACK_SPARE_DEVICE, orgAt(0), 'admin'), name: STACK_SPARE_DEVICE };
      // Each security module must be an identity of its own (its certificate is its TLS client certificate and
      // names it to its peers); a test network's four identities already serve other roles.
      moduleIdentities = [];
    }
    progress(`      ${ledgerEndpoint}; connection file ${connectionFile}`);

    step(3, 'governance: bootstrap, validators (genesis + quorum proposals), front-ends');
    const connections: FabricConnection[] = [];
    closers.push(() => connections.forEach((connection) => connection.close()));
    const ledgerOf = (who: Identity): GovernanceLedger => {
      const connection = FabricConnection.open(who.fabric);
      connections.push(connection);
      return new GovernanceLedger(connection);
    };
    const spec = (who: Identity): MemberSpec => ({
      name: who.name,
      mspId: who.fabric.mspId,
      fingerprint: who.fingerprint,
    });
    const adminLedger = ledgerOf(admin);
    const bootstrap = await ensureBootstrapped(adminLedger);
    const byName = new Map(validators.map((v) => [v.name, v]));
    await ensureValidators(adminLedger, validators.map(spec), (member) =>
      ledgerOf(byName.get(member.name) as Identity),
    );
    await ensureMembers(adminLedger, frontends.map(spec), 'frontend');
    progress(
      `      governance ${bootstrap}; ${validators.length} validators, ${frontends.length} front-ends`,
    );

    step(4, 'agents: front-end nodes, then validator agents');
    const agentDir = join(dataDir, 'agents');
    mkdirSync(agentDir, { recursive: true });
    const common = (
      who: Identity,
    ): Pick<
      FrontendNodeOptions,
      'name' | 'fabric' | 'token' | 'logger' | 'checkpointPath' | 'startBlock'
    > => {
      const credentials = tokenOf(who.name);
      const checkpointPath = join(agentDir, `${who.name}.checkpoint.json`);
      return {
        name: who.name,
        fabric: who.fabric,
        token: { label: credentials.label, pin: credentials.pin },
        logger,
        checkpointPath,
        ...(startBlock && !existsSync(checkpointPath) ? { startBlock: startBlock() } : {}),
      };
    };
    const frontendNodes: FrontendNode[] = [];
    for (const who of frontends) {
      const node = await FrontendNode.start({
        ...common(who),
        volume: { journalPath: join(agentDir, `${who.name}.volume.json`) },
      });
      frontendNodes.push(node);
      closers.push(() => node.stop());
    }
    const validatorAgents: ValidatorAgent[] = [];
    for (const who of validators) {
      const agent = await ValidatorAgent.start(common(who));
      validatorAgents.push(agent);
      closers.push(() => agent.stop());
    }

    step(5, 'key providers: three processes (own SoftHSM tokens, mutual TLS), the orchestrator, a demo key');
    await ensureMembers(adminLedger, [spec(orchestratorIdentity)], 'orchestrator');
    const providerProcesses = await startStackProviders({
      admin: adminLedger,
      providers: providerIdentities.map((who, i) => ({
        name: who.name,
        region: STACK_PROVIDER_REGIONS[i]?.[1] ?? 'eu-west',
        fabric: who.fabric,
        fingerprint: who.fingerprint,
      })),
      dataDir,
      logger,
    });
    closers.push(() => Promise.all(providerProcesses.map((p) => p.stop())).then(() => undefined));
    const orchestratorCheckpoint = join(agentDir, 'orchestrator.checkpoint.json');
    const orchestrator = await OrchestratorNode.start({
      name: 'orchestrator',
      fabric: orchestratorIdentity.fabric,
      region: STACK_PROVIDER_REGIONS[0]?.[1] ?? 'eu-west',
      dataDir: agentDir,
      logger,
      follow: {
        checkpointPath: orchestratorCheckpoint,
        ...(startBlock && !existsSync(orchestratorCheckpoint) ? { startBlock: startBlock() } : {}),
      },
    });
    closers.push(() => orchestrator.stop());
    const adminConnection = FabricConnection.open(admin.fabric);
    connections.push(adminConnection);
    const demo = await ensureDemoKey({
      replicator: orchestrator.replicator,
      admin: adminConnection,
      grantees: [spec(admin), ...frontends.slice(0, 1).map(spec)],
    });
    for (const p of providerProcesses) {
      progress(`      ${p.name} ${p.url} (pid ${p.pid}; log ${p.logFile})`);
    }
    progress(
      `      key ${DEMO_KEY_ID} on ${demo.providers.join(', ')} (key check value ${demo.keyCheckValue})`,
    );

    step(
      6,
      'signing service: two CAs (processes, own SoftHSM tokens), its key in its token, the durable queue',
    );
    const signing = await startStackSigning({
      admin: adminLedger,
      signer: signerIdentity,
      token: tokenOf('signer'),
      dataDir,
      logger,
    });
    closers.push(() => signing.stop());
    for (const ca of signing.cas) {
      progress(`      ${ca.name} ${ca.url} (pid ${ca.pid}; log ${ca.logFile})`);
    }
    progress(
      `      service ${STACK_SIGNING_SERVICE_ID}: active key ${signing.service.keys.peek()?.kid ?? '(none)'}, queue ${join(dataDir, 'signing')}`,
    );

    step(7, 'device key shards: the generator (own SoftHSM token, role provider) and two simulated devices');
    const shardsCapability = await startStackShards({
      admin: adminLedger,
      generator: generatorIdentity,
      devices: deviceIdentities,
      spare: spareDeviceIdentity,
      tokenOf,
      hsmDir,
      dataDir,
      logger,
    });
    closers.push(() => shardsCapability.stop());
    for (const device of shardsCapability.devices) {
      progress(
        `      ${device.deviceId}: epoch ${device.agent.state.epoch ?? '(none)'} of ${STACK_SHARD_POLICY.n} shards (${device.dir})`,
      );
    }

    step(
      8,
      'threshold custody: five security modules (processes, own SoftHSM tokens, mutual TLS), a 3-of-5 key',
    );
    let thresholdCapability: StackThreshold | undefined;
    if (moduleIdentities.length > 0) {
      thresholdCapability = await startStackThreshold({
        admin: adminLedger,
        adminConnection,
        orchestrator: orchestratorIdentity,
        modules: moduleIdentities,
        dataDir,
        logger,
      });
      const started = thresholdCapability;
      closers.push(() => started.stop());
      for (const module of started.modules) {
        progress(`      ${module.name} ${module.url} (pid ${module.pid}; log ${module.logFile})`);
      }
      progress(
        `      key ${started.keyId}: ${STACK_CUSTODY_POLICY.t}-of-${STACK_CUSTODY_POLICY.n}, ${started.generated ? 'made by DKG now' : 'shares found in the modules'}; group public key ${started.groupPublicKey}`,
      );
    } else {
      progress(
        '      skipped on a Fabric network: each module needs an identity of its own (enroll five with your CA, give them the role module, and run `keyledger module start`)',
      );
    }

    step(9, 'REST API');
    const tokenStore = new ApiTokenStore({ path: join(dataDir, 'api', 'tokens.json') });
    const profilePath = join(dataDir, 'profile.json');
    const apiTokens = bootstrapTokens({
      store: tokenStore,
      profilePath,
      legacyPath: join(dataDir, 'api-tokens.json'),
      names: ['admin', ...names.validators, ...names.frontends, signerIdentity.name],
    });
    const everyone: { who: Identity; role: StackParticipant['role'] }[] = [
      { who: admin, role: 'admin' },
      ...validators.map((who) => ({ who, role: 'validator' as const })),
      ...frontends.map((who) => ({ who, role: 'frontend' as const })),
      { who: signerIdentity, role: 'signer' },
    ];
    const identities = fabricIdentityResolver(
      everyone.map(({ who }) => ({ name: who.name, fabric: who.fabric })),
    );
    closers.push(() => identities.close());
    const adminCaller = identities.callers.get('admin');
    const app = createApp({
      identities: tokenStoreResolver(tokenStore, identities.callers),
      modules: [
        governanceApi(),
        tokenApi({ store: tokenStore, identities: identities.callers }),
        rotationApi({
          validators: new Map(validatorAgents.map((agent) => [agent.name, agent])),
          frontends: new Map(frontendNodes.map((node) => [node.name, node])),
        }),
        providersApi({
          orchestrator: orchestrator.orchestrator,
          access: orchestrator.access,
          replicator: orchestrator.replicator,
          reporting: () => orchestrator.reporter.stats(),
        }),
        signingApi({ service: signing.service, validator: signing.validator }),
        shardsApi({
          generator: shardsCapability.generator,
          scheduler: shardsCapability.scheduler,
          health: { token: shardsCapability.generatorToken },
        }),
        ...(thresholdCapability
          ? [thresholdApi({ service: thresholdCapability.service, health: { ledger: adminConnection } })]
          : []),
      ],
      logger,
      health: adminCaller
        ? [ledgerReachableCheck('ledger', () => new GovernanceLedger(adminCaller.ledger).whoAmI())]
        : [],
    });
    const api: ApiServer = await startApiServer({
      app,
      host: '127.0.0.1',
      port: options.apiPort ?? 8080,
    }).catch((error: unknown) => {
      throw portError(error, options.apiPort ?? 8080, '--api-port');
    });
    closers.push(() => api.close());
    writeProfile(profilePath, { url: api.url, default: 'admin', tokens: apiTokens });

    step(10, 'ready');
    return {
      apiUrl: api.url,
      ledgerEndpoint,
      connectionFile,
      logFile,
      profilePath,
      ...(embedded ? { devnet: embedded } : {}),
      providers: providerProcesses.map((p, i) => ({
        name: p.name,
        region: STACK_PROVIDER_REGIONS[i]?.[1] ?? 'eu-west',
        url: p.url,
        pid: p.pid,
        pidFile: join(dataDir, 'providers', p.name, 'provider.pid'),
        logFile: p.logFile,
      })),
      demoKeyId: DEMO_KEY_ID,
      cas: signing.cas.map((ca) => ({
        name: ca.name,
        url: ca.url,
        pid: ca.pid,
        pidFile: join(ca.dataDir, CA_PID_FILE),
        logFile: ca.logFile,
      })),
      signingServiceId: STACK_SIGNING_SERVICE_ID,
      devices: shardsCapability.devices.map((device) => ({ deviceId: device.deviceId, dir: device.dir })),
      ...(shardsCapability.spare ? { spareDevice: shardsCapability.spare } : {}),
      ...(thresholdCapability
        ? {
            threshold: {
              keyId: thresholdCapability.keyId,
              groupPublicKey: thresholdCapability.groupPublicKey,
              cheater: STACK_DEMO_CHEATER,
              modules: thresholdCapability.modules.map((module) => ({
                name: module.name,
                url: module.url,
                pid: module.pid,
                pidFile: module.pidFile,
                logFile: module.logFile,
              })),
            },
          }
        : {}),
      participants: everyone.map(({ who, role }) => ({
        name: who.name,
        role,
        mspId: who.fabric.mspId,
        apiToken: apiTokens[who.name] as string,
      })),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
