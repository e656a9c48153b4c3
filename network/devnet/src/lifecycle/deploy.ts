import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ChaincodeSupport, LaunchSpec } from '../chaincode';
import { computePackageId } from '../chaincode/package-id';
import { parseCollections } from './collections';
import { ChaincodeDefinitions, DEFAULT_ENDORSEMENT_POLICY, type ChaincodeDefinition } from './definitions';

/** Options of `deploy`: endorsement policy, private data collections, Node inspector. */
export interface DeployOptions {
  /** 'MAJORITY' (default) | 'ANY' | 'ALL' | a signature policy, e.g. "AND('Org1MSP.peer','Org2MSP.peer')". */
  readonly policy?: string;
  /** Collections config: JSON text, or the path of a JSON file. */
  readonly collections?: string;
  /** Start the chaincode with the Node inspector (true → 127.0.0.1:9229, or a port); always restarts it. */
  readonly inspect?: boolean | number;
}

/** What `deploy` did: the definition in force, and whether it is a new one (a new sequence). */
export interface DeployResult extends ChaincodeDefinition {
  /** False when package, policy and collections were those deployed already: the sequence is kept. */
  readonly changed: boolean;
}

/** What deploying needs from the rest of the devnet. */
export interface DeployContext {
  readonly definitions: ChaincodeDefinitions;
  readonly chaincodes: ChaincodeSupport;
  readonly mspIds: readonly string[];
  /** Throws for policy text that is not a policy over the channel's organisations. */
  checkPolicy(policy: string): void;
  /** The launch spec of a chaincode folder (peer address, TLS, logs). */
  launchSpec(name: string, folder: string, inspect?: boolean | number): LaunchSpec;
  /** `<data>/chaincodes.json`: definitions survive a restart. */
  readonly registryFile: string;
  readonly log: (line: string) => void;
}

function isAddress(source: string): boolean {
  return /^[A-Za-z0-9.-]+:\d+$/.test(source) || /^\[[0-9a-fA-F:]+\]:\d+$/.test(source);
}

async function loadCollections(value: string | undefined): Promise<string | undefined> {
  if (value === undefined || value.trim().startsWith('[') || value.trim().startsWith('{')) return value;
  return fs.readFile(path.resolve(value), 'utf8');
}

/**
 * The devnet's light lifecycle: install + approve + commit in one step. Like Fabric's, it is idempotent: deploying
 * the package, policy and collections that are in force already keeps the definition and its sequence (Fabric would
 * refuse a redundant commit; a script that runs `deploy` on every start should not see a new version each time) and
 * only starts the chaincode if it is not running. A changed package (another package id: the hash of the folder's
 * files), policy or collections config is a new definition with the next sequence, and the chaincode is restarted.
 */
export async function deployChaincode(
  context: DeployContext,
  name: string,
  source: string,
  options: Readonly<DeployOptions> = {},
): Promise<DeployResult> {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`invalid chaincode name '${name}'`);
  const policy = options.policy ?? DEFAULT_ENDORSEMENT_POLICY;
  context.checkPolicy(policy);
  const collections = await loadCollections(options.collections);
  if (collections !== undefined) parseCollections(collections, context.mspIds);
  const kind = isAddress(source) ? 'ccaas' : 'path';
  const resolved = kind === 'path' ? path.resolve(source) : source;
  if (kind === 'path') {
    await fs.access(path.join(resolved, 'package.json')).catch(() => {
      throw new Error(`${resolved} is not a chaincode folder: it has no package.json`);
    });
  }
  // a chaincode-as-a-service package is its address: the code behind it is the server's business
  const packageId = kind === 'path' ? await computePackageId(name, resolved) : `${name}:${resolved}`;
  const previous = context.definitions.get(name);
  const changed =
    previous === undefined ||
    previous.kind !== kind ||
    previous.source !== resolved ||
    previous.packageId !== packageId ||
    previous.policy !== policy ||
    previous.collections !== collections;

  const running = context.chaincodes.info(name);
  const inspect = options.inspect !== undefined && options.inspect !== false;
  const mustStart =
    changed ||
    !running?.ready ||
    (kind === 'path' && running.ccid !== packageId) ||
    inspect ||
    Boolean(previous?.inspect);
  if (mustStart) {
    if (kind === 'path') await context.chaincodes.launch(context.launchSpec(name, resolved, options.inspect));
    else await context.chaincodes.connect({ name, address: resolved });
  }

  const definition: ChaincodeDefinition =
    previous !== undefined && !changed
      ? { ...withoutInspect(previous), ...(inspect ? { inspect: true } : {}) }
      : {
          name,
          source: resolved,
          kind,
          packageId,
          policy,
          ...(collections !== undefined ? { collections } : {}),
          sequence: (previous?.sequence ?? 0) + 1,
          ...(inspect ? { inspect: true } : {}),
        };
  context.definitions.set(definition);
  await writeRegistry(context.registryFile, context.definitions.list());
  context.log(
    changed
      ? `deployed chaincode ${name} (${kind} ${resolved}, policy ${policy}, sequence ${definition.sequence})`
      : `chaincode ${name} unchanged (package ${packageId}, sequence ${definition.sequence})${mustStart ? ', started' : ', running'}`,
  );
  return { ...definition, changed };
}

function withoutInspect(definition: ChaincodeDefinition): ChaincodeDefinition {
  const { inspect: _inspect, ...rest } = definition;
  void _inspect;
  return rest;
}

/** Replaces the registry file atomically (a crash leaves the old or the new one, never half of one). */
export async function writeRegistry(
  file: string,
  definitions: readonly ChaincodeDefinition[],
): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, `${JSON.stringify(definitions, null, 2)}\n`);
  await fs.rename(tmp, file);
}
